/**
 * Batch normalisation on the `wasm` backend: `FusedBatchNorm` (inference)
 * as one SIMD pass `x · a + b` per channel, where the backend's kernel
 * computes `(x − mean) · scale · rsqrt(var + ε) + offset` per element in
 * scalar code (0.09 ms for one image's 26×26×32 activations, a third of
 * the strong model's single-image inference); and the passes of batch
 * normalisation in training, each one pass over its tensors in WASM SIMD
 * (`simd/kernels.c`) and tfjs ops elsewhere: per-channel sums of the input, the normalisation as a
 * per-channel affine map, the sums of the gradient and the input's
 * gradient. tfjs runs `moments` as five passes and the input's gradient as
 * seven; the layer that uses these (`model/batch_norm_training.ts`) adds
 * the sums over the shards of a batch in between, which is why they are
 * separate passes and not one kernel.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { InvalidArgumentError } from "../core/mod.ts";
import { simdKernels } from "./simd/mod.ts";
import {
  disposeInfos,
  originalKernel,
  type WasmKernelArgs,
  type WasmKernelConfig,
  withScratch,
} from "./wasm_kernel.ts";

/** Our kernel `y = x · a + b` per channel: inputs `x`, `a`, `b`. */
const CHANNEL_AFFINE = "DigitLabChannelAffine";

/**
 * Our kernel of a batch norm's input gradient: inputs `dy`, `x`, `mean`,
 * `invStd`, `scale`, `meanDy`, `meanDyXHat`.
 */
const BATCH_NORM_GRAD_INPUT = "DigitLabBatchNormGradInput";

/** `[rows, cols]` of a channels-last tensor, or an error naming it. */
function rowsCols(x: tf.TensorInfo, channels: number, name: string): [number, number] {
  const cols = x.shape.at(-1);
  if (x.dtype !== "float32" || x.shape.length < 2 || cols !== channels) {
    throw new InvalidArgumentError(
      `${name} must be float32 with ${channels} channels last, got ${x.dtype} [${x.shape}]`,
    );
  }
  return [tf.util.sizeFromShape(x.shape) / channels, channels];
}

/** The wasm backend when `x` lives on it with our kernels, else null. */
function wasmBackend(): BackendWasm | null {
  return tf.getBackend() === "wasm" && tf.getKernel(CHANNEL_AFFINE, "wasm") !== undefined
    ? tf.backend() as BackendWasm
    : null;
}

function pair(s1: ArrayLike<number>, s2: ArrayLike<number>): Float64Array<ArrayBuffer> {
  const out = new Float64Array(s1.length + s2.length);
  out.set(s1);
  out.set(s2, s1.length);
  return out;
}

/**
 * Per-channel `[Σ x, Σ x²]` of a channels-last `x` (`2 × channels` values;
 * in double precision on the wasm backend).
 *
 * @throws {InvalidArgumentError} when `x` is not float32 with `channels`
 *   channels last.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { assertEquals } from "@std/assert";
 * import { setupBackend } from "./backend.ts";
 * import { channelSums } from "./batch_norm.ts";
 * await setupBackend();
 * const x = tf.tensor2d([[1, 2], [3, 4]]);
 * assertEquals(Array.from(channelSums(x, 2)), [4, 6, 10, 20]);
 * x.dispose();
 * ```
 */
export function channelSums(x: tf.Tensor, channels: number): Float64Array {
  const [rows, cols] = rowsCols(x, channels, "x");
  const backend = wasmBackend();
  if (backend !== null) {
    return withScratch(
      backend,
      [4 * cols],
      (scratch) => simdKernels(backend).channelSums({ x, scratch }, { rows, cols }),
    );
  }
  let sums: Float64Array = new Float64Array(0);
  tf.tidy(() => {
    const flat = tf.reshape(x, [rows, cols]);
    sums = pair(tf.sum(flat, 0).dataSync(), tf.sum(tf.square(flat), 0).dataSync());
  });
  return sums;
}

/**
 * `x · a + b` per channel of a channels-last `x` (a batch norm's forward
 * pass with `a = γ / √(σ² + ε)`, `b = β − μ · a`).
 *
 * @throws {InvalidArgumentError} when `x` is not float32 with as many
 *   channels last as `a` and `b` have values.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { assertEquals } from "@std/assert";
 * import { setupBackend } from "./backend.ts";
 * import { channelAffine } from "./batch_norm.ts";
 * await setupBackend();
 * const x = tf.tensor2d([[1, 2], [3, 4]]);
 * const y = channelAffine(x, new Float32Array([2, -1]), new Float32Array([0, 1]));
 * assertEquals(Array.from(y.dataSync()), [2, -1, 6, -3]);
 * tf.dispose([x, y]);
 * ```
 */
