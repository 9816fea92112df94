/**
 * Checking a correction before it is stored: every field of a
 * {@linkcode CorrectionInput} against what the store and the fine-tuning
 * that reads it expect, each refusal a typed error naming the field and the
 * value. The image is checked by its magic number (synchronously, so that
 * `CorrectionStore.add` can stay one synchronous transaction), never decoded.
 *
 * @module
 */

import { ImageError, InvalidArgumentError } from "../core/mod.ts";

/** Where a correction was made: the draw page, `deno task predict --correct`, a notebook. */
export type CorrectionOrigin = "web" | "cli" | "notebook";

/** What a user says about one reading: always ONE digit (a number's digits are corrected one by one). */
export interface CorrectionInput {
  /** The original image file's bytes (PNG/JPEG/BMP/...; for a digit of a number: the whole image). */
  imageBytes: Uint8Array;
  /** A name for it: the file's base name, or "drawn.png" for the page, "cell.png" for a notebook. */
  fileName: string;
  /** The normalised 28x28 the model read (784 values in [0, 1], MNIST format, row-major). */
  pixels: Float32Array;
  /** The model's reading of this digit ("0".."9"), or "" when it found none. */
  reading: string;
  /** The model's confidence in that reading, in [0, 1]. */
  confidence: number;
  /** The correct digit, 0..9. */
  label: number;
  /** The model's identity: lower-case hex SHA-256 of its weights.bin (see modelIdOf). */
  modelId: string;
  /** Where the correction was made. */
  origin: CorrectionOrigin;
}

/**
 * The origins a correction may have.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { CORRECTION_ORIGINS } from "./validate.ts";
 * assertEquals(CORRECTION_ORIGINS, ["web", "cli", "notebook"]);
 * ```
 */
export const CORRECTION_ORIGINS: readonly CorrectionOrigin[] = ["web", "cli", "notebook"];

/** The image formats a correction's bytes may be in, as told by their first bytes. */
export type CorrectionImageFormat = "png" | "jpeg" | "gif" | "bmp" | "webp" | "tiff";

/**
 * The file extension of each format, for exported files.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { IMAGE_FORMAT_EXTENSIONS } from "./validate.ts";
 * assertEquals(IMAGE_FORMAT_EXTENSIONS.jpeg, ".jpg");
 * ```
 */
export const IMAGE_FORMAT_EXTENSIONS: Readonly<Record<CorrectionImageFormat, string>> = {
  png: ".png",
  jpeg: ".jpg",
  gif: ".gif",
  bmp: ".bmp",
  webp: ".webp",
  tiff: ".tif",
};

function startsWith(bytes: Uint8Array, prefix: readonly number[], at = 0): boolean {
  return bytes.length >= at + prefix.length && prefix.every((b, i) => bytes[at + i] === b);
}

const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));

/**
 * The image format `bytes` start with (PNG, JPEG, GIF, BMP, WebP, TIFF: the
 * formats `predict` decodes), or null for anything else.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { imageFormatOf } from "./validate.ts";
 * assertEquals(imageFormatOf(await Deno.readFile("data/examples/photo_4.jpg")), "jpeg");
 * assertEquals(imageFormatOf(new TextEncoder().encode("hello")), null);
 * ```
 */
export function imageFormatOf(bytes: Uint8Array): CorrectionImageFormat | null {
  if (startsWith(bytes, [0x89, ...ascii("PNG\r\n"), 0x1a, 0x0a])) return "png";
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return "jpeg";
  if (startsWith(bytes, ascii("GIF87a")) || startsWith(bytes, ascii("GIF89a"))) return "gif";
  // "BM" alone is two letters of text; a BMP's header is at least 26 bytes.
  if (startsWith(bytes, ascii("BM")) && bytes.length >= 26) return "bmp";
  if (startsWith(bytes, ascii("RIFF")) && startsWith(bytes, ascii("WEBP"), 8)) return "webp";
  if (startsWith(bytes, [0x49, 0x49, 0x2a, 0x00]) || startsWith(bytes, [0x4d, 0x4d, 0x00, 0x2a])) {
    return "tiff";
  }
  return null;
}

/** Size limits a correction's image is checked against. */
export interface CorrectionLimits {
  /** Largest `imageBytes` accepted, in bytes. */
  maxImageBytes: number;
}

