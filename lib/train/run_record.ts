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

/**
 * How a model was trained: what `metrics.json` records besides the results.
 *
 * @example
 * ```ts
 * import type { RunFacts } from "./run_record.ts";
 * const facts: RunFacts = {
 *   command: "deno task train --epochs 10 --augment",
 *   seed: 42,
 *   batchSize: 128,
 *   validationFraction: 0.1,
 *   augment: true,
 *   modelName: "reference",
 *   learningRate: 1e-3,
 *   learningRateDecay: 0.9,
 * };
 * ```
 */
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

/**
 * Options of {@linkcode evaluateRun}.
 *
 * @example
 * ```ts
 * import type { EvaluateRunOptions } from "./run_record.ts";
 * const o: EvaluateRunOptions = { threads: 2 };
 * ```
 */
export interface EvaluateRunOptions {
  /**
   * Threads to predict on, the main one included; default `"auto"`
   * (`autoInferenceThreads` of the three splits' images).
   */
  threads?: number | "auto";
}

/**
 * The evaluations of a run and its `metrics.json` record.
 *
 * @example
 * ```ts
 * import type { RunEvaluation } from "./run_record.ts";
 * const overfit = ({ train, test }: RunEvaluation) => train.accuracy - test.accuracy;
 * ```
 */
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
 * ```ts ignore
 * import { evaluateRun } from "./run_record.ts";
 * const { metrics, test } = await evaluateRun(model, splits, history, {
 *   command: "deno task train", seed: 42, batchSize: 128, validationFraction: 0.1, augment: false,
 * });
 * console.log(metrics.test_accuracy === test.accuracy); // true
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
