/**
 * The notebook model's lifecycle: load the one notebook 04 saved (or train
 * a quick one), build one from a configuration, and save one with its
 * metrics.
 *
 * @module
 */

import type * as tf from "@tensorflow/tfjs";
import {
  InvalidArgumentError,
  ModelLoadError,
  type ModelMetrics,
  type TrainingHistory,
} from "../core/mod.ts";
import { type LoadedSplits, subsetDataset } from "../data/mod.ts";
import { setupBackend } from "../kernels/mod.ts";
import {
  buildModel,
  hasSavedModel,
  loadModel,
  type ModelConfig,
  REFERENCE_CNN,
  saveModel,
} from "../model/mod.ts";
import { evaluateRun, trainModel } from "../train/mod.ts";
import { createClassifier, readingClassifier } from "../eval/mod.ts";
import { loadNotebookSplits, type NotebookSettings, QUICK_LIMIT } from "./settings.ts";

/**
 * `config` with a classifier of `numClasses` outputs: its `numClasses` set
 * and, when its last layer is the softmax classifier of its old class count,
 * that layer's units too (so that REFERENCE_CNN, written for the 10 digits,
 * reads EMNIST's 26 letters). A configuration that already has `numClasses`
 * classes is returned as is.
 *
 * @throws {InvalidArgumentError} when `numClasses` is not an integer >= 2.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { withClassCount } from "./model.ts";
 * import { REFERENCE_CNN } from "../model/mod.ts";
 * const letters = withClassCount(REFERENCE_CNN, 26);
 * assertEquals(letters.numClasses, 26);
 * assertEquals(letters.layers.at(-1), { type: "dense", units: 26, activation: "softmax" });
 * assertEquals(letters.layers.length, REFERENCE_CNN.layers.length); // replaced, not appended
 * ```
 */
export function withClassCount(config: ModelConfig, numClasses: number): ModelConfig {
  if (!Number.isInteger(numClasses) || numClasses < 2) {
    throw new InvalidArgumentError(`numClasses must be an integer >= 2, got ${numClasses}`);
  }
  if (config.numClasses === numClasses) return config;
  const last = config.layers.at(-1);
  const classifier = last?.type === "dense" && last.units === config.numClasses &&
    last.activation === "softmax";
  return {
    ...config,
    numClasses,
    layers: classifier
      ? [...config.layers.slice(0, -1), { ...last, units: numClasses }]
      : config.layers,
  };
}

/** The number of outputs of a classifier model. */
function outputClasses(model: tf.LayersModel): number {
  return model.outputs[0].shape.at(-1) as number;
}

/**
 * What {@linkcode loadOrTrainModel} returns.
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
  /**
   * Reads a 28×28 input as `predict` does: with the saved model's
   * `calibration.json` when it has one, else the model's probabilities.
   */
  classify: (pixels: Float32Array) => Float32Array;
}

/**
 * Options of {@linkcode loadOrTrainModel}.
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
 * none, a quick one trained now (one epoch of the reference CNN, with one
 * output per class of the settings, on at most `limit` training examples;
 * not saved).
 *
 * @throws {ModelLoadError} when a saved model exists but cannot be loaded,
 *   or reads another number of classes than the settings' dataset has.
 *
 * @example
 * ```ts
 * import { assertEquals, assertMatch } from "@std/assert";
 * import { loadOrTrainModel } from "./model.ts";
 * import { notebookSettings } from "./settings.ts";
 * const settings = { ...notebookSettings(), modelDir: "data/models/default" }; // the shipped model
 * const { model, origin, description } = await loadOrTrainModel(settings);
 * assertEquals(origin, "saved");
 * assertMatch(description, /^Loaded the model saved in data\/models\/default/);
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
    const classes = settings.classNames.length;
    if (outputClasses(model) !== classes) {
      const outputs = outputClasses(model);
      model.dispose();
      throw new ModelLoadError(
        `the model in ${dir} reads ${outputs} classes but ${settings.dataset} has ${classes}: ` +
          `run notebook 04 with this dataset, or set DIGIT_LAB_NOTEBOOK_MODEL to its model`,
      );
    }
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
      classify: await readingClassifier(model, dir),
      origin: "saved",
      description: `Loaded the model saved in ${dir}${about}.${mismatch}`,
    };
  }
  const limit = options.limit ?? QUICK_LIMIT;
  const splits = options.splits ?? await loadNotebookSplits(settings);
  const train = splits.train.count > limit
    ? subsetDataset(splits.train, Array.from({ length: limit }, (_, i) => i))
    : splits.train;
  const model = buildModel(withClassCount(REFERENCE_CNN, settings.classNames.length), {
    seed: settings.seed,
  });
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
    classify: createClassifier(model),
    origin: "trained",
    description: `No model saved in ${settings.modelDir} (run notebook 04 to train one); ` +
      `trained a quick one instead: 1 epoch on ${train.count} examples, validation accuracy ` +
      `${(e.valAccuracy * 100).toFixed(2)}%.`,
  };
}

/**
 * Options of {@linkcode buildNotebookModel}.
 */
export interface BuildNotebookModelOptions {
  /** Adam learning rate (default 1e-3). */
  learningRate?: number;
}

/**
 * Builds a compiled model from `config` with the settings' seed, with one
 * output per class of the settings' dataset (see {@linkcode withClassCount}).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { buildNotebookModel } from "./model.ts";
 * import { notebookSettings } from "./settings.ts";
 * import { REFERENCE_CNN } from "../model/mod.ts";
 * const model = await buildNotebookModel(REFERENCE_CNN, notebookSettings());
 * assertEquals(model.countParams(), 34826);
 * model.dispose();
 * ```
 */
export async function buildNotebookModel(
  config: ModelConfig,
  settings: NotebookSettings,
  options: BuildNotebookModelOptions = {},
): Promise<tf.LayersModel> {
  await setupBackend();
  return buildModel(withClassCount(config, settings.classNames.length), {
    seed: settings.seed,
    learningRate: options.learningRate,
  });
}

/**
 * What {@linkcode saveNotebookModel} needs besides the model.
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
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { buildNotebookModel, saveNotebookModel } from "./model.ts";
 * import { notebookSettings } from "./settings.ts";
 * import { REFERENCE_CNN } from "../model/mod.ts";
 * const settings = { ...notebookSettings(), modelDir: await Deno.makeTempDir() };
 * const blank = {
 *   images: new Float32Array(2 * 784), labels: new Uint8Array([0, 1]), count: 2,
 *   rows: 28, cols: 28, numClasses: 10, source: "blank",
 * };
 * const classNames = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];
 * const splits = { train: blank, validation: blank, test: blank, source: "blank", classNames };
 * const history = { epochs: [], stoppedEarly: false, bestEpoch: 0, seconds: 0 };
 * const model = await buildNotebookModel(REFERENCE_CNN, settings);
 * const metrics = await saveNotebookModel(model, { settings, splits, history });
 * assertEquals(metrics.splits, { train: 2, validation: 2, test: 2 });
 * model.dispose();
 * await Deno.remove(settings.modelDir, { recursive: true });
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
