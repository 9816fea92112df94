import * as tf from "@tensorflow/tfjs";
import { assert, assertAlmostEquals, assertEquals, assertThrows } from "@std/assert";
import { setupBackend } from "../../lib/kernels/backend.ts";
import { InvalidArgumentError } from "../../lib/core/errors.ts";
import { buildModel, STRONG_CNN } from "../../lib/model/architecture.ts";
import {
  createCalibratedClassifier,
  createClassifier,
  headFeatures,
  headLogits,
  splitHead,
} from "../../lib/eval/classifier.ts";
import { softmaxAt } from "../../lib/eval/calibration.ts";

Deno.test("createClassifier: 10 probabilities per image, no leaks, clear error on bad size", async () => {
  await setupBackend();
  const model = tf.sequential({
    layers: [
      tf.layers.flatten({ inputShape: [28, 28, 1] }),
      tf.layers.dense({ units: 10, activation: "softmax" }),
    ],
  });
  const before = tf.memory().numTensors;
  const classify = createClassifier(model);
  const p = await classify(new Float32Array(784).fill(0.5));
  assertEquals(p.length, 10);
  assertAlmostEquals(Array.from(p).reduce((a, b) => a + b, 0), 1, 1e-5);
  assertEquals(tf.memory().numTensors, before);
  const e = assertThrows(() => classify(new Float32Array(100)), InvalidArgumentError);
  assert(e.message.includes("784") && e.message.includes("100"), e.message);
  model.dispose();
});

Deno.test("createClassifier gives model.predict's probabilities, without leaks", async () => {
  await setupBackend();
  const model = buildModel(STRONG_CNN, { seed: 3 });
  const before = tf.memory().numTensors;
  const classify = createClassifier(model);
  const x = Float32Array.from({ length: 784 }, (_, i) => (i * 37) % 11 / 10);
  const want = tf.tidy(() =>
    (model.predict(tf.tensor4d(x, [1, 28, 28, 1])) as tf.Tensor).dataSync()
  );
  assertEquals(Array.from(classify(x)), Array.from(want));
  assertEquals(tf.memory().numTensors, before);
  model.dispose();
});

Deno.test("createCalibratedClassifier at T = 1 without a check gives the model's probabilities", async () => {
  await setupBackend();
  const model = buildModel(STRONG_CNN, { seed: 3 });
  const before = tf.memory().numTensors;
  const plain = createClassifier(model);
  const same = createCalibratedClassifier(model, { temperature: 1 });
  const x = Float32Array.from({ length: 784 }, (_, i) => (i * 37) % 11 / 10);
  const want = plain(x), got = same(x);
  want.forEach((p, i) => assertAlmostEquals(got[i], p, 1e-5));
  // A higher temperature softens, keeping the order.
  const soft = createCalibratedClassifier(model, { temperature: 3 })(x);
  const best = want.indexOf(Math.max(...want));
  assertEquals(soft.indexOf(Math.max(...soft)), best);
  assert(soft[best] < want[best]);
  assertEquals(tf.memory().numTensors, before);
  model.dispose();
});

Deno.test("createCalibratedClassifier with a digit check: probabilities sum to P(digit)", async () => {
  await setupBackend();
  const model = buildModel(STRONG_CNN, { seed: 4 });
  const head = splitHead(model);
  const x = Float32Array.from({ length: 784 }, (_, i) => (i * 13) % 7 / 6);
  const features = headFeatures(head, x, 1);
  // A check along the first feature: P(digit) = sigmoid(f0 - 1 + prior).
  // It reads the features, then two logit summaries (weighted 0 here).
  const inputs = head.dim + 2;
  const check = {
    mean: Array(inputs).fill(0),
    scale: Array(inputs).fill(1),
    weights: Array.from({ length: inputs }, (_, j) => j === 0 ? 1 : 0),
    bias: -1,
  };
  const before = tf.memory().numTensors;
  const p = createCalibratedClassifier(model, {
    temperature: 1,
    digitCheck: check,
    digitPriorLogOdds: Math.log(9),
  })(x);
  const expected = 1 / (1 + Math.exp(-(features[0] - 1 + Math.log(9))));
  assertAlmostEquals(p.reduce((a, b) => a + b, 0), expected, 1e-5);
  // The logits of the head are the model's: softmax of them is predict's output.
  const logits = headLogits(head, features);
  const soft = logits.map((z) => Math.exp(z - Math.max(...logits)));
  const sum = soft.reduce((a, b) => a + b, 0);
  const direct = createClassifier(model)(x);
  soft.forEach((v, i) => assertAlmostEquals(v / sum, direct[i], 1e-5));
  assertEquals(tf.memory().numTensors, before);
  model.dispose();
});

