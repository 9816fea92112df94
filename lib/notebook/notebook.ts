/**
 * Helpers for the notebooks in `notebooks/`: settings from the environment
 * (quick mode), the data splits, the notebook model (load the saved one or
 * train a quick one), and the small data views the notebooks show.
 *
 * Environment variables:
 * - `DIGIT_LAB_QUICK=1`: a small subset and one epoch (what the tests use);
 * - `DIGIT_LAB_DATA=DIR`: a full IDX dataset instead of the embedded digits;
 * - `DIGIT_LAB_NOTEBOOK_MODEL=DIR`: where notebook 04 saves the model and
 *   the later notebooks load it (default `data/models/notebook`).
 *
 * @module
 */

import { basename, join } from "@std/path";
import * as tf from "@tensorflow/tfjs";
import { augmentBatch, type AugmentOptions } from "../data/mod.ts";
import { setupBackend } from "../kernels/mod.ts";
import { resolveDataDir } from "../data/mod.ts";
import { classCounts, subsetDataset } from "../data/mod.ts";
import type { Dataset, DatasetSplits } from "../data/mod.ts";
import { InvalidArgumentError } from "../core/mod.ts";
import type { DigitSequenceView, PredictionView } from "../display/mod.ts";
import { readImage } from "../image/mod.ts";
import { normalizeImage } from "../image/mod.ts";
import { segmentDigits } from "../image/mod.ts";
import type { Classify } from "../image/mod.ts";
import { type LoadedSplits, loadSplits } from "../data/mod.ts";
import {
  buildModel,
  type LayerSpec,
  type ModelConfig,
  REFERENCE_CNN,
  validateModelConfig,
} from "../model/mod.ts";
import { hasSavedModel, loadModel, saveModel } from "../model/mod.ts";
import { dataPath, resolvePath } from "../core/mod.ts";
import { createClassifier } from "../eval/mod.ts";
import { createRng } from "../core/mod.ts";
import { evaluateRun } from "../train/mod.ts";
import { trainModel } from "../train/mod.ts";
import type {
  ClassMetrics,
  EvaluationResult,
  Mistake,
  ModelMetrics,
  TrainingHistory,
} from "../core/mod.ts";

/**
 * How the notebooks run, from the environment.
 *
 * @example
 * ```ts
 * import type { NotebookSettings } from "./notebook.ts";
 * const s: NotebookSettings = {
 *   quick: false,
 *   data: undefined,
 *   limit: undefined,
 *   epochs: 10,
 *   batchSize: 128,
 *   seed: 42,
 *   validation: 0.1,
 *   modelDir: "data/models/notebook",
 * };
 * ```
 */
