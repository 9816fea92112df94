import * as tf from "@tensorflow/tfjs";
import {
  assert,
  assertAlmostEquals,
  assertEquals,
  assertNotEquals,
  assertRejects,
} from "@std/assert";
import { setupBackend } from "../../lib/kernels/backend.ts";
import type { Dataset } from "../../lib/data/dataset.ts";
import { InvalidArgumentError } from "../../lib/core/errors.ts";
import { evaluateModel } from "../../lib/eval/evaluate.ts";
import {
  buildModel,
  dropoutLayers,
  type ModelConfig,
  STRONG_CNN,
} from "../../lib/model/architecture.ts";
import { createRng, randomInt } from "../../lib/core/random.ts";
import { autoThreads, oneThreadStep, trainModel } from "../../lib/train/loop.ts";
import { shardGradients } from "../../lib/train/parallel/shard_gradients.ts";
import { applyFlatGradients } from "../../lib/train/parallel/data_parallel.ts";
import type { BatchLog, EpochLog } from "../../lib/core/records.ts";
import { maxAbsDiff } from "../kernels/_compare.ts";

const N = 28;

/** Class 0: a horizontal bar; class 1: a vertical bar; at random places, with noise. */
function bars(count: number, seed: number): Dataset {
  const rng = createRng(seed);
  const images = new Float32Array(count * N * N);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    labels[i] = i % 2;
    const across = 4 + randomInt(rng, 18);
    const from = randomInt(rng, 10);
    const image = images.subarray(i * N * N, (i + 1) * N * N);
    for (let k = 0; k < N * N; k++) image[k] = 0.1 * rng();
    for (let t = from; t < from + 16; t++) {
      for (let w = 0; w < 2; w++) {
        const [y, x] = labels[i] === 0 ? [across + w, t] : [t, across + w];
        image[y * N + x] = 1;
      }
    }
  }
  return { images, labels, count, rows: N, cols: N, numClasses: 2, source: `bars:${seed}` };
}

/** The reference network's shape with small filters, for speed. */
const SMALL_CNN: ModelConfig = {
  inputShape: [N, N, 1],
  layers: [
    { type: "conv2d", filters: 4, kernelSize: 3, activation: "relu" },
    { type: "maxPool2d", poolSize: 2 },
    { type: "conv2d", filters: 8, kernelSize: 3, activation: "relu" },
    { type: "maxPool2d", poolSize: 2 },
    { type: "flatten" },
    { type: "dropout", rate: 0.5 },
    { type: "dense", units: 2, activation: "softmax" },
  ],
  numClasses: 2,
};

const DENSE: ModelConfig = {
  inputShape: [N, N, 1],
  layers: [{ type: "flatten" }, { type: "dropout", rate: 0.2 }],
  numClasses: 2,
};

const train = bars(64, 1);
const validation = bars(32, 2);

Deno.test("a small conv net learns the bars, with callbacks at the right times", async () => {
  await setupBackend();
  const before = tf.memory().numTensors;
  const model = buildModel(SMALL_CNN, { seed: 1, learningRate: 0.01 });
  const batchLogs: BatchLog[] = [];
  const epochLogs: EpochLog[] = [];
  const history = await trainModel(model, {
    train,
    validation,
    epochs: 8,
    batchSize: 16,
    seed: 1,
    batchLogEvery: 3,
    onBatchEnd: (log) => void batchLogs.push(log),
    onEpochEnd: async (log) => {
      await Promise.resolve();
      epochLogs.push(log);
    },
  });
  assertEquals(history.epochs.length, 8);
  assertEquals(history.stoppedEarly, false);
  assertEquals(epochLogs, history.epochs);
  const last = history.epochs[7];
  assert(last.valAccuracy >= 0.9, `validation accuracy ${last.valAccuracy}`);
  assert(last.loss < history.epochs[0].loss / 2, JSON.stringify(history.epochs));
  assertEquals(
    history.epochs.map((e) => [e.epoch, e.epochs]),
    [1, 2, 3, 4, 5, 6, 7, 8].map((e) => [e, 8]),
  );
  for (const e of history.epochs) {
    assert(e.seconds > 0 && e.loss > 0 && e.valLoss > 0 && Number.isFinite(e.valLoss));
    assert(e.accuracy >= 0 && e.accuracy <= 1 && e.valAccuracy >= 0 && e.valAccuracy <= 1);
  }
  assert(history.bestEpoch >= 1 && history.bestEpoch <= 8);
  assert(history.seconds >= history.epochs.reduce((s, e) => s + e.seconds, 0) - 1e-3);
  // 4 batches per epoch, reported every 3rd and at the last one.
  assertEquals(
    batchLogs.map((b) => [b.epoch, b.batch, b.batches]),
    [1, 2, 3, 4, 5, 6, 7, 8].flatMap((e) => [[e, 3, 4], [e, 4, 4]]),
  );
  for (const b of batchLogs) {
    assert(b.loss > 0 && Number.isFinite(b.loss) && b.accuracy >= 0 && b.accuracy <= 1);
    assert(b.elapsedMs > 0);
  }
  // Dropout seeds set per step are taken back afterwards.
  const dropout = model.layers.find((l) => l.getClassName() === "Dropout")!;
  assertEquals(dropout.getConfig().seed, undefined);
  // Batch accuracy is a fraction of 16 examples.
  assert(batchLogs.every((b) => Number.isInteger(Math.round(b.accuracy * 16 * 1e4) / 1e4)));
  model.dispose();
  assertEquals(tf.memory().numTensors, before);
});

