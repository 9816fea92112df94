import * as tf from "@tensorflow/tfjs";
import { assert, assertAlmostEquals, assertEquals, assertThrows } from "@std/assert";
import { InvalidArgumentError } from "../../../lib/core/errors.ts";
import { setupBackend } from "../../../lib/kernels/mod.ts";
import { softmaxCrossEntropy } from "../../../lib/train/parallel/softmax_cross_entropy.ts";

Deno.test("softmaxCrossEntropy gives the loss, hits and gradient of −log softmax, with no tensor left", async () => {
  await setupBackend();
  const z = [[1, 2, 3], [-80, 0, 80], [0.5, 0.5, -1], [10, -3, 2]];
  const labels = [2, 0, 1, 0];
  const before = tf.memory().numTensors;
  const logits = tf.tensor2d(z);
  let got = { lossSum: 0, correct: 0 };
  const grad = tf.grad((t: tf.Tensor) => {
    const ce = softmaxCrossEntropy(t as tf.Tensor2D, Uint8Array.from(labels), 6);
    got = ce;
    return ce.loss;
  })(logits);
  // Row by row, in double precision: logsumexp − z[label].
  const want = z.reduce((s, row, i) => {
    const max = Math.max(...row);
    return s + max + Math.log(row.reduce((a, x) => a + Math.exp(x - max), 0)) - row[labels[i]];
  }, 0);
  assertAlmostEquals(got.lossSum, want, 1e-9);
  // Hits: rows 0 (3 is largest) and 3 (10); row 2's tie goes to class 0, not its label 1.
  assertEquals(got.correct, 2);
  const ops = tf.tidy(() => {
    const v = tf.variable(tf.tensor2d(z));
    const ys = tf.oneHot(tf.tensor1d(labels, "int32"), 3);
    const { value, grads } = tf.variableGrads(
      () => tf.div(tf.neg(tf.sum(tf.mul(ys, tf.logSoftmax(v)))), 6) as tf.Scalar,
      [v],
    );
    const out = { loss: value.dataSync()[0], grad: Array.from(grads[v.name].dataSync()) };
    v.dispose();
    return out;
  });
  assertAlmostEquals(got.lossSum / 6, ops.loss, 1e-5);
  Array.from(grad.dataSync()).forEach((g, i) => assertAlmostEquals(g, ops.grad[i], 1e-6));
  tf.dispose([logits, grad]);
  assertEquals(tf.memory().numTensors, before);
});

Deno.test("softmaxCrossEntropy keeps a confidently wrong example's gradient, which the clipped loss drops", async () => {
  await setupBackend();
  // The label's probability is e^-40 ≈ 4e-18, under categoricalCrossentropy's 1e-7 clip.
  const z = tf.tensor2d([[40, 0]]);
  const ours = tf.grad((t: tf.Tensor) =>
    softmaxCrossEntropy(t as tf.Tensor2D, new Uint8Array([1]), 1).loss
  )(z);
  const clipped = tf.grad((t: tf.Tensor) =>
    tf.sum(tf.metrics.categoricalCrossentropy(tf.tensor2d([[0, 1]]), tf.softmax(t)))
  )(z);
  assertEquals(Array.from(ours.dataSync()), [1, -1]); // softmax − onehot
  assertEquals(Array.from(clipped.dataSync()), [0, 0]);
  tf.dispose([z, ours, clipped]);
});

Deno.test("softmaxCrossEntropy carries a NaN logit into the loss", async () => {
  await setupBackend();
  const z = tf.tensor2d([[NaN, 1]]);
  const { loss, lossSum } = softmaxCrossEntropy(z, new Uint8Array([1]), 1);
  assert(Number.isNaN(lossSum) && Number.isNaN(loss.dataSync()[0]));
  tf.dispose([z, loss]);
});

Deno.test("softmaxCrossEntropy refuses too few labels, a label past the classes and a short total, naming them", async () => {
  await setupBackend();
  const before = tf.memory().numTensors;
  const z = tf.tensor2d([[0, 1], [1, 0]]);
  assertThrows(
    () => softmaxCrossEntropy(z, new Uint8Array([1]), 2),
    InvalidArgumentError,
    "2 logits rows need as many labels, got 1",
  );
  assertThrows(
    () => softmaxCrossEntropy(z, new Uint8Array([1, 2]), 2),
    InvalidArgumentError,
    "label 1 is 2, not one of 2 classes",
  );
  assertThrows(
    () => softmaxCrossEntropy(z, new Uint8Array([1, 0]), 1),
    InvalidArgumentError,
    "the batch total must be >= the 2 examples, got 1",
  );
  z.dispose();
  assertEquals(tf.memory().numTensors, before);
});
