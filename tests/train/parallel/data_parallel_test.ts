import * as tf from "@tensorflow/tfjs";
import { assert, assertAlmostEquals, assertEquals, assertRejects } from "@std/assert";
import { setupBackend } from "../../../lib/kernels/backend.ts";
import { InvalidArgumentError } from "../../../lib/core/errors.ts";
import { buildModel, REFERENCE_CNN, STRONG_CNN } from "../../../lib/model/architecture.ts";
import {
  DataParallelTrainer,
  parallelTrainingProblem,
} from "../../../lib/train/parallel/data_parallel.ts";
import { shardGradients } from "../../../lib/train/parallel/shard_gradients.ts";
import { batchToTensors } from "../../../lib/data/batches.ts";
import { maxAbsDiff, scaleOf } from "../../kernels/_compare.ts";
import { NO_DROPOUT, seedDropouts, seededBatch, sliceBatch } from "./_fixtures.ts";

Deno.test("2- and 3-thread gradients equal the cpu backend's whole-batch gradient", async () => {
  await setupBackend();
  const batch = seededBatch(13, 8);
  await tf.setBackend("cpu");
  let cpu;
  try {
    const m = buildModel(NO_DROPOUT, { seed: 4 });
    cpu = shardGradients(m, batch, batch.count);
    m.dispose();
  } finally {
    await tf.setBackend("wasm");
  }
  const model = buildModel(NO_DROPOUT, { seed: 4 });
  const before = tf.memory().numTensors;
  for (const threads of [2, 3]) {
    using trainer = await DataParallelTrainer.start(model, { threads });
    assertEquals(trainer.threads, threads);
    const got = await trainer.gradients(batch, Array.from({ length: threads }, () => []));
    const diff = maxAbsDiff(got.grads, cpu.grads);
    assert(diff < 1e-4 * scaleOf(cpu.grads), `${threads} threads: max abs diff ${diff}`);
    assertAlmostEquals(got.loss, cpu.lossSum / batch.count, 1e-5);
    assertAlmostEquals(got.accuracy, cpu.correct / batch.count, 1e-9);
  }
  assertEquals(tf.memory().numTensors, before);
  model.dispose();
});

Deno.test("step timings place the workers' messages on the main thread's clock", async () => {
  await setupBackend();
  const model = buildModel(NO_DROPOUT, { seed: 4 });
  using trainer = await DataParallelTrainer.start(model, { threads: 2 });
  for (let step = 0; step < 3; step++) {
    await trainer.gradients(seededBatch(13, 8), [[], []]);
    const t = trainer.lastStepTimings;
    const { workerStartMs, answerMs, ...rest } = t;
    assert(Object.values(rest).every((v) => v >= 0 && Number.isFinite(v)), JSON.stringify(t));
    // The worker started after the send and finished before the main
    // thread held its answer: both lie inside the main thread's own span
    // (0.5 ms for clock rounding). A clock that is not shared by the
    // threads (performance.now() counts from each worker's start) breaks this.
    assert(workerStartMs > -0.5 && answerMs > -0.5, JSON.stringify(t));
    const span = t.syncMs + t.ownShardMs + t.waitMs;
    assert(workerStartMs + t.workerMs + answerMs <= span + 0.5, JSON.stringify(t));
    assert(t.workerMs > 0 && answerMs <= t.waitMs + 0.5, JSON.stringify(t));
  }
  model.dispose();
});

Deno.test("shards drop what one thread drops on the whole batch, and the model's seeds are kept", async () => {
  await setupBackend();
  const model = buildModel(REFERENCE_CNN, { seed: 5 });
  const batch = seededBatch(10, 9);
  using trainer = await DataParallelTrainer.start(model, { threads: 2 });
  // One seed for both shards (as the training loop gives): one thread's masks on the whole batch.
  const same = await trainer.gradients(batch, [[31], [31]]);
  // A seed per shard: each shard draws its own examples' part of its seed's batch mask.
  const apart = await trainer.gradients(batch, [[31], [32]]);
  const dropout = model.layers.find((l) => l.getClassName() === "Dropout")!;
  assertEquals(dropout.getConfig().seed, undefined);
  seedDropouts(model, [31]);
  const whole = shardGradients(model, batch, 10);
  const a = shardGradients(model, sliceBatch(batch, 0, 5), 10);
  seedDropouts(model, [32]);
  const b = shardGradients(model, { ...sliceBatch(batch, 5, 10), first: 5 }, 10);
  seedDropouts(model, [undefined as unknown as number]);
  const diff = maxAbsDiff(same.grads, whole.grads);
  assert(diff < 1e-6 * scaleOf(whole.grads), `one seed: diff ${diff}`);
  const sum = a.grads.map((v, i) => v + b.grads[i]);
  assert(
    maxAbsDiff(apart.grads, sum) < 1e-6 * scaleOf(sum),
    `diff ${maxAbsDiff(apart.grads, sum)}`,
  );
  // The masks matter: the second shard's own seed gives another gradient.
  assert(maxAbsDiff(apart.grads, whole.grads) > 1e-3 * scaleOf(whole.grads));
  model.dispose();
});

