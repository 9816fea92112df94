/**
 * A `wasm` kernel of our own for the backward pass of a convolution with a
 * bias and ReLU (see `fused_conv2d_grad.ts`): the gradient through the ReLU
 * and the bias's gradient in one pass over the layer's output, where tfjs
 * would run `Step`, `Multiply` and `Sum` (three passes). Runs in WASM SIMD
 * (`simd/kernels.c`).
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import { InvalidArgumentError } from "../core/mod.ts";
import { simdKernels } from "./simd/mod.ts";
import { type WasmKernelArgs, type WasmKernelConfig, withScratch } from "./wasm_kernel.ts";

/**
 * The kernel's name. Inputs `dy` and `y` (the ReLU's output, channels
 * last), both float32 of one shape; outputs `[dz, db]`: `dz = dy · step(y)`
 * and `db`, its sums over every axis but the last.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { assertEquals } from "@std/assert";
 * import { setupBackend } from "./backend.ts";
 * import { RELU_GRAD_BIAS } from "./relu_grad_bias.ts";
 * await setupBackend();
 * const dy = tf.tensor2d([[1, 2], [3, 4]]);
 * const y = tf.tensor2d([[0.5, 0], [2, -1]]);
 * const [dz, db] = tf.engine().runKernel(RELU_GRAD_BIAS, { dy, y }) as tf.Tensor[];
 * assertEquals([dz.arraySync(), db.arraySync()], [[[1, 0], [3, 0]], [4, 0]]);
 * tf.dispose([dy, y, dz, db]);
 * ```
 */
export const RELU_GRAD_BIAS = "DigitLabReluGradBias";

/**
 * The `wasm` kernel function of {@linkcode RELU_GRAD_BIAS}.
 *
 * @throws {InvalidArgumentError} when `dy` and `y` differ in shape, are not
 *   float32, or are scalars.
 */
function reluGradBias({ inputs: { dy, y }, backend }: WasmKernelArgs): tf.TensorInfo[] {
  if (
    dy.dtype !== "float32" || y.dtype !== "float32" || y.shape.length === 0 ||
    !tf.util.arraysEqual(dy.shape, y.shape)
  ) {
    throw new InvalidArgumentError(
      `${RELU_GRAD_BIAS} needs float32 dy and y of one shape (rank >= 1), got ${dy.dtype} [${dy.shape}] and ${y.dtype} [${y.shape}]`,
    );
  }
  const cols = y.shape[y.shape.length - 1];
  const rows = cols === 0 ? 0 : tf.util.sizeFromShape(y.shape) / cols;
  const dz = backend.makeOutput(y.shape, "float32");
  const db = backend.makeOutput([cols], "float32");
  withScratch(
    backend,
    [2 * cols],
    (scratch) => simdKernels(backend).reluGradBias({ dy, y, scratch, dz, db }, { rows, cols }),
  );
  return [dz, db];
}

/**
 * Our kernel {@linkcode RELU_GRAD_BIAS}.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
 * import { assertEquals } from "@std/assert";
 * import { setupBackend } from "./backend.ts";
 * import { reluGradBiasKernel } from "./relu_grad_bias.ts";
 * await setupBackend();
 * const backend = tf.backend() as BackendWasm;
 * tf.tidy(() => {
 *   const dy = tf.tensor2d([[1, 2], [3, 4]]);
 *   const y = tf.tensor2d([[0.5, 0], [2, 1]]);
 *   const out = reluGradBiasKernel.kernelFunc({ inputs: { dy, y }, backend, attrs: {} });
 *   const [dz, db] = out.map((info) => tf.engine().makeTensorFromTensorInfo(info));
 *   assertEquals(dz.arraySync(), [[1, 0], [3, 4]]);
 *   assertEquals(db.arraySync(), [4, 4]);
 * });
 * ```
 */
export const reluGradBiasKernel: WasmKernelConfig<tf.TensorInfo[]> = {
  kernelName: RELU_GRAD_BIAS,
  kernelFunc: reluGradBias,
};
