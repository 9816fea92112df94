/**
 * `Add` for the WASM backend with a fast path for a bias: a float32 tensor
 * plus a vector as long as its last axis (every layer's forward pass in
 * training, where tfjs does not fuse the bias into the convolution or
 * matrix product). The backend's own kernel takes a general broadcasting
 * path there; this adds the bias row by row in WASM SIMD
 * (`simd/kernels.c`). Every other case goes to the backend's own kernel.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import { simdKernels } from "./simd/mod.ts";
import { originalKernel, type WasmKernelArgs, type WasmKernelConfig } from "./wasm_kernel.ts";

/** Whether `bias` broadcasts along the last axis of `x` only. */
function isBiasOf(x: tf.TensorInfo, bias: tf.TensorInfo): boolean {
  const cols = x.shape[x.shape.length - 1];
  return x.dtype === "float32" && bias.dtype === "float32" && x.shape.length >= 2 &&
    bias.shape.length >= 1 && bias.shape.length <= x.shape.length &&
    bias.shape[bias.shape.length - 1] === cols &&
    bias.shape.slice(0, -1).every((d) => d === 1) &&
    x.shape.slice(0, -1).some((d) => d !== 1);
}

/** The `wasm` kernel function of `Add`. */
function add(args: WasmKernelArgs): tf.TensorInfo {
  const { inputs: { a, b }, backend } = args;
  // Addition commutes exactly, so the bias may be either operand.
  const [x, bias] = isBiasOf(a, b) ? [a, b] : isBiasOf(b, a) ? [b, a] : [];
  if (x === undefined || bias === undefined) return originalKernel("Add")(args);
  const cols = x.shape[x.shape.length - 1];
  const y = backend.makeOutput(x.shape, "float32");
  simdKernels(backend).addBias({ x, bias, y }, {
    rows: tf.util.sizeFromShape(x.shape) / cols,
    cols,
  });
  return y;
}

/**
 * Our `Add` (a bias added row by row in WASM SIMD).
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
 * import { assertEquals } from "@std/assert";
 * import { setupBackend } from "./backend.ts";
 * import { addKernel } from "./add.ts";
 * await setupBackend();
 * const backend = tf.backend() as BackendWasm;
 * tf.tidy(() => {
 *   const x = tf.tensor2d([[1, 2], [3, 4]]);
 *   const bias = tf.tensor1d([10, 20]);
 *   const y = addKernel.kernelFunc({ inputs: { a: x, b: bias }, backend, attrs: {} });
 *   assertEquals(tf.engine().makeTensorFromTensorInfo(y).arraySync(), [[11, 22], [13, 24]]);
 * });
 * ```
 */
export const addKernel: WasmKernelConfig<tf.TensorInfo> = {
  kernelName: "Add",
  kernelFunc: add,
};
