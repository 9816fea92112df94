/**
 * A stand-in model for the web tests: it reads narrow ink as 1 and wide
 * ink as 7, so what it answers depends on what was really drawn, and it
 * keeps every input it was given.
 *
 * @module
 */

import type { Classify } from "../../lib/image/raster.ts";

/** What the stand-in answers for narrow ink: 1 at 86 %. */
export const ONE = [0.01, 0.86, 0.02, 0.01, 0.03, 0.01, 0.01, 0.04, 0.01, 0];
/** What the stand-in answers for wide ink: 7 at 83 %. */
export const SEVEN = [0.01, 0.05, 0.03, 0.02, 0.01, 0.01, 0, 0.83, 0.01, 0.03];

/** Number of 28x28 columns holding ink above 0.3. */
export function inkWidth(pixels: Float32Array): number {
  let lo = 28, hi = -1;
  for (let i = 0; i < pixels.length; i++) {
    if (pixels[i] > 0.3) {
      lo = Math.min(lo, i % 28);
      hi = Math.max(hi, i % 28);
    }
  }
  return Math.max(0, hi - lo + 1);
}

/** A stand-in classifier and the inputs it has been given. */
export function widthClassifier(): { classify: Classify; inputs: Float32Array[] } {
  const inputs: Float32Array[] = [];
  return {
    inputs,
    classify: (pixels) => {
      inputs.push(pixels.slice());
      return inkWidth(pixels) < 9 ? ONE : SEVEN;
    },
  };
}
