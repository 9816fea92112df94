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
 * matrix product `dyᵀ · patches` (im2col), which packs only the patches.
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
 * `dW` as `dyᵀ · patches` on XNNPACK, for few input channels (a first
 * layer): XNNPACK packs its right operand, and `patches`
 * (`[N·OH·OW, KH·KW·CI]`) is then smaller than `dy`. Both operands are
 * written here straight into the heap.
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
  const patches = backend.makeOutput([1, rows, k], "float32");
  const dyT = backend.makeOutput([1, co, rows], "float32");
  // Views after the allocations: allocating may grow (and detach) the heap.
  const p = backend.typedArrayFromHeap(patches) as Float32Array;
  const src = backend.typedArrayFromHeap(x) as Float32Array;
  let row = 0;
  for (let n = 0; n < batchSize; n++) {
    for (let oh = 0; oh < outHeight; oh++) {
      for (let ow = 0; ow < outWidth; ow++, row += k) {
        for (let a = 0; a < kh; a++) {
          const ih = oh * strideHeight - padInfo.top + a;
          for (let b = 0; b < kw; b++) {
            const iw = ow * strideWidth - padInfo.left + b;
            const to = row + (a * kw + b) * ci;
            if (ih < 0 || ih >= inHeight || iw < 0 || iw >= inWidth) {
              p.fill(0, to, to + ci);
              continue;
            }
            const from = ((n * inHeight + ih) * inWidth + iw) * ci;
            for (let c = 0; c < ci; c++) p[to + c] = src[from + c];
          }
        }
      }
    }
  }
  transposeInto(
    backend.typedArrayFromHeap(dy) as Float32Array,
    backend.typedArrayFromHeap(dyT) as Float32Array,
    rows,
    co,
  );
  const product = runWasmKernel("BatchMatMul", backend, { a: dyT, b: patches }, {
    transposeA: false,
    transposeB: false,
  });
  disposeInfos(backend, patches, dyT);
  const dw = runWasmKernel("Transpose", backend, { x: reshaped(product, [co, k]) }, {
    perm: [1, 0],
  });
  disposeInfos(backend, product);
  return reshaped(dw, [kh, kw, ci, co]);
}

/** `dst = srcᵀ` for a row-major `[rows, cols]` matrix, in cache-sized blocks. */
function transposeInto(src: Float32Array, dst: Float32Array, rows: number, cols: number): void {
  const block = 64;
  for (let r0 = 0; r0 < rows; r0 += block) {
    const r1 = Math.min(rows, r0 + block);
    for (let c = 0; c < cols; c++) {
      let to = c * rows + r0;
      for (let from = r0 * cols + c; from < r1 * cols; from += cols) dst[to++] = src[from];
    }
  }
}
