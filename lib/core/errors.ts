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
 * import { DigitLabError } from "./errors.ts";
 * try {
 *   throw new DigitLabError("something went wrong");
 * } catch (e) {
 *   if (e instanceof DigitLabError) console.error(e.message);
 * }
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
 * import { BackendError } from "./errors.ts";
 * const e = new BackendError("wasm failed to initialise");
 * console.assert(e.name === "BackendError");
 * ```
 */
export class BackendError extends DigitLabError {}

/**
 * A data file or dataset is malformed: bad magic number, wrong dimensions,
 * truncated payload, checksum mismatch.
 *
 * @example
 * ```ts
 * import { DataFormatError } from "./errors.ts";
 * const e = new DataFormatError("bad magic number 0x1234 in train.idx");
 * console.assert(e instanceof Error);
 * ```
 */
export class DataFormatError extends DigitLabError {}

/**
 * A caller passed an argument outside its allowed range or of the wrong
 * shape (a negative epoch count, a split fraction above 1, ...).
 *
 * @example
 * ```ts
 * import { InvalidArgumentError } from "./errors.ts";
 * const e = new InvalidArgumentError("epochs must be a positive integer, got -1");
 * console.assert(e.name === "InvalidArgumentError");
 * ```
 */
export class InvalidArgumentError extends DigitLabError {}

/**
 * A saved model directory is missing, truncated or does not match what the
 * caller expected.
 *
 * @example
 * ```ts
 * import { ModelLoadError } from "./errors.ts";
 * const e = new ModelLoadError("no model.json in data/models/x");
 * console.assert(e instanceof Error);
 * ```
 */
export class ModelLoadError extends DigitLabError {}

/**
 * A download failed: HTTP error, truncated body or checksum mismatch.
 *
 * @example
 * ```ts
 * import { DownloadError } from "./errors.ts";
 * const e = new DownloadError("HTTP 500 for https://example.com/a.gz");
 * console.assert(e.name === "DownloadError");
 * ```
 */
export class DownloadError extends DigitLabError {}

/**
 * An image could not be decoded or normalised (empty file, unknown format,
 * too many pixels).
 *
 * @example
 * ```ts
 * import { ImageError } from "./errors.ts";
 * const e = new ImageError("not an image: notes.txt");
 * console.assert(e instanceof Error);
 * ```
 */
export class ImageError extends DigitLabError {}
