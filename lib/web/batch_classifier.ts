/**
 * A trained model as a batch classifier (the `ClassifyBatch` of
 * `batcher.ts`): many 28x28 inputs in one model call, for the server's
 * micro-batching.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import { InvalidArgumentError } from "../core/mod.ts";
import { compileInference } from "../model/mod.ts";

/**
 * Wraps a model taking 28x28x1 inputs into a synchronous batch classifier:
 * `n` inputs run as one `[n, 28, 28, 1]` tensor through the same compiled
 * chain as `createClassifier`, and row `i` comes back for input `i`. Each
 * image's probabilities are the same to the bit as the one-image
 * classifier's (no op mixes the images of a batch), so an answer does not
 * depend on which requests shared its batch. No tensor outlives the call.
 *
 * @throws {InvalidArgumentError} (when called) if an input has the wrong
 *   length, naming it, before any tensor is made.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { assertEquals } from "@std/assert";
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
 * model.dispose();
 * ```
 */
export function createBatchClassifier(
  model: tf.LayersModel,
): (inputs: Float32Array[]) => Float32Array[] {
  const [, rows, cols, channels] = model.inputs[0].shape as number[];
  const size = rows * cols * channels;
  const infer = compileInference(model);
  return (inputs) => {
    inputs.forEach((pixels, i) => {
      if (pixels.length !== size) {
        throw new InvalidArgumentError(
          `the model takes ${rows}x${cols}x${channels} = ${size} values, got ${pixels.length} ` +
            `(input ${i})`,
        );
      }
    });
    if (inputs.length === 0) return [];
    const flat = new Float32Array(inputs.length * size);
    inputs.forEach((pixels, i) => flat.set(pixels, i * size));
    const out = tf.tidy(() => {
      const x = tf.tensor4d(flat, [inputs.length, rows, cols, channels]);
      return infer(x).dataSync() as Float32Array;
    });
    const classes = out.length / inputs.length;
    return inputs.map((_, i) => out.slice(i * classes, (i + 1) * classes));
  };
}
