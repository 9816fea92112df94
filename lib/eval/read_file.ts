/**
 * Reading an image file with a trained model: one digit per image, or a
 * whole written number with `multi`. A blank image reads as "no digit
 * found", never as a guess; every digit read carries its confidence and the
 * top-3 alternatives. The reading's `status` says how far to trust it:
 * `"ok"`, `"unsure"` below {@linkcode UNSURE_BELOW} (the best reading is
 * still given), `"several-digits"` when a single-digit reading finds a
 * number (it says so in `hint` and reads the number too), `"no-digit"` or
 * `"failed"`. The {@linkcode FileReading} is what `deno task predict
 * --json` prints, one per line.
 *
 * @module
 */

import { DigitLabError } from "../core/mod.ts";
import {
  type Box,
  type Classify,
  type GrayImage,
  readDigit,
  readImage,
  readNumber,
  segmentDigits,
} from "../image/mod.ts";

/** One alternative reading of a digit. */
export interface Alternative {
  /** The digit. */
  digit: number;
  /** Its probability. */
  probability: number;
}

/** A digit read from a file, with its confidence and the three most probable digits. */
export interface RankedDigit {
  /** The most probable digit. */
  digit: number;
  /** Its probability, in [0, 1]. */
  confidence: number;
  /** The three most probable digits, best first (the first is `digit`). */
  top3: Alternative[];
  /** Where the digit is in the image. */
  box: Box | null;
}

/**
 * What {@linkcode readImageFile} read from one file: the file, and either
 * the reading (digit or number, confidence, alternatives, digits) or why
 * there is none (`status` and `error`).
 */
export interface FileReading {
  /** The file, as given. */
  file: string;
  /** The digit (single-digit mode), or null when none was found or on error. */
  digit: number | null;
  /**
   * The number read left to right: in multi-digit mode, and in single-digit
   * mode when the status is `"several-digits"`; else null.
   */
  number: string | null;
  /**
   * Confidence of the reading: the digit's probability, or for a number the
   * product of its digits'.
   */
  confidence: number | null;
  /** Single-digit mode: the top-3 alternatives; multi-digit mode: empty. */
  alternatives: Alternative[];
  /** Multi-digit mode: each digit left to right; single-digit mode: the one digit. */
  digits: RankedDigit[];
  /** How far to trust the reading; see {@linkcode ReadingStatus}. */
  status: ReadingStatus;
  /** Why nothing was read: "no digit found", or the read/decode error. Null on success. */
  error: string | null;
  /**
   * Advice on a successful reading, or null. Set with the status
   * `"several-digits"`: it says how many digits stand side by side and to
   * use `--multi`.
   */
  hint: string | null;
}

/**
 * What a reading is worth:
 * - `"ok"`: read, with a confidence of at least {@linkcode UNSURE_BELOW};
 * - `"unsure"`: read, but the confidence is below it: `digit` (or `number`)
 *   holds the best reading and the alternatives follow, but it is more
 *   likely wrong than right (or not a digit at all);
 * - `"several-digits"` (single-digit mode): the image holds a number, not
 *   one digit: `number` holds it read as with `multi`, `hint` says so, and
 *   `digit` is the image read as one digit (only part of it);
 * - `"no-digit"`: a blank image (an answer, not a failure);
 * - `"failed"`: the file could not be read or decoded.
 */
export type ReadingStatus = "ok" | "unsure" | "several-digits" | "no-digit" | "failed";

/**
 * Readings whose confidence is below this are `"unsure"`: 0.5, even odds.
 * With a calibrated model (see `calibration.json`) the confidence estimates
 * the chance that the reading is right, so below 0.5 it is more likely
 * wrong than right. Chosen on that principle, not fitted to any image set.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { UNSURE_BELOW } from "./read_file.ts";
 * assertEquals(UNSURE_BELOW, 0.5);
 * ```
 */
export const UNSURE_BELOW = 0.5;

/** Options of {@linkcode readImageFile}. */
export interface ReadImageFileOptions {
  /** Read a whole number (digits left to right) instead of one digit. Default false. */
  multi?: boolean;
}

/**
 * The `k` most probable classes, best first.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { topK } from "./read_file.ts";
 * assertEquals(topK([0.1, 0.7, 0.2], 2).map((a) => a.digit), [1, 2]);
 * ```
 */
export function topK(probabilities: ArrayLike<number>, k: number): Alternative[] {
  return Array.from(probabilities, (probability, digit) => ({ digit, probability }))
    .sort((a, b) => b.probability - a.probability)
    .slice(0, k);
}

function boxesInOneRow(a: Box, b: Box): boolean {
  const overlap = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return overlap >= 0.5 * Math.min(a.height, b.height);
}

/**
 * How many digits the image seems to hold side by side: what the number
 * segmentation (the one `multi` reads with) finds, when its pieces stand in
 * one row with blank columns between them; 1 otherwise (one digit, a blank
 * image, pieces not in a row). See {@linkcode digitsSideBySide}.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { readImage } from "../image/mod.ts";
 * import { countDigitsInRow } from "./read_file.ts";
 * assertEquals(countDigitsInRow(await readImage("data/examples/number_2024.png")), 4);
 * assertEquals(countDigitsInRow(await readImage("data/examples/scan_7.png")), 1);
 * ```
 */
