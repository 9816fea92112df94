/**
 * The corrections the concurrency test's writers add: each one different
 * and derived from (child, i), so the parent can rebuild what every row
 * must hold and check it whole.
 *
 * @module
 */

import { encodeGrayPng } from "../../lib/image/encode.ts";
import type { CorrectionInput } from "../../lib/feedback/validate.ts";

/** The pixels of writer `child`'s `i`-th correction: a ramp that differs for every (child, i). */
export function childPixels(child: number, i: number): Float32Array {
  const pixels = new Float32Array(784);
  for (let j = 0; j < 784; j++) pixels[j] = ((child * 131 + i * 7 + j) % 256) / 255;
  return pixels;
}

/** Writer `child`'s `i`-th correction. */
export function childCorrection(child: number, i: number): CorrectionInput {
  const pixels = childPixels(child, i);
  return {
    imageBytes: encodeGrayPng({ width: 28, height: 28, data: pixels }),
    fileName: `w${child}_${i}.png`,
    pixels,
    reading: String((child + i + 1) % 10),
    confidence: (i % 100) / 100,
    label: (child + i) % 10,
    modelId: child.toString(16).padStart(64, "c"),
    origin: (["web", "cli", "notebook"] as const)[child % 3],
  };
}
