/**
 * The external test set the eval tests share: this project's stroke digits
 * in MNIST format as the source, and a small set rendered from them once.
 */

import type { Dataset } from "../../lib/data/dataset.ts";
import { type ExternalSet, generateExternalSet } from "../../lib/eval/external_scenes.ts";
import { normalizeImage } from "../../lib/image/normalize.ts";
import { drawDigit, inkToGray } from "../../lib/image/synth/scenes.ts";
import { createRng } from "../../lib/core/random.ts";

/** `count` of this project's stroke digits in MNIST format, labels 0, 7, 4, 1, ... */
export function strokeDigits(count: number, seed: number): Dataset {
  const rng = createRng(seed);
  const images = new Float32Array(count * 784);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    labels[i] = (i * 7) % 10;
    const ink = drawDigit(labels[i], { size: 120, penWidth: 10, rng, variation: 0.5 });
    images.set(normalizeImage(inkToGray(ink)).pixels, i * 784);
  }
  return { images, labels, count, rows: 28, cols: 28, numClasses: 10, source: "strokes" };
}

/** 30 stroke digits: the source of the shared set. */
export const SOURCE: Dataset = strokeDigits(30, 1);

let cached: ExternalSet | undefined;

/** 6 images of each kind and 4 numbers from {@link SOURCE}, seed 3 (made once). */
export async function smallSet(): Promise<ExternalSet> {
  cached ??= await generateExternalSet(SOURCE, { perKind: 6, numbers: 4, seed: 3 });
  return cached;
}
