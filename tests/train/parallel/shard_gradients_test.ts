import * as tf from "@tensorflow/tfjs";
import { assert, assertAlmostEquals, assertEquals, assertThrows } from "@std/assert";
import { setupBackend } from "../../../lib/kernels/backend.ts";
import { InvalidArgumentError } from "../../../lib/core/errors.ts";
import { buildModel, REFERENCE_CNN } from "../../../lib/model/architecture.ts";
import { shardGradients, trainableVariables } from "../../../lib/train/parallel/shard_gradients.ts";
import { trainableSize } from "../../_helpers/weights.ts";
import { maxAbsDiff, scaleOf } from "../../kernels/_compare.ts";
import { NO_DROPOUT, seededBatch, sliceBatch } from "./_fixtures.ts";

Deno.test("shardGradients of a whole batch matches the cpu backend and tfjs's own loss", async () => {
  await setupBackend();
  const batch = seededBatch(12, 1);
  const before = tf.memory().numTensors;
  const wasmModel = buildModel(NO_DROPOUT, { seed: 5 });
  const wasm = shardGradients(wasmModel, batch, batch.count);
  // tfjs's compiled loss on the same batch: the mean of the summed loss.
  const evaluated = tf.tidy(() => {
    const xs = tf.tensor4d(batch.pixels, [12, 28, 28, 1]);
    const ys = tf.oneHot(tf.tensor1d(batch.labels, "int32"), 10);
    return (wasmModel.evaluate(xs, ys) as tf.Scalar[]).map((t) => t.dataSync()[0]);
  });
  wasmModel.dispose();
  assertEquals(tf.memory().numTensors, before);
  assertAlmostEquals(wasm.lossSum / 12, evaluated[0], 1e-5);
  assertAlmostEquals(wasm.correct / 12, evaluated[1], 1e-6);

  await tf.setBackend("cpu");
  let cpu;
  try {
    const cpuModel = buildModel(NO_DROPOUT, { seed: 5 });
    cpu = shardGradients(cpuModel, batch, batch.count);
    cpuModel.dispose();
  } finally {
    await tf.setBackend("wasm");
  }
  assertEquals(wasm.grads.length, 34826);
  assertEquals(wasm.count, 12);
  const diff = maxAbsDiff(wasm.grads, cpu.grads);
  assert(diff < 1e-4 * scaleOf(cpu.grads), `max abs diff ${diff}`);
  assert(cpu.grads.some((v) => v !== 0));
  assertAlmostEquals(wasm.lossSum, cpu.lossSum, 1e-4);
  assertEquals(wasm.correct, cpu.correct);
});

Deno.test("the shards' gradients, losses and hits add up to the whole batch's", async () => {
  await setupBackend();
  const batch = seededBatch(10, 2);
  const model = buildModel(NO_DROPOUT, { seed: 6 });
  const whole = shardGradients(model, batch, 10);
  const a = shardGradients(model, sliceBatch(batch, 0, 3), 10);
  const b = shardGradients(model, sliceBatch(batch, 3, 10), 10);
  model.dispose();
  const sum = a.grads.map((v, i) => v + b.grads[i]);
  const diff = maxAbsDiff(sum, whole.grads);
  assert(diff < 1e-5 * scaleOf(whole.grads), `max abs diff ${diff}`);
  assertAlmostEquals(a.lossSum + b.lossSum, whole.lossSum, 1e-4);
  assertEquals(a.correct + b.correct, whole.correct);
  assertEquals([a.count, b.count], [3, 7]);
});

Deno.test("shardGradients follows the dropout seed in training mode", async () => {
  await setupBackend();
  const batch = seededBatch(6, 3);
  const model = buildModel(REFERENCE_CNN, { seed: 7 });
  const dropout = model.layers.find((l) => l.getClassName() === "Dropout") as unknown as {
    seed?: number;
  };
  dropout.seed = 11;
  const first = shardGradients(model, batch, 6);
  const again = shardGradients(model, batch, 6);
  dropout.seed = 12;
  const other = shardGradients(model, batch, 6);
  model.dispose();
  assertEquals(again.grads, first.grads);
  assert(maxAbsDiff(other.grads, first.grads) > 0, "another seed, another mask");
});

Deno.test("trainableVariables and trainableSize follow trainableWeights", async () => {
  await setupBackend();
  const model = buildModel(REFERENCE_CNN, { seed: 1 });
  const vars = trainableVariables(model);
  assertEquals(
    vars.map((v) => v.name),
    model.trainableWeights.map((w) => (w.read() as tf.Variable).name),
  );
  assertEquals(trainableSize(model), model.countParams());
  model.dispose();
});

Deno.test("shardGradients rejects shards that do not fit, naming the numbers", async () => {
  await setupBackend();
  const model = buildModel(NO_DROPOUT, { seed: 1 });
  const batch = seededBatch(4, 1);
  const before = tf.memory().numTensors;
  assertThrows(
    () => shardGradients(model, { ...batch, count: 0 }, 4),
    InvalidArgumentError,
    "count 0",
  );
  assertThrows(
    () => shardGradients(model, { ...batch, count: 5 }, 8),
    InvalidArgumentError,
    "count 5 and 4 labels",
  );
  assertThrows(
    () => shardGradients(model, { ...batch, pixels: batch.pixels.subarray(0, 100) }, 4),
    InvalidArgumentError,
    "needs 3136 pixels, got 100",
  );
  assertThrows(() => shardGradients(model, batch, 3), InvalidArgumentError, "got 3");
  assertEquals(tf.memory().numTensors, before);
  model.dispose();
});

Deno.test("a softmax classifier's shard loss comes from its logits; other models' from tfjs's cross-entropy", async () => {
  await setupBackend();
  const batch = seededBatch(8, 3);
  const model = buildModel(NO_DROPOUT, { seed: 5 });
  const ours = await tf.profile(() => {
    shardGradients(model, batch, batch.count);
  });
  // tfjs's categorical cross-entropy clips the probabilities; the logits' op has no clip.
  assert(!ours.kernelNames.includes("ClipByValue"), ours.kernelNames.join());
  // The same gradient as tfjs-layers' own loss on the probabilities, to rounding.
  const want = tf.tidy(() => {
    const xs = tf.tensor4d(batch.pixels, [8, 28, 28, 1]);
    const ys = tf.oneHot(tf.tensor1d(batch.labels, "int32"), 10);
    const vars = trainableVariables(model);
    const { grads } = tf.variableGrads(
      () =>
        tf.mean(tf.metrics.categoricalCrossentropy(ys, model.apply(xs) as tf.Tensor)) as tf.Scalar,
      vars,
    );
    return vars.flatMap((v) => Array.from(grads[v.name].dataSync()));
  });
  const got = shardGradients(model, batch, batch.count).grads;
  assert(maxAbsDiff(got, want) < 1e-5 * scaleOf(want), `max abs diff ${maxAbsDiff(got, want)}`);
  model.dispose();
  // A model whose last layer is linear keeps tfjs's cross-entropy (and its clip).
  const linear = tf.sequential({
    layers: [
      tf.layers.flatten({ inputShape: [28, 28, 1] }),
      tf.layers.dense({ units: 10, activation: "linear" }),
      tf.layers.activation({ activation: "softmax" }),
    ],
  });
  const theirs = await tf.profile(() => {
    shardGradients(linear, batch, batch.count);
  });
  assert(theirs.kernelNames.includes("ClipByValue"), theirs.kernelNames.join());
  linear.dispose();
});
