/**
 * What the web page's `POST /api/predict` answers: the digit (or number)
 * read from an uploaded image, with its probabilities, the 28x28 image the
 * model saw and a status saying how far to trust it (the statuses of
 * `predict`: `ok`, `unsure`, `several-digits` with a hint, `no-digit`), as
 * JSON-ready objects. The reading itself is the library's (`readDigit`,
 * `readNumber`, `countDigitsInRow`); this module decodes the upload and
 * shapes the answer.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { type Classify, decodeImage, encodeGrayPng, readDigit, readNumber } from "../image/mod.ts";
import { type Alternative, countDigitsInRow, topK, UNSURE_BELOW } from "../eval/mod.ts";

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

/**
 * How far to trust a reading, as `predict` says it: `"ok"`; `"unsure"` when
 * the (calibrated) confidence is below `UNSURE_BELOW` (0.5: the best reading
 * is still given, with its alternatives); `"several-digits"` when an image
 * read as one digit holds a number (`number` and `hint` say which);
 * `"no-digit"` for a blank image.
 */
export type ApiStatus = "ok" | "unsure" | "several-digits" | "no-digit";

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
  /** How far to trust the reading (a digit of a number: `ok` or `unsure`). */
  status: ApiStatus;
  /** With `several-digits`: the number the image holds, read as a number; else null. */
  number: string | null;
  /** With `several-digits`: how many digits stand side by side, and to read a number. */
  hint: string | null;
}

/** A number read from an uploaded image, as the API answers it. */
export interface ApiNumberReading {
  /** The digits left to right, or null when none was found. */
  number: string | null;
  /** The product of the digits' confidences, or null when none was found. */
  confidence: number | null;
  /** Each digit, left to right. */
  digits: ApiDigitReading[];
  /** `ok`, `unsure` (the confidence is below 0.5) or `no-digit`. */
  status: ApiStatus;
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
    status: top3[0].probability < UNSURE_BELOW ? "unsure" : "ok",
    number: null,
    hint: null,
  };
}

/**
 * Decodes uploaded image bytes (any format `decodeImage` reads) and reads
 * the one digit in them. A blank image gives `digit: null, error: "no digit
 * found"`, status `no-digit`. An image that holds several digits side by
 * side (`countDigitsInRow`) gets the status `several-digits`, the number read
 * as `readNumberUpload` reads it, and a hint to switch to reading numbers.
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
 * assertEquals([r.digit, r.confidence, r.top3[1].digit, r.status], [4, 0.9, 7, "ok"]);
 * const number = await Deno.readFile("data/examples/number_2024.png");
 * const n = await readDigitUpload(number, () => [0, 0, 0.4, 0, 0.3, 0, 0, 0.3, 0, 0]);
 * assertEquals([n.status, n.number, n.hint], [
 *   "several-digits", "2222", '4 digits found side by side: switch on "Number" to read the number',
 * ]);
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
      status: "no-digit",
      number: null,
      hint: null,
    };
  }
  const answer = apiDigit(reading.probabilities, reading.input);
  const seen = countDigitsInRow(image);
  if (seen > 1) {
    answer.status = "several-digits";
    answer.number = (await readNumber(image, classify)).text;
    answer.hint = `${seen} digits found side by side: switch on "Number" to read the number`;
  }
  return answer;
}

/**
 * Decodes uploaded image bytes and reads the written number in them, digit
 * by digit left to right, each with its status (`ok` or `unsure`); the
 * number's confidence is the product of its digits', and below 0.5 its
 * status is `unsure`. A blank image gives `number: null, error: "no digit
 * found"`, status `no-digit`.
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
 * assertEquals([r.number, r.digits.length, r.status], ["2222", 4, "ok"]);
 * ```
 */
export async function readNumberUpload(
  bytes: Uint8Array,
  classify: Classify,
  options: UploadOptions = {},
): Promise<ApiNumberReading> {
  const image = await decodeImage(bytes, { name: options.name ?? "request body" });
  const reading = await readNumber(image, classify);
  if (reading.digits.length === 0) {
    return { number: null, confidence: null, digits: [], status: "no-digit", error: NO_DIGIT };
  }
  const digits = reading.digits.map((d) => apiDigit(d.probabilities, d.input));
  const confidence = digits.reduce((p, d) => p * d.confidence!, 1);
  const status = confidence < UNSURE_BELOW ? "unsure" : "ok";
  return { number: reading.text, confidence, digits, status, error: null };
}
