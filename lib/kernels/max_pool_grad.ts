/**
 * A faster `MaxPoolGrad` for the WASM backend: one pass over the pooling
 * windows that sends each output's gradient to the first maximum of its
 * window (the cpu backend's rule), written straight into the WASM heap. The
 * common 2×2, stride-2 pool runs in WASM SIMD (`simd/kernels.c`), any other
 * window in JavaScript.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import { simdKernels } from "./simd/mod.ts";
import type { WasmKernelArgs, WasmKernelConfig } from "./wasm_kernel.ts";

/**
 * The `wasm` kernel function of `MaxPoolGrad` (NHWC, any window, strides
 * and padding).
 */
function maxPoolGrad(
  { inputs: { dy, input }, backend, attrs }: WasmKernelArgs,
): tf.TensorInfo {
  const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as tf.MaxPoolGradAttrs;
  const info = tf.backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    filterSize,
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  const { batchSize, inHeight, inWidth, inChannels: c, outHeight, outWidth } = info;
  const { strideHeight, strideWidth, filterHeight, filterWidth, padInfo } = info;

  const out = backend.makeOutput(input.shape, "float32");
  if (
    filterHeight === 2 && filterWidth === 2 && strideHeight === 2 && strideWidth === 2 &&
    padInfo.top === 0 && padInfo.left === 0 && 2 * outHeight <= inHeight &&
    2 * outWidth <= inWidth
  ) {
    simdKernels(backend).maxPoolGrad2x2({ x: input, dy, dx: out }, {
      batch: batchSize,
      inHeight,
      inWidth,
      channels: c,
      outHeight,
      outWidth,
    });
    return out;
  }
  // Views after the allocation: allocating may grow (and detach) the heap.
  const dx = backend.typedArrayFromHeap(out) as Float32Array;
  const x = backend.typedArrayFromHeap(input) as Float32Array;
  const g = backend.typedArrayFromHeap(dy) as Float32Array;
  dx.fill(0);
  const best = new Float32Array(c);
  const at = new Int32Array(c);
  for (let b = 0; b < batchSize; b++) {
    for (let r = 0; r < outHeight; r++) {
      const r0 = r * strideHeight - padInfo.top;
      const rEnd = Math.min(inHeight, r0 + filterHeight);
      for (let q = 0; q < outWidth; q++) {
        const q0 = q * strideWidth - padInfo.left;
        const qEnd = Math.min(inWidth, q0 + filterWidth);
        best.fill(-Infinity);
        at.fill(-1);
        for (let xr = Math.max(0, r0); xr < rEnd; xr++) {
          for (let xq = Math.max(0, q0); xq < qEnd; xq++) {
            const base = ((b * inHeight + xr) * inWidth + xq) * c;
            for (let d = 0; d < c; d++) {
              const v = x[base + d];
              if (v > best[d]) {
                best[d] = v;
                at[d] = base + d;
              }
            }
          }
        }
        const gBase = ((b * outHeight + r) * outWidth + q) * c;
        for (let d = 0; d < c; d++) {
          if (at[d] >= 0) dx[at[d]] += g[gBase + d];
        }
      }
    }
  }
  return out;
}

/**
 * Our `MaxPoolGrad` (2×2, stride 2 in WASM SIMD; other windows in JavaScript).
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
 * import { assertEquals } from "@std/assert";
 * import { setupBackend } from "./backend.ts";
 * import { maxPoolGradKernel } from "./max_pool_grad.ts";
 * await setupBackend();
 * const backend = tf.backend() as BackendWasm;
 * tf.tidy(() => {
 *   const input = tf.tensor4d([1, 4, 3, 2], [1, 2, 2, 1]);
 *   const dy = tf.tensor4d([5], [1, 1, 1, 1]);
 *   const attrs = { filterSize: 2, strides: 2, pad: "valid" };
 *   const dx = maxPoolGradKernel.kernelFunc({ inputs: { dy, input }, backend, attrs });
 *   assertEquals(Array.from(tf.engine().makeTensorFromTensorInfo(dx).dataSync()), [0, 5, 0, 0]);
 * });
 * ```
 */
export const maxPoolGradKernel: WasmKernelConfig<tf.TensorInfo> = {
  kernelName: "MaxPoolGrad",
  kernelFunc: maxPoolGrad,
};
