/**
 * Batch normalisation in training with the statistics of the whole batch
 * when the batch is cut into shards computed on several threads. Each
 * shard computes per-channel sums of its own examples; a {@linkcode ShardSum}
 * adds them over all shards (the same values on every shard, summed in
 * shard order in float64) before anything is normalised, so every shard
 * normalises with the whole batch's mean and variance. The backward pass
 * does the same for the two sums the input gradient needs (`Σ dy` and
 * `Σ dy·x̂`), so the shards' gradients add up to one thread's gradient on
 * the whole batch. With one shard ({@linkcode ONE_SHARD}) it is plain batch
 * normalisation, as tfjs-layers computes it in training (biased variance,
 * moving averages `m ← m - (m - batch) · (1 - momentum)`).
 *
 * Each pass (the input's sums, the normalisation, the gradient's sums, the
 * input's gradient) is one pass of `kernels/batch_norm.ts` over its
 * tensors.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import { InvalidArgumentError } from "../core/mod.ts";
import {
  batchNormGradInput,
  batchNormGradSums,
  channelAffine,
  channelSums,
} from "../kernels/mod.ts";
import { layerWeight } from "./layer_weights.ts";

/**
 * Adds per-channel sums over every shard of a batch: each shard calls it
 * with its own sums, in the same order of calls, and gets back the totals
 * (identical on every shard). One shard: the values themselves.
 */
export type ShardSum = (values: Float64Array) => Float64Array;

/**
 * The {@linkcode ShardSum} of a batch computed in one piece.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { ONE_SHARD } from "./batch_norm_training.ts";
 * assertEquals(ONE_SHARD(new Float64Array([1, 2])), new Float64Array([1, 2]));
 * ```
 */
export const ONE_SHARD: ShardSum = (values) => values;

/** A batch normalisation layer over the last axis, as training runs it. */
export interface BatchNormLayer {
  gamma: tf.LayerVariable | null;
  beta: tf.LayerVariable | null;
  movingMean: tf.LayerVariable;
  movingVariance: tf.LayerVariable;
  epsilon: number;
  momentum: number;
}

/** How a training forward pass runs on its shard. */
export interface ShardContext {
  /** Adds batch statistics over the shards (default {@linkcode ONE_SHARD}). */
  shardSum?: ShardSum;
  /**
   * Update the moving mean and variance from the whole batch's statistics
   * (default `true`). One shard of the batch does it, so that they move
   * once per step.
   */
  updateMovingStatistics?: boolean;
  /**
   * The weight of this batch's statistics in the moving averages, `w` in
   * `m ← m − (m − batch) · w` (default `1 − momentum`, as tfjs-layers).
   * Weights `1, 1/2, 1/3, …` over consecutive batches make the averages
   * those batches' mean statistics (`train/recalibrate.ts`).
   */
  averageWeight?: number;
  /** Apply dropout (default `true`, training; `false` passes values through as inference does). */
  dropout?: boolean;
  /**
   * The batch index of the shard's first example (default 0): dropout
   * layers with a seed draw each example's mask by its place in the batch
   * (`seeded_dropout.ts`), the same however the batch is cut into shards.
   */
  first?: number;
}

/**
 * The batch normalisation of a BatchNormalization layer over the last axis
 * of 2-D or 4-D inputs, or null for other layers (and other axes).
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { assertEquals } from "@std/assert";
 * import { batchNormLayer } from "./batch_norm_training.ts";
 * import { setupBackend } from "../kernels/mod.ts";
 * await setupBackend();
 * const layer = tf.layers.batchNormalization({ inputShape: [3] });
 * tf.sequential({ layers: [layer] });
 * assertEquals([batchNormLayer(layer)?.epsilon, batchNormLayer(layer)?.momentum], [0.001, 0.99]);
 * ```
 */
export function batchNormLayer(layer: tf.layers.Layer): BatchNormLayer | null {
  if (layer.getClassName() !== "BatchNormalization") return null;
  const config = layer.getConfig();
  const ndim = (layer.input as tf.SymbolicTensor).shape.length;
  if ((ndim !== 2 && ndim !== 4) || !(config.axis === -1 || config.axis === ndim - 1)) return null;
  const [gamma, beta] = [layerWeight(layer, "gamma"), layerWeight(layer, "beta")];
  const [movingMean, movingVariance] = [
    layerWeight(layer, "moving_mean"),
    layerWeight(layer, "moving_variance"),
  ];
  if (movingMean === null || movingVariance === null) return null;
  if (
    (config.scale !== false) !== (gamma !== null) || (config.center !== false) !== (beta !== null)
  ) {
    return null;
  }
  return {
    gamma,
    beta,
    movingMean,
    movingVariance,
    epsilon: config.epsilon as number,
    momentum: config.momentum as number,
  };
}

/** `m ← m - (m - value) · weight` (`weight = 1 - momentum` as tfjs-layers updates its moving statistics). */
function moveAverage(variable: tf.LayerVariable, value: Float32Array, weight: number): void {
  tf.tidy(() => {
    const old = variable.read();
    // Weight 1 takes the value as it is (m − (m − value) rounds to another float).
    variable.write(
      weight === 1
        ? tf.tensor1d(value)
        : tf.sub(old, tf.mul(tf.sub(old, tf.tensor1d(value)), weight)),
    );
  });
}