export function channelAffine(x: tf.Tensor, a: Float32Array, b: Float32Array): tf.Tensor {
  rowsCols(x, a.length, "x");
  if (b.length !== a.length) {
    throw new InvalidArgumentError(
      `a and b must have as many values, got ${a.length} and ${b.length}`,
    );
  }
  return tf.tidy(() => {
    const [at, bt] = [tf.tensor1d(a), tf.tensor1d(b)];
    return wasmBackend() !== null
      ? tf.engine().runKernel(CHANNEL_AFFINE, { x, a: at, b: bt }) as tf.Tensor
      : tf.add(tf.mul(x, at), bt);
  });
}

/** The inputs of a batch norm's gradient passes (all float32; the 1-D ones per channel). */
export interface BatchNormGradInputs {
  /** The output's gradient, shaped as `x`. */
  dy: tf.Tensor;
  /** The normalised input. */
  x: tf.Tensor;
  /** The batch's mean. */
  mean: tf.Tensor1D;
  /** `1 / √(σ² + ε)` of the batch. */
  invStd: tf.Tensor1D;
}

/**
 * Per-channel `[Σ dy, Σ dy·x̂]` (`2 × channels` values), x̂ = (x − mean)·invStd:
 * a batch norm's gamma and beta gradients, and what its input gradient needs.
 *
 * @throws {InvalidArgumentError} when the tensors' shapes disagree.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { assertEquals } from "@std/assert";
 * import { setupBackend } from "./backend.ts";
 * import { batchNormGradSums } from "./batch_norm.ts";
 * await setupBackend();
 * const t = {
 *   dy: tf.tensor2d([[1], [2]]), x: tf.tensor2d([[1], [3]]),
 *   mean: tf.tensor1d([2]), invStd: tf.tensor1d([1]),
 * };
 * assertEquals(Array.from(batchNormGradSums(t)), [3, 1]); // 1 + 2, 1·(−1) + 2·1
 * tf.dispose(Object.values(t));
 * ```
 */
export function batchNormGradSums(inputs: BatchNormGradInputs): Float64Array {
  const { dy, x, mean, invStd } = inputs;
  const channels = mean.size;
  const [rows, cols] = rowsCols(x, channels, "x");
  rowsCols(dy, channels, "dy");
  if (dy.size !== x.size || invStd.size !== channels) {
    throw new InvalidArgumentError(
      `dy [${dy.shape}] must match x [${x.shape}] and invStd [${invStd.shape}] mean [${mean.shape}]`,
    );
  }
  const backend = wasmBackend();
  if (backend !== null) {
    return withScratch(
      backend,
      [4 * cols],
      (scratch) =>
        simdKernels(backend).batchNormGradSums({ dy, x, mean, invStd, scratch }, { rows, cols }),
    );
  }
  let sums: Float64Array = new Float64Array(0);
  tf.tidy(() => {
    const xHat = tf.reshape(tf.mul(tf.sub(x, mean), invStd), [rows, cols]);
    const d = tf.reshape(dy, [rows, cols]);
    sums = pair(tf.sum(d, 0).dataSync(), tf.sum(tf.mul(d, xHat), 0).dataSync());
  });
  return sums;
}

/**
 * A batch norm's input gradient, `scale · (dy − meanDy − x̂ · meanDyXHat)` per
 * channel, x̂ = (x − mean)·invStd, with the whole batch's means of `dy` and
 * `dy · x̂` and `scale = γ · invStd`.
 *
 * @throws {InvalidArgumentError} when the tensors' shapes disagree.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { assertEquals } from "@std/assert";
 * import { setupBackend } from "./backend.ts";
 * import { batchNormGradInput } from "./batch_norm.ts";
 * await setupBackend();
 * const t = {
 *   dy: tf.tensor2d([[1], [2]]), x: tf.tensor2d([[1], [3]]),
 *   mean: tf.tensor1d([2]), invStd: tf.tensor1d([1]),
 * };
 * const per = { scale: new Float32Array([2]), meanDy: new Float32Array([1.5]), meanDyXHat: new Float32Array([0.5]) };
 * const dx = batchNormGradInput(t, per); // 2·(1 − 1.5 + 0.5), 2·(2 − 1.5 − 0.5)
 * assertEquals(Array.from(dx.dataSync()), [0, 0]);
 * tf.dispose([dx, ...Object.values(t)]);
 * ```
 */
