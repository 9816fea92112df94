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
import { originalKernel, type WasmKernelArgs } from "./wasm_kernel.ts";

/** Whether `bias` broadcasts along the last axis of `x` only. */
function isBiasOf(x: tf.TensorInfo, bias: tf.TensorInfo): boolean {
  const cols = x.shape[x.shape.length - 1];
  return x.dtype === "float32" && bias.dtype === "float32" && x.shape.length >= 2 &&
    bias.shape.length >= 1 && bias.shape.length <= x.shape.length &&
    bias.shape[bias.shape.length - 1] === cols &&
    bias.shape.slice(0, -1).every((d) => d === 1) &&
    x.shape.slice(0, -1).some((d) => d !== 1);
}

/**
 * The `wasm` kernel function of `Add`.
 *
 * @example
 * ```ts
 * import { add } from "./add.ts";
 * import { registerWasmKernel } from "./wasm_kernel.ts";
 * registerWasmKernel("Add", add);
 * ```
 */
export function add(args: WasmKernelArgs): tf.TensorInfo {
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
