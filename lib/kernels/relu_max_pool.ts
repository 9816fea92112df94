/**
 * A 2×2, stride-2 max pool of a ReLU's output as one `wasm` kernel of ours
 * with its own gradient, for the convolution-ReLU-pool blocks of a CNN in
 * training (`training_chain.ts`). The pool's gradient then also applies
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
import { registerWasmKernel, type WasmKernelArgs, withScratch } from "./wasm_kernel.ts";

/**
 * The kernel's name. Input `x` (float32 NHWC); output the 2×2, stride-2,
 * unpadded max pool of `relu(x)` (rows and columns past the last window
 * ignored, as tfjs's "valid" pool).
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { RELU_MAX_POOL } from "./relu_max_pool.ts";
 * import { setupBackend } from "./backend.ts";
 * await setupBackend();
 * const x = tf.tensor4d([-1, -2, -3, -4, 1, 5, 2, 3], [2, 2, 2, 1]);
 * const y = tf.engine().runKernel(RELU_MAX_POOL, { x }) as tf.Tensor;
 * console.log(y.dataSync()); // [0, 5]
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
 *
 * @example
 * ```ts
 * import { RELU_MAX_POOL, reluMaxPool } from "./relu_max_pool.ts";
 * import { registerWasmKernel } from "./wasm_kernel.ts";
 * registerWasmKernel(RELU_MAX_POOL, reluMaxPool);
 * ```
 */
export function reluMaxPool({ inputs: { x }, backend }: WasmKernelArgs): tf.TensorInfo {
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
 *
 * @example
 * ```ts
 * import { reluMaxPoolGrad } from "./relu_max_pool.ts";
 * import { registerWasmKernel } from "./wasm_kernel.ts";
 * registerWasmKernel("DigitLabReluMaxPool2x2Grad", reluMaxPoolGrad);
 * ```
 */
export function reluMaxPoolGrad({ inputs: { x, dy }, backend }: WasmKernelArgs): tf.TensorInfo[] {
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
 * import { maskedBiasGradient } from "./relu_max_pool.ts";
 * const dy = tf.ones([1, 2, 2, 3]);
 * console.assert(maskedBiasGradient(dy) === undefined);
 * dy.dispose();
 * ```
 */
export function maskedBiasGradient(dy: tf.Tensor): tf.Tensor | undefined {
  const sums = biasSums.get(dy);
  return sums?.isDisposed ? undefined : sums;
}

/**
 * The gradient config of {@linkcode RELU_MAX_POOL}.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { reluMaxPoolGradConfig } from "./relu_max_pool.ts";
 * tf.registerGradient(reluMaxPoolGradConfig);
 * ```
 */
export const reluMaxPoolGradConfig: tf.GradConfig = {
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

/**
 * Registers the pool, its gradient kernel (on `wasm`) and its gradient.
 * Idempotent.
 *
 * @example
 * ```ts
 * import { registerReluMaxPool } from "./relu_max_pool.ts";
 * registerReluMaxPool();
 * ```
 */
export function registerReluMaxPool(): void {
  registerWasmKernel(RELU_MAX_POOL, reluMaxPool);
  registerWasmKernel(RELU_MAX_POOL_GRAD, reluMaxPoolGrad);
  tf.registerGradient(reluMaxPoolGradConfig);
}
