/**
 * A CNN's first block on grey images, a 3×3 convolution of one channel,
 * its bias, a ReLU and a 2×2 max pool, as one `wasm` kernel of ours with
 * its own gradient (`model/layer_chain.ts` runs it when such a block opens
 * a model). It gives the values the separate ops give, to the bit, but
 * never writes the convolution's output: per window it keeps the maximum
 * and a byte saying which pixel won, and its gradient sends each window's
 * gradient straight to the filter and bias from there.
 *
 * The reference CNN's conv1 makes 26×26×32 values per image: 5.5 MB per
 * 64-image shard, written by the convolution, read by the pool, and in the
 * backward pass written again (mostly zeros) by the pool's gradient and
 * read by the filter's. Those four passes over memory, not the arithmetic,
 * were most of the block's time, and more so with both cores training.
 * Runs in WASM SIMD (`simd/kernels.c`).
 *
 * The gradient has no input gradient: the block is fed by the data, and
 * tfjs asks only for gradients on a path from the trained variables.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { InvalidArgumentError } from "../core/mod.ts";
import { simdKernels } from "./simd/mod.ts";
import {
  disposeInfos,
  type WasmKernelArgs,
  type WasmKernelConfig,
  withScratch,
} from "./wasm_kernel.ts";

/**
 * The kernel's name. Inputs `x` (float32 `[N, H, W, 1]`), `filter`
 * (`[3, 3, 1, CO]`, CO a multiple of 8) and optionally `bias` (`[CO]`);
 * outputs `[y, win]`: `y` the 2×2, stride-2 max pool of
 * `relu(conv2d(x, filter, valid) + bias)` (`[N, ⌊(H − 2) / 2⌋,
 * ⌊(W − 2) / 2⌋, CO]`), `win` which window element won (int32, one byte per
 * channel, for the gradient).
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { assertEquals } from "@std/assert";
 * import { setupBackend } from "./backend.ts";
 * import { CONV_RELU_POOL } from "./conv_relu_pool.ts";
 * await setupBackend();
 * tf.tidy(() => {
 *   const x = tf.tensor4d([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15], [1, 4, 4, 1]);
 *   const filter = tf.zeros([3, 3, 1, 8]).add(tf.oneHot(4, 9).reshape([3, 3, 1, 1])); // the centre
 *   const [y] = tf.engine().runKernel(CONV_RELU_POOL, { x, filter }) as tf.Tensor[];
 *   assertEquals(y.shape, [1, 1, 1, 8]);
 *   assertEquals(Array.from(y.dataSync()), new Array(8).fill(10)); // max of 5, 6, 9, 10
 * });
 * ```
 */
export const CONV_RELU_POOL = "DigitLabConv3x3ReluPool";

/** The gradient kernel's name: inputs `x`, `filter`, `dy`, `win`; outputs `[dw, db]`. */
const CONV_RELU_POOL_GRAD = "DigitLabConv3x3ReluPoolGrad";

/** The block's geometry for input `x` and filter `filter`, or an error naming them. */
function blockShape(x: tf.TensorInfo, filter: tf.TensorInfo) {
  const [batch, inHeight, inWidth, channels] = x.shape;
  const [kh, kw, ci, outChannels] = filter.shape;
  if (
    x.dtype !== "float32" || x.shape.length !== 4 || channels !== 1 || kh !== 3 || kw !== 3 ||
    ci !== 1
  ) {
    throw new InvalidArgumentError(
      `${CONV_RELU_POOL} needs a float32 [N, H, W, 1] input and a [3, 3, 1, CO] filter, got ` +
        `${x.dtype} [${x.shape}] and [${filter.shape}]`,
    );
  }
  return { batch, inHeight, inWidth, outChannels };
}

/** The pooled output's shape. */
function pooledShape(s: ReturnType<typeof blockShape>): number[] {
  return [s.batch, (s.inHeight - 2) >> 1, (s.inWidth - 2) >> 1, s.outChannels];
}

/** `outputs` once `fill` has written them; freed when it throws. */
function filled(backend: BackendWasm, outputs: tf.TensorInfo[], fill: () => void): tf.TensorInfo[] {
  try {
    fill();
  } catch (e) {
    disposeInfos(backend, ...outputs);
    throw e;
  }
  return outputs;
}

/**
 * The `wasm` kernel function of {@linkcode CONV_RELU_POOL}.
 *
 * @throws {InvalidArgumentError} for inputs of other shapes or dtypes, or
 *   filters not a multiple of 8.
 */
