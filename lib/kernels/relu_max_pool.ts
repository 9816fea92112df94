/**
 * A 2×2, stride-2 max pool of a ReLU's output as one `wasm` kernel of ours
 * with its own gradient, for the convolution-ReLU-pool blocks of a CNN in
 * training (`model/layer_chain.ts`). The pool's gradient then also applies
 * the ReLU's mask and sums the bias's gradient in the same pass, where
 * tfjs would run `MaxPoolGrad`, then the ReLU's mask and a `Sum` over the
 * convolution's whole output; `fused_conv2d_grad.ts` takes both from here
 * ({@linkcode maskedBiasGradient}). Runs in WASM SIMD (`simd/kernels.c`).
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import { InvalidArgumentError } from "../core/mod.ts";
import { type Pool2x2Shape, simdKernels } from "./simd/mod.ts";
import { type WasmKernelArgs, type WasmKernelConfig, withScratch } from "./wasm_kernel.ts";

/**
 * The kernel's name. Input `x` (float32 NHWC); output the 2×2, stride-2,
 * unpadded max pool of `relu(x)` (rows and columns past the last window
 * ignored, as tfjs's "valid" pool).
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { assertEquals } from "@std/assert";
 * import { setupBackend } from "./backend.ts";
 * import { RELU_MAX_POOL } from "./relu_max_pool.ts";
 * await setupBackend();
 * const x = tf.tensor4d([-1, -2, -3, -4, 1, 5, 2, 3], [2, 2, 2, 1]);
 * const y = tf.engine().runKernel(RELU_MAX_POOL, { x }) as tf.Tensor;
 * assertEquals(Array.from(y.dataSync()), [0, 5]);
 * tf.dispose([x, y]);
 * ```
 */
export const RELU_MAX_POOL = "DigitLabReluMaxPool2x2";

/** The gradient kernel's name: inputs `x`, `dy`; outputs `[dx, db]`. */
const RELU_MAX_POOL_GRAD = "DigitLabReluMaxPool2x2Grad";

/** The pool's shape for an NHWC input, or an error naming the input. */
function poolShape(x: tf.TensorInfo): Pool2x2Shape {
  if (x.dtype !== "float32" || x.shape.length !== 4) {
    throw new InvalidArgumentError(
      `${RELU_MAX_POOL} needs a float32 [N, H, W, C] input, got ${x.dtype} [${x.shape}]`,
    );
  }
  const [batch, inHeight, inWidth, channels] = x.shape;
  return {
    batch,
    inHeight,
    inWidth,
    channels,
    outHeight: Math.floor(inHeight / 2),
    outWidth: Math.floor(inWidth / 2),
  };
}

/**
 * The `wasm` kernel function of {@linkcode RELU_MAX_POOL}.
 *
 * @throws {InvalidArgumentError} for an input that is not float32 NHWC.
 */
function reluMaxPool({ inputs: { x }, backend }: WasmKernelArgs): tf.TensorInfo {
  const shape = poolShape(x);
  const y = backend.makeOutput(
    [shape.batch, shape.outHeight, shape.outWidth, shape.channels],
    "float32",
  );
  simdKernels(backend).reluMaxPool2x2({ x, y }, shape);
  return y;
}

/**
 * The `wasm` kernel function of the pool's gradient: `[dx, db]`.
 *
 * @throws {InvalidArgumentError} for an input that is not float32 NHWC, or
 *   a `dy` that is not the pool's shape.
 */
function reluMaxPoolGrad({ inputs: { x, dy }, backend }: WasmKernelArgs): tf.TensorInfo[] {
  const shape = poolShape(x);
  const dx = backend.makeOutput(x.shape, "float32");
  const db = backend.makeOutput([shape.channels], "float32");
  withScratch(
    backend,
    [2 * shape.channels],
    (scratch) => simdKernels(backend).reluMaxPoolGrad2x2({ x, dy, scratch, dx, db }, shape),
  );
  return [dx, db];
}

/**
 * Our kernel {@linkcode RELU_MAX_POOL}.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
 * import { assertEquals } from "@std/assert";
 * import { setupBackend } from "./backend.ts";
 * import { reluMaxPoolKernel } from "./relu_max_pool.ts";
 * await setupBackend();
 * const backend = tf.backend() as BackendWasm;
 * tf.tidy(() => {
 *   const x = tf.tensor4d([1, -1, 4, -2, 3, -3, 2, -4], [1, 2, 2, 2]);
 *   const y = reluMaxPoolKernel.kernelFunc({ inputs: { x }, backend, attrs: {} });
 *   assertEquals(Array.from(tf.engine().makeTensorFromTensorInfo(y).dataSync()), [4, 0]);
 * });
 * ```
 */
