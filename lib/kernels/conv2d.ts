/**
 * `Conv2D` and `FusedConv2D` for the WASM backend, with two fast paths of
 * ours in WASM SIMD (`simd/kernels.c`), both taking a fused bias and ReLU:
 *
 * - a first layer on grey images (one input channel, a 3×3 filter, stride
 *   1, no padding), which XNNPACK does poorly (its inner dimension is then
 *   9);
 * - any 3×3, stride-1 convolution with input channels a multiple of 4 and
 *   filters a multiple of 8 (hidden layers), by Winograd F(4×4, 3×3) (36
 *   multiplications per 4×4 output block and channel pair where XNNPACK's
 *   direct convolution needs 144: the reference model's conv2 at batch 64,
 *   3.4 ms against XNNPACK's 7.4) or F(6×6, 3×3) (64 per 6×6 block), the
 *   one with fewer multiplications for the output's size (`winogradTile`).
 *
 * Every other case goes to the backend's own kernel.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { simdKernels, winogradScratchSize, type WinogradShape, winogradTile } from "./simd/mod.ts";
import {
  originalKernel,
  type WasmKernelArgs,
  type WasmKernelConfig,
  withScratch,
} from "./wasm_kernel.ts";
import { CACHED_BATCH_MAX, winogradFilterOf } from "./winograd_filters.ts";

/** The geometry of a 3×3 convolution with stride and dilation 1 (NHWC), else null. */
function stride1x3x3(
  x: tf.TensorInfo,
  filter: tf.TensorInfo,
  attrs: tf.NamedAttrMap,
): tf.backend_util.Conv2DInfo | null {
  const { strides, pad, dilations, dataFormat, dimRoundingMode } = attrs as unknown as
    & tf.Conv2DAttrs
    & { dilations: number | [number, number] };
  if (dataFormat === "NCHW" || x.shape.length !== 4 || filter.shape.length !== 4) return null;
  const [kh, kw, ci] = filter.shape;
  if (kh !== 3 || kw !== 3 || x.shape[3] !== ci) return null;
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filter.shape as [number, number, number, number],
    strides,
    dilations ?? 1,
    pad,
    dimRoundingMode,
  );
  return info.strideHeight === 1 && info.strideWidth === 1 && info.dilationHeight === 1 &&
      info.dilationWidth === 1 && info.outHeight > 0 && info.outWidth > 0
    ? info
    : null;
}

/** Our kernel for a convolution, with its geometry. */
type FastPath = { path: "single-channel" | "winograd"; info: tf.backend_util.Conv2DInfo };

/** Which of our kernels runs a convolution of geometry `info`, if any. */
function fastPath(info: tf.backend_util.Conv2DInfo | null): FastPath | null {
  if (info === null) return null;
  const { padInfo, inChannels, outChannels } = info;
  const unpadded = padInfo.top === 0 && padInfo.left === 0 && padInfo.bottom === 0 &&
    padInfo.right === 0;
  if (inChannels === 1 && unpadded && info.inHeight >= 3 && info.inWidth >= 3) {
    return { path: "single-channel", info };
  }
  return inChannels % 4 === 0 && outChannels % 8 === 0 ? { path: "winograd", info } : null;
}

/** Runs the convolution on our kernel `path` into a new output. */
function viaSimd(
  backend: BackendWasm,
  tensors: { x: tf.TensorInfo; filter: tf.TensorInfo; bias?: tf.TensorInfo },
  { path, info }: FastPath,
  relu: boolean,
): tf.TensorInfo {
  const y = backend.makeOutput(info.outShape, "float32");
  if (path === "single-channel") {
    simdKernels(backend).conv2d3x3SingleChannel({ ...tensors, y }, {
      batch: info.batchSize,
      inHeight: info.inHeight,
      inWidth: info.inWidth,
      outChannels: info.outChannels,
      relu,
    });
    return y;
  }
  const shape: WinogradShape = {
    batch: info.batchSize,
    inHeight: info.inHeight,
    inWidth: info.inWidth,
    inChannels: info.inChannels,
    outHeight: info.outHeight,
    outWidth: info.outWidth,
    outChannels: info.outChannels,
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
    relu,
  };
  // A small batch (a reading) keeps its filters' transforms: see winograd_filters.ts.
  const transformedFilter = shape.batch <= CACHED_BATCH_MAX
    ? winogradFilterOf(
      backend,
      tensors.filter,
      shape.inChannels,
      shape.outChannels,
      winogradTile(shape),
    )
    : undefined;
  withScratch(
    backend,
    [winogradScratchSize(shape)],
    (scratch) =>
      simdKernels(backend).conv3x3Winograd({ ...tensors, scratch, y, transformedFilter }, shape),
  );
  return y;
}

