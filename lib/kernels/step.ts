/**
 * `Step` for the WASM backend (the mask of ReLU's gradient: 1 where
 * `x > 0`, `alpha` elsewhere, NaN kept), in WASM SIMD (`simd/kernels.c`)
 * for float32; other dtypes go to the backend's own kernel.
 *
 * @module
 */

import type * as tf from "@tensorflow/tfjs";
import { simdKernels } from "./simd/mod.ts";
import { originalKernel, type WasmKernelArgs, type WasmKernelConfig } from "./wasm_kernel.ts";

/** The `wasm` kernel function of `Step`. */
function step(args: WasmKernelArgs): tf.TensorInfo {
  const { inputs: { x }, backend, attrs } = args;
  if (x.dtype !== "float32") return originalKernel("Step")(args);
  const { alpha } = attrs as unknown as tf.StepAttrs;
  const y = backend.makeOutput(x.shape, "float32");
  simdKernels(backend).step({ x, y }, alpha);
  return y;
}

/**
 * Our `Step` (float32 in WASM SIMD).
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
 * import { assertEquals } from "@std/assert";
 * import { setupBackend } from "./backend.ts";
 * import { stepKernel } from "./step.ts";
 * await setupBackend();
 * const backend = tf.backend() as BackendWasm;
 * tf.tidy(() => {
 *   const x = tf.tensor1d([-2, 0, 3, NaN]);
 *   const y = stepKernel.kernelFunc({ inputs: { x }, backend, attrs: { alpha: 0.5 } });
 *   assertEquals(tf.engine().makeTensorFromTensorInfo(y).arraySync(), [0.5, 0.5, 1, NaN]);
 * });
 * ```
 */
export const stepKernel: WasmKernelConfig<tf.TensorInfo> = {
  kernelName: "Step",
  kernelFunc: step,
};