Deno.test("data-parallel steps update the weights as trainOnBatch does", async () => {
  await setupBackend();
  const before = tf.memory().numTensors;
  const serial = buildModel(NO_DROPOUT, { seed: 6, learningRate: 0.01 });
  const parallel = buildModel(NO_DROPOUT, { seed: 6, learningRate: 0.01 });
  {
    using trainer = await DataParallelTrainer.start(parallel, { threads: 2 });
    for (let step = 0; step < 3; step++) {
      const batch = seededBatch(16, 20 + step);
      const { xs, ys } = batchToTensors(batch, { rows: 28, cols: 28, numClasses: 10 });
      const [loss, accuracy] = await serial.trainOnBatch(xs, ys) as number[];
      tf.dispose([xs, ys]);
      const result = await trainer.step(batch, [[], []]);
      assertAlmostEquals(result.loss, loss, 1e-5);
      assertAlmostEquals(result.accuracy, accuracy, 1e-9);
    }
  }
  const a = serial.getWeights().map((w) => w.dataSync());
  const b = parallel.getWeights().map((w) => w.dataSync());
  for (let i = 0; i < a.length; i++) {
    // The shards sum the same terms in another order, and Adam scales each
    // weight's step by its own gradient's size, so where a gradient is near
    // 0 rounding moves that one weight's step by up to the learning rate
    // (measured: at most 1.0e-4, in 1 of 18,432 weights). On average over a
    // weight tensor the difference is rounding (measured: at most 3.2e-8),
    // while wrong gradients move every weight by up to 3 × 0.01.
    let sum = 0;
    for (let k = 0; k < a[i].length; k++) sum += Math.abs(a[i][k] - b[i][k]);
    const mean = sum / a[i].length, max = maxAbsDiff(a[i], b[i]);
    assert(mean < 1e-6 && max < 1e-3, `weight ${i}: mean diff ${mean}, max ${max}`);
  }
  serial.dispose();
  parallel.dispose();
  assertEquals(tf.memory().numTensors, before);
});

Deno.test("parallelTrainingProblem names what prevents exact data-parallel training", async () => {
  await setupBackend();
  const reference = buildModel(REFERENCE_CNN, { seed: 1 });
  const strong = buildModel(STRONG_CNN, { seed: 1 });
  assertEquals(parallelTrainingProblem(reference), undefined);
  assertEquals(parallelTrainingProblem(strong), undefined); // batch norm over the shards
  const rows = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 2, kernelSize: 3 }),
      tf.layers.batchNormalization({ axis: 1, name: "rows_norm" }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 10, activation: "softmax" }),
    ],
  });
  rows.compile({ optimizer: "sgd", loss: "categoricalCrossentropy" });
  const problem = parallelTrainingProblem(rows);
  assert(problem?.includes(`layer "rows_norm" normalises over axis 1`), problem);
  reference.compile({ optimizer: "sgd", loss: "meanSquaredError" });
  assertEquals(
    parallelTrainingProblem(reference),
    `the loss is "meanSquaredError", not "categoricalCrossentropy"`,
  );
  await assertRejects(
    () => DataParallelTrainer.start(rows, { threads: 2 }),
    InvalidArgumentError,
    "rows_norm",
  );
  rows.dispose();
  const flat = tf.sequential({
    layers: [tf.layers.dense({ inputShape: [3], units: 2, activation: "softmax" })],
  });
  flat.compile({ optimizer: "sgd", loss: "categoricalCrossentropy" });
  assertEquals(
    parallelTrainingProblem(flat),
    "the model does not take one batch of [rows, cols, channels] images (its inputs: [[null,3]])",
  );
  reference.dispose();
  strong.dispose();
  flat.dispose();
});

Deno.test("the trainer rejects bad thread counts, small batches and wrong seeds", async () => {
  await setupBackend();
  const model = buildModel(REFERENCE_CNN, { seed: 2 });
  await assertRejects(
    () => DataParallelTrainer.start(model, { threads: 1 }),
    InvalidArgumentError,
    "threads must be an integer >= 2 for data-parallel training, got 1",
  );
  using trainer = await DataParallelTrainer.start(model, { threads: 2 });
  await assertRejects(
    () => trainer.step(seededBatch(1, 1), [[1], [2]]),
    InvalidArgumentError,
    "a batch of 1 cannot be cut into 2 shards",
  );
  await assertRejects(
    () => trainer.step(seededBatch(4, 1), [[1]]),
    InvalidArgumentError,
    "1 seed(s) for each of the 2 shards, got [[1]]",
  );
  model.dispose();
});