Deno.test("the same seed gives the same history, with dropout and augmentation", async () => {
  await setupBackend();
  const before = tf.memory().numTensors;
  const run = async (seed: number) => {
    const model = buildModel(SMALL_CNN, { seed: 3 });
    const history = await trainModel(model, {
      train,
      validation,
      epochs: 2,
      batchSize: 32,
      seed,
      augment: {},
    });
    model.dispose();
    return history.epochs.map((e) => [e.loss, e.accuracy, e.valLoss]);
  };
  const a = await run(7);
  assertEquals(await run(7), a);
  assertNotEquals(await run(8), a);
  assertEquals(tf.memory().numTensors, before);
});

Deno.test("early stopping stops and restores the best weights", async () => {
  await setupBackend();
  const before = tf.memory().numTensors;
  // Validation labels are flipped, so learning the training set worsens the validation loss.
  const flipped = { ...validation, labels: validation.labels.map((l) => 1 - l) };
  const model = buildModel(DENSE, { seed: 2, learningRate: 0.01 });
  const history = await trainModel(model, {
    train,
    validation: flipped,
    epochs: 20,
    batchSize: 16,
    seed: 2,
    earlyStopping: { patience: 2 },
  });
  assertEquals(history.stoppedEarly, true);
  assertEquals(history.bestEpoch, 1);
  assertEquals(history.epochs.length, 3);
  const restored = evaluateModel(model, flipped);
  assertAlmostEquals(restored.loss, history.epochs[0].valLoss, 1e-6);
  model.dispose();
  assertEquals(tf.memory().numTensors, before);
});

Deno.test("aborting rejects before the next batch without leaking", async () => {
  await setupBackend();
  const before = tf.memory().numTensors;
  const model = buildModel(DENSE, { seed: 1 });
  const controller = new AbortController();
  let batches = 0;
  await assertRejects(
    () =>
      trainModel(model, {
        train,
        validation,
        epochs: 3,
        batchSize: 8,
        seed: 1,
        signal: controller.signal,
        earlyStopping: { patience: 1 },
        onBatchEnd: () => {
          if (++batches === 2) controller.abort(new Error("stop please"));
        },
      }),
    Error,
    "stop please",
  );
  assertEquals(batches, 2);
  model.dispose();
  assertEquals(tf.memory().numTensors, before);
});

Deno.test("trainModel rejects bad options, naming the value", async () => {
  await setupBackend();
  const before = tf.memory().numTensors;
  const model = buildModel(DENSE, { seed: 1 });
  const ok = { train, validation, epochs: 1, seed: 1 };
  const reject = (options: Parameters<typeof trainModel>[1], text: string) =>
    assertRejects(() => trainModel(model, options), InvalidArgumentError, text);
  await reject({ ...ok, epochs: 0 }, "epochs must be a positive integer, got 0");
  await reject({ ...ok, epochs: 1.5 }, "got 1.5");
  await reject({ ...ok, batchSize: -2 }, "batchSize must be a positive integer, got -2");
  await reject({ ...ok, earlyStopping: { patience: -1 } }, "patience");
  await reject({ ...ok, learningRateDecay: 0 }, "learningRateDecay must be in (0, 1], got 0");
  await reject({ ...ok, learningRateDecay: 1.5 }, "got 1.5");
  await reject({ ...ok, threads: 0 }, `threads must be "auto" or a positive integer, got 0`);
  await reject({ ...ok, threads: 1.5 }, "got 1.5");
  await reject(
    {
      ...ok,
      train: { ...train, images: new Float32Array(0), labels: new Uint8Array(0), count: 0 },
    },
    'training dataset "bars:1" is empty',
  );
  await reject(
    { ...ok, validation: bars(4, 3), train: { ...bars(2, 4), rows: 14, cols: 56 } },
    "[14,56,1]",
  );
  await reject({ ...ok, validation: { ...validation, numClasses: 3 } }, "3 classes");
  model.dispose();
  const uncompiled = tf.sequential({
    layers: [tf.layers.flatten({ inputShape: [N, N, 1] }), tf.layers.dense({ units: 2 })],
  });
  await assertRejects(() => trainModel(uncompiled, ok), InvalidArgumentError, "compiled");
  uncompiled.dispose();
  assertEquals(tf.memory().numTensors, before);
});

