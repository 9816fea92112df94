/**
 * A faster `Mean` for the WASM backend when the reduced axes are the leading
 * ones (batch-norm statistics: `x` of shape `[N, H, W, C]` averaged to
 * `[C]`). The backend's own kernel first transposes the reduced axes to the
 * end, which costs several times the reduction; this sums rows straight off
 * the WASM heap in double precision. Other reductions and dtypes go to the
 * backend's own kernel.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import { sumRows } from "./sum_rows.ts";
import { originalKernel, type WasmKernelArgs, type WasmKernelConfig } from "./wasm_kernel.ts";

/** The `wasm` kernel function of `Mean`. */
function mean(args: WasmKernelArgs): tf.TensorInfo {
  const { inputs: { x }, backend, attrs } = args;
  const { axis, keepDims } = attrs as unknown as tf.MeanAttrs;
  const axes = tf.util.parseAxisParam(axis, x.shape).sort((a, b) => a - b);
  const leading = axes.length > 0 && axes.every((a, i) => a === i);
  const rows = x.shape.slice(0, axes.length).reduce((a, b) => a * b, 1);
  if (x.dtype !== "float32" || !leading || rows === 0) return originalKernel("Mean")(args);

  const kept = x.shape.slice(axes.length);
  const cols = kept.reduce((a, b) => a * b, 1);
  const out = backend.makeOutput(
    keepDims ? [...axes.map(() => 1), ...kept] : kept,
    "float32",
  );
  const sums = sumRows(backend.typedArrayFromHeap(x) as Float32Array, rows, cols);
  const dst = backend.typedArrayFromHeap(out) as Float32Array;
  for (let c = 0; c < cols; c++) dst[c] = sums[c] / rows;
  return out;
}

/**
 * Our `Mean` (over leading axes, summed in double precision).
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
 * import { assertEquals } from "@std/assert";
 * import { setupBackend } from "./backend.ts";
 * import { meanKernel } from "./mean.ts";
 * await setupBackend();
 * const backend = tf.backend() as BackendWasm;
 * tf.tidy(() => {
 *   const x = tf.tensor2d([[1, 2], [3, 4], [5, 6]]);
 *   const attrs = { axis: [0], keepDims: true };
 *   const y = meanKernel.kernelFunc({ inputs: { x }, backend, attrs });
 *   assertEquals(tf.engine().makeTensorFromTensorInfo(y).arraySync(), [[3, 4]]);
 * });
 * ```
 */
export const meanKernel: WasmKernelConfig<tf.TensorInfo> = {
  kernelName: "Mean",
  kernelFunc: mean,
};
