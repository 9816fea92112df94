/**
 * Softmax cross-entropy from logits as one op with its own gradient, for a
 * training step (`shard_gradients.ts`). The batch's logits are small (the
 * reference CNN's 64-image shard: 640 values), so the op reads them once
 * and computes in JavaScript, in double precision, each example's loss
 * `logsumexp(z) − z[label]`, whether its largest logit is its label's, and
 * the gradient `(softmax(z) − onehot(label)) / total`. On probabilities,
 * tfjs's categorical cross-entropy ran a dozen kernels (normalise, clip,
 * log, …), the accuracy five more, and the gradient two dozen: about 1 ms
 * of a reference shard's 19, with the engine's bookkeeping.
 *
 * From logits, nothing is clipped: a confidently wrong example (a label's
 * probability under the clip's 1e-7) keeps its gradient, as in Keras's and
 * PyTorch's cross-entropy from logits. Elsewhere the loss equals the
 * clipped one to float rounding.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import { InvalidArgumentError } from "../../core/mod.ts";

/** What {@linkcode softmaxCrossEntropy} returns. */
export interface SoftmaxCrossEntropy {
  /**
   * `Σ_i ℓ_i / total`, differentiable with respect to the logits: its
   * gradient is `(softmax(z_i) − onehot(label_i)) / total`.
   */
  loss: tf.Scalar;
  /** `Σ_i ℓ_i`, the examples' summed loss. */
  lossSum: number;
  /** Examples whose largest logit (the first, on ties) is their label's. */
  correct: number;
}

/**
 * The softmax cross-entropy of `logits` (`[count, classes]`) against
 * `labels` (`count` class indices), divided by `total` (the whole batch's
 * examples, of which these are a shard).
 *
 * @throws {InvalidArgumentError} when `labels` has fewer than `count`
 *   entries, a label is not a class, or `total` is less than `count`.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { assertAlmostEquals, assertEquals } from "@std/assert";
 * import { softmaxCrossEntropy } from "./softmax_cross_entropy.ts";
 * const z = tf.tensor2d([[0, 0], [2, 0]]);
 * const grads = tf.grad((t: tf.Tensor) => {
 *   const { loss, lossSum, correct } = softmaxCrossEntropy(t as tf.Tensor2D, new Uint8Array([0, 1]), 4);
 *   assertAlmostEquals(lossSum, Math.log(2) + Math.log(1 + Math.exp(2)), 1e-12);
 *   assertEquals(correct, 1); // row 0's tie goes to its first class, its label; row 1 is wrong
 *   return loss;
 * })(z);
 * // (softmax − onehot) / 4: row 0 is (0.5 − 1, 0.5) / 4.
 * assertAlmostEquals(grads.dataSync()[0], -0.125, 1e-7);
 * tf.dispose([z, grads]);
 * ```
 */
export function softmaxCrossEntropy(
  logits: tf.Tensor2D,
  labels: Uint8Array,
  total: number,
): SoftmaxCrossEntropy {
  const [count, classes] = logits.shape;
  if (labels.length < count) {
    throw new InvalidArgumentError(
      `${count} logits rows need as many labels, got ${labels.length}`,
    );
  }
  if (!(total >= count)) {
    throw new InvalidArgumentError(
      `the batch total must be >= the ${count} examples, got ${total}`,
    );
  }
  for (let i = 0; i < count; i++) {
    if (labels[i] >= classes) {
      throw new InvalidArgumentError(`label ${i} is ${labels[i]}, not one of ${classes} classes`);
    }
  }
  let lossSum = 0, correct = 0;
  const op = tf.customGrad((...inputs: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const values = (inputs[0] as tf.Tensor).dataSync() as Float32Array;
    const grad = new Float32Array(values.length);
    for (let i = 0; i < count; i++) {
      const row = values.subarray(i * classes, (i + 1) * classes), label = labels[i];
      let max = -Infinity, best = 0;
      for (let j = 0; j < classes; j++) {
        if (row[j] > max) max = row[j], best = j;
      }
      let sum = 0;
      for (let j = 0; j < classes; j++) sum += Math.exp(row[j] - max);
      const logSumExp = max + Math.log(sum);
      lossSum += logSumExp - row[label];
      if (best === label) correct++;
      for (let j = 0; j < classes; j++) {
        grad[i * classes + j] = (Math.exp(row[j] - logSumExp) - (j === label ? 1 : 0)) / total;
      }
    }
    return {
      value: tf.scalar(lossSum / total),
      gradFunc: (dy: tf.Tensor) => tf.mul(tf.tensor2d(grad, [count, classes]), dy),
    };
  });
  const loss = op(logits) as tf.Scalar;
  return { loss, lossSum, correct };
}
