/**
 * `Conv2DBackpropFilter` for the WASM backend, which has none (tfjs issue
 * 8474), run on the backend's XNNPACK kernels.
 *
 * The filter gradient `dW[kh, kw, ci, co] = Σ_{n, oh, ow} x[n, oh·s + kh − p,
 * ow·s + kw − p, ci] · dy[n, oh, ow, co]` is itself a convolution: take the
 * input channels as the batch and the batch as the channels (`x` as
 * `[CI, H, W, N]`), and `dy` as an `[OH, OW, N, CO]` filter dilated by the
 * stride; the `[CI, KH, KW, CO]` result transposed is `dW`. XNNPACK repacks
 * a filter on every call, and with few input channels (a first layer) `dy`
 * is by far the larger operand, so there `dW` is computed instead as the
 * matrix product `patchesᵀ · dy` (im2col, transposed): the patches are small
 * and `dy` is used in place.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import {
  disposeInfos,
  requireNhwc,
  reshaped,
  runWasmKernel,
  type WasmKernelArgs,
} from "./wasm_kernel.ts";

/**
 * The `wasm` kernel function of `Conv2DBackpropFilter` (NHWC, any strides
 * and padding, dilation 1 as tfjs-core's Conv2D gradient requires).
 *
 * @throws {InvalidArgumentError} for `dataFormat: "NCHW"`, which the WASM
 *   backend's Conv2D does not run either.
 *
 * @example
 * ```ts
 * import { conv2dBackpropFilter } from "./conv2d_backprop_filter.ts";
 * import { registerWasmKernel } from "./wasm_kernel.ts";
 * registerWasmKernel("Conv2DBackpropFilter", conv2dBackpropFilter);
 * ```
 */
export function conv2dBackpropFilter({ inputs, backend, attrs }: WasmKernelArgs): tf.TensorInfo {
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
  return patchSize < info.outChannels
    ? viaMatMul(backend, x, dy, info)
    : viaConvolution(backend, x, dy, info);
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
 * `dW` as `patchesᵀ · dy` on XNNPACK, for few input channels (a first
 * layer): `patchesᵀ` (`[KH·KW·CI, N·OH·OW]`, one row per filter tap, each
 * a shifted copy of the input) is small and quick to write, `dy` is used
 * in place as the `[N·OH·OW, CO]` right operand, and the `[KH·KW·CI, CO]`
 * product already is `dW` in `[KH, KW, CI, CO]` order.
 */
function viaMatMul(
  backend: BackendWasm,
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  info: tf.backend_util.Conv2DInfo,
): tf.TensorInfo {
  const { batchSize, inHeight, inWidth, inChannels: ci, outHeight, outWidth } = info;
  const { filterHeight: kh, filterWidth: kw, outChannels: co, padInfo } = info;
  const { strideHeight, strideWidth } = info;
  const rows = batchSize * outHeight * outWidth;
  const k = kh * kw * ci;
  const patchesT = backend.makeOutput([1, k, rows], "float32");
  // Views after the allocation: allocating may grow (and detach) the heap.
  const p = backend.typedArrayFromHeap(patchesT) as Float32Array;
  const src = backend.typedArrayFromHeap(x) as Float32Array;
  // Output columns whose input column is inside the image, for each tap column.
  const owRange = (b: number): [number, number] => {
    const first = Math.max(0, Math.ceil((padInfo.left - b) / strideWidth));
    const last = Math.min(outWidth, Math.floor((inWidth - 1 + padInfo.left - b) / strideWidth) + 1);
    return [first, Math.max(first, last)];
  };
  for (let a = 0; a < kh; a++) {
    for (let b = 0; b < kw; b++) {
      const [ow0, ow1] = owRange(b);
      for (let c = 0; c < ci; c++) {
        let to = ((a * kw + b) * ci + c) * rows;
        for (let n = 0; n < batchSize; n++) {
          for (let oh = 0; oh < outHeight; oh++, to += outWidth) {
            const ih = oh * strideHeight - padInfo.top + a;
            if (ih < 0 || ih >= inHeight) {
              p.fill(0, to, to + outWidth);
              continue;
            }
            if (ow0 > 0) p.fill(0, to, to + ow0);
            if (ow1 < outWidth) p.fill(0, to + ow1, to + outWidth);
            const base = (n * inHeight + ih) * inWidth;
            const iw0 = ow0 * strideWidth - padInfo.left + b;
            if (strideWidth === 1 && ci === 1) {
              p.set(src.subarray(base + iw0, base + iw0 + (ow1 - ow0)), to + ow0);
            } else {
              for (let ow = ow0, from = (base + iw0) * ci + c; ow < ow1; ow++) {
                p[to + ow] = src[from];
                from += strideWidth * ci;
              }
            }
          }
        }
      }
    }
  }
  const product = runWasmKernel("BatchMatMul", backend, {
    a: patchesT,
    b: reshaped(dy, [1, rows, co]),
  }, { transposeA: false, transposeB: false });
  disposeInfos(backend, patchesT);
  return reshaped(product, [kh, kw, ci, co]);
}