Deno.test("createCalibratedClassifier: bad models and settings name the problem", async () => {
  await setupBackend();
  const noSoftmax = tf.sequential({
    layers: [tf.layers.flatten({ inputShape: [28, 28, 1] }), tf.layers.dense({ units: 10 })],
  });
  assertThrows(
    () => createCalibratedClassifier(noSoftmax, { temperature: 1 }),
    InvalidArgumentError,
    "dense softmax",
  );
  noSoftmax.dispose();
  const model = buildModel(STRONG_CNN, { seed: 5 });
  assertThrows(
    () => createCalibratedClassifier(model, { temperature: 0 }),
    InvalidArgumentError,
    "got 0",
  );
  const check = { mean: [0], scale: [1], weights: [1], bias: 0 };
  assertThrows(
    () => createCalibratedClassifier(model, { temperature: 1, digitCheck: check }),
    InvalidArgumentError,
    "takes 1 inputs",
  );
  const classify = createCalibratedClassifier(model, { temperature: 1 });
  assertThrows(() => classify(new Float32Array(10)), InvalidArgumentError, "got 10");
  assertThrows(
    () => headFeatures(splitHead(model), new Float32Array(784), 2),
    InvalidArgumentError,
    "2 images",
  );
  model.dispose();
});

Deno.test("createCalibratedClassifier reads headFeatures' features to the bit, without leaks", async () => {
  await setupBackend();
  // What the calibrated probabilities are by definition: the head's
  // features (model.predict of the model cut before its classifier), then
  // the logits, softmax at the temperature.
  const expected = (model: tf.LayersModel, x: Float32Array) => {
    const head = splitHead(model);
    return Array.from(
      Float32Array.from(softmaxAt(headLogits(head, headFeatures(head, x, 1)), 1.5)),
    );
  };
  const images = [0, 1, 2].map((k) =>
    Float32Array.from({ length: 784 }, (_, i) => ((i * (7 + k)) % 13) / 12)
  );
  const strong = buildModel(STRONG_CNN, { seed: 6 });
  // A negative gamma in the first batch normalisation before a max pooling
  // makes it non-monotone, where the layer chain must not pool first.
  const norm = strong.layers.filter((l) => l.getClassName() === "BatchNormalization")[1];
  const [gamma, ...rest] = norm.getWeights();
  const flipped = tf.tidy(() => gamma.mul(tf.linspace(-1, 1, gamma.size)));
  norm.setWeights([flipped, ...rest]);
  flipped.dispose();
  const input = tf.input({ shape: [28, 28, 1] });
  const hidden = tf.layers.dense({ units: 16, activation: "relu" })
    .apply(tf.layers.flatten().apply(input)) as tf.SymbolicTensor;
  const output = tf.layers.dense({ units: 10, activation: "softmax" })
    .apply(hidden) as tf.SymbolicTensor;
  const functional = tf.model({ inputs: input, outputs: output });
  for (const model of [strong, functional]) {
    const classify = createCalibratedClassifier(model, { temperature: 1.5 });
    const before = tf.memory().numTensors;
    for (const x of images) assertEquals(Array.from(classify(x)), expected(model, x));
    assertEquals(tf.memory().numTensors, before);
    model.dispose();
  }
});