function convReluPool({ inputs: { x, filter, bias }, backend }: WasmKernelArgs): tf.TensorInfo[] {
  const shape = blockShape(x, filter);
  const pooled = pooledShape(shape);
  const y = backend.makeOutput(pooled, "float32");
  const win = backend.makeOutput([...pooled.slice(0, 3), shape.outChannels / 4], "int32");
  return filled(backend, [y, win], () =>
    simdKernels(backend).conv3x3SingleChannelReluPool(
      { x, filter, bias: bias ?? undefined, y, win },
      shape,
    ));
}

/**
 * The `wasm` kernel function of the block's gradient: `[dw, db]`.
 *
 * @throws {InvalidArgumentError} when `dy` or `win` is not the block's output shape.
 */
function convReluPoolGrad({ inputs: { x, filter, dy, win }, backend }: WasmKernelArgs) {
  const shape = blockShape(x, filter);
  const dw = backend.makeOutput(filter.shape, "float32");
  const db = backend.makeOutput([shape.outChannels], "float32");
  return filled(backend, [dw, db], () =>
    withScratch(
      backend,
      [2 * shape.outChannels],
      (scratch) =>
        simdKernels(backend).conv3x3SingleChannelReluPoolGrad(
          { x, dy, win, scratch, dw, db },
          shape,
        ),
    ));
}

/** Our kernel {@linkcode CONV_RELU_POOL}. */
export const convReluPoolKernel: WasmKernelConfig<tf.TensorInfo[]> = {
  kernelName: CONV_RELU_POOL,
  kernelFunc: convReluPool,
};

/** Our kernel of the block's gradient (inputs `x`, `filter`, `dy`, `win`): `[dw, db]`. */
export const convReluPoolGradKernel: WasmKernelConfig<tf.TensorInfo[]> = {
  kernelName: CONV_RELU_POOL_GRAD,
  kernelFunc: convReluPoolGrad,
};

/**
 * The gradient of {@linkcode CONV_RELU_POOL} for its filter and bias (one
 * kernel call gives both); asking for the input's throws.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { assertAlmostEquals } from "@std/assert";
 * import { setupBackend } from "./backend.ts";
 * import { CONV_RELU_POOL } from "./conv_relu_pool.ts";
 * await setupBackend();
 * tf.tidy(() => {
 *   const x = tf.randomUniform([2, 6, 6, 1], 0, 1, "float32", 1) as tf.Tensor4D;
 *   const filter = tf.variable(tf.randomNormal([3, 3, 1, 8], 0, 1, "float32", 2));
 *   const bias = tf.variable(tf.zeros([8]));
 *   const loss = () => {
 *     const [y] = tf.engine().runKernel(CONV_RELU_POOL, { x, filter, bias }) as tf.Tensor[];
 *     return tf.sum(y) as tf.Scalar;
 *   };
 *   // The same as the separate ops' gradient.
 *   const ops = () => {
 *     const z = tf.relu(tf.add(tf.conv2d(x, filter as tf.Tensor4D, 1, "valid"), bias)) as tf.Tensor4D;
 *     return tf.sum(tf.maxPool(z, 2, 2, "valid")) as tf.Scalar;
 *   };
 *   const ours = tf.variableGrads(loss, [filter, bias]).grads;
 *   const theirs = tf.variableGrads(ops, [filter, bias]).grads;
 *   const diff = tf.max(tf.abs(tf.sub(ours[filter.name], theirs[filter.name]))).dataSync()[0];
 *   assertAlmostEquals(diff, 0, 1e-5);
 *   filter.dispose();
 *   bias.dispose();
 * });
 * ```
 */
export const convReluPoolGradient: tf.GradConfig = {
  kernelName: CONV_RELU_POOL,
  inputsToSave: ["x", "filter"],
  outputsToSave: [false, true],
  gradFunc: (dys, saved) => {
    const [dy] = dys as tf.Tensor[];
    const [x, filter, win] = saved;
    // Both in one pass, here rather than in the closures: tfjs runs each
    // closure in a scope of its own, which would dispose the other's.
    const [dw, db] = tf.engine().runKernel(CONV_RELU_POOL_GRAD, {
      x,
      filter,
      dy,
      win,
    }) as tf.Tensor[];
    return {
      x: () => {
        throw new InvalidArgumentError(
          `${CONV_RELU_POOL} has no gradient for its input: it runs only as a model's first block`,
        );
      },
      filter: () => dw,
      bias: () => db,
    };
  },
};
