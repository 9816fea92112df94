/**
 * Dropout by a hashed mask as one `wasm` kernel of ours, which is also its
 * own gradient: the mask of each value is drawn from a hash of its index
 * as the value is multiplied (`hashed_dropout` in `simd/kernels.c`), so no
 * mask is made in JavaScript, uploaded, or kept for the backward pass. The
 * seeded dropout of the training chain (`model/seeded_dropout.ts`) runs on
 * it on the wasm backend.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import { InvalidArgumentError } from "../core/mod.ts";
import { type HashedDropoutMask, simdKernels } from "./simd/mod.ts";
import type { WasmKernelArgs, WasmKernelConfig } from "./wasm_kernel.ts";

export type { HashedDropoutMask };

/**
 * The kernel's name. Input `x` (float32, any shape); attributes a
 * {@linkcode HashedDropoutMask}; output `x` times its mask, value by value
 * in `x`'s flat order.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { assertEquals } from "@std/assert";
 * import { setupBackend } from "./backend.ts";
 * import { HASHED_DROPOUT } from "./hashed_dropout.ts";
 * await setupBackend();
 * const x = tf.tensor1d([1, 2, 3]);
 * // Threshold 0 keeps every value.
 * const attrs = { start: 0, key: 5, threshold: 0, scale: 2 };
 * const y = tf.engine().runKernel(HASHED_DROPOUT, { x }, attrs) as tf.Tensor;
 * assertEquals(Array.from(y.dataSync()), [2, 4, 6]);
 * tf.dispose([x, y]);
 * ```
 */
export const HASHED_DROPOUT = "DigitLabHashedDropout";

const MAX_UINT32 = 2 ** 32 - 1;

/** The mask of `attrs`, or an error naming the attribute that is not one. */
function maskOf(attrs: tf.NamedAttrMap | undefined): HashedDropoutMask {
  const mask = attrs as unknown as Partial<HashedDropoutMask> | undefined;
  for (const name of ["start", "key", "threshold"] as const) {
    const value = mask?.[name];
    if (!Number.isInteger(value) || value! < 0 || value! > MAX_UINT32) {
      throw new InvalidArgumentError(
        `${HASHED_DROPOUT} needs ${name} an unsigned 32-bit integer, got ${value}`,
      );
    }
  }
  if (!Number.isFinite(mask!.scale)) {
    throw new InvalidArgumentError(
      `${HASHED_DROPOUT} needs a finite scale, got ${mask!.scale}`,
    );
  }
  return mask as HashedDropoutMask;
}

/**
 * The `wasm` kernel function of {@linkcode HASHED_DROPOUT}.
 *
 * @throws {InvalidArgumentError} for an input that is not float32, or
 *   attributes that are not a mask.
 */
function hashedDropout({ inputs: { x }, backend, attrs }: WasmKernelArgs): tf.TensorInfo {
  if (x.dtype !== "float32") {
    throw new InvalidArgumentError(`${HASHED_DROPOUT} needs a float32 input, got ${x.dtype}`);
  }
  const mask = maskOf(attrs);
  const y = backend.makeOutput(x.shape, "float32");
  simdKernels(backend).hashedDropout({ x, y }, mask);
  return y;
}

/**
 * Our kernel {@linkcode HASHED_DROPOUT}.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
 * import { assertEquals } from "@std/assert";
 * import { setupBackend } from "./backend.ts";
 * import { hashedDropoutKernel } from "./hashed_dropout.ts";
 * await setupBackend();
 * const backend = tf.backend() as BackendWasm;
 * tf.tidy(() => {
 *   const x = tf.tensor1d([1, -2]);
 *   // The largest threshold keeps only a hash of 2^32 - 1: here none.
 *   const attrs = { start: 0, key: 0, threshold: 2 ** 32 - 1, scale: 2 };
 *   const y = hashedDropoutKernel.kernelFunc({ inputs: { x }, backend, attrs });
 *   assertEquals(Array.from(tf.engine().makeTensorFromTensorInfo(y).dataSync()), [0, -0]);
 * });
 * ```
 */
export const hashedDropoutKernel: WasmKernelConfig<tf.TensorInfo> = {
  kernelName: HASHED_DROPOUT,
  kernelFunc: hashedDropout,
};

/**
 * The gradient of {@linkcode HASHED_DROPOUT}: the mask is a constant
 * factor, so `dx` is `dy` through the same kernel with the same mask.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { assertEquals } from "@std/assert";
 * import { setupBackend } from "./backend.ts";
 * import { hashedDropoutGradient } from "./hashed_dropout.ts";
 * await setupBackend();
 * tf.tidy(() => {
 *   const dy = tf.tensor1d([3, 4]);
 *   const attrs = { start: 0, key: 0, threshold: 0, scale: 0.5 };
 *   const dx = hashedDropoutGradient.gradFunc(dy, [], attrs).x();
 *   assertEquals(Array.from(dx.dataSync()), [1.5, 2]);
 * });
 * ```
 */
export const hashedDropoutGradient: tf.GradConfig = {
  kernelName: HASHED_DROPOUT,
  gradFunc: (dy, _saved, attrs) => ({
    x: () => tf.engine().runKernel(HASHED_DROPOUT, { x: dy as tf.Tensor }, attrs) as tf.Tensor,
  }),
};
