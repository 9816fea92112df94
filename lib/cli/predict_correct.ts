/**
 * What `deno task predict --correct LABEL FILE` records: the corrections
 * of the digits the model read wrong in one image file, one digit each
 * (with `--multi`, LABEL holds one digit per digit read, left to right).
 * The image is read the way `predict` reads it, so the 28x28 stored is the
 * one the model saw.
 *
 * @module
 */

import { basename } from "@std/path";
import { ImageError, InvalidArgumentError } from "../core/mod.ts";
import { countDigitsInRow } from "../eval/mod.ts";
import type { CorrectionInput } from "../feedback/mod.ts";
import { type Classify, decodeImage, readDigit, readNumber } from "../image/mod.ts";

/**
 * Checks the value of `--correct`: one digit, or with `multi` one or more
 * digits (a number's, left to right). Returns it.
 *
 * @throws {InvalidArgumentError} naming the value otherwise.
 *
 * @example
 * ```ts
 * import { assertEquals, assertThrows } from "@std/assert";
 * import { correctFlag } from "./predict_correct.ts";
 * assertEquals(correctFlag("7", false), "7");
 * assertEquals(correctFlag("1285", true), "1285");
 * assertThrows(() => correctFlag("12", false), Error, "add --multi");
 * ```
 */
export function correctFlag(text: string, multi: boolean): string {
  if (multi) {
    if (!/^[0-9]+$/.test(text)) {
      throw new InvalidArgumentError(
        `--correct with --multi must be the number's digits (such as 1285), got ${
          JSON.stringify(text)
        }`,
      );
    }
    return text;
  }
  if (/^[0-9]{2,}$/.test(text)) {
    throw new InvalidArgumentError(
      `--correct ${text} is several digits: add --multi to correct a number's digits`,
    );
  }
  if (!/^[0-9]$/.test(text)) {
    throw new InvalidArgumentError(
      `--correct must be the right digit 0-9, got ${JSON.stringify(text)}`,
    );
  }
  return text;
}

/** What {@linkcode correctionsOf} is asked to record. */
export interface CorrectRequest {
  /** The image file. */
  file: string;
  /** The right digits: one, or with `multi` one per digit read (see {@linkcode correctFlag}). */
  label: string;
  /** Read a whole number, as `predict --multi` does. */
  multi: boolean;
  /** The model that reads, as `predict` uses it. */
  classify: Classify;
  /** The model's identity (`modelIdOf`). */
  modelId: string;
}

/** A digit of the image as the model read it, and the correction of it when it is wrong. */
export interface CorrectedDigit {
  /** The digit read (`"0"`..`"9"`). */
  reading: string;
  /** The right digit. */
  label: number;
  /** The correction to record, or null when the model read this digit right. */
  correction: CorrectionInput | null;
}

function argmax(p: readonly number[]): number {
  return p.indexOf(Math.max(...p));
}

/**
 * Reads `request.file` as `predict` does (one digit, or with `multi` a
 * number) and pairs each digit read with its right digit; the ones read
 * wrong carry the {@linkcode CorrectionInput} to record (origin `"cli"`,
 * the whole file's bytes, the digit's 28x28).
 *
 * @throws {ImageError} when the file cannot be read or decoded, holds no
 *   digit, or (without `multi`) holds several digits side by side.
 * @throws {InvalidArgumentError} with `multi`, when the label has not as
 *   many digits as the model read, naming both.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { correctionsOf } from "./predict_correct.ts";
 * const classify = () => [0, 0.1, 0, 0, 0, 0, 0, 0.9, 0, 0]; // a stand-in model that sees 7s
 * const [digit] = await correctionsOf({
 *   file: "data/examples/drawn_3.png", label: "3", multi: false, classify,
 *   modelId: "0".repeat(64),
 * });
 * assertEquals([digit.reading, digit.label, digit.correction?.confidence], ["7", 3, 0.9]);
 * ```
 */
export async function correctionsOf(request: CorrectRequest): Promise<CorrectedDigit[]> {
  const { file, label, multi, classify, modelId } = request;
  let imageBytes: Uint8Array;
  try {
    imageBytes = await Deno.readFile(file);
  } catch (e) {
    throw new ImageError(
      `cannot read image file ${file}: ${e instanceof Error ? e.message : e}`,
      { cause: e },
    );
  }
  const image = await decodeImage(imageBytes, { name: file });
  let read: { digit: number; probabilities: number[]; input: Float32Array }[];
  if (multi) {
    read = (await readNumber(image, classify)).digits;
  } else {
    const seen = countDigitsInRow(image);
    if (seen > 1) {
      throw new ImageError(
        `${file} holds ${seen} digits side by side: correct them one per digit with ` +
          `--multi --correct <digits>`,
      );
    }
    const r = await readDigit(image, classify);
    read = r.probabilities === null
      ? []
      : [{ digit: argmax(r.probabilities), probabilities: r.probabilities, input: r.input }];
  }
  if (read.length === 0) throw new ImageError(`no digit found in ${file}: nothing to correct`);
  if (read.length !== label.length) {
    const number = read.map((d) => d.digit).join("");
    throw new InvalidArgumentError(
      `--correct ${label} has ${label.length} digits but ${file} reads as ${read.length} ` +
        `digits ("${number}")`,
    );
  }
  return read.map((d, k) => {
    const right = Number(label[k]);
    const correction: CorrectionInput | null = d.digit === right ? null : {
      imageBytes,
      fileName: basename(file),
      pixels: d.input,
      reading: String(d.digit),
      confidence: Math.min(1, Math.max(0, d.probabilities[d.digit])),
      label: right,
      modelId,
      origin: "cli",
    };
    return { reading: String(d.digit), label: right, correction };
  });
}