/**
 * Batch normalisation of `x` ([N, C] or [N, H, W, C]) in training, with
 * the mean and (biased) variance of every shard's examples together
 * (`context.shardSum`), differentiable with respect to `x`, gamma and beta.
 * The gradients of gamma and beta are this shard's share (the shards'
 * shares add up to the batch's); the input's gradient uses the whole
 * batch's sums. Updates the moving statistics unless
 * `context.updateMovingStatistics` is false. Call it inside `tf.tidy` or a
 * gradient function.
 *
 * @throws {InvalidArgumentError} when `x` is not 2-D or 4-D with the
 *   layer's channels.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { assertAlmostEquals } from "@std/assert";
 * import { batchNormLayer, batchNormTraining } from "./batch_norm_training.ts";
 * import { setupBackend } from "../kernels/mod.ts";
 * await setupBackend();
 * const layer = tf.layers.batchNormalization({ inputShape: [1] });
 * tf.sequential({ layers: [layer] });
 * const y = tf.tidy(() => batchNormTraining(tf.tensor2d([[1], [3]]), batchNormLayer(layer)!));
 * const [a, b] = y.dataSync(); // (x - 2) / sqrt(1 + 0.001)
 * assertAlmostEquals(a, -0.9995, 1e-4);
 * assertAlmostEquals(b, 0.9995, 1e-4);
 * y.dispose();
 * ```
 */
export function batchNormTraining(
  x: tf.Tensor,
  norm: BatchNormLayer,
  context: ShardContext = {},
): tf.Tensor {
  const channels = norm.movingMean.shape[0] as number;
  if ((x.rank !== 2 && x.rank !== 4) || x.shape[x.rank - 1] !== channels) {
    throw new InvalidArgumentError(
      `batch normalisation over ${channels} channels needs a [N, ${channels}] or ` +
        `[N, H, W, ${channels}] input, got [${x.shape}]`,
    );
  }
  const shardSum = context.shardSum ?? ONE_SHARD;
  const inputs: tf.Tensor[] = [x];
  if (norm.gamma) inputs.push(norm.gamma.read());
  if (norm.beta) inputs.push(norm.beta.read());
  const run = tf.customGrad((...args) => {
    const save = args.pop() as tf.GradSaveFunc;
    const input = args[0] as tf.Tensor;
    const gamma = norm.gamma ? (args[1] as tf.Tensor).dataSync() as Float32Array : null;
    const beta = norm.beta ? (args[norm.gamma ? 2 : 1] as tf.Tensor).dataSync() : null;
    // Per-channel [Σx, Σx²] and the example count, summed over the shards in
    // float64. The variance Σx²/n − mean² then loses log2(mean²/var) of
    // float64's 52 bits: nothing at float32's 24.
    const local = new Float64Array(2 * channels + 1);
    local.set(channelSums(input, channels));
    local[2 * channels] = input.size / channels;
    const total = shardSum(local);
    const n = total[2 * channels];
    const mean = new Float32Array(channels), variance = new Float32Array(channels);
    const invStd = new Float32Array(channels), scale = new Float32Array(channels);
    const shift = new Float32Array(channels);
    for (let c = 0; c < channels; c++) {
      const m = total[c] / n;
      mean[c] = m;
      variance[c] = Math.max(0, total[channels + c] / n - m * m);
      invStd[c] = 1 / Math.sqrt(variance[c] + norm.epsilon);
      scale[c] = (gamma?.[c] ?? 1) * invStd[c];
      shift[c] = (beta?.[c] ?? 0) - mean[c] * scale[c];
    }
    if (context.updateMovingStatistics !== false) {
      const weight = context.averageWeight ?? 1 - norm.momentum;
      moveAverage(norm.movingMean, mean, weight);
      moveAverage(norm.movingVariance, variance, weight);
    }
    const value = channelAffine(input, scale, shift);
    save([input, tf.tensor1d(mean), tf.tensor1d(invStd)]);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [x, meanT, invStdT] = saved as [tf.Tensor, tf.Tensor1D, tf.Tensor1D];
      const inputs = { dy, x, mean: meanT, invStd: invStdT };
      const sums = batchNormGradSums(inputs);
      const own = Float32Array.from(sums);
      const totals = shardSum(sums);
      // dx = γ·σ⁻¹·(dy − Σdy/N − x̂·Σ(dy·x̂)/N) with the whole batch's sums;
      // gamma's and beta's gradients are this shard's share.
      const dx = batchNormGradInput(inputs, {
        scale,
        meanDy: Float32Array.from(totals.subarray(0, channels), (v) => v / n),
        meanDyXHat: Float32Array.from(totals.subarray(channels), (v) => v / n),
      });
      const grads: tf.Tensor[] = [dx];
      if (gamma) grads.push(tf.tensor1d(own.subarray(channels)));
      if (beta) grads.push(tf.tensor1d(own.subarray(0, channels)));
      return grads;
    };
    return { value, gradFunc };
  });
  return run(...inputs);
}
