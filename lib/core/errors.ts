/**
 * Typed errors shared by every Digit Lab module.
 *
 * Each error names the problem and the offending value, so a user can tell
 * what to fix without reading a stack trace.
 *
 * @module
 */

/**
 * Base class of every error Digit Lab throws on purpose.
 *
 * @example
 * ```ts
 * import { assertEquals, assertThrows } from "@std/assert";
 * import { DigitLabError } from "./errors.ts";
 * const cause = new Error("EACCES");
 * const e = assertThrows(() => {
 *   throw new DigitLabError("cannot write data/models/x", { cause });
 * }, DigitLabError);
 * assertEquals([e.name, e.cause], ["DigitLabError", cause]);
 * ```
 */
export class DigitLabError extends Error {
  /** Creates the error; `options.cause` keeps the underlying error. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * A TensorFlow.js backend could not be set up (for example the WASM binary
 * failed to load). Digit Lab never falls back to another backend silently.
 *
 * @example
 * ```ts
 * import { assert, assertEquals } from "@std/assert";
 * import { DigitLabError, BackendError } from "./errors.ts";
 * const e = new BackendError("wasm failed to initialise");
 * assertEquals(e.name, "BackendError");
 * assert(e instanceof DigitLabError);
 * ```
 */
export class BackendError extends DigitLabError {}

/**
 * A data file or dataset is malformed: bad magic number, wrong dimensions,
 * truncated payload, checksum mismatch.
 *
 * @example
 * ```ts
 * import { assert, assertEquals } from "@std/assert";
 * import { DigitLabError, DataFormatError } from "./errors.ts";
 * const e = new DataFormatError("bad magic number 0x1234 in train.idx");
 * assertEquals(e.name, "DataFormatError");
 * assert(e instanceof DigitLabError);
 * ```
 */
export class DataFormatError extends DigitLabError {}

/**
 * A caller passed an argument outside its allowed range or of the wrong
 * shape (a negative epoch count, a split fraction above 1, ...).
 *
 * @example
 * ```ts
 * import { assert, assertEquals } from "@std/assert";
 * import { DigitLabError, InvalidArgumentError } from "./errors.ts";
 * const e = new InvalidArgumentError("epochs must be a positive integer, got -1");
 * assertEquals(e.name, "InvalidArgumentError");
 * assert(e instanceof DigitLabError);
 * ```
 */
export class InvalidArgumentError extends DigitLabError {}

/**
 * A saved model directory is missing, truncated or does not match what the
 * caller expected.
 *
 * @example
 * ```ts
 * import { assert, assertEquals } from "@std/assert";
 * import { DigitLabError, ModelLoadError } from "./errors.ts";
 * const e = new ModelLoadError("no model.json in data/models/x");
 * assertEquals(e.name, "ModelLoadError");
 * assert(e instanceof DigitLabError);
 * ```
 */
export class ModelLoadError extends DigitLabError {}

/**
 * A download failed: HTTP error, truncated body or checksum mismatch.
 *
 * @example
 * ```ts
 * import { assert, assertEquals } from "@std/assert";
 * import { DigitLabError, DownloadError } from "./errors.ts";
 * const e = new DownloadError("HTTP 500 for https://example.com/a.gz");
 * assertEquals(e.name, "DownloadError");
 * assert(e instanceof DigitLabError);
 * ```
 */
export class DownloadError extends DigitLabError {}

/**
 * An image could not be decoded or normalised (empty file, unknown format,
 * too many pixels).
 *
 * @example
 * ```ts
 * import { assert, assertEquals } from "@std/assert";
 * import { DigitLabError, ImageError } from "./errors.ts";
 * const e = new ImageError("not an image: notes.txt");
 * assertEquals(e.name, "ImageError");
 * assert(e instanceof DigitLabError);
 * ```
 */
export class ImageError extends DigitLabError {}
