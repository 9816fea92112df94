/**
 * Evaluation of a classifier on a labelled dataset: batched prediction,
 * accuracy, cross-entropy, confusion matrix, per-class metrics and the most
 * confidently wrong examples.
 *
 * @module
 */

import { compileInference } from "../model/mod.ts";
import * as tf from "@tensorflow/tfjs";
import { createBatchBuffer, type Dataset, gatherBatch, validateDataset } from "../data/mod.ts";
import {
  type ClassMetrics,
  type EvaluationResult,
  InvalidArgumentError,
  type Mistake,
} from "../core/mod.ts";

/**
 * Options of {@linkcode predictProbabilities}.
 */
export interface PredictOptions {
  /** Images per forward pass (default 256). */
  batchSize?: number;
}

/**
 * Options of {@linkcode evaluateModel}.
 */
export interface EvaluateOptions extends PredictOptions {
  /** How many of the most confident mistakes to keep (default 20). */
  worst?: number;
}

/** Probabilities are clipped to [EPSILON, 1 - EPSILON] for the loss, as tfjs does. */
const EPSILON = 1e-7;

/**
 * Checks that a model takes `[rows, cols, 1]` images of `ds` and outputs
 * `ds.numClasses` probabilities.
 *
 * @throws {InvalidArgumentError} naming both shapes when they differ.
 *
 * @example
 * ```ts
 * import { assertThrows } from "@std/assert";
 * import { InvalidArgumentError } from "../core/mod.ts";
 * import { assertModelFitsDataset } from "./evaluate.ts";
 * import { buildModel, REFERENCE_CNN } from "../model/architecture.ts";
 * import { setupBackend } from "../kernels/backend.ts";
 * await setupBackend();
 * const model = buildModel(REFERENCE_CNN, { seed: 1 });
 * const ds = {
 *   images: new Float32Array(784), labels: new Uint8Array(1), count: 1,
 *   rows: 28, cols: 28, numClasses: 10, source: "example",
 * };
 * assertModelFitsDataset(model, ds); // fits
 * assertThrows(() => assertModelFitsDataset(model, { ...ds, rows: 14 }), InvalidArgumentError);
 * model.dispose();
 * ```
 */
export function assertModelFitsDataset(model: tf.LayersModel, ds: Dataset): void {
  const input = model.inputs[0].shape;
  const output = model.outputs[0].shape;
  if (input.length !== 4 || input[1] !== ds.rows || input[2] !== ds.cols || input[3] !== 1) {
    throw new InvalidArgumentError(
      `the model takes inputs of shape [${input.slice(1)}] but dataset ` +
        `${JSON.stringify(ds.source)} has images of shape [${ds.rows},${ds.cols},1]`,
    );
  }
  if (output.length !== 2 || output[1] !== ds.numClasses) {
    throw new InvalidArgumentError(
      `the model outputs shape [${output.slice(1)}] but dataset ${JSON.stringify(ds.source)} ` +
        `has ${ds.numClasses} classes`,
    );
  }
}

/**
 * Runs the model over a dataset in batches (inference mode: no dropout).
 *
 * @returns `count * numClasses` probabilities, one row per image.
 * @throws {InvalidArgumentError} when the dataset is malformed, does not fit
 *   the model, or the batch size is not a positive integer.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { predictProbabilities } from "./evaluate.ts";
 * import { buildModel, REFERENCE_CNN } from "../model/architecture.ts";
 * import { setupBackend } from "../kernels/backend.ts";
 * await setupBackend();
 * const model = buildModel(REFERENCE_CNN, { seed: 1 });
 * const ds = {
 *   images: new Float32Array(2 * 784), labels: new Uint8Array([0, 1]), count: 2,
 *   rows: 28, cols: 28, numClasses: 10, source: "example",
 * };
 * assertEquals(predictProbabilities(model, ds).length, 20);
 * model.dispose();
 * ```
 */
