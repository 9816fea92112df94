/**
 * How the notebooks run, from the environment, and the data splits every
 * notebook uses.
 *
 * Environment variables:
 * - `DIGIT_LAB_QUICK=1`: a small subset and one epoch (what the tests use;
 *   a notebook's first cell can also pass `quick` to {@linkcode notebookSettings});
 * - `DIGIT_LAB_DATASET=NAME`: the dataset, a key of `CLASS_NAMES`: `mnist`
 *   (the default: the embedded digits, or `DIGIT_LAB_DATA`), `fashion-mnist`,
 *   `kmnist`, `emnist-digits` or `emnist-letters`, as downloaded by
 *   `deno task data NAME` (EMNIST: `deno task data emnist`); the first cell
 *   can pass `dataset` instead;
 * - `DIGIT_LAB_DATA=DIR`: a full IDX dataset instead of the embedded digits
 *   (with `DIGIT_LAB_DATASET`, the directory of that dataset's files);
 * - `DIGIT_LAB_DATA_ROOT=DIR`: where the downloaded datasets are, each in
 *   `DIR/NAME` (default the project's `data/`, as `train --data-root`);
 * - `DIGIT_LAB_NOTEBOOK_MODEL=DIR`: where notebook 04 saves the model and
 *   the later notebooks load it (default `data/models/notebook`, and
 *   `data/models/notebook-NAME` for a dataset other than MNIST).
 *
 * @module
 */

import { join } from "@std/path";
import { DataFormatError, dataPath, InvalidArgumentError, resolvePath } from "../core/mod.ts";
import { classNamesOf, type LoadedSplits, loadSplits, resolveDataDir } from "../data/mod.ts";

/** How the notebooks run, from the environment. */
export interface NotebookSettings {
  /** `DIGIT_LAB_QUICK=1`: a small subset and one epoch. */
  quick: boolean;
  /** The dataset's name (`DIGIT_LAB_DATASET`, default `"mnist"`), a key of `CLASS_NAMES`. */
  dataset: string;
  /** Its class names, in label order: `"0"`..`"9"`, `"T-shirt/top"`, ... */
  classNames: readonly string[];
  /**
   * What the data loader gets: the IDX directory `DIGIT_LAB_DATA`, else the
   * dataset's name for a dataset other than MNIST (the loader finds it in
   * `dataRoot`), else `undefined` for the embedded digits.
   */
  data: string | undefined;
  /** Where downloaded datasets are, each in `<dataRoot>/<name>` (`DIGIT_LAB_DATA_ROOT`; `data/`). */
  dataRoot: string;
  /** At most this many training examples (`undefined`: all). */
  limit: number | undefined;
  /** Epochs to train. */
  epochs: number;
  /** Examples per optimiser step. */
  batchSize: number;
  /** Seed of the split, initialisation, shuffling and augmentation. */
  seed: number;
  /** Fraction of the training data held out for validation. */
  validation: number;
  /** Where notebook 04 saves the model and later notebooks load it. */
  modelDir: string;
}

/**
 * Options of {@linkcode notebookSettings}.
 */
export interface NotebookSettingsOptions {
  /** Reads a variable (default `Deno.env.get`). */
  env?: (name: string) => string | undefined;
  /**
   * Quick mode switched in the notebook's first cell: `true` or `false` win
   * over `DIGIT_LAB_QUICK` (which must be set before Jupyter starts);
   * `undefined` leaves the choice to it.
   */
  quick?: boolean;
  /**
   * The dataset chosen in the notebook's first cell (`"fashion-mnist"`):
   * wins over `DIGIT_LAB_DATASET`; `undefined` leaves the choice to it.
   */
  dataset?: string;
}

/**
 * Training examples in quick mode.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { QUICK_LIMIT } from "./settings.ts";
 * assertEquals(QUICK_LIMIT, 2000);
 * ```
 */
export const QUICK_LIMIT = 2000;

/**
 * The dataset of the notebooks unless one is chosen: the digits (the
 * embedded ones, or `DIGIT_LAB_DATA`).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { DEFAULT_DATASET, notebookSettings } from "./settings.ts";
 * assertEquals(notebookSettings({ env: () => undefined }).dataset, DEFAULT_DATASET);
 * ```
 */
export const DEFAULT_DATASET = "mnist";

