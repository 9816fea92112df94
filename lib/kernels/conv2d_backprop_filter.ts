/**
 * `Conv2DBackpropFilter` for the WASM backend, which has none (tfjs issue
 * 8474), run on the backend's XNNPACK kernels.
 *
 * The filter gradient `dW[kh, kw, ci, co] = Σ_{n, oh, ow} x[n, oh·s + kh − p,
 * ow·s + kw − p, ci] · dy[n, oh, ow, co]` is itself a convolution: take the
 * input channels as the batch and the batch as the channels (`x` as
 * `[CI, H, W, N]`), and `dy` as an `[OH, OW, N, CO]` filter dilated by the
 * stride; the `[CI, KH, KW, CO]` result transposed is `dW`. That costs
 * three transposes, and XNNPACK repacks `dy` as a filter on every call, so
 * the common cases accumulate `dW` directly in a WASM SIMD kernel of ours
 * (`simd/kernels.c`): few input channels (a first layer), and stride 1 with
 * input channels a multiple of 4 and filters a multiple of 8 (hidden
 * layers: by Winograd transposed for 3×3 filters, else in 4 × 8
 * blocks of `dW` in registers).
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { simdKernels, winogradScratchSize } from "./simd/mod.ts";
import {
  disposeInfos,
  requireNhwc,
  runWasmKernel,
  type WasmKernelArgs,
  type WasmKernelConfig,
  withScratch,
} from "./wasm_kernel.ts";

/**
 * The `wasm` kernel function of `Conv2DBackpropFilter` (NHWC, any strides
 * and padding, dilation 1 as tfjs-core's Conv2D gradient requires).
 *
 * @throws {InvalidArgumentError} for `dataFormat: "NCHW"`, which the WASM
 *   backend's Conv2D does not run either.
 */
function conv2dBackpropFilter({ inputs, backend, attrs }: WasmKernelArgs): tf.TensorInfo {
  const { x, dy } = inputs;
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } =
    attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  requireNhwc("Conv2DBackpropFilter", dataFormat);
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  const patchSize = info.filterHeight * info.filterWidth * info.inChannels;
  const blocked = info.strideHeight === 1 && info.strideWidth === 1 &&
    info.inChannels % 4 === 0 && info.outChannels % 8 === 0;
  if (blocked && info.filterHeight === 3 && info.filterWidth === 3) {
    return viaWinograd(backend, x, dy, info);
  }
  return blocked || patchSize < info.outChannels
    ? direct(backend, x, dy, info)
    : viaConvolution(backend, x, dy, info);
}

/**
 * A 3×3 stride-1 filter gradient by Winograd transposed, F(4×4, 3×3) or
 * F(6×6, 3×3) as the forward pass (`simd/kernels.c`): 36 multiplications
 * per 4×4 block of `dy`, or 64 per 6×6, where the direct sum needs 144 or
 * 324. (A convolution's gradient in training runs with its input gradient,
 * as `conv3x3_grads.ts`.)
 */
function viaWinograd(
  backend: BackendWasm,
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  info: tf.backend_util.Conv2DInfo,
): tf.TensorInfo {
  const dw = backend.makeOutput(info.filterShape, "float32");
  withScratch(
    backend,
    [winogradScratchSize({ ...info, batch: info.batchSize })],
    (scratch) => simdKernels(backend).conv3x3WinogradFilterGrad({ x, dy, scratch, dw }, info),
  );
  return dw;
}

/** `dW` as a convolution of `x` (channels as batch) with `dy` (as filter). */
function viaConvolution(
  backend: BackendWasm,
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  info: tf.backend_util.Conv2DInfo,
): tf.TensorInfo {
  const { filterHeight: kh, filterWidth: kw, inHeight, inWidth, outHeight, outWidth } = info;
  const { strideHeight, strideWidth, padInfo } = info;
  // Pad the far edges just enough for a KH×KW output; when the input has
  // rows or columns no window reaches, the output is larger and is cut.
  const bottom = Math.max(0, kh + (outHeight - 1) * strideHeight - inHeight - padInfo.top);
  const right = Math.max(0, kw + (outWidth - 1) * strideWidth - inWidth - padInfo.left);

  const xT = runWasmKernel("Transpose", backend, { x }, { perm: [3, 1, 2, 0] });
  const dyT = runWasmKernel("Transpose", backend, { x: dy }, { perm: [1, 2, 0, 3] });
  const conv = runWasmKernel("Conv2D", backend, { x: xT, filter: dyT }, {
    strides: 1,
    pad: [[0, 0], [padInfo.top, bottom], [padInfo.left, right], [0, 0]],
    dataFormat: "NHWC",
    dilations: [strideHeight, strideWidth],
  });
  disposeInfos(backend, xT, dyT);
  let cut = conv;
  if (conv.shape[1] !== kh || conv.shape[2] !== kw) {
    cut = runWasmKernel("Slice", backend, { x: conv }, {
      begin: [0, 0, 0, 0],
      size: [conv.shape[0], kh, kw, conv.shape[3]],
    });
    disposeInfos(backend, conv);
  }
  const dw = runWasmKernel("Transpose", backend, { x: cut }, { perm: [1, 2, 0, 3] });
  disposeInfos(backend, cut);
  return dw;
}

/**
 * `dW` accumulated in place by the WASM SIMD kernel (`simd/kernels.c`):
 * for few input channels (a first layer) the `[KH, KW, CI, CO]` gradient
 * stays in L1 cache while `x` and `dy` are read once each; for stride 1
 * with 4-channel by 8-filter blocks it is accumulated block by block, image
 * by image.
 */
function direct(
  backend: BackendWasm,
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  info: tf.backend_util.Conv2DInfo,
): tf.TensorInfo {
  const dw = backend.makeOutput(info.filterShape, "float32");
  simdKernels(backend).conv2dFilterGrad({ x, dy, dw }, info);
  return dw;
}

/**
 * Our `Conv2DBackpropFilter`, which the WASM backend lacks.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
 * import { assertEquals } from "@std/assert";
 * import { setupBackend } from "./backend.ts";
 * import { conv2dBackpropFilterKernel } from "./conv2d_backprop_filter.ts";
 * await setupBackend();
 * const backend = tf.backend() as BackendWasm;
 * tf.tidy(() => {
 *   const x = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1]);
 *   const dy = tf.tensor4d([2], [1, 1, 1, 1]);
 *   const attrs = { strides: 1, pad: "valid", dataFormat: "NHWC", filterShape: [3, 3, 1, 1] };
 *   const dw = conv2dBackpropFilterKernel.kernelFunc({ inputs: { x, dy }, backend, attrs });
 *   const values = tf.engine().makeTensorFromTensorInfo(dw).dataSync();
 *   assertEquals(Array.from(values), [2, 4, 6, 8, 10, 12, 14, 16, 18]);
 * });
 * ```
 */
export const conv2dBackpropFilterKernel: WasmKernelConfig<tf.TensorInfo> = {
  kernelName: "Conv2DBackpropFilter",
  kernelFunc: conv2dBackpropFilter,
};
