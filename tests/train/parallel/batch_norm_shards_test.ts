import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-cpu";
import { assert, assertEquals, assertRejects } from "@std/assert";
import { setupBackend } from "../../../lib/kernels/backend.ts";
import { BackendError } from "../../../lib/core/errors.ts";
import type { ModelConfig } from "../../../lib/model/architecture.ts";
import { DataParallelTrainer } from "../../../lib/train/parallel/data_parallel.ts";
import { shardGradients } from "../../../lib/train/parallel/shard_gradients.ts";
import { maxAbsDiff, scaleOf } from "../../kernels/_compare.ts";
import { seededBatch, twin } from "./_fixtures.ts";
import type { Batch } from "../../../lib/data/batches.ts";

/**
 * The strong CNN's kinds of layers (batch norms after ReLU convolutions and
 * a dense layer), narrower and without dropout: deterministic, and small
 * enough for the cpu backend.
 */
const NORMED: ModelConfig = {
  inputShape: [28, 28, 1],
  layers: [
    { type: "conv2d", filters: 4, kernelSize: 3, activation: "relu" },
    { type: "batchNorm" },
    { type: "maxPool2d", poolSize: 2 },
    { type: "conv2d", filters: 8, kernelSize: 3, activation: "relu" },
    { type: "batchNorm" },
    { type: "maxPool2d", poolSize: 2 },
    { type: "flatten" },
    { type: "dense", units: 16, activation: "relu" },
    { type: "batchNorm" },
    { type: "dense", units: 10, activation: "softmax" },
  ],
  numClasses: 10,
};

const movingStatistics = (model: tf.LayersModel) =>
  model.weights.filter((w) => /moving_(mean|variance)/.test(w.name))
    .map((w) => Array.from(w.read().dataSync()));

/**
 * The gradient of the batch's mean cross-entropy and the moving statistics
 * after the pass, as tfjs-layers computes them on the cpu backend.
 */
async function cpuReference(batch: Batch, seed: number) {
  await tf.setBackend("cpu");
  try {
    const model = twin(NORMED, seed);
    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const grads = tf.tidy(() => {
      const xs = tf.tensor4d(batch.pixels, [batch.count, 28, 28, 1]);
      const ys = tf.oneHot(tf.tensor1d(batch.labels, "int32"), 10);
      const { grads } = tf.variableGrads(() =>
        tf.mean(
          tf.metrics.categoricalCrossentropy(ys, model.apply(xs, { training: true }) as tf.Tensor),
        ) as tf.Scalar, vars);
      return vars.map((v) => Array.from(grads[v.name].dataSync()));
    });
    const moving = movingStatistics(model);
    model.dispose();
    return { grads: grads.flat(), moving };
  } finally {
    await setupBackend();
  }
}

Deno.test("data-parallel batch norm: 2 and 3 shards give the cpu backend's whole-batch gradient", async () => {
  const batch = seededBatch(22, 5); // 3 shards of 7, 8 and 7: unequal
  const reference = await cpuReference(batch, 9);
  for (const threads of [1, 2, 3]) {
    const model = twin(NORMED, 9);
    let grads: Float32Array;
    if (threads === 1) {
      grads = shardGradients(model, batch, batch.count).grads;
    } else {
      using trainer = await DataParallelTrainer.start(model, { threads });
      grads = (await trainer.gradients(batch, Array.from({ length: threads }, () => []))).grads;
    }
    // float32 sums in another order, then through three batch norms, each
    // multiplying differences by up to 1/σ (31.6 for a channel of variance
    // 0 and epsilon 0.001): within 5e-4 of the largest gradient.
    const diff = maxAbsDiff(grads, reference.grads);
    assert(diff <= 5e-4 * scaleOf(reference.grads), `${threads} thread(s): off by ${diff}`);
    // The moving statistics moved once, with the whole batch's mean and variance.
    const moving = movingStatistics(model).flat();
    assert(maxAbsDiff(moving, reference.moving.flat()) < 1e-5, `${threads} thread(s)`);
    model.dispose();
  }
});

Deno.test("data-parallel batch norm: a step keeps no tensor and a failed shard fails the step, not the next", async () => {
  await setupBackend();
  const model = twin(NORMED, 2);
  using trainer = await DataParallelTrainer.start(model, { threads: 2 });
  const batch = seededBatch(16, 3);
  const seeds = [[], []];
  await trainer.step(batch, seeds); // the optimiser makes its state
  const tensors = tf.memory().numTensors;
  await trainer.step(batch, seeds);
  assertEquals(tf.memory().numTensors, tensors);
  // The worker's shard (the second half) has a label the model lacks: it
  // fails before its statistics, and the main thread must not wait for them.
  const bad = { ...batch, labels: batch.labels.map((l, i) => i >= 8 ? 200 : l) };
  await assertRejects(() => trainer.step(bad, seeds), BackendError);
  const { loss } = await trainer.step(batch, seeds);
  assert(Number.isFinite(loss), `${loss}`);
  model.dispose();
});