/** The `wasm` kernel function of `Conv2D`. */
function conv2d(args: WasmKernelArgs): tf.TensorInfo {
  const { inputs: { x, filter }, backend, attrs } = args;
  const fast = fastPath(stride1x3x3(x, filter, attrs));
  if (fast === null) return originalKernel("Conv2D")(args);
  return viaSimd(backend, { x, filter }, fast, false);
}

/**
 * The `wasm` kernel function of `FusedConv2D` (the fast path takes a
 * linear or ReLU activation and a bias of one value per filter, or none).
 */
function fusedConv2d(args: WasmKernelArgs): tf.TensorInfo {
  const { inputs: { x, filter, bias, preluActivationWeights }, backend, attrs } = args;
  const { activation } = attrs as unknown as tf.FusedConv2DAttrs;
  const fast = fastPath(
    preluActivationWeights == null && (activation === "linear" || activation === "relu")
      ? stride1x3x3(x, filter, attrs)
      : null,
  );
  if (
    fast === null ||
    (bias != null && (bias.shape.length !== 1 || bias.shape[0] !== fast.info.outChannels))
  ) {
    return originalKernel("FusedConv2D")(args);
  }
  return viaSimd(backend, { x, filter, bias: bias ?? undefined }, fast, activation === "relu");
}

/**
 * Our `Conv2D` (3×3, stride 1: one input channel, or Winograd).
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
 * import { assertEquals } from "@std/assert";
 * import { setupBackend } from "./backend.ts";
 * import { conv2dKernel } from "./conv2d.ts";
 * await setupBackend();
 * const backend = tf.backend() as BackendWasm;
 * tf.tidy(() => {
 *   const x = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1]);
 *   const filter = tf.ones([3, 3, 1, 1]);
 *   const attrs = { strides: 1, pad: "valid", dataFormat: "NHWC", dilations: 1 };
 *   const y = conv2dKernel.kernelFunc({ inputs: { x, filter }, backend, attrs });
 *   assertEquals(Array.from(tf.engine().makeTensorFromTensorInfo(y).dataSync()), [45]);
 * });
 * ```
 */
export const conv2dKernel: WasmKernelConfig<tf.TensorInfo> = {
  kernelName: "Conv2D",
  kernelFunc: conv2d,
};

/**
 * Our `FusedConv2D` (the fast paths of `Conv2D` with a bias and ReLU applied as they write).
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
 * import { assertEquals } from "@std/assert";
 * import { setupBackend } from "./backend.ts";
 * import { fusedConv2dKernel } from "./conv2d.ts";
 * await setupBackend();
 * const backend = tf.backend() as BackendWasm;
 * tf.tidy(() => {
 *   const x = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1]);
 *   const filter = tf.tensor4d(new Array(9).fill([1, -1]).flat(), [3, 3, 1, 2]);
 *   const bias = tf.tensor1d([5, 5]);
 *   const conv = { strides: 1, pad: "valid", dataFormat: "NHWC", dilations: 1 };
 *   const attrs = { ...conv, activation: "relu" };
 *   const y = fusedConv2dKernel.kernelFunc({ inputs: { x, filter, bias }, backend, attrs });
 *   assertEquals(Array.from(tf.engine().makeTensorFromTensorInfo(y).dataSync()), [50, 0]);
 * });
 * ```
 */
export const fusedConv2dKernel: WasmKernelConfig<tf.TensorInfo> = {
  kernelName: "FusedConv2D",
  kernelFunc: fusedConv2d,
};