export const reluMaxPoolKernel: WasmKernelConfig<tf.TensorInfo> = {
  kernelName: RELU_MAX_POOL,
  kernelFunc: reluMaxPool,
};

/**
 * Our kernel of the pool's gradient (inputs `x`, `dy`): `[dx, db]`.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
 * import { assertEquals } from "@std/assert";
 * import { setupBackend } from "./backend.ts";
 * import { reluMaxPoolGradKernel } from "./relu_max_pool.ts";
 * await setupBackend();
 * const backend = tf.backend() as BackendWasm;
 * tf.tidy(() => {
 *   const x = tf.tensor4d([1, -1, 4, -2, 3, -3, 2, -4], [1, 2, 2, 2]);
 *   const dy = tf.tensor4d([5, 7], [1, 1, 1, 2]);
 *   const out = reluMaxPoolGradKernel.kernelFunc({ inputs: { x, dy }, backend, attrs: {} });
 *   const [dx, db] = out.map((info) => tf.engine().makeTensorFromTensorInfo(info));
 *   assertEquals(Array.from(dx.dataSync()), [0, 0, 5, 0, 0, 0, 0, 0]);
 *   assertEquals(Array.from(db.dataSync()), [5, 0]);
 * });
 * ```
 */
export const reluMaxPoolGradKernel: WasmKernelConfig<tf.TensorInfo[]> = {
  kernelName: RELU_MAX_POOL_GRAD,
  kernelFunc: reluMaxPoolGrad,
};

// Why a side table: tfjs hands a gradient function only the gradient of its
// own op's output, so the pool's gradient cannot pass its bias sums to the
// convolution's gradient as an argument. Keyed by the very tensor it returns
// as `dx`, the sums reach FusedConv2D's gradient only when that gradient's
// `dy` is this tensor unchanged; had the convolution's output fed another op
// too, the engine would add the gradients into a new tensor, find nothing
// here, and the convolution's gradient would mask and sum for itself. An
// explicit hand-off would need a convolution-ReLU-pool op with a gradient of
// its own (the training chain built around it), more than this one table.
/** The pool gradients' bias sums, by the gradient tensor they belong to. */
const biasSums = new WeakMap<tf.Tensor, tf.Tensor>();

/**
 * When `dy` is a gradient this pool gave its input (so already masked by
 * the ReLU), the sums of `dy` over all but its last axis, computed in the
 * same pass: the gradient of a bias added before that ReLU. Otherwise
 * `undefined` (also once the backward pass that made them is over).
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { assertEquals } from "@std/assert";
 * import { setupBackend } from "./backend.ts";
 * import { maskedBiasGradient } from "./relu_max_pool.ts";
 * await setupBackend();
 * const dy = tf.ones([1, 2, 2, 3]);
 * assertEquals(maskedBiasGradient(dy), undefined); // not from the pool's gradient
 * dy.dispose();
 * ```
 */
export function maskedBiasGradient(dy: tf.Tensor): tf.Tensor | undefined {
  const sums = biasSums.get(dy);
  return sums?.isDisposed ? undefined : sums;
}

/**
 * The gradient of {@linkcode RELU_MAX_POOL}: `dx` by
 * {@linkcode reluMaxPoolGradKernel}, whose bias sums
 * {@linkcode maskedBiasGradient} then gives for that `dx`.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { assertEquals } from "@std/assert";
 * import { setupBackend } from "./backend.ts";
 * import { maskedBiasGradient, reluMaxPoolGradient } from "./relu_max_pool.ts";
 * await setupBackend();
 * tf.tidy(() => {
 *   const x = tf.tensor4d([1, -1, 4, -2, 3, -3, 2, -4], [1, 2, 2, 2]);
 *   const dy = tf.tensor4d([5, 7], [1, 1, 1, 2]);
 *   const dx = reluMaxPoolGradient.gradFunc(dy, [x], {}).x();
 *   assertEquals(Array.from(dx.dataSync()), [0, 0, 5, 0, 0, 0, 0, 0]);
 *   assertEquals(maskedBiasGradient(dx)?.arraySync(), [5, 0]);
 * });
 * ```
 */
export const reluMaxPoolGradient: tf.GradConfig = {
  kernelName: RELU_MAX_POOL,
  inputsToSave: ["x"],
  gradFunc: (dy, saved) => {
    const [x] = saved;
    const [dx, db] = tf.engine().runKernel(RELU_MAX_POOL_GRAD, {
      x,
      dy: dy as tf.Tensor,
    }) as tf.Tensor[];
    biasSums.set(dx, db);
    return { x: () => dx };
  },
};
