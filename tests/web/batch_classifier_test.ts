import * as tf from "@tensorflow/tfjs";
import { assertEquals, assertThrows } from "@std/assert";
import { InvalidArgumentError } from "../../lib/core/errors.ts";
import { setupBackend } from "../../lib/kernels/backend.ts";
import { buildModel, REFERENCE_CNN } from "../../lib/model/architecture.ts";
import { createClassifier } from "../../lib/eval/classifier.ts";
import { createBatchClassifier } from "../../lib/web/batch_classifier.ts";

/** `n` inputs of scattered ink, the same for every run. */
function inputs(n: number): Float32Array[] {
  let seed = 7;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  return Array.from({ length: n }, () =>
    Float32Array.from({ length: 784 }, () => {
      const v = next();
      return v < 0.2 ? v * 5 : 0;
    }));
}

Deno.test("createBatchClassifier: each row is what the one-image classifier answers, to the bit", async () => {
  await setupBackend();
  const model = buildModel(REFERENCE_CNN, { seed: 3 });
  try {
    const single = createClassifier(model);
    const batch = createBatchClassifier(model);
    const xs = inputs(9);
    const before = tf.memory().numTensors;
    for (const n of [1, 2, 9]) {
      const rows = batch(xs.slice(0, n));
      assertEquals(rows.length, n);
      // JSON answers are byte-identical whether a request was batched or not
      rows.forEach((row, i) =>
        assertEquals(JSON.stringify(Array.from(row)), JSON.stringify(Array.from(single(xs[i]))))
      );
    }
    assertEquals(batch([]), []);
    assertEquals(tf.memory().numTensors, before, "no tensor outlives a batch");
  } finally {
    model.dispose();
  }
});

Deno.test("createBatchClassifier: a wrong-sized input is refused naming it, nothing leaks", async () => {
  await setupBackend();
  const model = buildModel(REFERENCE_CNN, { seed: 3 });
  try {
    const batch = createBatchClassifier(model);
    const before = tf.memory().numTensors;
    assertThrows(
      () => batch([new Float32Array(784), new Float32Array(783)]),
      InvalidArgumentError,
      "the model takes 28x28x1 = 784 values, got 783 (input 1)",
    );
    assertEquals(tf.memory().numTensors, before);
  } finally {
    model.dispose();
  }
});
