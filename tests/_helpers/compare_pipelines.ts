/**
 * A test-only measurement: how often a classifier reads labelled images
 * correctly after the naive squash (`naiveNormalize`) and after full
 * normalisation (`readDigit`).
 *
 * @module
 */

import { InvalidArgumentError } from "../../lib/core/errors.ts";
import { naiveNormalize } from "../../lib/image/naive.ts";
import { readDigit } from "../../lib/image/read.ts";
import type { Classify, GrayImage } from "../../lib/image/raster.ts";

/** A labelled image for {@link comparePipelines}. */
export interface LabelledImage {
  /** The image (photo convention, 1 = white). */
  image: GrayImage;
  /** The true digit. */
  label: number;
}

/** Accuracy of each pipeline in {@link comparePipelines}. */
export interface PipelineComparison {
  /** Fraction read correctly after `naiveNormalize`. */
  naive: number;
  /** Fraction read correctly by `readDigit` (no ink counts as wrong). */
  normalized: number;
  /** Number of images. */
  count: number;
}

function argmax(p: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < p.length; i++) if (p[i] > p[best]) best = i;
  return best;
}

/**
 * Measures how often `classify` reads `samples` correctly after the naive
 * squash and after full normalisation.
 *
 * @throws {InvalidArgumentError} when `samples` is empty.
 */
export async function comparePipelines(
  samples: LabelledImage[],
  classify: Classify,
): Promise<PipelineComparison> {
  if (samples.length === 0) throw new InvalidArgumentError("comparePipelines needs samples");
  let naive = 0, normalized = 0;
  for (const { image, label } of samples) {
    if (argmax(await classify(naiveNormalize(image))) === label) naive++;
    if ((await readDigit(image, classify)).digit === label) normalized++;
  }
  return {
    naive: naive / samples.length,
    normalized: normalized / samples.length,
    count: samples.length,
  };
}
