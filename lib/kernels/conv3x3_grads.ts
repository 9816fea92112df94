/**
 * Both gradients of a 3×3, stride-1 convolution as one `wasm` kernel of
 * ours (`conv3x3_winograd_grads` in `simd/kernels.c`): the input gradient
 * and the filter gradient by Winograd transposed, with the output
 * gradient's tiles transformed once for both where `Conv2DBackpropInput`
 * and `Conv2DBackpropFilter` transform them each (on the reference CNN's
 * conv2, each transform about 3% of a training step). Its values equal
 * those two kernels' to the bit. `FusedConv2D`'s gradient
 * (`fused_conv2d_grad.ts`) runs it when both gradients are asked for.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import { InvalidArgumentError } from "../core/mod.ts";
import { simdKernels, winogradGradsScratchSize } from "./simd/mod.ts";
import { type WasmKernelArgs, type WasmKernelConfig, withScratch } from "./wasm_kernel.ts";

/**
 * The kernel's name. Inputs `x` (`[N, H, W, CI]`), `dy` (the
 * convolution's output gradient) and `filter` (`[3, 3, CI, CO]`); the
 * convolution's `strides`, `pad` and `dimRoundingMode` as attributes;
 * outputs `[dx, dw]`.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { assertEquals } from "@std/assert";
 * import { setupBackend } from "./backend.ts";
 * import { CONV3X3_GRADS } from "./conv3x3_grads.ts";
 * await setupBackend();
 * tf.tidy(() => {
 *   const x = tf.ones([1, 3, 3, 8]), filter = tf.ones([3, 3, 8, 8]);
 *   const dy = tf.ones([1, 1, 1, 8]);
 *   const attrs = { strides: 1, pad: "valid" };
 *   const [dx, dw] = tf.engine().runKernel(CONV3X3_GRADS, { x, dy, filter }, attrs) as tf.Tensor[];
 *   // Each input value met each of the 8 filters once; each tap met x = 1 once.
 *   assertEquals([dx.shape, dx.dataSync()[0], dw.dataSync()[0]], [[1, 3, 3, 8], 8, 1]);
 * });
 * ```
 */
export const CONV3X3_GRADS = "DigitLabConv3x3Grads";

/** The convolution attributes {@linkcode CONV3X3_GRADS} takes. */
export type Conv3x3GradsAttrs = Pick<tf.Conv2DAttrs, "strides" | "pad" | "dimRoundingMode">;

/**
 * The geometry of a convolution of `xShape` with `filterShape` when
 * {@linkcode CONV3X3_GRADS} computes its gradients (NHWC, a 3×3 filter,
 * stride 1, input and output channels multiples of 8), else null.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { conv3x3GradsGeometry } from "./conv3x3_grads.ts";
 * const valid = { strides: 1, pad: "valid" } as const;
 * // The reference CNN's conv2: 13×13×32 in, 11×11×64 out.
 * assertEquals(conv3x3GradsGeometry([64, 13, 13, 32], [3, 3, 32, 64], valid)?.outHeight, 11);
 * assertEquals(conv3x3GradsGeometry([64, 13, 13, 4], [3, 3, 4, 8], valid), null); // 4 channels
 * ```
 */
export function conv3x3GradsGeometry(
  xShape: readonly number[],
  filterShape: readonly number[],
  attrs: Conv3x3GradsAttrs,
): tf.backend_util.Conv2DInfo | null {
  if (xShape.length !== 4 || filterShape.length !== 4) return null;
  const [kh, kw, ci, co] = filterShape;
  if (kh !== 3 || kw !== 3 || xShape[3] !== ci || ci % 8 !== 0 || co % 8 !== 0) return null;
  const info = tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
  return info.strideHeight === 1 && info.strideWidth === 1 && info.outHeight > 0 &&
      info.outWidth > 0
    ? info
    : null;
}

/**
 * The `wasm` kernel function of {@linkcode CONV3X3_GRADS}: `[dx, dw]`.
 *
 * @throws {InvalidArgumentError} for a convolution it does not run (see
 *   {@linkcode conv3x3GradsGeometry}), or a `dy` of another shape than
 *   the convolution's output.
 */
function conv3x3Grads(
  { inputs: { x, dy, filter }, backend, attrs }: WasmKernelArgs,
): tf.TensorInfo[] {
  const info = conv3x3GradsGeometry(
    x.shape,
    filter.shape,
    attrs as unknown as Conv3x3GradsAttrs,
  );
  if (info === null || [x, dy, filter].some((t) => t.dtype !== "float32")) {
    throw new InvalidArgumentError(
      `${CONV3X3_GRADS} needs float32 NHWC input and a 3x3 filter, stride 1, input and output channels multiples of 8, got x ${x.dtype} [${x.shape}], filter ${filter.dtype} [${filter.shape}], strides ${
        JSON.stringify((attrs as { strides?: unknown }).strides)
      }`,
    );
  }
  if (dy.shape.join() !== info.outShape.join()) {
    throw new InvalidArgumentError(
      `${CONV3X3_GRADS} needs dy of the convolution's output shape [${info.outShape}], got [${dy.shape}]`,
    );
  }
  const dx = backend.makeOutput(x.shape, "float32");
  const dw = backend.makeOutput(filter.shape, "float32");
  withScratch(
    backend,
    [winogradGradsScratchSize({ ...info, batch: info.batchSize })],
    (scratch) =>
      simdKernels(backend).conv3x3WinogradGrads({ x, dy, filter, scratch, dx, dw }, info),
  );
  return [dx, dw];
}

/**
 * Our kernel {@linkcode CONV3X3_GRADS}.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
 * import { assertEquals } from "@std/assert";
 * import { setupBackend } from "./backend.ts";
 * import { conv3x3GradsKernel } from "./conv3x3_grads.ts";
 * await setupBackend();
 * const backend = tf.backend() as BackendWasm;
 * tf.tidy(() => {
 *   const x = tf.ones([1, 4, 4, 8]), filter = tf.ones([3, 3, 8, 16]);
 *   const dy = tf.ones([1, 2, 2, 16]);
 *   const inputs = { x, dy, filter }, attrs = { strides: 1, pad: "valid" };
 *   const out = conv3x3GradsKernel.kernelFunc({ inputs, backend, attrs });
 *   assertEquals(out.map((info) => info.shape), [[1, 4, 4, 8], [3, 3, 8, 16]]);
 * });
 * ```
 */
export const conv3x3GradsKernel: WasmKernelConfig<tf.TensorInfo[]> = {
  kernelName: CONV3X3_GRADS,
  kernelFunc: conv3x3Grads,
};