/**
 * The learning rate at the end of each epoch of a run of DENSE at 0.01
 * (rounded to 6 digits); asserts the rate is restored after the run.
 */
async function ratesSeen(options: { epochs: number; learningRateDecay?: number }) {
  const model = buildModel(DENSE, { seed: 1, learningRate: 0.01 });
  const optimizer = model.optimizer as unknown as { learningRate: number };
  const seen: number[] = [];
  await trainModel(model, {
    train,
    validation,
    seed: 1,
    ...options,
    onEpochEnd: () => {
      seen.push(Number(optimizer.learningRate.toPrecision(6)));
    },
  });
  assertEquals(optimizer.learningRate, 0.01);
  model.dispose();
  return seen;
}

Deno.test("learningRateDecay lowers the rate every epoch and restores it afterwards", async () => {
  await setupBackend();
  const before = tf.memory().numTensors;
  assertEquals(await ratesSeen({ epochs: 3, learningRateDecay: 0.5 }), [0.01, 0.005, 0.0025]);
  assertEquals(tf.memory().numTensors, before);
});

Deno.test("by default the rate falls to a quarter by the last epoch, and stays for one", async () => {
  await setupBackend();
  const before = tf.memory().numTensors;
  assertEquals(await ratesSeen({ epochs: 3 }), [0.01, 0.005, 0.0025]);
  assertEquals(await ratesSeen({ epochs: 1 }), [0.01]);
  assertEquals(tf.memory().numTensors, before);
});

Deno.test("two threads learn the bars as one does, reproducibly, without leaks", async () => {
  await setupBackend();
  const before = tf.memory().numTensors;
  const run = async (threads: number) => {
    const model = buildModel(SMALL_CNN, { seed: 1, learningRate: 0.01 });
    const batches: BatchLog[] = [];
    const history = await trainModel(model, {
      train,
      validation,
      epochs: 8,
      batchSize: 16,
      seed: 1,
      threads,
      onBatchEnd: (log) => void batches.push(log),
    });
    const dropout = model.layers.find((l) => l.getClassName() === "Dropout")!;
    assertEquals(dropout.getConfig().seed, undefined);
    model.dispose();
    assertEquals(batches.length, 8 * 4);
    return history;
  };
  const one = await run(1);
  const two = await run(2);
  assertEquals([one.threads, two.threads], [1, 2]);
  const last = two.epochs[7];
  assert(last.valAccuracy >= 0.9, `validation accuracy ${last.valAccuracy}`);
  assert(last.loss < two.epochs[0].loss / 2, JSON.stringify(two.epochs));
  assert(Math.abs(last.valAccuracy - one.epochs[7].valAccuracy) <= 0.1);
  const again = await run(2);
  assertEquals(
    again.epochs.map((e) => [e.loss, e.valLoss]),
    two.epochs.map((e) => [e.loss, e.valLoss]),
  );
  assertEquals(tf.memory().numTensors, before);
});

Deno.test("threads: 2 refuses a batch norm it cannot run over the shards, naming the layer", async () => {
  await setupBackend();
  // A functional model: the training chain runs sequential models only.
  const input = tf.input({ shape: [N, N, 1] });
  const conv = tf.layers.conv2d({ filters: 2, kernelSize: 3 }).apply(input) as tf.SymbolicTensor;
  const norm = tf.layers.batchNormalization({ name: "graph_norm" }).apply(conv);
  const flat = tf.layers.flatten().apply(norm);
  const output = tf.layers.dense({ units: 2, activation: "softmax" }).apply(flat);
  const model = tf.model({ inputs: input, outputs: output as tf.SymbolicTensor });
  model.compile({ optimizer: "adam", loss: "categoricalCrossentropy", metrics: ["accuracy"] });
  await assertRejects(
    () => trainModel(model, { train, validation, epochs: 1, seed: 1, threads: 2 }),
    InvalidArgumentError,
    `layer "graph_norm" is a batch normalisation in a model that is not sequential`,
  );
  const history = await trainModel(model, { train, validation, epochs: 1, seed: 1 });
  assertEquals(history.threads, 1);
  model.dispose();
});

