/**
 * Reading back the SVG pictures that display code embeds in HTML as
 * `data:image/svg+xml;base64,…` images.
 *
 * @module
 */

/**
 * The SVG documents of every `<img src="data:image/svg+xml;base64,…">` in
 * `html`, decoded, in order.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { svgImages } from "./svg_images.ts";
 * const html = `<img src="data:image/svg+xml;base64,${btoa("<svg/>")}">`;
 * assertEquals(svgImages(html), ["<svg/>"]);
 * ```
 */
export function svgImages(html: string): string[] {
  return [...html.matchAll(/src="data:image\/svg\+xml;base64,([^"]+)"/g)].map((m) =>
    new TextDecoder().decode(Uint8Array.from(atob(m[1]), (c) => c.charCodeAt(0)))
  );
}
