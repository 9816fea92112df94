/**
 * What `POST /api/corrections` does: the draw page says a reading was
 * wrong and which digit it is. The posted image is read again exactly as
 * `POST /api/predict` read it (the same bytes and model give the same
 * reading), so the correction keeps what the model really saw and said (the
 * 28x28, the reading, its confidence) and not what a client claims; then it
 * is added to the corrections store with the origin `"web"`.
 *
 * @module
 */

import { DigitLabError, ImageError, InvalidArgumentError } from "../core/mod.ts";
import { type Classify, decodeImage, readDigit, readNumber } from "../image/mod.ts";
import type { Correction, CorrectionInput } from "../feedback/mod.ts";

/** The part of a corrections store the server writes to (`CorrectionStore` has it). */
export interface CorrectionSink {
  /** Validates and stores one correction in one transaction; throws typed errors. */
  add(input: CorrectionInput): Correction;
  /** How many corrections the store holds. */
  count(): number;
}

/** Which reading a correction is about, and the right digit. */
export interface CorrectionRequest {
  /** The correct digit, 0..9. */
  label: number;
  /** Whether the image was read as a number (then `digit` says which of its digits). */
  multi: boolean;
  /** With `multi`: the index of the corrected digit, left to right from 0; else 0. */
  digit: number;
}

/**
 * The store did not take a correction the request was right to make: it is
 * full, closed, or cannot write (the server's problem, not the client's).
 * Nothing was stored.
 *
 * @example
 * ```ts
 * import { assertInstanceOf } from "@std/assert";
 * import { DigitLabError } from "../core/mod.ts";
 * import { CorrectionNotStoredError } from "./corrections.ts";
 * assertInstanceOf(new CorrectionNotStoredError("disk full"), DigitLabError);
 * ```
 */
export class CorrectionNotStoredError extends DigitLabError {}

/** The file name the page's drawings are stored under. */
export const DRAWN_FILE_NAME = "drawn.png";

/** Longest query value quoted back in an error message. */
const SHOWN = 40;

function quoted(value: string): string {
  return JSON.stringify(value.length > SHOWN ? `${value.slice(0, SHOWN)}…` : value);
}

/**
 * Reads the query of `POST /api/corrections`: `label` (one digit 0..9),
 * `multi` (`1`/`true` when the image was read as a number, else `0`,
 * `false` or absent) and, with `multi`, `digit` (the index of the corrected
 * digit, from 0).
 *
 * @throws {InvalidArgumentError} naming the parameter and the value: a
 *   missing or bad label, a bad `multi`, a `digit` without `multi` or not a
 *   small non-negative integer.
 *
 * @example
 * ```ts
 * import { assertEquals, assertThrows } from "@std/assert";
 * import { parseCorrectionQuery } from "./corrections.ts";
 * assertEquals(parseCorrectionQuery(new URLSearchParams("label=3")), { label: 3, multi: false, digit: 0 });
 * assertEquals(parseCorrectionQuery(new URLSearchParams("label=1&multi=1&digit=2")).digit, 2);
 * assertThrows(() => parseCorrectionQuery(new URLSearchParams("label=12")), Error, 'got "12"');
 * ```
 */
export function parseCorrectionQuery(params: URLSearchParams): CorrectionRequest {
  const label = params.get("label");
  if (label === null || !/^[0-9]$/.test(label)) {
    throw new InvalidArgumentError(
      `query parameter label must be one digit 0..9, got ${
        label === null ? "none" : quoted(label)
      }`,
    );
  }
  const rawMulti = params.get("multi");
  let multi: boolean;
  if (rawMulti === null || rawMulti === "" || rawMulti === "0" || rawMulti === "false") {
    multi = false;
  } else if (rawMulti === "1" || rawMulti === "true") multi = true;
  else {
    throw new InvalidArgumentError(`query parameter multi must be 1 or 0, got ${quoted(rawMulti)}`);
  }
  const rawDigit = params.get("digit");
  let digit = 0;
  if (rawDigit !== null) {
    if (!multi) {
      throw new InvalidArgumentError(
        `query parameter digit (${quoted(rawDigit)}) is only for a number: add multi=1`,
      );
    }
    // A number has at most a few dozen digits; 3 figures are plenty and keep Number() exact.
    if (!/^[0-9]{1,3}$/.test(rawDigit)) {
      throw new InvalidArgumentError(
        `query parameter digit must be the index of a digit (0, 1, ...), got ${quoted(rawDigit)}`,
      );
    }
    digit = Number(rawDigit);
  }
  return { label: Number(label), multi, digit };
}

