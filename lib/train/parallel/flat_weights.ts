/**
 * A model's weights as one flat `Float32Array` and back: how they travel
 * between the main thread and worker replicas.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import { InvalidArgumentError } from "../../core/mod.ts";

/**
 * All of a model's variables (trainable and not), in `model.weights` order.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { modelVariables } from "./flat_weights.ts";
 * import { buildModel, STRONG_CNN } from "../../model/mod.ts";
 * import { setupBackend } from "../../kernels/mod.ts";
 * await setupBackend();
 * const model = buildModel(STRONG_CNN, { seed: 1 });
 * // Batch normalisation's moving mean and variance are variables too, not trainable.
 * assert(modelVariables(model).length > model.trainableWeights.length);
 * model.dispose();
 * ```
 */
export function modelVariables(model: tf.LayersModel): tf.Variable[] {
  return model.weights.map((w) => w.read() as tf.Variable);
}

/**
 * The values of `vars`, one after another, written into `out` when given
 * (it must have room for them all) or into a new array.
 *
 * @throws {InvalidArgumentError} when `out` is too small.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { assertEquals } from "@std/assert";
 * import { readFlat } from "./flat_weights.ts";
 * import { setupBackend } from "../../kernels/mod.ts";
 * await setupBackend();
 * const vars = [tf.variable(tf.tensor([1, 2])), tf.variable(tf.tensor([[3]]))];
 * assertEquals(readFlat(vars), new Float32Array([1, 2, 3]));
 * tf.dispose(vars);
 * ```
 */
export function readFlat(vars: tf.Variable[], out?: Float32Array): Float32Array {
  const size = vars.reduce((n, v) => n + v.size, 0);
  if (out !== undefined && out.length < size) {
    throw new InvalidArgumentError(`${size} values do not fit in an array of ${out.length}`);
  }
  const flat = out ?? new Float32Array(size);
  let at = 0;
  for (const v of vars) {
    flat.set(v.dataSync() as Float32Array, at);
    at += v.size;
  }
  return flat;
}

/**
 * Gives `vars` (in order) the values of `flat`, as {@linkcode readFlat}
 * lays them out. No tensor outlives the call.
 *
 * @throws {InvalidArgumentError} when `flat` holds fewer values than `vars`.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { assertEquals } from "@std/assert";
 * import { assignFlat, readFlat } from "./flat_weights.ts";
 * import { setupBackend } from "../../kernels/mod.ts";
 * await setupBackend();
 * const vars = [tf.variable(tf.zeros([2])), tf.variable(tf.zeros([1, 1]))];
 * assignFlat(vars, new Float32Array([4, 5, 6]));
 * assertEquals(readFlat(vars), new Float32Array([4, 5, 6]));
 * tf.dispose(vars);
 * ```
 */
export function assignFlat(vars: tf.Variable[], flat: Float32Array): void {
  const size = vars.reduce((n, v) => n + v.size, 0);
  if (flat.length < size) {
    throw new InvalidArgumentError(`the variables need ${size} values, got ${flat.length}`);
  }
  let at = 0;
  tf.tidy(() => {
    for (const v of vars) {
      v.assign(tf.tensor(flat.subarray(at, at + v.size), v.shape, "float32"));
      at += v.size;
    }
  });
}
