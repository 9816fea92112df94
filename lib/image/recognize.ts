/**
 * Reading digits from images with any classifier: the caller passes a
 * `Classify` function (784 ink values in, 10 probabilities out), so this
 * module works with whatever model is trained later and with test doubles.
 *
 * @module
 */

import { InvalidArgumentError } from "../core/mod.ts";
import { naiveNormalize } from "./naive.ts";
import { normalizeImage, type NormalizeOptions } from "./normalize.ts";
import { segmentDigits, type SegmentOptions } from "./segment.ts";
import type { Box, Classify, GrayImage } from "./raster.ts";

/**
 * What {@link recognizeDigit} read.
 *
 * @example
 * ```ts
 * import type { DigitReading } from "./recognize.ts";
 * const r: DigitReading = {
 *   digit: 7,
 *   probabilities: [0, 0.01, 0.02, 0, 0, 0, 0, 0.96, 0, 0.01],
 *   box: { x: 30, y: 12, width: 40, height: 76 },
 * };
 * ```
 */
export interface DigitReading {
  /** The most probable digit, or null when the image holds no ink. */
  digit: number | null;
  /** The classifier's 10 probabilities, or null when nothing was classified. */
  probabilities: number[] | null;
  /** Where the digit is in the image (null when no ink). */
  box: Box | null;
}

async function classifyChecked(classify: Classify, pixels: Float32Array): Promise<number[]> {
  const p = Array.from(await classify(pixels));
  if (p.length !== 10 || p.some((v) => !Number.isFinite(v))) {
    throw new InvalidArgumentError(
      `classify must return 10 finite probabilities, got [${p.slice(0, 12).join(", ")}]`,
    );
  }
  return p;
}

function argmax(p: number[]): number {
  let best = 0;
  for (let i = 1; i < p.length; i++) if (p[i] > p[best]) best = i;
  return best;
}

/**
 * Normalises an image of one digit and classifies it. A blank image gives
 * `digit: null` instead of a guess.
 *
 * @throws {InvalidArgumentError} when `classify` does not return 10 finite numbers.
 *
 * @example
 * ```ts
 * import { readImage } from "./decode.ts";
 * import { recognizeDigit } from "./recognize.ts";
 * const classify = (_: Float32Array) => [0, 0, 0, 0, 1, 0, 0, 0, 0, 0]; // a stand-in model
 * const r = await recognizeDigit(await readImage("data/examples/photo_4.jpg"), classify);
 * console.log(r.digit); // 4
 * ```
 */
export async function recognizeDigit(
  img: GrayImage,
  classify: Classify,
  options: NormalizeOptions = {},
): Promise<DigitReading> {
  const n = normalizeImage(img, options);
  if (!n.inkFound) return { digit: null, probabilities: null, box: null };
  const probabilities = await classifyChecked(classify, n.pixels);
  return { digit: argmax(probabilities), probabilities, box: n.box };
}

/**
 * What {@link recognizeNumber} read.
 *
 * @example
 * ```ts
 * import type { NumberReading } from "./recognize.ts";
 * const r: NumberReading = {
 *   text: "42",
 *   digits: [
 *     {
 *       digit: 4,
 *       probabilities: [0, 0, 0, 0, 0.97, 0, 0, 0, 0, 0.03],
 *       box: { x: 10, y: 8, width: 30, height: 48 },
 *     },
 *     {
 *       digit: 2,
 *       probabilities: [0, 0, 0.99, 0.01, 0, 0, 0, 0, 0, 0],
 *       box: { x: 52, y: 9, width: 28, height: 46 },
 *     },
 *   ],
 * };
 * ```
 */
export interface NumberReading {
  /** The digits as a string, left to right ("" when no ink). */
  text: string;
  /** Each digit with its probabilities and box. */
  digits: { digit: number; probabilities: number[]; box: Box }[];
}

/**
 * Segments a written number into digits and classifies each.
 *
 * @throws {InvalidArgumentError} when `classify` does not return 10 finite numbers.
 *
 * @example
 * ```ts
 * import { readImage } from "./decode.ts";
 * import { recognizeNumber } from "./recognize.ts";
 * const classify = (_: Float32Array) => [0.1, 0, 0.9, 0, 0, 0, 0, 0, 0, 0];
 * const r = await recognizeNumber(await readImage("data/examples/number_2024.png"), classify);
 * console.log(r.text.length); // 4
 * ```
 */
export async function recognizeNumber(
  img: GrayImage,
  classify: Classify,
  options: SegmentOptions = {},
): Promise<NumberReading> {
  const digits = [];
  for (const d of segmentDigits(img, options).digits) {
    const probabilities = await classifyChecked(classify, d.pixels);
    digits.push({ digit: argmax(probabilities), probabilities, box: d.box });
  }
  return { text: digits.map((d) => d.digit).join(""), digits };
}

/**
 * A labelled image for {@link comparePipelines}.
 *
 * @example
 * ```ts
 * import type { LabelledImage } from "./recognize.ts";
 * const li: LabelledImage = {
 *   image: { width: 64, height: 64, data: new Float32Array(64 * 64).fill(1) },
 *   label: 3,
 * };
 * ```
 */
export interface LabelledImage {
  /** The image (photo convention, 1 = white). */
  image: GrayImage;
  /** The true digit. */
  label: number;
}

/**
 * Accuracy of each pipeline in {@link comparePipelines}.
 *
 * @example
 * ```ts
 * import type { PipelineComparison } from "./recognize.ts";
 * const c: PipelineComparison = { naive: 0.55, normalized: 0.93, count: 120 };
 * ```
 */
export interface PipelineComparison {
  /** Fraction read correctly after `naiveNormalize`. */
  naive: number;
  /** Fraction read correctly after `normalizeImage` (no ink counts as wrong). */
  normalized: number;
  /** Number of images. */
  count: number;
}

/**
 * Measures how often a classifier reads labelled images correctly after
 * the naive squash and after full normalisation.
 *
 * @throws {InvalidArgumentError} when `samples` is empty.
 *
 * @example
 * ```ts
 * import { comparePipelines } from "./recognize.ts";
 * import { drawDigit, inkToGray } from "./synth/scenes.ts";
 * const samples = [{ image: inkToGray(drawDigit(1, { size: 64 })), label: 1 }];
 * const r = await comparePipelines(samples, () => [0, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
 * console.log(r.naive, r.normalized); // 1 1
 * ```
 */
export async function comparePipelines(
  samples: LabelledImage[],
  classify: Classify,
): Promise<PipelineComparison> {
  if (samples.length === 0) throw new InvalidArgumentError("comparePipelines needs samples");
  let naive = 0, normalized = 0;
  for (const { image, label } of samples) {
    if (argmax(await classifyChecked(classify, naiveNormalize(image))) === label) naive++;
    const n = normalizeImage(image);
    if (n.inkFound && argmax(await classifyChecked(classify, n.pixels)) === label) normalized++;
  }
  return {
    naive: naive / samples.length,
    normalized: normalized / samples.length,
    count: samples.length,
  };
}
