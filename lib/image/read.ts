/**
 * Reading digits from images with any classifier: {@link readDigit} for an
 * image of one digit, {@link readNumber} for a written number. The caller
 * passes a `Classify` function (784 ink values in, 10 probabilities out), so
 * this module works with whatever model is trained later and with test
 * doubles.
 *
 * @module
 */

import { InvalidArgumentError } from "../core/mod.ts";
import { normalizeImage, type NormalizeOptions } from "./normalize.ts";
import { scaleBox } from "./components.ts";
import { bestPath, type PathOptions } from "./number_path.ts";
import { overSegment, type OverSegmentOptions } from "./oversegment.ts";
import type { Box, Classify, GrayImage, PipelineStep } from "./raster.ts";

/**
 * What {@link readDigit} read from an image of one digit. A blank image
 * holds no digit: then `digit`, `probabilities` and `box` are null.
 */
export interface DigitReading {
  /** The most probable digit, or null when the image holds no ink. */
  digit: number | null;
  /** The classifier's 10 probabilities, or null when nothing was classified. */
  probabilities: number[] | null;
  /** Where the digit is in the image (null when no ink). */
  box: Box | null;
  /** The 28x28 input the classifier saw (ink = 1; all 0 when no ink was found). */
  input: Float32Array;
  /** The intermediate images of the normalisation, when asked for with `returnSteps`. */
  steps?: PipelineStep[];
}

/** One digit of a {@link NumberReading}: found, normalised and classified. */
export interface FoundDigit {
  /** The most probable digit. */
  digit: number;
  /** The classifier's 10 probabilities. */
  probabilities: number[];
  /** Where the digit is in the image. */
  box: Box;
  /** The 28x28 input the classifier saw (ink = 1). */
  input: Float32Array;
}

/** What {@link readNumber} read from an image of a written number. */
export interface NumberReading {
  /** The digits as a string, left to right ("" when no ink). */
  text: string;
  /** Each digit, left to right. */
  digits: FoundDigit[];
  /** The intermediate images (ink, the pieces it was cut into), when asked for. */
  steps?: PipelineStep[];
}

/** Options of {@link readNumber}: finding the ink and its pieces, and choosing the best path. */
export interface ReadNumberOptions extends OverSegmentOptions, PathOptions {}

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
 * Reads the one digit in an image: normalises it to MNIST format and
 * classifies it. A blank image gives `digit: null` instead of a guess (and
 * never reaches the classifier).
 *
 * @throws {InvalidArgumentError} when `classify` does not return 10 finite numbers.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { readImage } from "./decode.ts";
 * import { readDigit } from "./read.ts";
 * const classify = (_: Float32Array) => [0, 0, 0, 0, 1, 0, 0, 0, 0, 0]; // a stand-in model
 * const r = await readDigit(await readImage("data/examples/photo_4.jpg"), classify);
 * assertEquals([r.digit, r.input.length], [4, 784]);
 * ```
 */
export async function readDigit(
  image: GrayImage,
  classify: Classify,
  options: NormalizeOptions = {},
): Promise<DigitReading> {
  const n = normalizeImage(image, options);
  const steps = n.steps ? { steps: n.steps } : {};
  if (!n.inkFound) {
    return { digit: null, probabilities: null, box: null, input: n.pixels, ...steps };
  }
  const probabilities = await classifyChecked(classify, n.pixels);
  return { digit: argmax(probabilities), probabilities, box: n.box, input: n.pixels, ...steps };
}

/**
 * Reads a written number: cuts its ink into pieces (`overSegment`) and
 * chooses the grouping of pieces into digits, left to right, whose digits
 * the classifier is most sure of, weighed by how plausible each digit's
 * shape is (`bestPath`). A blank image reads as "" without reaching the
 * classifier.
 *
 * @throws {InvalidArgumentError} when `classify` does not return 10 finite numbers.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { readImage } from "./decode.ts";
 * import { readNumber } from "./read.ts";
 * const classify = (_: Float32Array) => [0.1, 0, 0.9, 0, 0, 0, 0, 0, 0, 0];
 * const r = await readNumber(await readImage("data/examples/number_2024.png"), classify);
 * assertEquals(r.text, "2222");
 * ```
 */
export async function readNumber(
  image: GrayImage,
  classify: Classify,
  options: ReadNumberOptions = {},
): Promise<NumberReading> {
  const seg = overSegment(image, options);
  const path = await bestPath(seg, classify, options);
  const digits = path.map((d): FoundDigit => ({
    digit: d.digit,
    probabilities: d.probabilities,
    box: scaleBox(
      { ...d.box, x: d.box.x + seg.origin.x, y: d.box.y + seg.origin.y },
      1 / seg.scale,
    ),
    input: d.pixels,
  }));
  if (seg.steps) {
    path.forEach((d, k) =>
      seg.steps!.push({ name: `digit ${k + 1}`, width: 28, height: 28, data: d.pixels })
    );
  }
  return {
    text: digits.map((d) => d.digit).join(""),
    digits,
    ...(seg.steps ? { steps: seg.steps } : {}),
  };
}