export function batchNormGradInput(
  inputs: BatchNormGradInputs,
  perChannel: { scale: Float32Array; meanDy: Float32Array; meanDyXHat: Float32Array },
): tf.Tensor {
  const { dy, x, mean, invStd } = inputs;
  const channels = mean.size;
  rowsCols(x, channels, "x");
  rowsCols(dy, channels, "dy");
  const { scale, meanDy, meanDyXHat } = perChannel;
  if (
    dy.size !== x.size || invStd.size !== channels ||
    [scale, meanDy, meanDyXHat].some((v) => v.length !== channels)
  ) {
    throw new InvalidArgumentError(
      `a batch norm gradient over ${channels} channels got dy [${dy.shape}], x [${x.shape}], ` +
        `invStd [${invStd.shape}] and per-channel values of ${
          [scale, meanDy, meanDyXHat].map((v) => v.length)
        }`,
    );
  }
  return tf.tidy(() => {
    const [s, md, mdx] = [tf.tensor1d(scale), tf.tensor1d(meanDy), tf.tensor1d(meanDyXHat)];
    if (wasmBackend() !== null) {
      return tf.engine().runKernel(BATCH_NORM_GRAD_INPUT, {
        dy,
        x,
        mean,
        invStd,
        scale: s,
        meanDy: md,
        meanDyXHat: mdx,
      }) as tf.Tensor;
    }
    const xHat = tf.mul(tf.sub(x, mean), invStd);
    return tf.mul(s, tf.sub(tf.sub(dy, md), tf.mul(xHat, mdx)));
  });
}

/**
 * The `wasm` kernel function of `FusedBatchNorm`: per-channel `a = scale ·
 * 1/√(variance + ε)` and `b = offset − mean · a` (in float32, from the
 * 1-D statistics), then one SIMD pass `x · a + b`. Other shapes (statistics
 * that are not one value per channel of the last axis) go to the backend's
 * own kernel.
 */
function fusedBatchNorm(args: WasmKernelArgs): tf.TensorInfo {
  const { inputs: { x, mean, variance, offset, scale }, backend, attrs } = args;
  const channels = x.shape.at(-1) ?? 0;
  const perChannel = (t: tf.TensorInfo | undefined) =>
    t === undefined || (t.shape.length === 1 && t.shape[0] === channels && t.dtype === "float32");
  if (
    x.dtype !== "float32" || x.shape.length < 2 || channels === 0 ||
    ![mean, variance, offset, scale].every(perChannel)
  ) {
    return originalKernel("FusedBatchNorm")(args);
  }
  const epsilon = (attrs as unknown as tf.FusedBatchNormAttrs).varianceEpsilon;
  const read = (t: tf.TensorInfo | undefined) =>
    t === undefined ? undefined : backend.typedArrayFromHeap(t) as Float32Array;
  const [m, v, o, g] = [mean, variance, offset, scale].map(read);
  const a = backend.makeOutput([channels], "float32");
  const b = backend.makeOutput([channels], "float32");
  const av = backend.typedArrayFromHeap(a) as Float32Array;
  const bv = backend.typedArrayFromHeap(b) as Float32Array;
  for (let c = 0; c < channels; c++) {
    av[c] = (g?.[c] ?? 1) / Math.sqrt(v![c] + epsilon);
    bv[c] = (o?.[c] ?? 0) - m![c] * av[c];
  }
  const y = backend.makeOutput(x.shape, "float32");
  try {
    simdKernels(backend).channelAffine({ x, a, b, y }, {
      rows: tf.util.sizeFromShape(x.shape) / channels,
      cols: channels,
    });
  } finally {
    disposeInfos(backend, a, b);
  }
  return y;
}

function channelAffineKernel({ inputs: { x, a, b }, backend }: WasmKernelArgs): tf.TensorInfo {
  const [rows, cols] = rowsCols(x, a.shape[0], "x");
  const y = backend.makeOutput(x.shape, "float32");
  simdKernels(backend).channelAffine({ x, a, b, y }, { rows, cols });
  return y;
}

function batchNormGradInputKernel({ inputs, backend }: WasmKernelArgs): tf.TensorInfo {
  const { dy, x, mean, invStd, scale, meanDy, meanDyXHat } = inputs;
  const [rows, cols] = rowsCols(x, mean.shape[0], "x");
  const dx = backend.makeOutput(x.shape, "float32");
  simdKernels(backend).batchNormGradInput(
    { dy, x, mean, invStd, scale, meanDy, meanDyXHat, dx },
    { rows, cols },
  );
  return dx;
}

/**
 * Our `FusedBatchNorm`, and our kernels of the batch norm's per-channel
 * affine map and input gradient in training (their sums need no kernel:
 * they return numbers, not tensors).
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { assertEquals } from "@std/assert";
 * import { setupBackend } from "./backend.ts";
 * import { BATCH_NORM_KERNELS } from "./batch_norm.ts";
 * await setupBackend();
 * assertEquals(BATCH_NORM_KERNELS.map((k) => tf.getKernel(k.kernelName, "wasm") !== undefined), [true, true, true]);
 * ```
 */
export const BATCH_NORM_KERNELS: readonly WasmKernelConfig<tf.TensorInfo>[] = [
  { kernelName: "FusedBatchNorm", kernelFunc: fusedBatchNorm },
  { kernelName: CHANNEL_AFFINE, kernelFunc: channelAffineKernel },
  { kernelName: BATCH_NORM_GRAD_INPUT, kernelFunc: batchNormGradInputKernel },
];
