/**
 * Stroke width of an ink image, and thickening or thinning strokes toward
 * a target width. A thin ballpoint line in a large photo shrinks to a faint
 * hairline at MNIST's 20-pixel scale, and a marker to a blob; MNIST's
 * strokes are about 1.4–2.6 pixels wide (median 1.8) at that scale.
 *
 * @module
 */

import { InvalidArgumentError } from "../core/mod.ts";
import { maxFilter, minFilter } from "./filters.ts";
import type { GrayImage } from "./raster.ts";

/**
 * Mean stroke width of an ink image (1 = ink): twice the ink area over the
 * outline length, for pixels above `threshold` (default 0.5). For a long
 * straight stroke of width `w` this is `w`; the pixel staircase of slanted
 * strokes lengthens the outline, so they read up to ~25% thinner (the
 * MNIST-derived target in `mnist_format.ts` is measured the same way).
 * Returns 0 when there is no ink.
 *
 * @example
 * ```ts
 * import { assertAlmostEquals } from "@std/assert";
 * import { strokeWidth } from "./stroke_width.ts";
 * const data = new Float32Array(40 * 40);
 * for (let y = 5; y < 35; y++) data.fill(1, y * 40 + 10, y * 40 + 13); // 3 px wide, 30 long
 * assertAlmostEquals(strokeWidth({ width: 40, height: 40, data }), 2.73, 0.01); // ends count too
 * ```
 */
export function strokeWidth(img: GrayImage, threshold = 0.5): number {
  const { width: w, height: h, data } = img;
  let area = 0, edges = 0;
  for (let y = 0; y < h; y++) {
    const row = y * w;
    for (let x = 0; x < w; x++) {
      const i = row + x;
      if (!(data[i] > threshold)) continue;
      area++;
      // Each side that is the border or not ink is a piece of outline.
      if (!(x > 0 && data[i - 1] > threshold)) edges++;
      if (!(x < w - 1 && data[i + 1] > threshold)) edges++;
      if (!(y > 0 && data[i - w] > threshold)) edges++;
      if (!(y < h - 1 && data[i + w] > threshold)) edges++;
    }
  }
  return edges === 0 ? 0 : (2 * area) / edges;
}

/**
 * Options of {@link adjustStrokeWidth}.
 */
export interface StrokeOptions {
  /** Width to move toward, in pixels of this image. */
  target: number;
  /** Leave widths within [target / tolerance, target * tolerance] alone. Default 1.6 (about MNIST's 4th to 96th percentile). */
  tolerance?: number;
}

/**
 * Thickens (maximum filter) or thins (minimum filter) the strokes of an ink
 * image when their width is outside the tolerated range around `target`.
 * Returns the image unchanged (same object) when no change is needed.
 *
 * @throws {InvalidArgumentError} when `target` is not positive or
 * `tolerance` is below 1.
 *
 * @example
 * ```ts
 * import { assert, assertStrictEquals } from "@std/assert";
 * import { adjustStrokeWidth, strokeWidth } from "./stroke_width.ts";
 * const data = new Float32Array(80 * 80);
 * for (let y = 10; y < 70; y++) data[y * 80 + 40] = 1; // a 1 px hairline
 * const thick = adjustStrokeWidth({ width: 80, height: 80, data }, { target: 7 });
 * assert(strokeWidth(thick) > 5);
 * assertStrictEquals(adjustStrokeWidth(thick, { target: 6 }), thick); // close enough: unchanged
 * ```
 */
export function adjustStrokeWidth(img: GrayImage, options: StrokeOptions): GrayImage {
  const { target } = options;
  const tolerance = options.tolerance ?? 1.6;
  if (!(target > 0)) {
    throw new InvalidArgumentError(`target stroke width must be > 0, got ${target}`);
  }
  if (!(tolerance >= 1)) throw new InvalidArgumentError(`tolerance must be >= 1, got ${tolerance}`);
  const width = strokeWidth(img);
  if (width === 0) {
    // Only faint ink (nothing above 0.5): measure at a lower level.
    const faint = strokeWidth(img, 0.1);
    if (faint === 0) return img;
    return maxFilter(img, Math.max(1, Math.round((target - faint) / 2)));
  }
  if (width < target / tolerance) {
    return maxFilter(img, Math.max(1, Math.round((target - width) / 2)));
  }
  if (width > target * tolerance) {
    return minFilter(img, Math.max(1, Math.round((width - target) / 2)));
  }
  return img;
}
