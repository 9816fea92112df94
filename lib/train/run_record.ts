/**
 * Evaluates a trained model on its three splits and assembles the
 * `metrics.json` record, so the `train` command and the notebooks save the
 * same facts the same way.
 *
 * @module
 */

import type * as tf from "@tensorflow/tfjs";
import { setupBackend } from "../kernels/mod.ts";
import { autoInferenceThreads, BatchPredictor } from "./parallel/mod.ts";
import type { LoadedSplits } from "../data/mod.ts";
import { summarizeModel } from "../model/mod.ts";
import type { EvaluationResult, ModelMetrics, TrainingHistory } from "../core/mod.ts";

/** How a model was trained: what `metrics.json` records besides the results. */
export interface RunFacts {
  /** The command (or notebook) that produced the model. */
  command: string;
  /** Seed of the split, shuffling, initialisation and augmentation. */
  seed: number;
  /** Batch size used for training. */
  batchSize: number;
  /** Fraction of the training data held out for validation. */
  validationFraction: number;
  /** Whether training batches were augmented. */
  augment: boolean;
  /** Name of the architecture, when a named one was used. */
  modelName?: string;
  /** Adam learning rate. */
  learningRate?: number;
  /** Per-epoch learning-rate factor. */
  learningRateDecay?: number;
}

/** Options of {@linkcode evaluateRun}. */
export interface EvaluateRunOptions {
  /**
   * Threads to predict on, the main one included; default `"auto"`
   * (`autoInferenceThreads` of the three splits' images).
   */
  threads?: number | "auto";
}

/** The evaluations of a run and its `metrics.json` record. */
export interface RunEvaluation {
  /** The record to save next to the model. */
  metrics: ModelMetrics;
  /** Evaluation on the training split (no mistakes listed). */
  train: EvaluationResult;
  /** Evaluation on the validation split (no mistakes listed). */
  validation: EvaluationResult;
  /** Evaluation on the test split, with its worst mistakes. */
  test: EvaluationResult;
}

/**
 * Evaluates `model` on the train, validation and test splits (inference
 * mode: no dropout) and builds the `metrics.json` record of the run.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { evaluateRun } from "./run_record.ts";
 * import { buildModel, type ModelConfig } from "../model/mod.ts";
 * import { setupBackend } from "../kernels/mod.ts";
 * await setupBackend();
 * const config: ModelConfig = {
 *   inputShape: [2, 2, 1], layers: [{ type: "flatten" }], numClasses: 2,
 * };
 * const model = buildModel(config, { seed: 1 });
 * const split = (count: number) => ({
 *   images: new Float32Array(count * 4), labels: new Uint8Array(count),
 *   count, rows: 2, cols: 2, numClasses: 2, source: "example",
 * });
 * const splits = {
 *   train: split(6), validation: split(2), test: split(2), source: "example", classNames: ["0", "1"],
 * };
 * const history = { epochs: [], stoppedEarly: false, bestEpoch: 0, seconds: 0 };
 * const { metrics, test } = await evaluateRun(model, splits, history, {
 *   command: "deno task train", seed: 42, batchSize: 128, validationFraction: 0.2, augment: false,
 * });
 * assertEquals(metrics.test_accuracy, test.accuracy);
 * assertEquals([metrics.splits, metrics.parameters], [{ train: 6, validation: 2, test: 2 }, 10]);
 * model.dispose();
 * ```
 */
export async function evaluateRun(
  model: tf.LayersModel,
  splits: LoadedSplits,
  history: TrainingHistory,
  facts: RunFacts,
  options: EvaluateRunOptions = {},
): Promise<RunEvaluation> {
  const backend = await setupBackend();
  const images = splits.train.count + splits.validation.count + splits.test.count;
  const threads = options.threads === undefined || options.threads === "auto"
    ? autoInferenceThreads(images)
    : options.threads;
  using predictor = await BatchPredictor.start(model, { threads });
  const test = await predictor.evaluate(splits.test);
  const train = await predictor.evaluate(splits.train, { worst: 0 });
  const validation = await predictor.evaluate(splits.validation, { worst: 0 });
  const epochs = history.epochs.length;
  const metrics: ModelMetrics = {
    data_source: splits.source,
    splits: {
      train: splits.train.count,
      validation: splits.validation.count,
      test: splits.test.count,
    },
    validation_fraction: facts.validationFraction,
    ...(facts.modelName === undefined ? {} : { model: facts.modelName }),
    ...(facts.learningRate === undefined ? {} : { learning_rate: facts.learningRate }),
    ...(facts.learningRateDecay === undefined
      ? {}
      : { learning_rate_decay: facts.learningRateDecay }),
    epochs,
    batch_size: facts.batchSize,
    seed: facts.seed,
    augment: facts.augment,
    train_accuracy: train.accuracy,
    val_accuracy: validation.accuracy,
    test_accuracy: test.accuracy,
    test_loss: test.loss,
    training_seconds: history.seconds,
    seconds_per_epoch: epochs ? history.seconds / epochs : 0,
    training_threads: history.threads ?? 1,
    parameters: summarizeModel(model).totalParams,
    versions: {
      tfjs: backend.tfjsVersion,
      deno: Deno.version.deno,
      backend: `${backend.backend} simd=${backend.simd} threads=${backend.threads}`,
    },
    command: facts.command,
    created_at: new Date().toISOString(),
    history: history.epochs,
  };
  return { metrics, train, validation, test };
}
