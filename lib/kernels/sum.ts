/**
 * A faster `Sum` for the WASM backend when the reduced axes are the leading
 * ones (a bias gradient: `dy` of shape `[N, H, W, C]` summed to `[C]`). The
 * backend's own kernel first transposes the reduced axes to the end, which
 * costs more than the sum; this sums rows straight off the WASM heap into
 * double-precision accumulators, in WASM SIMD (`simd/kernels.c`). Other
 * reductions go to the backend's own kernel.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import { simdKernels } from "./simd/mod.ts";
import {
  originalKernel,
  type WasmKernelArgs,
  type WasmKernelConfig,
  withScratch,
} from "./wasm_kernel.ts";

/** The `wasm` kernel function of `Sum`. */
function sum(args: WasmKernelArgs): tf.TensorInfo {
  const { inputs: { x }, backend, attrs } = args;
  const { axis, keepDims } = attrs as unknown as tf.SumAttrs;
  const axes = tf.util.parseAxisParam(axis, x.shape).sort((a, b) => a - b);
  const leading = axes.length > 0 && axes.length < x.shape.length &&
    axes.every((a, i) => a === i);
  if (x.dtype !== "float32" || !leading) return originalKernel("Sum")(args);

  const rows = x.shape.slice(0, axes.length).reduce((a, b) => a * b, 1);
  const kept = x.shape.slice(axes.length);
  const cols = kept.reduce((a, b) => a * b, 1);
  const out = backend.makeOutput(
    keepDims ? [...axes.map(() => 1), ...kept] : kept,
    "float32",
  );
  withScratch(
    backend,
    [2 * cols],
    (scratch) => simdKernels(backend).sumRows({ x, scratch, out }, { rows, cols }),
  );
  return out;
}

/**
 * Our `Sum` (over leading axes in WASM SIMD).
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
 * import { assertEquals } from "@std/assert";
 * import { setupBackend } from "./backend.ts";
 * import { sumKernel } from "./sum.ts";
 * await setupBackend();
 * const backend = tf.backend() as BackendWasm;
 * tf.tidy(() => {
 *   const x = tf.tensor2d([[1, 2], [3, 4], [5, 6]]);
 *   const attrs = { axis: [0], keepDims: false };
 *   const y = sumKernel.kernelFunc({ inputs: { x }, backend, attrs });
 *   assertEquals(tf.engine().makeTensorFromTensorInfo(y).arraySync(), [9, 12]);
 * });
 * ```
 */
export const sumKernel: WasmKernelConfig<tf.TensorInfo> = {
  kernelName: "Sum",
  kernelFunc: sum,
};
