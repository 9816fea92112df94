/**
 * `Step` for the WASM backend (the mask of ReLU's gradient: 1 where
 * `x > 0`, `alpha` elsewhere, NaN kept), in WASM SIMD (`simd/kernels.c`)
 * for float32; other dtypes go to the backend's own kernel.
 *
 * @module
 */

import type * as tf from "@tensorflow/tfjs";
import { simdKernels } from "./simd/mod.ts";
import { originalKernel, type WasmKernelArgs } from "./wasm_kernel.ts";

/**
 * The `wasm` kernel function of `Step`.
 *
 * @example
 * ```ts
 * import { step } from "./step.ts";
 * import { registerWasmKernel } from "./wasm_kernel.ts";
 * registerWasmKernel("Step", step);
 * ```
 */
export function step(args: WasmKernelArgs): tf.TensorInfo {
  const { inputs: { x }, backend, attrs } = args;
  if (x.dtype !== "float32") return originalKernel("Step")(args);
  const { alpha } = attrs as unknown as tf.StepAttrs;
  const y = backend.makeOutput(x.shape, "float32");
  simdKernels(backend).step({ x, y }, alpha);
  return y;
}
