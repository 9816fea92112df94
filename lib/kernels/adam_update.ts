/**
 * Adam's update of one variable in WASM SIMD (`simd/kernels.c`), the same
 * float32 operations in the same order as tfjs's `AdamOptimizer`, so the
 * same values to the bit: what `train/parallel/flat_adam.ts` runs on this
 * backend, four values at a time where JavaScript takes one.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { InvalidArgumentError } from "../core/mod.ts";
import { type AdamScalars, simdKernels } from "./simd/mod.ts";
import { disposeInfos } from "./wasm_kernel.ts";

export type { AdamScalars };

/**
 * Adam's new moments and weights for the variable `weights` (its moments
 * `m` and `v`, of its shape, on `backend`) and its gradient `grads`: three
 * new float32 tensors of its shape, `[m', v', weights']`. Nothing is
 * changed in place.
 *
 * @throws {InvalidArgumentError} when a size differs from `weights`'.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
 * import { assertEquals } from "@std/assert";
 * import { setupBackend } from "./backend.ts";
 * import { adamUpdate } from "./adam_update.ts";
 * await setupBackend();
 * const backend = tf.backend() as BackendWasm;
 * tf.tidy(() => {
 *   const [m, v, w] = [tf.zeros([5]), tf.zeros([5]), tf.ones([5])];
 *   const grads = new Float32Array([1, -1, 4, 0, 0.5]);
 *   const scalars = {
 *     beta1: 0.5, beta2: 0.5, oneMinusBeta1: 0.5, oneMinusBeta2: 0.5,
 *     oneMinusAccBeta1: 0.5, oneMinusAccBeta2: 0.5, epsilon: 0, minusRate: -0.25,
 *   };
 *   const out = adamUpdate(backend, { grads, m, v, weights: w }, scalars);
 *   const [m1, , w1] = out.map((info) => tf.engine().makeTensorFromTensorInfo(info));
 *   assertEquals(Array.from(m1.dataSync()), [0.5, -0.5, 2, 0, 0.25]);
 *   // The first step moves each weight by the rate against its gradient's sign
 *   // (with epsilon 0, a zero gradient gives 0 / 0).
 *   assertEquals(Array.from(w1.dataSync()), [0.75, 1.25, 0.75, NaN, 0.75]);
 * });
 * ```
 */
export function adamUpdate(
  backend: BackendWasm,
  tensors: { grads: Float32Array; m: tf.TensorInfo; v: tf.TensorInfo; weights: tf.TensorInfo },
  scalars: AdamScalars,
): [tf.TensorInfo, tf.TensorInfo, tf.TensorInfo] {
  const { grads, m, v, weights } = tensors;
  const size = tf.util.sizeFromShape(weights.shape);
  if (grads.length !== size) {
    throw new InvalidArgumentError(
      `a variable of ${size} values needs as many gradients, got ${grads.length}`,
    );
  }
  const g = backend.makeOutput([size], "float32");
  const out = [0, 1, 2].map(() => backend.makeOutput(weights.shape, "float32"));
  try {
    (backend.typedArrayFromHeap(g) as Float32Array).set(grads);
    const [newM, newV, newWeights] = out;
    simdKernels(backend).adamUpdate({ g, m, v, weights, newM, newV, newWeights }, scalars);
  } catch (e) {
    disposeInfos(backend, ...out);
    throw e;
  } finally {
    disposeInfos(backend, g);
  }
  return [out[0], out[1], out[2]];
}
