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
 * import { assertEquals } from "@std/assert";
 * import { naiveNormalize } from "./naive.ts";
 * const data = new Float32Array(56 * 56).fill(1); // white paper
 * for (let y = 20; y < 36; y++) data.fill(0, y * 56 + 20, y * 56 + 36); // a black square
 * const pixels = naiveNormalize({ width: 56, height: 56, data });
 * assertEquals([pixels.length, pixels[0], pixels[14 * 28 + 14]], [784, 0, 1]); // paper 0, ink 1
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