Deno.test("trainModel says why auto threads stay at one", async () => {
  await setupBackend();
  const model = buildModel(SMALL_CNN, { seed: 1 });
  const history = await trainModel(model, { train, validation, epochs: 1, seed: 1 });
  // A few steps only: too short to start workers, and the history says so.
  assertEquals(history.threads, 1);
  if (navigator.hardwareConcurrency > 1) {
    assert(history.oneThreadReason?.includes("too few"), history.oneThreadReason);
  }
  const forced = await trainModel(model, { train, validation, epochs: 1, seed: 1, threads: 1 });
  assertEquals(forced.oneThreadReason, undefined); // asked for: nothing to explain
  model.dispose();
});

Deno.test("autoThreads uses the cores for long runs of models that allow it", async () => {
  await setupBackend();
  const small = buildModel(SMALL_CNN, { seed: 1 });
  const strong = buildModel({ ...STRONG_CNN, numClasses: 2 }, { seed: 1 });
  const long = { batchSize: 128, steps: 400 };
  assertEquals(autoThreads(small, { ...long, cores: 2 }), 2);
  assertEquals(autoThreads(small, { ...long, cores: 16 }), 4);
  assertEquals(autoThreads(small, { ...long, cores: 1 }), 1);
  assertEquals(autoThreads(small, { ...long, cores: 8, batchSize: 32 }), 2);
  assertEquals(autoThreads(small, { ...long, cores: 8, batchSize: 16 }), 1);
  assertEquals(autoThreads(small, { batchSize: 128, steps: 49, cores: 2 }), 1);
  assertEquals(autoThreads(strong, { ...long, cores: 2 }), 2); // batch norm over the shards
  small.dispose();
  strong.dispose();
});

const weightsOf = (model: tf.LayersModel) =>
  model.getWeights().map((w) => Array.from(w.dataSync()));

Deno.test("oneThreadStep: a model that could train data-parallel steps as its one shard", async () => {
  await setupBackend();
  const batch = { pixels: train.images.subarray(0, 8 * N * N), labels: train.labels, count: 8 };
  const [stepped, byHand] = [
    buildModel(SMALL_CNN, { seed: 3 }),
    buildModel(SMALL_CNN, { seed: 3 }),
  ];
  for (const model of [stepped, byHand]) dropoutLayers(model).forEach((l) => l.seed = 5);
  const step = oneThreadStep(stepped);
  const result = await step(batch);
  const { grads, lossSum, correct } = shardGradients(byHand, batch, 8);
  applyFlatGradients(byHand, grads);
  assertEquals(result, { loss: lossSum / 8, accuracy: correct / 8 });
  assertEquals(weightsOf(stepped), weightsOf(byHand));
  // The optimiser made its state in the first step; later steps keep no tensor.
  const tensors = tf.memory().numTensors;
  await step(batch);
  assertEquals(tf.memory().numTensors, tensors);
  stepped.dispose();
  byHand.dispose();
});

