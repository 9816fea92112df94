/**
 * A faster `Conv2DBackpropInput` for the WASM backend, whose own kernel is a
 * plain loop that does not use XNNPACK.
 *
 * With stride 1 and input channels a multiple of 4 (hidden layers), WASM
 * SIMD kernels of ours (`simd/kernels.c`) run it with no padded copy of
 * `dy`: for 3×3 filters with input channels a multiple of 8 and filters a
 * multiple of 4, by Winograd transposed on the forward pass's
 * tiles; else summing each input pixel's gradient over the filter taps
 * that reach it. Other
 * stride-1 cases use that the input gradient is a convolution: `dy` padded
 * by `K − 1 − pad` on each side, convolved with the filter rotated 180° and
 * with its in/out channels swapped, on the backend's XNNPACK Conv2D. The
 * rest (strides above 1, padding wider than the filter) go to the backend's
 * own kernel.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { simdKernels, winogradScratchSize } from "./simd/mod.ts";
import {
  disposeInfos,
  originalKernel,
  requireNhwc,
  runWasmKernel,
  type WasmKernelArgs,
  type WasmKernelConfig,
  withScratch,
} from "./wasm_kernel.ts";

/**
 * The `wasm` kernel function of `Conv2DBackpropInput` (NHWC).
 *
 * @throws {InvalidArgumentError} for `dataFormat: "NCHW"`, which the WASM
 *   backend's Conv2D does not run either.
 */
function conv2dBackpropInput(args: WasmKernelArgs): tf.TensorInfo {
  const { inputs: { dy, filter }, backend, attrs } = args;
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } =
    attrs as unknown as tf.Conv2DBackpropInputAttrs;
  requireNhwc("Conv2DBackpropInput", dataFormat);
  const info = tf.backend_util.computeConv2DInfo(
    inputShape,
    filter.shape as [number, number, number, number],
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  if (info.outHeight !== dy.shape[1] || info.outWidth !== dy.shape[2]) {
    return originalKernel("Conv2DBackpropInput")(args);
  }
  if (info.strideHeight === 1 && info.strideWidth === 1 && info.inChannels % 4 === 0) {
    return winogradApplies(info)
      ? viaWinograd(backend, dy, filter, info)
      : viaSimd(backend, dy, filter, info);
  }
  const { filterHeight: kh, filterWidth: kw, inChannels: ci, outChannels: co, padInfo } = info;
  const top = kh - 1 - padInfo.top, bottom = kh - 1 - padInfo.bottom;
  const left = kw - 1 - padInfo.left, right = kw - 1 - padInfo.right;
  if (
    info.strideHeight !== 1 || info.strideWidth !== 1 ||
    Math.min(top, bottom, left, right) < 0
  ) {
    return originalKernel("Conv2DBackpropInput")(args);
  }

  // rotated[a, b, o, i] = filter[kh-1-a, kw-1-b, i, o]
  const rotated = backend.makeOutput([kh, kw, co, ci], "float32");
  const src = backend.typedArrayFromHeap(filter) as Float32Array;
  const dst = backend.typedArrayFromHeap(rotated) as Float32Array;
  for (let a = 0; a < kh; a++) {
    for (let b = 0; b < kw; b++) {
      const from = ((kh - 1 - a) * kw + (kw - 1 - b)) * ci * co;
      const to = (a * kw + b) * co * ci;
      for (let i = 0; i < ci; i++) {
        for (let o = 0; o < co; o++) dst[to + o * ci + i] = src[from + i * co + o];
      }
    }
  }
  const dx = runWasmKernel("Conv2D", backend, { x: dy, filter: rotated }, {
    strides: 1,
    pad: [[0, 0], [top, bottom], [left, right], [0, 0]],
    dataFormat: "NHWC",
    dilations: 1,
  });
  disposeInfos(backend, rotated);
  return dx;
}

/**
 * The stride-1 case with input channels a multiple of 4, computed directly
 * by the WASM SIMD kernel (`simd/kernels.c`): no padded copy of `dy` and no
 * multiplications by the padding's zeros.
 */
function viaSimd(
  backend: BackendWasm,
  dy: tf.TensorInfo,
  filter: tf.TensorInfo,
  info: tf.backend_util.Conv2DInfo,
): tf.TensorInfo {
  const dx = backend.makeOutput(info.inShape, "float32");
  withScratch(
    backend,
    filter.shape,
    (scratch) => simdKernels(backend).conv2dInputGrad({ dy, filter, scratch, dx }, info),
  );
  return dx;
}

/**
 * Whether the input gradient of `info` (stride 1) runs by Winograd
 * transposed: a 3×3 filter, its input channels a multiple of 8
 * and its output channels a multiple of 4.
 */
function winogradApplies(info: tf.backend_util.Conv2DInfo): boolean {
  return info.filterHeight === 3 && info.filterWidth === 3 && info.dilationHeight === 1 &&
    info.dilationWidth === 1 && info.outChannels % 4 === 0 && info.inChannels % 8 === 0;
}

/**
 * The input gradient by Winograd transposed, on the forward convolution's
 * tiles and variant (`simd/kernels.c`): a valid convolution's gradient
 * costs what its forward pass does (the reference CNN's conv2: 4 F(6×6,
 * 3×3) tiles per image, where a convolution of the padded `dy` takes 9).
 */
function viaWinograd(
  backend: BackendWasm,
  dy: tf.TensorInfo,
  filter: tf.TensorInfo,
  info: tf.backend_util.Conv2DInfo,
): tf.TensorInfo {
  const dx = backend.makeOutput(info.inShape, "float32");
  const shape = { ...info, batch: info.batchSize };
  withScratch(
    backend,
    [winogradScratchSize(shape)],
    (scratch) => simdKernels(backend).conv3x3WinogradInputGrad({ dy, filter, scratch, dx }, info),
  );
  return dx;
}

/**
 * Our `Conv2DBackpropInput`.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
 * import { assertEquals } from "@std/assert";
 * import { setupBackend } from "./backend.ts";
 * import { conv2dBackpropInputKernel } from "./conv2d_backprop_input.ts";
 * await setupBackend();
 * const backend = tf.backend() as BackendWasm;
 * tf.tidy(() => {
 *   const dy = tf.tensor4d([2], [1, 1, 1, 1]);
 *   const filter = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8, 9], [3, 3, 1, 1]);
 *   const attrs = { strides: 1, pad: "valid", dataFormat: "NHWC", inputShape: [1, 3, 3, 1] };
 *   const dx = conv2dBackpropInputKernel.kernelFunc({ inputs: { dy, filter }, backend, attrs });
 *   const values = tf.engine().makeTensorFromTensorInfo(dx).dataSync();
 *   assertEquals(Array.from(values), [2, 4, 6, 8, 10, 12, 14, 16, 18]);
 * });
 * ```
 */
export const conv2dBackpropInputKernel: WasmKernelConfig<tf.TensorInfo> = {
  kernelName: "Conv2DBackpropInput",
  kernelFunc: conv2dBackpropInput,
};
