/**
 * The naive baseline that {@link normalizeImage} is measured against:
 * squash the whole image to 28x28 and invert it when the background is
 * light. No cropping, no centring, no lighting correction.
 *
 * @module
 */

import { resize } from "./resize.ts";
import type { GrayImage } from "./raster.ts";

/**
 * Squashes a photo-convention image (1 = white) to 28x28 (area resampling)
 * and returns 784 ink values (ink = 1): inverted when the mean of the
 * border pixels is above 0.5 (light paper), as is otherwise.
 *
 * @example
 * ```ts
 * import { naiveNormalize } from "./naive.ts";
 * const white = { width: 56, height: 56, data: new Float32Array(56 * 56).fill(1) };
 * console.log(naiveNormalize(white).every((v) => v === 0)); // true
 * ```
 */
export function naiveNormalize(img: GrayImage): Float32Array {
  const small = resize(img, { width: 28, height: 28 }).data;
  let sum = 0, count = 0;
  for (let i = 0; i < 28; i++) {
    sum += small[i] + small[27 * 28 + i] + small[i * 28] + small[i * 28 + 27];
    count += 4;
  }
  return sum / count > 0.5 ? small.map((v) => 1 - v) : small;
}