Deno.test("oneThreadStep: batch norm steps as one shard, as trainOnBatch would", async () => {
  await setupBackend();
  const batch = { pixels: train.images.subarray(0, 8 * N * N), labels: train.labels, count: 8 };
  const withBatchNorm: ModelConfig = {
    inputShape: [N, N, 1],
    layers: [{ type: "conv2d", filters: 2, kernelSize: 3 }, { type: "batchNorm" }, {
      type: "flatten",
    }],
    numClasses: 2,
  };
  const [stepped, byHand] = [
    buildModel(withBatchNorm, { seed: 4 }),
    buildModel(withBatchNorm, { seed: 4 }),
  ];
  // Plain SGD: the weights then move by the gradients (Adam's first step
  // moves each by ±0.003 whatever its gradient, and the convolution's bias
  // before a batch norm has a gradient of rounding noise only).
  for (const m of [stepped, byHand]) {
    m.compile({
      optimizer: tf.train.sgd(0.1),
      loss: "categoricalCrossentropy",
      metrics: ["accuracy"],
    });
  }
  const step = oneThreadStep(stepped);
  const result = await step(batch);
  const xs = tf.tensor4d(batch.pixels, [8, N, N, 1]);
  const ys = tf.oneHot(tf.tensor1d(batch.labels.slice(0, 8), "int32"), 2);
  const [loss, accuracy] = await byHand.trainOnBatch(xs, ys) as number[];
  tf.dispose([xs, ys]);
  assertAlmostEquals(result.loss, loss, 1e-5);
  assertEquals(result.accuracy, accuracy);
  // Weights (moving statistics included) within 1e-5: gradients within 1e-4.
  const [a, b] = [weightsOf(stepped).flat(), weightsOf(byHand).flat()];
  a.forEach((v, i) => assertAlmostEquals(v, b[i], 1e-5));
  // The optimiser made its state in the first step; later steps keep no tensor.
  const tensors = tf.memory().numTensors;
  await step(batch);
  assertEquals(tf.memory().numTensors, tensors);
  stepped.dispose();
  byHand.dispose();
});

Deno.test("oneThreadStep: other models step through trainOnBatch", async () => {
  await setupBackend();
  // Any input shape; a model compiled without the accuracy metric gives NaN for it.
  const plain = tf.sequential({
    layers: [tf.layers.dense({ inputShape: [3], units: 2, activation: "softmax" })],
  });
  plain.compile({ optimizer: "sgd", loss: "categoricalCrossentropy" });
  const pixels = new Float32Array([1, 0, 0, 0, 1, 0]);
  const out = await oneThreadStep(plain)({ pixels, labels: new Uint8Array([0, 1]), count: 2 });
  assert(out.loss > 0 && Number.isNaN(out.accuracy), JSON.stringify(out));
  plain.dispose();
});

/** SMALL_CNN with batch normalisations and two dropouts: every layer whose shards must agree. */
const NORM_DROPOUT_CNN: ModelConfig = {
  inputShape: [N, N, 1],
  layers: [
    { type: "conv2d", filters: 4, kernelSize: 3, activation: "relu" },
    { type: "batchNorm" },
    { type: "maxPool2d", poolSize: 2 },
    { type: "dropout", rate: 0.25 },
    { type: "conv2d", filters: 8, kernelSize: 3, activation: "relu" },
    { type: "maxPool2d", poolSize: 2 },
    { type: "flatten" },
    { type: "dense", units: 16, activation: "relu" },
    { type: "batchNorm" },
    { type: "dropout", rate: 0.5 },
    { type: "dense", units: 2, activation: "softmax" },
  ],
  numClasses: 2,
};

Deno.test("a run on 2 threads takes the steps a run on 1 thread takes: same dropout, same statistics", async () => {
  await setupBackend();
  const run = async (threads: number) => {
    const model = buildModel(NORM_DROPOUT_CNN, { seed: 4, learningRate: 0.003 });
    const history = await trainModel(model, {
      train,
      validation,
      epochs: 2,
      seed: 9,
      batchSize: 16,
      threads,
    });
    const weights = model.getWeights().map((w) => Float32Array.from(w.dataSync()));
    model.dispose();
    return { history, weights };
  };
  const one = await run(1);
  const two = await run(2);
  assertEquals([one.history.threads, two.history.threads], [1, 2]);
  // 8 steps: the shards add the same terms in another order, which moves the
  // weights by rounding (measured: at most 3e-6), except where rounding tips
  // a ReLU or a pooling window's winner and Adam, normalising a small
  // gradient, turns that into a share of a step: since the second
  // convolution runs F(6×6, 3×3), whose filter gradient rounds differently
  // over two shards than over the batch, one bias here moves 4.9e-4. Other
  // dropout masks or batch statistics move weights by up to the learning
  // rate (3e-3) per step: a worker drawing its shard's mask from example 0
  // instead of its own place in the batch moves the first kernel by 2e-2.
  one.weights.forEach((w, i) => {
    const diff = maxAbsDiff(w, two.weights[i]);
    assert(diff < 1e-3, `weight ${i}: max diff ${diff}`);
  });
  one.history.epochs.forEach((e, i) => {
    assertAlmostEquals(e.loss, two.history.epochs[i].loss, 1e-5);
    assertAlmostEquals(e.valAccuracy, two.history.epochs[i].valAccuracy, 1e-9);
  });
});
