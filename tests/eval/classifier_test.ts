import * as tf from "@tensorflow/tfjs";
import { assert, assertAlmostEquals, assertEquals, assertThrows } from "@std/assert";
import { setupBackend } from "../../lib/kernels/backend.ts";
import { InvalidArgumentError } from "../../lib/core/errors.ts";
import { buildModel, STRONG_CNN } from "../../lib/model/architecture.ts";
import { createClassifier } from "../../lib/eval/classifier.ts";

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