/**
 * The settings of a notebook run, from `DIGIT_LAB_QUICK`,
 * `DIGIT_LAB_DATASET`, `DIGIT_LAB_DATA` and `DIGIT_LAB_NOTEBOOK_MODEL`.
 * Quick mode trains one epoch on {@linkcode QUICK_LIMIT} examples in batches
 * of 32; the full run trains 8 epochs on the embedded digits (3 on a full
 * dataset of 60,000 or more) in batches of 128, as `deno task train` does.
 * `options.quick` and `options.dataset`, when given, decide instead of the
 * variables, so that a notebook's first cell can switch them.
 *
 * A dataset other than MNIST keeps its own model directory
 * (`data/models/notebook-NAME`), so that notebook 05 evaluates the model
 * notebook 04 trained on that dataset, not the digit model.
 *
 * @throws {InvalidArgumentError} when `DIGIT_LAB_QUICK` is set to something
 *   other than `1`, `true`, `0`, `false` or the empty string (checked even
 *   when `options.quick` decides, so that a typo does not go unnoticed), or
 *   the dataset is not a known one (the message lists the known ones).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { notebookSettings } from "./settings.ts";
 * const s = notebookSettings({ env: (name) => ({ DIGIT_LAB_QUICK: "1" })[name] });
 * assertEquals([s.quick, s.epochs, s.limit, s.batchSize], [true, 1, 2000, 32]);
 * // Switched in the first cell: `quick` wins over the variable.
 * const full = notebookSettings({ quick: false, env: (name) => ({ DIGIT_LAB_QUICK: "1" })[name] });
 * assertEquals([full.quick, full.epochs, full.limit], [false, 8, undefined]);
 * // A dataset chosen in the first cell: its names, and the loader gets its name.
 * const fashion = notebookSettings({ dataset: "fashion-mnist", env: () => undefined });
 * assertEquals([fashion.classNames[1], fashion.data, fashion.epochs], ["Trouser", "fashion-mnist", 3]);
 * ```
 */
export function notebookSettings(options: NotebookSettingsOptions = {}): NotebookSettings {
  const env = options.env ?? ((name: string) => Deno.env.get(name));
  const flag = (env("DIGIT_LAB_QUICK") ?? "").trim().toLowerCase();
  if (!["", "0", "1", "true", "false"].includes(flag)) {
    throw new InvalidArgumentError(
      `DIGIT_LAB_QUICK must be 1 or 0 (or true / false), got ${JSON.stringify(flag)}`,
    );
  }
  const quick = options.quick ?? (flag === "1" || flag === "true");
  const dataset = (options.dataset ?? (env("DIGIT_LAB_DATASET") || DEFAULT_DATASET)).trim()
    .toLowerCase();
  const classNames = classNamesOf(dataset);
  const dir = env("DIGIT_LAB_DATA") || undefined;
  const data = dir ?? (dataset === DEFAULT_DATASET ? undefined : dataset);
  const model = env("DIGIT_LAB_NOTEBOOK_MODEL");
  const root = env("DIGIT_LAB_DATA_ROOT");
  return {
    quick,
    dataset,
    classNames,
    data,
    dataRoot: root ? resolvePath(root) : dataPath(),
    limit: quick ? QUICK_LIMIT : undefined,
    epochs: quick ? 1 : data ? 3 : 8,
    batchSize: quick ? 32 : 128,
    seed: 42,
    validation: 0.1,
    modelDir: model
      ? resolvePath(model)
      : dataPath("models", dataset === DEFAULT_DATASET ? "notebook" : `notebook-${dataset}`),
  };
}

/** Where a downloaded dataset lives and the command that downloads it. */
export interface DatasetLocation {
  /** The file or directory that must exist: `data/NAME`, or EMNIST's `data/emnist/gzip.zip`. */
  path: string;
  /** The command that downloads it: `deno task data NAME`. */
  fetch: string;
}

/**
 * Where `deno task data` puts the dataset `name` (a key of `CLASS_NAMES`
 * other than `mnist`, which is embedded): its IDX files in `data/NAME/`, or,
 * for `emnist-digits` and `emnist-letters`, the one archive of EMNIST.
 *
 * @param root The directory of the downloaded datasets (default the project's `data/`).
 * @throws {InvalidArgumentError} for an unknown dataset.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { datasetLocation } from "./settings.ts";
 * import { dataPath } from "../core/mod.ts";
 * assertEquals(datasetLocation("emnist-letters"), {
 *   path: dataPath("emnist", "gzip.zip"),
 *   fetch: "deno task data emnist",
 * });
 * assertEquals(datasetLocation("kmnist", "/srv/data").path, "/srv/data/kmnist");
 * ```
 */
export function datasetLocation(name: string, root: string = dataPath()): DatasetLocation {
  classNamesOf(name);
  return name.startsWith("emnist-")
    ? { path: join(root, "emnist", "gzip.zip"), fetch: "deno task data emnist" }
    : { path: join(root, name), fetch: `deno task data ${name}` };
}

function pathExists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

