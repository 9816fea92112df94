/**
 * One shard's share of a training step: the gradient of the batch loss
 * restricted to the shard's examples. The batch loss is the mean
 * categorical cross-entropy over all `total` examples of the batch, so the
 * shards' gradients add up to the whole batch's gradient exactly (up to
 * float rounding): `∇ (1/N) Σ_i ℓ_i = Σ_shards ∇ (1/N) Σ_{i ∈ shard} ℓ_i`.
 * The main thread and every worker replica run this same function.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import { InvalidArgumentError } from "../../core/mod.ts";
import { oneHot } from "../../data/mod.ts";
import { compileTraining, compileTrainingLogits, type ShardContext } from "../../model/mod.ts";
import { softmaxCrossEntropy } from "./softmax_cross_entropy.ts";

/** A shard of a training batch. */
export interface Shard {
  /** `count * rows * cols` pixels in [0, 1], one image after another. */
  pixels: Float32Array;
  /** `count` class indices. */
  labels: Uint8Array;
  /** Examples in the shard (at least 1). */
  count: number;
  /**
   * The batch index of the shard's first example (default 0), by which
   * seeded dropout draws its examples' part of the batch's mask.
   */
  first?: number;
}

/** What {@linkcode shardGradients} computes. */
export interface ShardResult {
  /**
   * The gradient of `(1/total) Σ_{i ∈ shard} ℓ_i` for every trainable
   * weight, flattened and concatenated in `model.trainableWeights` order.
   */
  grads: Float32Array;
  /** `Σ_{i ∈ shard} ℓ_i`: the shard's summed cross-entropy. */
  lossSum: number;
  /** Shard examples whose most probable class is the label. */
  correct: number;
  /** Examples in the shard. */
  count: number;
}

/**
 * The trainable variables of a layers model, in `trainableWeights` order.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { trainableVariables } from "./shard_gradients.ts";
 * import { buildModel, REFERENCE_CNN } from "../../model/mod.ts";
 * import { setupBackend } from "../../kernels/mod.ts";
 * await setupBackend();
 * const model = buildModel(REFERENCE_CNN, { seed: 1 });
 * // A kernel and a bias for each of two convolutions and the dense layer.
 * assertEquals(trainableVariables(model).length, 6);
 * model.dispose();
 * ```
 */
export function trainableVariables(model: tf.LayersModel): tf.Variable[] {
  return model.trainableWeights.map((w) => w.read() as tf.Variable);
}

/**
 * Computes a shard's gradient share, summed loss and correct count with the
 * model in training mode (dropout active; seed dropout layers before the
 * call for reproducible masks). The model must end in a softmax and take
 * `[rows, cols, 1]` images; no tensor outlives the call.
 *
 * @param total Examples in the whole batch the shard belongs to.
 * @param context How the shard's batch normalisations add their
 *   statistics over the batch's shards, and whether this shard moves their
 *   averages (default: one shard, which does).
 * @throws {InvalidArgumentError} when the shard's arrays do not match
 *   `count`, the model's input, or `total`.
 *
 * @example
 * ```ts
 * import { assert, assertEquals } from "@std/assert";
 * import { shardGradients } from "./shard_gradients.ts";
 * import { buildModel, REFERENCE_CNN } from "../../model/mod.ts";
 * import { setupBackend } from "../../kernels/mod.ts";
 * await setupBackend();
 * const model = buildModel(REFERENCE_CNN, { seed: 1 });
 * const pixels = new Float32Array(4 * 784);
 * const r = shardGradients(model, { pixels, labels: new Uint8Array([0, 1, 2, 3]), count: 4 }, 8);
 * assertEquals([r.grads.length, r.count], [model.countParams(), 4]);
 * assert(r.lossSum > 0 && r.correct <= 4);
 * model.dispose();
 * ```
 */
export function shardGradients(
  model: tf.LayersModel,
  shard: Shard,
  total: number,
  context: ShardContext = {},
): ShardResult {
  const [, rows, cols, channels] = model.inputs[0].shape as number[];
  const numClasses = model.outputs[0].shape[1] as number;
  const { pixels, labels, count } = shard;
  if (!Number.isInteger(count) || count < 1 || labels.length < count) {
    throw new InvalidArgumentError(
      `a shard needs count >= 1 and as many labels, got count ${count} and ${labels.length} labels`,
    );
  }
  if (pixels.length < count * rows * cols * channels) {
    throw new InvalidArgumentError(
      `a shard of ${count} ${rows}x${cols}x${channels} images needs ` +
        `${count * rows * cols * channels} pixels, got ${pixels.length}`,
    );
  }
  if (!Number.isInteger(total) || total < count) {
    throw new InvalidArgumentError(
      `the batch total must be an integer >= the shard's ${count} examples, got ${total}`,
    );
  }
  const vars = trainableVariables(model);
  const grads = new Float32Array(vars.reduce((n, v) => n + v.size, 0));
  // The model's chain of layers is built once (layer_chain.ts caches it).
  // A chain ending in a softmax gives its logits to one cross-entropy op;
  // any other model's probabilities go through tfjs's cross-entropy.
  const logitsOf = compileTrainingLogits(model);
  const forward = compileTraining(model);
  const shardContext = { ...context, first: shard.first ?? 0 };
  let lossSum = 0;
  let correct = 0;
  tf.tidy(() => {
    const xs = tf.tensor4d(pixels.subarray(0, count * rows * cols * channels), [
      count,
      rows,
      cols,
      channels,
    ]);
    let stats: tf.Tensor | undefined;
    const { grads: named } = tf.variableGrads(() => {
      if (logitsOf !== null) {
        const ce = softmaxCrossEntropy(logitsOf(xs, shardContext), labels, total);
        lossSum = ce.lossSum;
        correct = ce.correct;
        return ce.loss;
      }
      const ys = oneHot(labels.subarray(0, count), numClasses);
      const probs = forward(xs, shardContext) as tf.Tensor2D;
      const losses = tf.metrics.categoricalCrossentropy(ys, probs);
      const hits = tf.sum(tf.cast(tf.equal(tf.argMax(probs, -1), tf.argMax(ys, -1)), "float32"));
      stats = tf.keep(tf.stack([tf.sum(losses), hits]));
      return tf.div(tf.sum(losses), total) as tf.Scalar;
    }, vars);
    let at = 0;
    for (const v of vars) {
      grads.set(named[v.name].dataSync() as Float32Array, at);
      at += v.size;
    }
    if (stats !== undefined) {
      [lossSum, correct] = stats.dataSync();
      stats.dispose();
    }
  });
  return { grads, lossSum, correct, count };
}
