/**
 * `Conv2D` and `FusedConv2D` for the WASM backend with a fast path for a
 * first layer on grey images: one input channel, a 3×3 filter, stride 1, no
 * padding. XNNPACK's convolution does poorly with a single input channel
 * (its inner dimension is then 9), so that case runs in WASM SIMD
 * (`simd/kernels.c`), with the bias and a ReLU fused. Every other case goes
 * to the backend's own kernel.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { simdKernels } from "./simd.ts";
import { originalKernel, type WasmKernelArgs } from "./wasm_kernel.ts";

/** The geometry when it is the single-channel 3×3 case, else null. */
function singleChannel3x3(
  x: tf.TensorInfo,
  filter: tf.TensorInfo,
  attrs: tf.NamedAttrMap,
): tf.backend_util.Conv2DInfo | null {
  const { strides, pad, dilations, dataFormat, dimRoundingMode } = attrs as unknown as
    & tf.Conv2DAttrs
    & { dilations: number | [number, number] };
  if (dataFormat === "NCHW" || x.shape.length !== 4 || filter.shape.length !== 4) return null;
  const [kh, kw, ci] = filter.shape;
  if (kh !== 3 || kw !== 3 || ci !== 1 || x.shape[3] !== 1) return null;
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filter.shape as [number, number, number, number],
    strides,
    dilations ?? 1,
    pad,
    dimRoundingMode,
  );
  const { padInfo } = info;
  const unpadded = padInfo.top === 0 && padInfo.left === 0 && padInfo.bottom === 0 &&
    padInfo.right === 0;
  return info.strideHeight === 1 && info.strideWidth === 1 && info.dilationHeight === 1 &&
      info.dilationWidth === 1 && unpadded && info.inHeight >= 3 && info.inWidth >= 3
    ? info
    : null;
}

/** Runs the single-channel 3×3 case (`info`) in WASM SIMD into a new output. */
function viaSimd(
  backend: BackendWasm,
  tensors: { x: tf.TensorInfo; filter: tf.TensorInfo; bias?: tf.TensorInfo },
  info: tf.backend_util.Conv2DInfo,
  relu: boolean,
): tf.TensorInfo {
  const y = backend.makeOutput(info.outShape, "float32");
  simdKernels(backend).conv2d3x3SingleChannel({ ...tensors, y }, {
    batch: info.batchSize,
    inHeight: info.inHeight,
    inWidth: info.inWidth,
    outChannels: info.outChannels,
    relu,
  });
  return y;
}

/**
 * The `wasm` kernel function of `Conv2D`.
 *
 * @example
 * ```ts
 * import { conv2d } from "./conv2d.ts";
 * import { registerWasmKernel } from "./wasm_kernel.ts";
 * registerWasmKernel("Conv2D", conv2d);
 * ```
 */
export function conv2d(args: WasmKernelArgs): tf.TensorInfo {
  const { inputs: { x, filter }, backend, attrs } = args;
  const info = singleChannel3x3(x, filter, attrs);
  if (info === null) return originalKernel("Conv2D")(args);
  return viaSimd(backend, { x, filter }, info, false);
}

/**
 * The `wasm` kernel function of `FusedConv2D` (the fast path takes a
 * linear or ReLU activation and a bias of one value per filter, or none).
 *
 * @example
 * ```ts
 * import { fusedConv2d } from "./conv2d.ts";
 * import { registerWasmKernel } from "./wasm_kernel.ts";
 * registerWasmKernel("FusedConv2D", fusedConv2d);
 * ```
 */
export function fusedConv2d(args: WasmKernelArgs): tf.TensorInfo {
  const { inputs: { x, filter, bias, preluActivationWeights }, backend, attrs } = args;
  const { activation } = attrs as unknown as tf.FusedConv2DAttrs;
  const info = preluActivationWeights == null && (activation === "linear" || activation === "relu")
    ? singleChannel3x3(x, filter, attrs)
    : null;
  if (
    info === null ||
    (bias != null && (bias.shape.length !== 1 || bias.shape[0] !== info.outChannels))
  ) {
    return originalKernel("FusedConv2D")(args);
  }
  return viaSimd(backend, { x, filter, bias: bias ?? undefined }, info, activation === "relu");
}
