/**
 * What the web page's `POST /api/predict` answers: the digit (or number)
 * read from an uploaded image, with its probabilities and the 28x28 image
 * the model saw, as JSON-ready objects. The reading itself is the library's
 * (`readDigit`, `readNumber`); this module decodes the upload and shapes the
 * answer.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { type Classify, decodeImage, encodeGrayPng, readDigit, readNumber } from "../image/mod.ts";
import { type Alternative, topK } from "../eval/mod.ts";

/**
 * The message of a reading that found no ink.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { NO_DIGIT } from "./api.ts";
 * assertEquals(NO_DIGIT, "no digit found");
 * ```
 */
export const NO_DIGIT = "no digit found";

/** One digit read from an uploaded image, as the API answers it. */
export interface ApiDigitReading {
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

/** A number read from an uploaded image, as the API answers it. */
export interface ApiNumberReading {
  /** The digits left to right, or null when none was found. */
  number: string | null;
  /** Each digit, left to right. */
  digits: ApiDigitReading[];
  /** {@link NO_DIGIT} when the image holds no digit, else null. */
  error: string | null;
}

/** Options of {@link readDigitUpload} and {@link readNumberUpload}. */
export interface UploadOptions {
  /** The image's name in error messages. Default `"request body"`. */
  name?: string;
}

/**
 * Encodes 784 ink values (28x28, ink = 1) as a PNG data URL, ink white on
 * black as in MNIST.
 *
 * @example
 * ```ts
 * import { assertMatch } from "@std/assert";
 * import { inputPngDataUrl } from "./api.ts";
 * assertMatch(inputPngDataUrl(new Float32Array(784)), /^data:image\/png;base64,/);
 * ```
 */
export function inputPngDataUrl(pixels: Float32Array): string {
  const png = encodeGrayPng({ width: 28, height: 28, data: pixels });
  return `data:image/png;base64,${Buffer.from(png).toString("base64")}`;
}

function apiDigit(probabilities: number[], input: Float32Array): ApiDigitReading {
  const top3 = topK(probabilities, 3);
  return {
    digit: top3[0].digit,
    confidence: top3[0].probability,
    probabilities,
    top3,
    input_png: inputPngDataUrl(input),
    error: null,
  };
}

/**
 * Decodes uploaded image bytes (any format `decodeImage` reads) and reads
 * the one digit in them. A blank image gives `digit: null, error: "no digit
 * found"`.
 *
 * @throws {ImageError} when the bytes are not a readable image (the message
 *   names `options.name` and the problem).
 * @throws {InvalidArgumentError} when `classify` does not return 10 finite numbers.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { readDigitUpload } from "./api.ts";
 * const photo = await Deno.readFile("data/examples/photo_4.jpg");
 * const r = await readDigitUpload(photo, () => [0, 0, 0, 0, 0.9, 0, 0, 0.1, 0, 0]);
 * assertEquals([r.digit, r.confidence, r.top3[1].digit], [4, 0.9, 7]);
 * ```
 */
export async function readDigitUpload(
  bytes: Uint8Array,
  classify: Classify,
  options: UploadOptions = {},
): Promise<ApiDigitReading> {
  const image = await decodeImage(bytes, { name: options.name ?? "request body" });
  const reading = await readDigit(image, classify);
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
  return apiDigit(reading.probabilities, reading.input);
}

/**
 * Decodes uploaded image bytes and reads the written number in them, digit
 * by digit left to right. A blank image gives `number: null, error: "no
 * digit found"`.
 *
 * @throws {ImageError} when the bytes are not a readable image.
 * @throws {InvalidArgumentError} when `classify` does not return 10 finite numbers.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { readNumberUpload } from "./api.ts";
 * const png = await Deno.readFile("data/examples/number_2024.png");
 * const r = await readNumberUpload(png, () => [0, 0, 1, 0, 0, 0, 0, 0, 0, 0]);
 * assertEquals([r.number, r.digits.length], ["2222", 4]);
 * ```
 */
export async function readNumberUpload(
  bytes: Uint8Array,
  classify: Classify,
  options: UploadOptions = {},
): Promise<ApiNumberReading> {
  const image = await decodeImage(bytes, { name: options.name ?? "request body" });
  const reading = await readNumber(image, classify);
  if (reading.digits.length === 0) return { number: null, digits: [], error: NO_DIGIT };
  const digits = reading.digits.map((d) => apiDigit(d.probabilities, d.input));
  return { number: reading.text, digits, error: null };
}
