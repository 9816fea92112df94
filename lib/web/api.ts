/**
 * What the web page's `POST /api/predict` answers: the digit (or number)
 * read from an uploaded image, with its probabilities and the 28x28 image
 * the model saw, as JSON-ready objects.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { decodeImage } from "../image/mod.ts";
import { encodePng } from "../image/mod.ts";
import { recognizeDigit, recognizeNumber } from "../image/mod.ts";
import type { Classify } from "../image/mod.ts";
import { type Alternative, topK } from "../eval/mod.ts";

/**
 * The message of a reading that found no ink.
 *
 * @example
 * ```ts
 * import { NO_DIGIT } from "./api.ts";
 * console.log(NO_DIGIT);
 * ```
 */
export const NO_DIGIT = "no digit found";

/**
 * One digit read from an uploaded image.
 *
 * @example
 * ```ts
 * import type { DigitResult } from "./api.ts";
 * const r: DigitResult = {
 *   digit: 7,
 *   confidence: 0.94,
 *   probabilities: [0, 0.04, 0, 0, 0, 0, 0, 0.94, 0.01, 0.01],
 *   top3: [
 *     { digit: 7, probability: 0.94 },
 *     { digit: 1, probability: 0.04 },
 *     { digit: 8, probability: 0.01 },
 *   ],
 *   input_png: "data:image/png;base64,iVBORw0KGgo=",
 *   error: null,
 * };
 * ```
 */
export interface DigitResult {
  /** The most probable digit, or null when no digit was found. */
  digit: number | null;
  /** Its probability in [0, 1], or null. */
  confidence: number | null;
  /** The 10 class probabilities, or null. */
  probabilities: number[] | null;
  /** The three most probable digits, best first (empty when none). */
  top3: Alternative[];
  /** The 28x28 image the model saw (ink white on black) as a PNG data URL, or null. */
  input_png: string | null;
  /** {@link NO_DIGIT} when the image holds no digit, else null. */
  error: string | null;
}

/**
 * A number read from an uploaded image.
 *
 * @example
 * ```ts
 * import { NO_DIGIT, type NumberResult } from "./api.ts";
 * const blank: NumberResult = { number: null, digits: [], error: NO_DIGIT };
 * ```
 */
export interface NumberResult {
  /** The digits left to right, or null when none was found. */
  number: string | null;
  /** Each digit, left to right. */
  digits: DigitResult[];
  /** {@link NO_DIGIT} when the image holds no digit, else null. */
  error: string | null;
}

/**
 * Options of {@link readDigit} and {@link readNumber}.
 *
 * @example
 * ```ts
 * import type { ReadOptions } from "./api.ts";
 * const o: ReadOptions = { name: "upload.png" };
 * ```
 */
export interface ReadOptions {
  /** The image's name in error messages. Default `"request body"`. */
  name?: string;
}

/**
 * Encodes 784 ink values (28x28, ink = 1) as a PNG data URL, ink white on
 * black as in MNIST.
 *
 * @example
 * ```ts
 * import { inputPngDataUrl } from "./api.ts";
 * const url = await inputPngDataUrl(new Float32Array(784));
 * console.assert(url.startsWith("data:image/png;base64,"));
 * ```
 */
export async function inputPngDataUrl(pixels: Float32Array): Promise<string> {
  const png = await encodePng({ width: 28, height: 28, data: pixels });
  return `data:image/png;base64,${Buffer.from(png).toString("base64")}`;
}

async function digitResult(probabilities: number[], pixels: Float32Array): Promise<DigitResult> {
  const top3 = topK(probabilities, 3);
  return {
    digit: top3[0].digit,
    confidence: top3[0].probability,
    probabilities,
    top3,
    input_png: await inputPngDataUrl(pixels),
    error: null,
  };
}

/** Wraps `classify` so that every input it is given is kept, in order. */
function recording(classify: Classify): { classify: Classify; inputs: Float32Array[] } {
  const inputs: Float32Array[] = [];
  return {
    inputs,
    classify: (pixels) => {
      inputs.push(pixels);
      return classify(pixels);
    },
  };
}

/**
 * Decodes image bytes (any format `decodeImage` reads) and reads the one
 * digit in them. A blank image gives `digit: null, error: "no digit found"`.
 *
 * @throws {ImageError} when the bytes are not a readable image (the message
 *   names `options.name` and the problem).
 * @throws {InvalidArgumentError} when `classify` does not return 10 finite numbers.
 *
 * @example
 * ```ts
 * import { readDigit } from "./api.ts";
 * import { encodePng } from "../image/encode.ts";
 * import { drawDigit, inkToGray } from "../image/synth/scenes.ts";
 * const png = await encodePng(inkToGray(drawDigit(4, { size: 64 })));
 * const r = await readDigit(png, () => [0, 0, 0, 0, 0.9, 0, 0, 0.1, 0, 0]);
 * console.log(r.digit, r.confidence); // 4 0.9
 * ```
 */
export async function readDigit(
  bytes: Uint8Array,
  classify: Classify,
  options: ReadOptions = {},
): Promise<DigitResult> {
  const image = await decodeImage(bytes, { name: options.name ?? "request body" });
  const seen = recording(classify);
  const reading = await recognizeDigit(image, seen.classify);
  if (reading.probabilities === null) {
    return {
      digit: null,
      confidence: null,
      probabilities: null,
      top3: [],
      input_png: null,
      error: NO_DIGIT,
    };
  }
  return await digitResult(reading.probabilities, seen.inputs[0]);
}

/**
 * Decodes image bytes and reads the written number in them, digit by digit
 * left to right. A blank image gives `number: null, error: "no digit found"`.
 *
 * @throws {ImageError} when the bytes are not a readable image.
 * @throws {InvalidArgumentError} when `classify` does not return 10 finite numbers.
 *
 * @example
 * ```ts
 * import { readNumber } from "./api.ts";
 * const png = await Deno.readFile("data/examples/number_2024.png");
 * const r = await readNumber(png, () => [0, 0, 1, 0, 0, 0, 0, 0, 0, 0]);
 * console.log(r.number); // "2222"
 * ```
 */
export async function readNumber(
  bytes: Uint8Array,
  classify: Classify,
  options: ReadOptions = {},
): Promise<NumberResult> {
  const image = await decodeImage(bytes, { name: options.name ?? "request body" });
  const seen = recording(classify);
  const reading = await recognizeNumber(image, seen.classify);
  if (reading.digits.length === 0) return { number: null, digits: [], error: NO_DIGIT };
  const digits = await Promise.all(
    reading.digits.map((d, i) => digitResult(d.probabilities, seen.inputs[i])),
  );
  return { number: reading.text, digits, error: null };
}
