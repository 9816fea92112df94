/**
 * `npm:sharp`, loaded on first use. sharp is a native addon (libvips), so
 * loading it needs `--allow-ffi`; loading it lazily lets the commands that
 * never decode or encode an image (`train`, `evaluate`, `profile`) import
 * this layer without that permission, and start without loading libvips.
 *
 * @module
 */

import type sharp from "sharp";

let loading: Promise<typeof sharp> | undefined;

/**
 * The `sharp` function, importing the package the first time.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { loadSharp } from "./sharp_module.ts";
 * const sharp = await loadSharp();
 * const meta = await sharp({ create: { width: 3, height: 2, channels: 3, background: "#fff" } })
 *   .png().toBuffer().then((png) => sharp(png).metadata());
 * assertEquals([meta.width, meta.height], [3, 2]);
 * ```
 */
export function loadSharp(): Promise<typeof sharp> {
  loading ??= import("sharp").then((module) => module.default);
  return loading;
}