export function predictProbabilities(
  model: tf.LayersModel,
  ds: Dataset,
  options: PredictOptions = {},
): Float32Array {
  const { batchSize = 256 } = options;
  if (!Number.isInteger(batchSize) || batchSize <= 0) {
    throw new InvalidArgumentError(`batchSize must be a positive integer, got ${batchSize}`);
  }
  validateDataset(ds);
  assertModelFitsDataset(model, ds);
  const out = new Float32Array(ds.count * ds.numClasses);
  const buffer = createBatchBuffer(ds, Math.min(batchSize, Math.max(1, ds.count)));
  const indices = new Uint32Array(batchSize);
  const infer = compileInference(model);
  for (let start = 0; start < ds.count; start += batchSize) {
    const n = Math.min(batchSize, ds.count - start);
    for (let i = 0; i < n; i++) indices[i] = start + i;
    const batch = gatherBatch(ds, indices.subarray(0, n), buffer);
    const probs = tf.tidy(() => infer(tf.tensor4d(batch.pixels, [n, ds.rows, ds.cols, 1])));
    out.set(probs.dataSync(), start * ds.numClasses);
    probs.dispose();
  }
  return out;
}

/**
 * Counts `confusion[label][predicted]`.
 *
 * @throws {InvalidArgumentError} on arrays of different lengths or a class
 *   outside [0, numClasses).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { confusionMatrix } from "./evaluate.ts";
 * assertEquals(confusionMatrix([0, 1, 1], [0, 1, 0], 2), [[1, 0], [1, 1]]);
 * ```
 */
export function confusionMatrix(
  labels: ArrayLike<number>,
  predicted: ArrayLike<number>,
  numClasses: number,
): number[][] {
  if (!Number.isInteger(numClasses) || numClasses <= 0) {
    throw new InvalidArgumentError(`numClasses must be a positive integer, got ${numClasses}`);
  }
  if (labels.length !== predicted.length) {
    throw new InvalidArgumentError(
      `${labels.length} labels but ${predicted.length} predictions`,
    );
  }
  const m = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  for (let i = 0; i < labels.length; i++) {
    const [t, p] = [labels[i], predicted[i]];
    for (const c of [t, p]) {
      if (!Number.isInteger(c) || c < 0 || c >= numClasses) {
        throw new InvalidArgumentError(
          `class ${c} at index ${i} is not an integer in [0, ${numClasses})`,
        );
      }
    }
    m[t][p]++;
  }
  return m;
}

/**
 * Precision, recall, F1 and support of every class of a square confusion
 * matrix (`confusion[true][predicted]`); an empty denominator gives 0.
 *
 * @throws {InvalidArgumentError} when the matrix is not square.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { classMetrics } from "./evaluate.ts";
 * const [a] = classMetrics([[3, 1], [0, 2]]);
 * assertEquals([a.precision, a.recall, a.support], [1, 0.75, 4]);
 * ```
 */
export function classMetrics(confusion: number[][]): ClassMetrics[] {
  const n = confusion.length;
  confusion.forEach((row, i) => {
    if (!Array.isArray(row) || row.length !== n) {
      throw new InvalidArgumentError(
        `confusion matrix must be square: row ${i} has ${row?.length} entries, expected ${n}`,
      );
    }
  });
  return confusion.map((row, c) => {
    const tp = row[c];
    const support = row.reduce((a, b) => a + b, 0);
    const predictedCount = confusion.reduce((sum, r) => sum + r[c], 0);
    const precision = predictedCount === 0 ? 0 : tp / predictedCount;
    const recall = support === 0 ? 0 : tp / support;
    const f1 = precision + recall === 0 ? 0 : 2 * precision * recall / (precision + recall);
    return { label: c, precision, recall, f1, support };
  });
}

/**
 * Evaluates a model on a labelled dataset.
 *
 * @returns Accuracy, mean categorical cross-entropy, confusion matrix,
 *   per-class metrics, macro F1 and the `worst` most confident mistakes.
 * @throws {InvalidArgumentError} when the dataset is empty, malformed or
 *   does not fit the model, or an option is out of range.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { evaluateModel } from "./evaluate.ts";
 * import { buildModel, REFERENCE_CNN } from "../model/architecture.ts";
 * import { setupBackend } from "../kernels/backend.ts";
 * await setupBackend();
 * const model = buildModel(REFERENCE_CNN, { seed: 1 });
 * const ds = {
 *   images: new Float32Array(2 * 784), labels: new Uint8Array([0, 1]), count: 2,
 *   rows: 28, cols: 28, numClasses: 10, source: "example",
 * };
 * const r = evaluateModel(model, ds, { worst: 5 });
 * assertEquals([r.count, r.confusion.length], [2, 10]);
 * model.dispose();
 * ```
 */
