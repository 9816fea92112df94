/**
 * SVG pictures that survive every notebook frontend. An untrusted notebook
 * (after nbclient or nbconvert, or someone else's executed copy) has its
 * `text/html` sanitised: the classic Notebook and JupyterLab drop `<script>`,
 * `<svg>` and every `style` attribute, so an inline chart collapses into its
 * bare labels ("loss012012345678910epoch…"). An `<img>` whose `src` is a
 * `data:image/svg+xml` URI is kept by both sanitisers (they skip the scheme
 * check on `src`), so charts go into the HTML as such images, and the same
 * SVG also travels as the bundle's `image/svg+xml` entry.
 *
 * @module
 */

import { InvalidArgumentError } from "../core/mod.ts";
import { escapeHtml } from "./jupyter.ts";
import { toBase64 } from "./images.ts";

const encoder = new TextEncoder();

/**
 * The width and height of an SVG document, from its root element's
 * `width` and `height` attributes (in pixels).
 *
 * @throws {InvalidArgumentError} when the text does not start with an
 *   `<svg>` element that has positive numeric `width` and `height`.
 *
 * @example
 * ```ts
 * import { assertEquals, assertThrows } from "@std/assert";
 * import { InvalidArgumentError } from "../core/mod.ts";
 * import { svgSize } from "./svg_image.ts";
 * assertEquals(svgSize('<svg xmlns="http://www.w3.org/2000/svg" width="320" height="200"/>'), {
 *   width: 320,
 *   height: 200,
 * });
 * assertThrows(() => svgSize("<div>"), InvalidArgumentError, "<svg");
 * ```
 */
export function svgSize(svg: string): { width: number; height: number } {
  const root = svg.trimStart().match(/^<svg\b[^>]*>/)?.[0];
  const attribute = (name: string) => Number(root?.match(new RegExp(`\\s${name}="([^"]+)"`))?.[1]);
  const [width, height] = [attribute("width"), attribute("height")];
  if (!root || !(width > 0) || !(height > 0)) {
    throw new InvalidArgumentError(
      `expected an <svg> element with a positive width and height, got ${
        JSON.stringify(svg.slice(0, 60))
      }`,
    );
  }
  return { width, height };
}

/**
 * An SVG document as a `data:image/svg+xml;base64,…` URI.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { svgDataUri } from "./svg_image.ts";
 * const uri = svgDataUri("<svg/>");
 * assertEquals(atob(uri.slice(uri.indexOf(",") + 1)), "<svg/>");
 * ```
 */
export function svgDataUri(svg: string): string {
  return `data:image/svg+xml;base64,${toBase64(encoder.encode(svg))}`;
}

/**
 * An `<img>` element showing an SVG document through a data URI, at the
 * SVG's own size: no script and no inline `<svg>`, so sanitised HTML keeps it.
 *
 * @throws {InvalidArgumentError} (from {@linkcode svgSize}) when the SVG has no size.
 *
 * @example
 * ```ts
 * import { assertMatch } from "@std/assert";
 * import { svgImageTag } from "./svg_image.ts";
 * const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20"></svg>';
 * const tag = svgImageTag(svg, { alt: "a <chart>" });
 * assertMatch(tag, /^<img src="data:image\/svg\+xml;base64,[^"]+" width="40" height="20"/);
 * assertMatch(tag, /alt="a &lt;chart&gt;"/);
 * ```
 */
export function svgImageTag(svg: string, options: { alt: string; className?: string }): string {
  const { width, height } = svgSize(svg);
  const cls = options.className ? ` class="${escapeHtml(options.className)}"` : "";
  return `<img${cls} src="${svgDataUri(svg)}" width="${width}" height="${height}" alt="${
    escapeHtml(options.alt)
  }">`;
}

/**
 * Places an SVG document inside another at `(x, y)`: its root element
 * becomes a nested `<svg>` with those coordinates.
 *
 * @throws {InvalidArgumentError} when `svg` does not start with an `<svg>` element.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { placeSvg } from "./svg_image.ts";
 * assertEquals(placeSvg('<svg width="4" height="2"></svg>', 10, 5), '<svg x="10" y="5" width="4" height="2"></svg>');
 * ```
 */
export function placeSvg(svg: string, x: number, y: number): string {
  const trimmed = svg.trimStart();
  if (!trimmed.startsWith("<svg ")) {
    throw new InvalidArgumentError(
      `expected an <svg> element, got ${JSON.stringify(svg.slice(0, 40))}`,
    );
  }
  return `<svg x="${x}" y="${y}" ${trimmed.slice("<svg ".length)}`;
}
