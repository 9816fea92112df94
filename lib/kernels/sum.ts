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
import { originalKernel, type WasmKernelArgs, withScratch } from "./wasm_kernel.ts";

/**
 * The `wasm` kernel function of `Sum`.
 *
 * @example
 * ```ts
 * import { sum } from "./sum.ts";
 * import { registerWasmKernel } from "./wasm_kernel.ts";
 * registerWasmKernel("Sum", sum);
 * ```
 */
export function sum(args: WasmKernelArgs): tf.TensorInfo {
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