export function evaluateModel(
  model: tf.LayersModel,
  ds: Dataset,
  options: EvaluateOptions = {},
): EvaluationResult {
  checkEvaluation(ds, options);
  return summarizePredictions(ds, predictProbabilities(model, ds, options), options);
}

/**
 * Checks, before any prediction, what {@linkcode summarizePredictions}
 * will require of an evaluation: a non-empty dataset and a valid `worst`.
 *
 * @throws {InvalidArgumentError} when the dataset is empty or `worst` is
 *   not a non-negative integer.
 *
 * @example
 * ```ts
 * import { assertThrows } from "@std/assert";
 * import { checkEvaluation } from "./evaluate.ts";
 * const ds = {
 *   images: new Float32Array(1), labels: new Uint8Array([0]), count: 1,
 *   rows: 1, cols: 1, numClasses: 2, source: "example",
 * };
 * checkEvaluation(ds, { worst: 5 }); // fine
 * assertThrows(() => checkEvaluation(ds, { worst: -1 }), Error, "worst must be");
 * ```
 */
export function checkEvaluation(ds: Dataset, options: Pick<EvaluateOptions, "worst"> = {}): void {
  const { worst = 20 } = options;
  if (!Number.isInteger(worst) || worst < 0) {
    throw new InvalidArgumentError(`worst must be a non-negative integer, got ${worst}`);
  }
  if (ds.count === 0) {
    throw new InvalidArgumentError(`dataset ${JSON.stringify(ds.source)} is empty`);
  }
}

/**
 * Scores probabilities against a dataset's labels: what
 * {@linkcode evaluateModel} returns, for probabilities computed elsewhere
 * (for example on several threads).
 *
 * @param probs `ds.count * ds.numClasses` probabilities, one row per image.
 * @throws {InvalidArgumentError} when `probs` has the wrong length, the
 *   dataset is empty, or `worst` is not a non-negative integer.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { summarizePredictions } from "./evaluate.ts";
 * const ds = {
 *   images: new Float32Array(2), labels: new Uint8Array([0, 1]), count: 2,
 *   rows: 1, cols: 1, numClasses: 2, source: "example",
 * };
 * const r = summarizePredictions(ds, new Float32Array([0.9, 0.1, 0.8, 0.2]));
 * assertEquals([r.accuracy, r.worstMistakes[0].index], [0.5, 1]);
 * ```
 */
export function summarizePredictions(
  ds: Dataset,
  probs: Float32Array,
  options: Pick<EvaluateOptions, "worst"> = {},
): EvaluationResult {
  checkEvaluation(ds, options);
  const { worst = 20 } = options;
  if (probs.length !== ds.count * ds.numClasses) {
    throw new InvalidArgumentError(
      `expected ${ds.count} x ${ds.numClasses} = ${ds.count * ds.numClasses} probabilities ` +
        `for dataset ${JSON.stringify(ds.source)}, got ${probs.length}`,
    );
  }
  const k = ds.numClasses;
  const predicted = new Uint8Array(ds.count);
  const mistakes: Mistake[] = [];
  let loss = 0;
  let correct = 0;
  for (let i = 0; i < ds.count; i++) {
    let best = 0;
    for (let c = 1; c < k; c++) if (probs[i * k + c] > probs[i * k + best]) best = c;
    predicted[i] = best;
    const label = ds.labels[i];
    loss -= Math.log(Math.min(1 - EPSILON, Math.max(EPSILON, probs[i * k + label])));
    if (best === label) correct++;
    else mistakes.push({ index: i, label, predicted: best, confidence: probs[i * k + best] });
  }
  mistakes.sort((a, b) => b.confidence - a.confidence || a.index - b.index);
  const confusion = confusionMatrix(ds.labels, predicted, k);
  const perClass = classMetrics(confusion);
  return {
    accuracy: correct / ds.count,
    loss: loss / ds.count,
    count: ds.count,
    confusion,
    perClass,
    macroF1: perClass.reduce((sum, m) => sum + m.f1, 0) / k,
    worstMistakes: mistakes.slice(0, worst),
  };
}
