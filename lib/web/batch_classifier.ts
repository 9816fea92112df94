/**
 * A trained model as a batch classifier (the `ClassifyBatch` of
 * `batcher.ts`): many 28x28 inputs in one model call, for the server's
 * micro-batching, as trained or with the model's calibration (the
 * temperature and digit check of `calibration.json`, as `predict` reads).
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import { InvalidArgumentError } from "../core/mod.ts";
import { compileInference } from "../model/mod.ts";
import { calibratedReading, type ClassifierCalibration, headFeatures } from "../eval/mod.ts";

/** The size of one input and a check that every input has it, naming the first that does not. */
function inputChecker(
  model: tf.LayersModel,
): { size: number; check: (xs: Float32Array[]) => void } {
  const [, rows, cols, channels] = model.inputs[0].shape as number[];
  const size = rows * cols * channels;
  return {
    size,
    check: (inputs) =>
      inputs.forEach((pixels, i) => {
        if (pixels.length !== size) {
          throw new InvalidArgumentError(
            `the model takes ${rows}x${cols}x${channels} = ${size} values, got ${pixels.length} ` +
              `(input ${i})`,
          );
        }
      }),
  };
}

function concat(inputs: Float32Array[], size: number): Float32Array {
  const flat = new Float32Array(inputs.length * size);
  inputs.forEach((pixels, i) => flat.set(pixels, i * size));
  return flat;
}

/**
 * The calibrated batch: one forward pass to the penultimate features for
 * all inputs, then per row exactly what `createCalibratedClassifier` does
 * for one image (logits, softmax at the temperature, times P(a digit)).
 */
function calibratedBatch(
  model: tf.LayersModel,
  calibration: ClassifierCalibration,
): (inputs: Float32Array[]) => Float32Array[] {
  const { head, read } = calibratedReading(model, calibration);
  const { size, check } = inputChecker(model);
  return (inputs) => {
    check(inputs);
    if (inputs.length === 0) return [];
    const features = headFeatures(head, concat(inputs, size), inputs.length);
    return inputs.map((_, i) => read(features.subarray(i * head.dim, (i + 1) * head.dim)));
  };
}

/**
 * Wraps a model taking 28x28x1 inputs into a synchronous batch classifier:
 * `n` inputs run as one `[n, 28, 28, 1]` tensor, and row `i` comes back for
 * input `i`. Without `calibration` the rows are the model's probabilities
 * through the same compiled chain as `createClassifier`; with it (see
 * `loadClassifierCalibration`) they are what `createCalibratedClassifier`
 * answers, the reading `predict` gives. Either way each image's row is the
 * same to the bit as the one-image classifier's (no op mixes the images of
 * a batch), so an answer does not depend on which requests shared its
 * batch. No tensor outlives the call.
 *
 * @throws {InvalidArgumentError} for a calibration that does not fit the
 *   model (a temperature that is not positive, a digit check of another
 *   size, a model not ending in a dense softmax); (when called) if an input
 *   has the wrong length, naming it, before any tensor is made.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { assertAlmostEquals, assertEquals } from "@std/assert";
 * import { createBatchClassifier } from "./batch_classifier.ts";
 * import { setupBackend } from "../kernels/mod.ts";
 * await setupBackend();
 * const model = tf.sequential({
 *   layers: [
 *     tf.layers.flatten({ inputShape: [28, 28, 1] }),
 *     tf.layers.dense({ units: 10, activation: "softmax" }),
 *   ],
 * });
 * const rows = createBatchClassifier(model)([new Float32Array(784), new Float32Array(784)]);
 * assertEquals(rows.map((r) => r.length), [10, 10]);
 * // A calibration whose digit check says "no digit" at log-odds -3 for every image:
 * const dim = 784 + 2;
 * const digitCheck = { mean: Array(dim).fill(0), scale: Array(dim).fill(1), weights: Array(dim).fill(0), bias: -3 };
 * const [row] = createBatchClassifier(model, { temperature: 1, digitCheck })([new Float32Array(784)]);
 * assertAlmostEquals(row.reduce((a, b) => a + b, 0), 1 / (1 + Math.exp(3)), 1e-5);
 * model.dispose();
 * ```
 */
export function createBatchClassifier(
  model: tf.LayersModel,
  calibration?: ClassifierCalibration,
): (inputs: Float32Array[]) => Float32Array[] {
  if (calibration !== undefined) return calibratedBatch(model, calibration);
  const { size, check } = inputChecker(model);
  const [, rows, cols, channels] = model.inputs[0].shape as number[];
  const infer = compileInference(model);
  return (inputs) => {
    check(inputs);
    if (inputs.length === 0) return [];
    const flat = concat(inputs, size);
    const out = tf.tidy(() => {
      const x = tf.tensor4d(flat, [inputs.length, rows, cols, channels]);
      return infer(x).dataSync() as Float32Array;
    });
    const classes = out.length / inputs.length;
    return inputs.map((_, i) => out.slice(i * classes, (i + 1) * classes));
  };
}