export function countDigitsInRow(image: GrayImage): number {
  return digitsSideBySide(segmentDigits(image).digits.map((d) => d.box));
}

/**
 * How many digits the segmenter's `boxes` stand for side by side: their
 * count when each stands in one row with the one before it and a blank
 * column separates them, else 1. A written number leaves white space
 * between its digits; the pieces of one digit broken in a scan or photo
 * touch or overlap in x. On the 2,078 real single digits of the
 * development set, the segmenter finds two or more pieces in a row for 98;
 * 95 of them touch or overlap, while every one of its 10 numbers (and
 * `data/examples/number_2024.png`) has white space between all its digits.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { digitsSideBySide } from "./read_file.ts";
 * const box = (x: number) => ({ x, y: 0, width: 10, height: 20 });
 * assertEquals(digitsSideBySide([box(0), box(14), box(28)]), 3); // white space between
 * assertEquals(digitsSideBySide([box(0), box(10)]), 1); // touching: one broken digit
 * assertEquals(digitsSideBySide([box(0), box(6)]), 1); // overlapping
 * ```
 */
export function digitsSideBySide(boxes: readonly Box[]): number {
  if (boxes.length < 2) return 1;
  const sorted = [...boxes].sort((a, b) => a.x - b.x);
  const apart = sorted.every((box, i) => {
    if (i === 0) return true;
    const before = sorted[i - 1];
    return boxesInOneRow(before, box) && box.x > before.x + before.width;
  });
  return apart ? boxes.length : 1;
}

function rankedDigit(probabilities: ArrayLike<number>, box: Box | null): RankedDigit {
  const top3 = topK(probabilities, 3);
  return { digit: top3[0].digit, confidence: top3[0].probability, top3, box };
}

/**
 * Reads one image file: its digit, or with `multi` the number written in
 * it, with a {@linkcode ReadingStatus}. Never throws for a bad file: the
 * reading's `status` and `error` say what went wrong, so a batch of files
 * goes on.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { readImageFile } from "./read_file.ts";
 * const classify = () => [0, 0, 0, 0, 0.9, 0, 0, 0, 0, 0.1]; // a stand-in model
 * const r = await readImageFile("data/examples/photo_4.jpg", classify);
 * assertEquals([r.status, r.digit, r.confidence, r.hint], ["ok", 4, 0.9, null]);
 * const number = await readImageFile("data/examples/number_2024.png", classify, { multi: true });
 * assertEquals([number.status, number.number], ["ok", "4444"]); // all four right: 0.9 ** 4 > 0.5
 * const unmarked = await readImageFile("data/examples/number_2024.png", classify);
 * assertEquals([unmarked.status, unmarked.number, unmarked.digit], ["several-digits", "4444", 4]);
 * const doubtful = () => [0.3, 0.25, 0.2, 0.25, 0, 0, 0, 0, 0, 0];
 * const u = await readImageFile("data/examples/photo_4.jpg", doubtful);
 * assertEquals([u.status, u.digit, u.alternatives.length], ["unsure", 0, 3]);
 * assertEquals((await readImageFile("missing.png", classify)).status, "failed");
 * ```
 */
export async function readImageFile(
  file: string,
  classify: Classify,
  options: ReadImageFileOptions = {},
): Promise<FileReading> {
  const result: FileReading = {
    file,
    digit: null,
    number: null,
    confidence: null,
    alternatives: [],
    digits: [],
    status: "ok",
    error: null,
    hint: null,
  };
  try {
    const image = await readImage(file);
    if (options.multi) {
      const reading = await readNumber(image, classify);
      result.digits = reading.digits.map((d) => rankedDigit(d.probabilities, d.box));
      if (result.digits.length === 0) {
        result.status = "no-digit";
        result.error = "no digit found";
      } else {
        result.number = reading.text;
        result.confidence = result.digits.reduce((p, d) => p * d.confidence, 1);
        if (result.confidence < UNSURE_BELOW) result.status = "unsure";
      }
    } else {
      const reading = await readDigit(image, classify);
      if (reading.probabilities === null) {
        result.status = "no-digit";
        result.error = "no digit found";
      } else {
        const d = rankedDigit(reading.probabilities, reading.box);
        result.digits = [d];
        result.digit = d.digit;
        result.confidence = d.confidence;
        result.alternatives = d.top3;
        if (d.confidence < UNSURE_BELOW) result.status = "unsure";
        const seen = countDigitsInRow(image);
        if (seen > 1) {
          result.status = "several-digits";
          result.hint = `${seen} digits found side by side: use --multi to read the number`;
          result.number = (await readNumber(image, classify)).text;
        }
      }
    }
  } catch (e) {
    if (!(e instanceof DigitLabError)) throw e;
    result.status = "failed";
    result.error = e.message;
  }
  return result;
}
