/**
 * A faster `BatchMatMul` for the WASM backend when an operand is
 * transposed, as in every dense layer's gradients (`xᵀ·dy`, `dy·Wᵀ`). The
 * backend's own kernel uses XNNPACK only without transposes and otherwise
 * falls back to a plain triple loop with strided reads; transposing the
 * operand first (a cheap copy) lets the product run on XNNPACK. Batched
 * products and other dtypes go to the backend's own kernel unchanged.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import {
  disposeInfos,
  originalKernel,
  reshaped,
  runWasmKernel,
  type WasmKernelArgs,
  type WasmKernelConfig,
} from "./wasm_kernel.ts";

/** The `wasm` kernel function of `BatchMatMul`. */
function batchMatMul(args: WasmKernelArgs): tf.TensorInfo {
  const { inputs: { a, b }, backend, attrs } = args;
  const { transposeA, transposeB } = attrs as unknown as tf.BatchMatMulAttrs;
  const original = originalKernel("BatchMatMul");
  const single = (t: tf.TensorInfo) =>
    t.dtype === "float32" && t.shape.length >= 2 &&
    tf.util.sizeFromShape(t.shape.slice(0, -2)) === 1;
  if ((!transposeA && !transposeB) || !single(a) || !single(b)) return original(args);

  const a2 = transposeA ? transposeLastTwo(backend, a) : a;
  const b2 = transposeB ? transposeLastTwo(backend, b) : b;
  const out = original({
    inputs: { a: a2, b: b2 },
    backend,
    attrs: { transposeA: false, transposeB: false },
  });
  if (transposeA) disposeInfos(backend, a2);
  if (transposeB) disposeInfos(backend, b2);
  return out;
}

/** A copy of `t` (batch size 1) with its last two axes swapped. */
function transposeLastTwo(backend: BackendWasm, t: tf.TensorInfo): tf.TensorInfo {
  const [rows, cols] = t.shape.slice(-2);
  const flipped = runWasmKernel("Transpose", backend, { x: reshaped(t, [rows, cols]) }, {
    perm: [1, 0],
  });
  return reshaped(flipped, [...t.shape.slice(0, -2), cols, rows]);
}

/**
 * Our `BatchMatMul` (a transposed operand transposed first, then XNNPACK).
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
 * import { assertEquals } from "@std/assert";
 * import { setupBackend } from "./backend.ts";
 * import { batchMatMulKernel } from "./batch_mat_mul.ts";
 * await setupBackend();
 * const backend = tf.backend() as BackendWasm;
 * tf.tidy(() => {
 *   const a = tf.tensor3d([[[1, 2], [3, 4]]]);
 *   const b = tf.tensor3d([[[5], [6]]]);
 *   const attrs = { transposeA: true, transposeB: false };
 *   const y = batchMatMulKernel.kernelFunc({ inputs: { a, b }, backend, attrs });
 *   assertEquals(tf.engine().makeTensorFromTensorInfo(y).arraySync(), [[[23], [34]]]);
 * });
 * ```
 */
export const batchMatMulKernel: WasmKernelConfig<tf.TensorInfo> = {
  kernelName: "BatchMatMul",
  kernelFunc: batchMatMul,
};