/** A value shown in an error message: strings quoted, long ones cut. */
function shown(value: unknown): string {
  const text = typeof value === "string" ? JSON.stringify(value) : String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/**
 * Longest `fileName` accepted: 255, the limit of ext4, APFS and NTFS for one name.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { MAX_FILE_NAME_LENGTH } from "./validate.ts";
 * assertEquals(MAX_FILE_NAME_LENGTH, 255);
 * ```
 */
export const MAX_FILE_NAME_LENGTH = 255;

/**
 * Checks every field of a correction, cheapest first, and throws at the
 * first bad one; nothing is allocated on the way.
 *
 * @throws {InvalidArgumentError} for a label that is not an integer 0..9,
 *   pixels that are not 784 finite values in [0, 1], a confidence outside
 *   [0, 1], a reading other than "" or "0".."9", a file name that is empty,
 *   too long or a path, a model id that is not 64 lower-case hex digits, an
 *   unknown origin; the message names the field and the value.
 * @throws {ImageError} for empty image bytes, bytes over
 *   `limits.maxImageBytes`, or bytes that are not a PNG, JPEG, GIF, BMP, WebP
 *   or TIFF file.
 *
 * @example
 * ```ts
 * import { assertThrows } from "@std/assert";
 * import { InvalidArgumentError } from "../core/mod.ts";
 * import { validateCorrection } from "./validate.ts";
 * const good = {
 *   imageBytes: await Deno.readFile("data/examples/drawn_3.png"),
 *   fileName: "drawn_3.png",
 *   pixels: new Float32Array(784),
 *   reading: "5",
 *   confidence: 0.6,
 *   label: 3,
 *   modelId: "ab".repeat(32),
 *   origin: "cli" as const,
 * };
 * validateCorrection(good, { maxImageBytes: 5 << 20 }); // passes
 * assertThrows(
 *   () => validateCorrection({ ...good, label: 10 }, { maxImageBytes: 5 << 20 }),
 *   InvalidArgumentError,
 *   "label must be an integer 0..9, got 10",
 * );
 * ```
 */
export function validateCorrection(input: CorrectionInput, limits: CorrectionLimits): void {
  if (typeof input !== "object" || input === null) {
    throw new InvalidArgumentError(`a correction must be an object, got ${shown(input)}`);
  }
  const { label, confidence, reading, fileName, modelId, origin, pixels, imageBytes } = input;
  if (!(typeof label === "number" && Number.isInteger(label) && label >= 0 && label <= 9)) {
    throw new InvalidArgumentError(`label must be an integer 0..9, got ${shown(label)}`);
  }
  if (!(typeof reading === "string" && /^[0-9]?$/.test(reading))) {
    throw new InvalidArgumentError(
      `reading must be "" or one digit "0".."9", got ${shown(reading)}`,
    );
  }
  if (
    !(typeof confidence === "number" && Number.isFinite(confidence) && confidence >= 0 &&
      confidence <= 1)
  ) {
    throw new InvalidArgumentError(
      `confidence must be a number in [0, 1], got ${shown(confidence)}`,
    );
  }
  if (
    typeof fileName !== "string" || fileName.length === 0 ||
    fileName.length > MAX_FILE_NAME_LENGTH
  ) {
    throw new InvalidArgumentError(
      `fileName must be 1 to ${MAX_FILE_NAME_LENGTH} characters, got ${shown(fileName)}`,
    );
  }
  // A base name: it becomes part of an exported file's name.
  // deno-lint-ignore no-control-regex
  if (/[/\\\x00-\x1f\x7f]/.test(fileName) || fileName === "." || fileName === "..") {
    throw new InvalidArgumentError(
      `fileName must be a base name (no slash, backslash or control character), got ${
        shown(fileName)
      }`,
    );
  }
  if (!(typeof modelId === "string" && /^[0-9a-f]{64}$/.test(modelId))) {
    throw new InvalidArgumentError(
      `modelId must be a SHA-256 as 64 lower-case hex digits, got ${shown(modelId)}`,
    );
  }
  if (!CORRECTION_ORIGINS.includes(origin)) {
    throw new InvalidArgumentError(
      `origin must be one of ${CORRECTION_ORIGINS.join(", ")}, got ${shown(origin)}`,
    );
  }
  if (!(pixels instanceof Float32Array) || pixels.length !== 784) {
    const got = pixels instanceof Float32Array
      ? `a Float32Array of ${pixels.length}`
      : shown(pixels);
    throw new InvalidArgumentError(`pixels must be a Float32Array of 784 values, got ${got}`);
  }
  for (let i = 0; i < 784; i++) {
    const v = pixels[i];
    if (!(v >= 0 && v <= 1)) { // false for NaN too
      throw new InvalidArgumentError(
        `pixels must be finite values in [0, 1], got ${v} at index ${i}`,
      );
    }
  }
  if (!(imageBytes instanceof Uint8Array)) {
    throw new ImageError(
      `imageBytes of ${fileName} must be a Uint8Array, got ${shown(imageBytes)}`,
    );
  }
  if (imageBytes.length === 0) throw new ImageError(`${fileName}: empty image (0 bytes)`);
  if (imageBytes.length > limits.maxImageBytes) {
    throw new ImageError(
      `${fileName}: image has ${imageBytes.length} bytes, more than the limit of ` +
        `${limits.maxImageBytes}`,
    );
  }
  if (imageFormatOf(imageBytes) === null) {
    const head = Array.from(imageBytes.subarray(0, 8), (b) => b.toString(16).padStart(2, "0"));
    throw new ImageError(
      `${fileName}: not an image (PNG, JPEG, GIF, BMP, WebP or TIFF): it starts with bytes ` +
        head.join(" "),
    );
  }
}