/** What `POST /api/corrections` answers once the correction is stored. */
export interface RecordedCorrection {
  /** The stored correction's id. */
  id: number;
  /** When it was recorded (ISO 8601). */
  created_at: string;
  /** What the model read for the corrected digit ("" when nothing). */
  reading: string;
  /** Its confidence. */
  confidence: number;
  /** The correct digit. */
  label: number;
  /** With a number: the number read, and which of its digits was corrected. */
  number: string | null;
  /** With a number: the index of the corrected digit; else null. */
  digit_index: number | null;
  /** The identity of the model that read it. */
  model_id: string;
  /** How many corrections the store holds now. */
  count: number;
  /** One line for people: `recorded correction #12: 7 → 1`. */
  message: string;
}

/** What {@linkcode recordUploadCorrection} needs besides the upload. */
export interface RecordContext {
  /** The model the page reads with (the same as `POST /api/predict`'s). */
  classify: Classify;
  /** Where corrections go. */
  store: CorrectionSink;
  /** The model's identity (`modelIdOf` of its directory). */
  modelId: string;
}

/**
 * Reads the uploaded image as the page did (one digit, or with `multi` a
 * number), takes the digit `request` names, and stores the correction.
 * Nothing is stored when anything fails before the store's one transaction.
 *
 * @throws {ImageError} when the bytes are not a readable image.
 * @throws {InvalidArgumentError} when the image holds no digit, or `digit`
 *   is past the number's digits.
 * @throws {CorrectionNotStoredError} when the store refuses the correction
 *   for any other reason than its image (full, closed, cannot write), with
 *   the store's words.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { recordUploadCorrection, type CorrectionSink } from "./corrections.ts";
 * import type { Correction, CorrectionInput } from "../feedback/mod.ts";
 * const rows: Correction[] = [];
 * const store: CorrectionSink = {
 *   add: (c: CorrectionInput) => {
 *     const row = { ...c, id: rows.length + 1, createdAt: new Date().toISOString() };
 *     rows.push(row);
 *     return row;
 *   },
 *   count: () => rows.length,
 * };
 * const png = await Deno.readFile("data/examples/drawn_3.png");
 * const classify = () => [0, 0, 0, 0, 0, 0.8, 0, 0, 0.2, 0]; // reads everything as 5
 * const r = await recordUploadCorrection(png, { label: 3, multi: false, digit: 0 }, {
 *   classify, store, modelId: "ab".repeat(32),
 * });
 * assertEquals([r.id, r.message, rows[0].origin, rows[0].fileName], [
 *   1, "recorded correction #1: 5 → 3", "web", "drawn.png",
 * ]);
 * ```
 */
export async function recordUploadCorrection(
  bytes: Uint8Array,
  request: CorrectionRequest,
  context: RecordContext,
): Promise<RecordedCorrection> {
  const image = await decodeImage(bytes, { name: "request body" });
  let pixels: Float32Array, probabilities: number[], number: string | null = null;
  if (request.multi) {
    const read = await readNumber(image, context.classify);
    if (read.digits.length === 0) {
      throw new InvalidArgumentError("no digit found in the image: there is nothing to correct");
    }
    const found = read.digits[request.digit];
    if (found === undefined) {
      throw new InvalidArgumentError(
        `digit ${request.digit} is past the number read, ${read.text} (digits 0 to ` +
          `${read.digits.length - 1})`,
      );
    }
    ({ input: pixels, probabilities } = found);
    number = read.text;
  } else {
    const read = await readDigit(image, context.classify);
    if (read.probabilities === null) {
      throw new InvalidArgumentError("no digit found in the image: there is nothing to correct");
    }
    ({ input: pixels, probabilities } = read);
  }
  let best = 0;
  for (let d = 1; d < probabilities.length; d++) {
    if (probabilities[d] > probabilities[best]) best = d;
  }
  // A calibrated reading's probabilities sum to P(a digit) <= 1; clamp float dust past 1.
  const confidence = Math.min(1, Math.max(0, probabilities[best]));
  let stored: Correction;
  try {
    stored = context.store.add({
      imageBytes: bytes,
      fileName: DRAWN_FILE_NAME,
      pixels,
      reading: String(best),
      confidence,
      label: request.label,
      modelId: context.modelId,
      origin: "web",
    });
  } catch (e) {
    // The label and the image were checked here already; what else the store
    // refuses (full, closed, locked, a field this server made) is not the client's doing.
    if (e instanceof ImageError) throw e;
    throw new CorrectionNotStoredError(
      `the correction was not recorded: ${e instanceof Error ? e.message : String(e)}`,
      { cause: e },
    );
  }
  const where = number === null ? "" : ` (digit ${request.digit + 1} of ${number})`;
  return {
    id: stored.id,
    created_at: stored.createdAt,
    reading: stored.reading,
    confidence: stored.confidence,
    label: stored.label,
    number,
    digit_index: number === null ? null : request.digit,
    model_id: stored.modelId,
    count: context.store.count(),
    message: `recorded correction #${stored.id}: ${stored.reading} → ${stored.label}${where}`,
  };
}
