/**
 * Corrections made in code for the store's tests: a real PNG (encoded here,
 * so the bytes are a valid image), a 28x28 with a stroke, a model id.
 *
 * @module
 */

import { encodeGrayPng } from "../../lib/image/mod.ts";
import type { CorrectionInput } from "../../lib/feedback/mod.ts";

/** A 28x28 with a vertical bar of ink (a "1"), values 0 and 1. */
export function barPixels(): Float32Array {
  const pixels = new Float32Array(784);
  for (let y = 4; y < 24; y++) pixels[y * 28 + 13] = pixels[y * 28 + 14] = 1;
  return pixels;
}

/** A valid correction: the bar as a PNG (paper white, ink black) read as `reading`, labelled `label`. */
export function sampleCorrection(overrides: Partial<CorrectionInput> = {}): CorrectionInput {
  const pixels = barPixels();
  const paper = pixels.map((v) => 1 - v);
  return {
    imageBytes: encodeGrayPng({ width: 28, height: 28, data: paper }),
    fileName: "bar.png",
    pixels,
    reading: "7",
    confidence: 0.55,
    label: 1,
    modelId: "ab".repeat(32),
    origin: "cli",
    ...overrides,
  };
}