/**
 * Why the settings' data cannot be loaded yet, or `undefined` when it can be
 * tried: a dataset other than MNIST, without `DIGIT_LAB_DATA`, that was not
 * downloaded. The message names the command that downloads it.
 *
 * @example
 * ```ts
 * import { assertEquals, assertMatch } from "@std/assert";
 * import { missingDataset, notebookSettings } from "./settings.ts";
 * const root = await Deno.makeTempDir();
 * const env = (name: string) => ({ DIGIT_LAB_DATA_ROOT: root })[name];
 * assertEquals(missingDataset(notebookSettings({ env })), undefined); // embedded digits
 * const emnist = notebookSettings({ dataset: "emnist-digits", env });
 * assertMatch(missingDataset(emnist)!, /: run `deno task data emnist` at/);
 * await Deno.mkdir(`${root}/emnist`);
 * await Deno.writeFile(`${root}/emnist/gzip.zip`, new Uint8Array());
 * assertEquals(missingDataset(emnist), undefined); // there: loading it may be tried
 * await Deno.remove(root, { recursive: true });
 * ```
 */
export function missingDataset(settings: NotebookSettings): string | undefined {
  if (settings.data !== settings.dataset) return undefined; // embedded, or DIGIT_LAB_DATA
  const { path, fetch } = datasetLocation(settings.dataset, settings.dataRoot);
  if (pathExists(path)) return undefined;
  return `dataset "${settings.dataset}" is not downloaded (no ${path}): run \`${fetch}\` at ` +
    `the project root, or set DIGIT_LAB_DATA to a directory holding its four IDX files`;
}

/**
 * One line about the settings, for a notebook's first cell: the dataset and
 * its classes, the run's size and where the model goes; when the dataset is
 * missing, how to download it.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { describeSettings, notebookSettings } from "./settings.ts";
 * const s = notebookSettings({ quick: true, env: () => undefined });
 * assertEquals(
 *   describeSettings({ ...s, modelDir: "data/models/notebook" }),
 *   "Dataset mnist (embedded digits), 10 classes: 0, 1, 2, 3, 4, 5, 6, 7, 8, 9. " +
 *     "Quick run: 1 epoch(s) on at most 2000 training examples. Model: data/models/notebook.",
 * );
 * ```
 */
export function describeSettings(settings: NotebookSettings): string {
  const named = settings.data !== undefined && settings.data === settings.dataset;
  const location = named ? datasetLocation(settings.dataset, settings.dataRoot) : undefined;
  // Not downloaded: the short form here; loading the splits throws the whole message.
  const from = settings.data === undefined
    ? "embedded digits"
    : location === undefined
    ? settings.data
    : missingDataset(settings) === undefined
    ? location.path
    : `NOT DOWNLOADED: run \`${location.fetch}\``;
  const run = settings.quick
    ? `Quick run: ${settings.epochs} epoch(s) on at most ${settings.limit} training examples.`
    : `Full run: ${settings.epochs} epoch(s) in batches of ${settings.batchSize}.`;
  return `Dataset ${settings.dataset} (${from}), ${settings.classNames.length} classes: ` +
    `${settings.classNames.join(", ")}. ${run} Model: ${settings.modelDir}.`;
}

/**
 * Loads the train / validation / test splits the settings describe (the
 * same splits in every notebook, from the seed), with the settings' class
 * names.
 *
 * @throws {DataFormatError} when the dataset is not downloaded (naming the
 *   `deno task data` command that gets it), when the data has another number
 *   of classes than the dataset has names (`DIGIT_LAB_DATA` holding the
 *   digits with `DIGIT_LAB_DATASET=emnist-letters`), or what the loader throws.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { loadNotebookSplits, notebookSettings } from "./settings.ts";
 * const quick = notebookSettings({ env: (name) => ({ DIGIT_LAB_QUICK: "1" })[name] });
 * const splits = await loadNotebookSplits(quick);
 * assertEquals(splits.train.count, 2000); // quick mode: at most QUICK_LIMIT training examples
 * ```
 */
export async function loadNotebookSplits(settings: NotebookSettings): Promise<LoadedSplits> {
  const missing = missingDataset(settings);
  if (missing !== undefined) throw new DataFormatError(missing);
  const splits = await loadSplits({
    data: resolveDataDir(settings.data),
    root: settings.dataRoot,
    seed: settings.seed,
    validation: settings.validation,
    limit: settings.limit,
  });
  const classes = settings.classNames.length;
  if (splits.train.numClasses !== classes) {
    throw new DataFormatError(
      `${splits.source} has ${splits.train.numClasses} classes but ${settings.dataset} has ` +
        `${classes} (${settings.classNames.slice(0, 3).join(", ")}, ...): does DIGIT_LAB_DATA ` +
        `hold ${settings.dataset}?`,
    );
  }
  // The settings' names: the loader names the classes of a DIGIT_LAB_DATA
  // directory as digits unless the directory is called after its dataset.
  return { ...splits, classNames: [...settings.classNames] };
}