export interface NotebookSettings {
  /** `DIGIT_LAB_QUICK=1`: a small subset and one epoch. */
  quick: boolean;
  /** The IDX dataset directory (`DIGIT_LAB_DATA`), or `undefined` for the embedded digits. */
  data: string | undefined;
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
 *
 * @example
 * ```ts
 * import type { NotebookSettingsOptions } from "./notebook.ts";
 * const vars: Record<string, string> = { DIGIT_LAB_QUICK: "1", DIGIT_LAB_DATA: "data/mnist" };
 * const o: NotebookSettingsOptions = { env: (name) => vars[name] };
 * ```
 */
export interface NotebookSettingsOptions {
  /** Reads a variable (default `Deno.env.get`). */
  env?: (name: string) => string | undefined;
}

/**
 * Training examples in quick mode.
 *
 * @example
 * ```ts
 * import { QUICK_LIMIT } from "./notebook.ts";
 * console.log(QUICK_LIMIT);
 * ```
 */
export const QUICK_LIMIT = 2000;

/**
 * The settings of a notebook run, from `DIGIT_LAB_QUICK`, `DIGIT_LAB_DATA`
 * and `DIGIT_LAB_NOTEBOOK_MODEL`. Quick mode trains one epoch on
 * {@linkcode QUICK_LIMIT} examples in batches of 32; the full run trains 10
 * epochs on the embedded digits (3 on an IDX dataset) in batches of 128, as
 * `deno task train` does.
 *
 * @throws {InvalidArgumentError} when `DIGIT_LAB_QUICK` is set to something
 *   other than `1`, `true`, `0`, `false` or the empty string.
 *
 * @example
 * ```ts
 * import { notebookSettings } from "./notebook.ts";
 * const s = notebookSettings({ env: (name) => ({ DIGIT_LAB_QUICK: "1" })[name] });
 * console.log(s.quick, s.epochs, s.limit); // true 1 2000
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
  const quick = flag === "1" || flag === "true";
  const data = env("DIGIT_LAB_DATA") || undefined;
  const model = env("DIGIT_LAB_NOTEBOOK_MODEL");
  return {
    quick,
    data,
    limit: quick ? QUICK_LIMIT : undefined,
    epochs: quick ? 1 : data ? 3 : 10,
    batchSize: quick ? 32 : 128,
    seed: 42,
    validation: 0.1,
    modelDir: model ? resolvePath(model) : dataPath("models", "notebook"),
  };
}

/**
 * Loads the train / validation / test splits the settings describe (the
 * same splits in every notebook, from the seed).
 *
 * @example
 * ```ts
 * import { loadNotebookSplits, notebookSettings } from "./notebook.ts";
 * const splits = await loadNotebookSplits(notebookSettings());
 * console.log(splits.source, splits.train.count);
 * ```
 */
export function loadNotebookSplits(settings: NotebookSettings): Promise<LoadedSplits> {
  return loadSplits({
    data: resolveDataDir(settings.data),
    seed: settings.seed,
    validation: settings.validation,
    limit: settings.limit,
  });
}

/**
 * The first `perClass` examples of each class, class 0 first (fewer where
 * a class has fewer).
 *
 * @throws {InvalidArgumentError} when `perClass` is not a positive integer.
 *
 * @example
 * ```ts
 * import { samplePerClass } from "./notebook.ts";
 * const ds = {
 *   images: new Float32Array(4), labels: new Uint8Array([1, 0, 1, 0]), count: 4,
 *   rows: 1, cols: 1, numClasses: 2, source: "example",
 * };
 * console.log(Array.from(samplePerClass(ds, 1).labels)); // [0, 1]
 * ```
 */
export function samplePerClass(ds: Dataset, perClass: number): Dataset {
  if (!Number.isInteger(perClass) || perClass < 1) {
    throw new InvalidArgumentError(`perClass must be a positive integer, got ${perClass}`);
  }
  const picked: number[][] = Array.from({ length: ds.numClasses }, () => []);
  for (let i = 0; i < ds.count; i++) {
    const bucket = picked[ds.labels[i]];
    if (bucket.length < perClass) bucket.push(i);
  }
  return subsetDataset(ds, picked.flat());
}

/**
 * A table: column titles and rows.
 *
 * @example
 * ```ts
 * import type { TableData } from "./notebook.ts";
 * const t: TableData = { header: ["class", "train"], rows: [[0, 5923], [1, 6742]] };
 * ```
 */
export interface TableData {
  /** Column titles. */
  header: string[];
  /** Rows of cells. */
  rows: (string | number)[][];
}

/**
 * Examples per class in each split, with totals.
 *
 * @example
 * ```ts
 * import { classCountTable } from "./notebook.ts";
 * const ds = {
 *   images: new Float32Array(3), labels: new Uint8Array([0, 1, 1]), count: 3,
 *   rows: 1, cols: 1, numClasses: 2, source: "example",
 * };
 * const t = classCountTable({ train: ds, validation: ds, test: ds });
 * console.log(t.header, t.rows[0]); // ["split", "total", "0", "1"] ["train", 3, 1, 2]
 * ```
 */
export function classCountTable(splits: DatasetSplits): TableData {
  const classes = splits.train.numClasses;
  return {
    header: ["split", "total", ...Array.from({ length: classes }, (_, c) => String(c))],
    rows: (["train", "validation", "test"] as const).map((name) => [
      name,
      splits[name].count,
      ...classCounts(splits[name]),
    ]),
  };
}

/**
 * Pixel statistics of a dataset, as stored on disk (bytes 0–255) and as the
 * model sees them (divided by 255, in [0, 1]).
 *
 * @example
 * ```ts
 * import { pixelStatsTable } from "./notebook.ts";
 * const ds = {
 *   images: new Float32Array([0, 1]), labels: new Uint8Array([0]), count: 1,
 *   rows: 1, cols: 2, numClasses: 10, source: "example",
 * };
 * console.log(pixelStatsTable(ds).rows[1]); // ["model input (÷255)", 0, 1, 0.5, 0.5, 0.5]
 * ```
 */
export function pixelStatsTable(ds: Dataset): TableData {
  const v = ds.images.subarray(0, ds.count * ds.rows * ds.cols);
  if (v.length === 0) {
    throw new InvalidArgumentError(`dataset ${JSON.stringify(ds.source)} is empty`);
  }
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let sumSq = 0;
  let ink = 0;
  for (let i = 0; i < v.length; i++) {
    min = Math.min(min, v[i]);
    max = Math.max(max, v[i]);
    sum += v[i];
    sumSq += v[i] * v[i];
    if (v[i] > 0) ink++;
  }
  const mean = sum / v.length;
  const std = Math.sqrt(Math.max(0, sumSq / v.length - mean * mean));
  const round = (x: number) => Math.round(x * 10_000) / 10_000;
  return {
    header: ["values", "min", "max", "mean", "std", "non-zero fraction"],
    rows: [
      [
        "stored bytes",
        Math.round(min * 255),
        Math.round(max * 255),
        round(mean * 255),
        round(std * 255),
        round(ink / v.length),
      ],
      [
        "model input (÷255)",
        round(min),
        round(max),
        round(mean),
        round(std),
        round(ink / v.length),
      ],
    ],
  };
}

/**
 * One image as text, a character per pixel from ` .:-=+*#%@` (darkest to
 * most ink), to see that an image is just a grid of numbers.
 *
 * @throws {InvalidArgumentError} when `index` is not an example of `ds`.
 *
 * @example
 * ```ts
 * import { imageAsText } from "./notebook.ts";
 * const ds = {
 *   images: new Float32Array([0, 1, 0.5, 0]), labels: new Uint8Array([0]), count: 1,
 *   rows: 2, cols: 2, numClasses: 10, source: "example",
 * };
 * console.log(imageAsText(ds, 0)); // " @\n+ "
 * ```
 */
export function imageAsText(ds: Dataset, index: number): string {
  if (!Number.isInteger(index) || index < 0 || index >= ds.count) {
    throw new InvalidArgumentError(`index ${index} is not in [0, ${ds.count})`);
  }
  const ramp = " .:-=+*#%@";
  const size = ds.rows * ds.cols;
  const lines: string[] = [];
  for (let y = 0; y < ds.rows; y++) {
    let line = "";
    for (let x = 0; x < ds.cols; x++) {
      const v = Math.min(1, Math.max(0, ds.images[index * size + y * ds.cols + x]));
      line += ramp[Math.round(v * (ramp.length - 1))];
    }
    lines.push(line);
  }
  return lines.join("\n");
}

/**
 * What a batch becomes before it reaches the model.
 *
 * @example
 * ```ts
 * import type { TensorShapes } from "./notebook.ts";
 * const s: TensorShapes = {
 *   imageShape: [1, 28, 28, 1],
 *   labelShape: [1, 10],
 *   oneHot: { header: ["label", "one-hot"], rows: [[5, "[0 0 0 0 0 1 0 0 0 0]"]] },
 * };
 * ```
 */
export interface TensorShapes {
  /** Shape of the image tensor: `[batch, rows, cols, 1]`. */
  imageShape: number[];
  /** Shape of the one-hot label tensor: `[batch, classes]`. */
  labelShape: number[];
  /** The labels of the batch and their one-hot rows. */
  oneHot: TableData;
}

/**
 * Turns the first `n` examples into the tensors training uses and reports
 * their shapes and the one-hot labels (the tensors are freed again).
 *
 * @throws {InvalidArgumentError} when `n` is not in [1, ds.count].
 *
 * @example
 * ```ts
 * import { tensorShapes } from "./notebook.ts";
 * import { setupBackend } from "../kernels/backend.ts";
 * await setupBackend();
 * const ds = {
 *   images: new Float32Array(2 * 4), labels: new Uint8Array([1, 0]), count: 2,
 *   rows: 2, cols: 2, numClasses: 2, source: "example",
 * };
 * console.log(tensorShapes(ds, 2).imageShape); // [2, 2, 2, 1]
 * ```
 */
export function tensorShapes(ds: Dataset, n: number): TensorShapes {
  if (!Number.isInteger(n) || n < 1 || n > ds.count) {
    throw new InvalidArgumentError(`n must be an integer in [1, ${ds.count}], got ${n}`);
  }
  const size = ds.rows * ds.cols;
  const [imageShape, labelShape, hot] = tf.tidy(() => {
    const xs = tf.tensor4d(ds.images.subarray(0, n * size), [n, ds.rows, ds.cols, 1]);
    const ys = tf.oneHot(tf.tensor1d(Array.from(ds.labels.subarray(0, n)), "int32"), ds.numClasses);
    return [xs.shape, ys.shape, ys.arraySync() as number[][]];
  });
  return {
    imageShape,
    labelShape,
    oneHot: {
      header: ["label", "one-hot"],
      rows: hot.map((row, i) => [ds.labels[i], `[${row.join(" ")}]`]),
    },
  };
}

/**
 * Options of {@linkcode augmentExamples}.
 *
 * @example
 * ```ts
 * import type { AugmentExamplesOptions } from "./notebook.ts";
 * const o: AugmentExamplesOptions = { count: 9, seed: 1, augment: { rotation: 15, shift: 2 } };
 * ```
 */
export interface AugmentExamplesOptions {
  /** How many augmented copies (default 9). */
  count?: number;
  /** Seed of the random transformations (default 1). */
  seed?: number;
  /** Augmentation strength (default: `DEFAULT_AUGMENT`). */
  augment?: AugmentOptions;
}

/**
 * The example at `index` followed by `count` augmented copies of it, as
 * training would see them, with captions.
 *
 * @throws {InvalidArgumentError} when `index` is not an example of `ds` or an option is invalid.
 *
 * @example
 * ```ts
 * import { augmentExamples } from "./notebook.ts";
 * const ds = {
 *   images: new Float32Array(784).fill(0.5), labels: new Uint8Array([3]), count: 1,
 *   rows: 28, cols: 28, numClasses: 10, source: "example",
 * };
 * const { images, labels } = augmentExamples(ds, 0, { count: 2 });
 * console.log(images.count, labels); // 3 ["original 3", "augmented 1", "augmented 2"]
 * ```
 */
export function augmentExamples(
  ds: Dataset,
  index: number,
  options: AugmentExamplesOptions = {},
): { images: Dataset; labels: string[] } {
  const { count = 9, seed = 1, augment = {} } = options;
  if (!Number.isInteger(count) || count < 1) {
    throw new InvalidArgumentError(`count must be a positive integer, got ${count}`);
  }
  if (!Number.isInteger(index) || index < 0 || index >= ds.count) {
    throw new InvalidArgumentError(`index ${index} is not in [0, ${ds.count})`);
  }
  const images = subsetDataset(ds, new Array(count + 1).fill(index));
  const size = ds.rows * ds.cols;
  augmentBatch(images.images.subarray(size), count, {
    ...augment,
    rows: ds.rows,
    cols: ds.cols,
    rng: createRng(seed),
  });
  return {
    images,
    labels: [
      `original ${ds.labels[index]}`,
      ...Array.from({ length: count }, (_, i) => `augmented ${i + 1}`),
    ],
  };
}

/**
 * The most confident mistakes as a dataset of their images, captioned
 * `true → predicted (confidence)`.
 *
 * @example
 * ```ts
 * import { mistakeGallery } from "./notebook.ts";
 * const ds = {
 *   images: new Float32Array(2), labels: new Uint8Array([4, 9]), count: 2,
 *   rows: 1, cols: 1, numClasses: 10, source: "example",
 * };
 * const g = mistakeGallery(ds, [{ index: 1, label: 9, predicted: 4, confidence: 0.97 }]);
 * console.log(g.labels); // ["9 → 4 (97%)"]
 * ```
 */
export function mistakeGallery(
  ds: Dataset,
  mistakes: readonly Mistake[],
): { images: Dataset; labels: string[] } {
  return {
    images: subsetDataset(ds, mistakes.map((m) => m.index)),
    labels: mistakes.map((m) => `${m.label} → ${m.predicted} (${Math.round(m.confidence * 100)}%)`),
  };
}

/**
 * Wraps a model as a {@linkcode Classify} function: 784 pixels in, class
 * probabilities out (no tensors left behind).
 *
 * @example
 * ```ts
 * import { modelClassifier } from "./notebook.ts";
 * import { buildModel, REFERENCE_CNN } from "../model/architecture.ts";
 * import { setupBackend } from "../kernels/backend.ts";
 * await setupBackend();
 * const model = buildModel(REFERENCE_CNN, { seed: 1 });
 * const probs = modelClassifier(model)(new Float32Array(784));
 * console.assert(probs.length === 10);
 * model.dispose();
 * ```
 */
export function modelClassifier(model: tf.LayersModel): (pixels: Float32Array) => Float32Array {
  return createClassifier(model);
}

/**
 * What {@linkcode loadOrTrainModel} returns.
 *
 * @example
 * ```ts
 * import type { NotebookModel } from "./notebook.ts";
 * const describe = (m: NotebookModel) =>
 *   `${m.description} (${m.origin}, ${m.model.countParams()} parameters)`;
 * ```
 */
export interface NotebookModel {
  /** The model; the notebook disposes it when done. */
  model: tf.LayersModel;
  /** The saved `metrics.json` (`undefined` for a model trained just now). */
  metrics: ModelMetrics | undefined;
  /** `"saved"`: loaded from `settings.modelDir`; `"trained"`: a quick model trained just now. */
  origin: "saved" | "trained";
  /** A sentence saying which model this is. */
  description: string;
}

/**
 * Options of {@linkcode loadOrTrainModel}.
 *
 * @example
 * ```ts
 * import type { LoadOrTrainOptions } from "./notebook.ts";
 * const o: LoadOrTrainOptions = { limit: 2000, fallbackModelDir: "data/models/default" };
 * ```
 */
export interface LoadOrTrainOptions {
  /** The splits to train a quick model on (loaded from the settings when absent). */
  splits?: LoadedSplits;
  /** Training examples for the quick model (default {@linkcode QUICK_LIMIT}). */
  limit?: number;
  /**
   * A model directory to load when `settings.modelDir` holds none, before
   * training a quick model (notebook 06 passes the shipped model,
   * `data/models/default`).
   */
  fallbackModelDir?: string;
}

/**
 * The model notebook 04 saved in `settings.modelDir`, or, when there is
 * none, a quick one trained now (one epoch of the reference CNN on at most
 * `limit` training examples; not saved).
 *
 * @throws {ModelLoadError} when a saved model exists but cannot be loaded.
 *
 * @example
 * ```ts ignore
 * import { loadOrTrainModel, notebookSettings } from "./notebook.ts";
 * const { model, description } = await loadOrTrainModel(notebookSettings());
 * console.log(description);
 * model.dispose();
 * ```
 */
export async function loadOrTrainModel(
  settings: NotebookSettings,
  options: LoadOrTrainOptions = {},
): Promise<NotebookModel> {
  await setupBackend();
  const dir = await hasSavedModel(settings.modelDir)
    ? settings.modelDir
    : options.fallbackModelDir && await hasSavedModel(options.fallbackModelDir)
    ? options.fallbackModelDir
    : undefined;
  if (dir !== undefined) {
    const { model, metrics } = await loadModel(dir);
    const about = metrics
      ? ` (trained on ${metrics.data_source}, ${metrics.epochs} epoch(s), test accuracy ${
        (metrics.test_accuracy * 100).toFixed(2)
      }%)`
      : "";
    const source = options.splits?.source;
    const mismatch = metrics && source && metrics.data_source !== source
      ? ` Careful: these notebooks now use ${source}, whose test split may overlap its training data.`
      : "";
    return {
      model,
      metrics,
      origin: "saved",
      description: `Loaded the model saved in ${dir}${about}.${mismatch}`,
    };
  }
  const limit = options.limit ?? QUICK_LIMIT;
  const splits = options.splits ?? await loadNotebookSplits(settings);
  const train = splits.train.count > limit
    ? subsetDataset(splits.train, Array.from({ length: limit }, (_, i) => i))
    : splits.train;
  const model = buildModel(REFERENCE_CNN, { seed: settings.seed });
  const history = await trainModel(model, {
    train,
    validation: splits.validation,
    epochs: 1,
    batchSize: 32,
    seed: settings.seed,
  });
  const e = history.epochs[0];
  return {
    model,
    metrics: undefined,
    origin: "trained",
    description: `No model saved in ${settings.modelDir} (run notebook 04 to train one); ` +
      `trained a quick one instead: 1 epoch on ${train.count} examples, validation accuracy ` +
      `${(e.valAccuracy * 100).toFixed(2)}%.`,
  };
}

/**
 * Options of {@linkcode buildNotebookModel}.
 *
 * @example
 * ```ts
 * import type { BuildNotebookModelOptions } from "./notebook.ts";
 * const o: BuildNotebookModelOptions = { learningRate: 2e-3 };
 * ```
 */
export interface BuildNotebookModelOptions {
  /** Adam learning rate (default 1e-3). */
  learningRate?: number;
}

/**
 * Builds a compiled model from `config` with the settings' seed.
 *
 * @example
 * ```ts ignore
 * import { buildNotebookModel, notebookSettings } from "./notebook.ts";
 * import { REFERENCE_CNN } from "../model/architecture.ts";
 * const model = await buildNotebookModel(REFERENCE_CNN, notebookSettings());
 * ```
 */
export async function buildNotebookModel(
  config: ModelConfig,
  settings: NotebookSettings,
  options: BuildNotebookModelOptions = {},
): Promise<tf.LayersModel> {
  await setupBackend();
  return buildModel(config, { seed: settings.seed, learningRate: options.learningRate });
}

/**
 * What {@linkcode saveNotebookModel} needs besides the model.
 *
 * @example
 * ```ts
 * import type { NotebookSettings, SaveNotebookModelOptions } from "./notebook.ts";
 * import type { LoadedSplits } from "../data/load_splits.ts";
 * import type { TrainingHistory } from "../core/records.ts";
 * declare const settings: NotebookSettings;
 * declare const splits: LoadedSplits;
 * declare const history: TrainingHistory;
 * const o: SaveNotebookModelOptions = { settings, splits, history, augment: true };
 * ```
 */
export interface SaveNotebookModelOptions {
  /** The run's settings (`modelDir` is where the model goes). */
  settings: NotebookSettings;
  /** The splits the model was trained and is tested on. */
  splits: LoadedSplits;
  /** The training history. */
  history: TrainingHistory;
  /** Whether training batches were augmented. */
  augment?: boolean;
  /** How the notebook was run, for `metrics.json` (default `notebooks/04_train.ipynb`). */
  command?: string;
}

/**
 * Evaluates the model on the three splits, writes `metrics.json` and saves
 * model and metrics to `settings.modelDir` (replacing what was there).
 *
 * @returns The metrics written.
 *
 * @example
 * ```ts ignore
 * import { saveNotebookModel } from "./notebook.ts";
 * const metrics = await saveNotebookModel(model, { settings, splits, history });
 * console.log(metrics.test_accuracy);
 * ```
 */
export async function saveNotebookModel(
  model: tf.LayersModel,
  options: SaveNotebookModelOptions,
): Promise<ModelMetrics> {
  const { settings, splits, history } = options;
  const { metrics } = await evaluateRun(model, splits, history, {
    command: options.command ??
      `notebooks/04_train.ipynb${settings.quick ? " (DIGIT_LAB_QUICK=1)" : ""}`,
    seed: settings.seed,
    batchSize: settings.batchSize,
    validationFraction: settings.validation,
    augment: options.augment ?? false,
  });
  await saveModel(model, settings.modelDir, metrics);
  return metrics;
}

/**
 * The headline figures of a metrics record as a table.
 *
 * @example
 * ```ts ignore
 * import { metricsTable } from "./notebook.ts";
 * const t = metricsTable(metrics);
 * console.log(t.rows[0]); // ["train", "99.10%", 8000]
 * ```
 */
export function metricsTable(metrics: ModelMetrics): TableData {
  const p = (x: number) => `${(x * 100).toFixed(2)}%`;
  return {
    header: ["split", "accuracy", "examples"],
    rows: [
      ["train", p(metrics.train_accuracy), metrics.splits.train],
      ["validation", p(metrics.val_accuracy), metrics.splits.validation],
      ["test", p(metrics.test_accuracy), metrics.splits.test],
    ],
  };
}

/**
 * The pixels of one example (a view, not a copy).
 *
 * @throws {InvalidArgumentError} when `index` is not an example of `ds`.
 *
 * @example
 * ```ts
 * import { imageAt } from "./notebook.ts";
 * const ds = {
 *   images: new Float32Array([0, 1, 2, 3]), labels: new Uint8Array([0, 1]), count: 2,
 *   rows: 1, cols: 2, numClasses: 2, source: "example",
 * };
 * console.log(Array.from(imageAt(ds, 1))); // [2, 3]
 * ```
 */
export function imageAt(ds: Dataset, index: number): Float32Array {
  if (!Number.isInteger(index) || index < 0 || index >= ds.count) {
    throw new InvalidArgumentError(`index ${index} is not in [0, ${ds.count})`);
  }
  const size = ds.rows * ds.cols;
  return ds.images.subarray(index * size, (index + 1) * size);
}

function describeLayer(spec: LayerSpec): string {
  const size = (s: number | [number, number]) => typeof s === "number" ? `${s}x${s}` : s.join("x");
  switch (spec.type) {
    case "conv2d":
      return `conv2d: ${spec.filters} filters ${size(spec.kernelSize)}, ${
        spec.padding ?? "valid"
      }` +
        `, ${spec.activation ?? "linear"}`;
    case "maxPool2d":
      return `maxPool2d ${size(spec.poolSize)}`;
    case "dropout":
      return `dropout ${spec.rate}`;
    case "dense":
      return `dense: ${spec.units} units, ${spec.activation ?? "linear"}`;
    default:
      return spec.type;
  }
}

/**
 * A model configuration layer by layer with the output shape after each
 * layer, checked before anything is built (the softmax classifier is
 * appended when the configuration lacks it, as `buildModel` does).
 *
 * @throws {InvalidArgumentError} naming the bad layer when the configuration is invalid.
 *
 * @example
 * ```ts
 * import { layerTable } from "./notebook.ts";
 * import { REFERENCE_CNN } from "../model/architecture.ts";
 * console.log(layerTable(REFERENCE_CNN).rows[0]); // [1, "conv2d: 32 filters 3x3, valid, relu", "26x26x32"]
 * ```
 */
export function layerTable(config: ModelConfig): TableData {
  const shapes = validateModelConfig(config);
  const specs: LayerSpec[] = shapes.length > config.layers.length
    ? [...config.layers, { type: "dense", units: config.numClasses, activation: "softmax" }]
    : config.layers;
  return {
    header: ["#", "layer", "output shape"],
    rows: [
      [0, "input", config.inputShape.join("x")],
      ...specs.map((spec, i) => [i + 1, describeLayer(spec), shapes[i].join("x")]),
    ],
  };
}

/**
 * The headline figures of an evaluation as a table.
 *
 * @example
 * ```ts
 * import { evaluationTable } from "./notebook.ts";
 * const t = evaluationTable({
 *   accuracy: 0.98, loss: 0.06, count: 1000, confusion: [], perClass: [], macroF1: 0.979,
 *   worstMistakes: [],
 * });
 * console.log(t.rows[0]); // ["accuracy", "98.00%"]
 * ```
 */
export function evaluationTable(result: EvaluationResult): TableData {
  return {
    header: ["metric", "value"],
    rows: [
      ["accuracy", `${(result.accuracy * 100).toFixed(2)}%`],
      ["loss", result.loss.toFixed(4)],
      ["macro F1", result.macroF1.toFixed(4)],
      ["examples", result.count],
      ["mistakes", Math.round(result.count * (1 - result.accuracy))],
    ],
  };
}

/**
 * Precision, recall, F1 and support per class as a table.
 *
 * @example
 * ```ts
 * import { perClassTable } from "./notebook.ts";
 * const t = perClassTable([{ label: 0, precision: 1, recall: 0.5, f1: 2 / 3, support: 2 }]);
 * console.log(t.rows[0]); // ["0", "1.000", "0.500", "0.667", 2]
 * ```
 */
export function perClassTable(perClass: readonly ClassMetrics[]): TableData {
  return {
    header: ["digit", "precision", "recall", "F1", "support"],
    rows: perClass.map((c) => [
      String(c.label),
      c.precision.toFixed(3),
      c.recall.toFixed(3),
      c.f1.toFixed(3),
      c.support,
    ]),
  };
}

const IMAGE_FILE = /\.(png|jpe?g|gif|webp|bmp|tiff?)$/i;

/**
 * The digits a file name says its image shows: the digits after the last
 * `_` or `-` before the extension (`photo_4.jpg` → `"4"`,
 * `number_2024.png` → `"2024"`), else `undefined`.
 *
 * @example
 * ```ts
 * import { expectedDigits } from "./notebook.ts";
 * console.log(expectedDigits("scan_7.png"), expectedDigits("number_2024.png")); // "7" "2024"
 * ```
 */
export function expectedDigits(name: string): string | undefined {
  return basename(name).match(/[_-](\d+)\.[^.]+$/)?.[1];
}

/**
 * An example image and what it shows.
 *
 * @example
 * ```ts
 * import type { ExampleImage } from "./notebook.ts";
 * const e: ExampleImage = {
 *   path: "/work/digit-lab/data/examples/number_2024.png",
 *   name: "number_2024.png",
 *   expected: "2024",
 * };
 * ```
 */
export interface ExampleImage {
  /** Absolute path. */
  path: string;
  /** File name. */
  name: string;
  /** The digits its name says it shows (see {@linkcode expectedDigits}). */
  expected: string | undefined;
}

/**
 * Options of {@linkcode exampleImages}.
 *
 * @example
 * ```ts
 * import type { ExampleImagesOptions } from "./notebook.ts";
 * const o: ExampleImagesOptions = { dir: "data/examples", kind: "single" };
 * ```
 */
export interface ExampleImagesOptions {
  /** The folder (default `data/examples`). */
  dir?: string;
  /**
   * `"single"`: images of one digit (by name, or of unknown content);
   * `"multi"`: images of several digits; `"all"` (default): both.
   */
  kind?: "single" | "multi" | "all";
}

/**
 * The example image files, sorted by name; none when the folder does not
 * exist.
 *
 * @example
 * ```ts ignore
 * import { exampleImages } from "./notebook.ts";
 * console.log((await exampleImages({ kind: "multi" })).map((e) => e.name)); // ["number_2024.png"]
 * ```
 */
export async function exampleImages(options: ExampleImagesOptions = {}): Promise<ExampleImage[]> {
  const { dir = dataPath("examples"), kind = "all" } = options;
  const found: ExampleImage[] = [];
  try {
    for await (const e of Deno.readDir(dir)) {
      if (!e.isFile || !IMAGE_FILE.test(e.name)) continue;
      const expected = expectedDigits(e.name);
      const multi = (expected?.length ?? 1) > 1;
      if (kind === "all" || (kind === "multi") === multi) {
        found.push({ path: join(dir, e.name), name: e.name, expected });
      }
    }
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return [];
    throw e;
  }
  return found.sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

/**
 * Options of {@linkcode predictImageFile}.
 *
 * @example
 * ```ts
 * import type { PredictImageFileOptions } from "./notebook.ts";
 * const o: PredictImageFileOptions = { steps: true };
 * ```
 */
export interface PredictImageFileOptions {
  /** Keep the intermediate images of the normalisation (default false). */
  steps?: boolean;
}

/**
 * Reads an image file of one digit, normalises it to MNIST format and
 * classifies it: everything `showPrediction` shows.
 *
 * @throws {ImageError} when the file cannot be read or decoded.
 *
 * @example
 * ```ts ignore
 * import { modelClassifier, predictImageFile } from "./notebook.ts";
 * import { showPrediction } from "../display/mod.ts";
 * await showPrediction(await predictImageFile(modelClassifier(model), "data/examples/photo_4.jpg"));
 * ```
 */
export async function predictImageFile(
  classify: Classify,
  path: string,
  options: PredictImageFileOptions = {},
): Promise<PredictionView> {
  const original = await readImage(path);
  const digit = normalizeImage(original, { returnSteps: options.steps ?? false });
  const probabilities = await classify(digit.pixels);
  const title = basename(path) + (digit.inkFound ? "" : " (no ink found)");
  const expected = expectedDigits(path);
  return {
    title,
    original,
    input: digit.pixels,
    probabilities,
    label: expected?.length === 1 ? Number(expected) : undefined,
    ...(digit.steps ? { steps: digit.steps } : {}),
  };
}

/**
 * Reads an image file of a written number: finds the digits left to right,
 * normalises each to MNIST format and classifies it; everything
 * `showDigitSequence` shows.
 *
 * @throws {ImageError} when the file cannot be read or decoded.
 *
 * @example
 * ```ts ignore
 * import { modelClassifier, readNumberFile } from "./notebook.ts";
 * import { showDigitSequence } from "../display/mod.ts";
 * await showDigitSequence(await readNumberFile(modelClassifier(model), "data/examples/number_2024.png"));
 * ```
 */
export async function readNumberFile(
  classify: Classify,
  path: string,
): Promise<DigitSequenceView> {
  const original = await readImage(path);
  const { digits } = segmentDigits(original);
  return {
    title: basename(path),
    original,
    expected: expectedDigits(path),
    digits: await Promise.all(digits.map(async (d) => ({
      input: d.pixels,
      probabilities: await classify(d.pixels),
      box: d.box,
    }))),
  };
}
