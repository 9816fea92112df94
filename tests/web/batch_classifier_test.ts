import * as tf from "@tensorflow/tfjs";
import { assertEquals, assertThrows } from "@std/assert";
import { InvalidArgumentError } from "../../lib/core/errors.ts";
import { setupBackend } from "../../lib/kernels/backend.ts";
import { buildModel, REFERENCE_CNN } from "../../lib/model/architecture.ts";
import { createCalibratedClassifier, createClassifier } from "../../lib/eval/classifier.ts";
import { loadClassifierCalibration } from "../../lib/eval/calibrate_model.ts";
import { loadModel } from "../../lib/model/save_load.ts";
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

Deno.test("createBatchClassifier: calibrated, each row is what the calibrated classifier answers, to the bit", async () => {
  await setupBackend();
  // The shipped model with its own calibration.json: the reading `predict` gives.
  const dir = "data/models/default";
  const { model } = await loadModel(dir);
  try {
    const calibration = await loadClassifierCalibration(dir);
    if (calibration?.digitCheck === undefined) {
      throw new Error(`${dir} must have a calibration.json with a digit check`);
    }
    const single = createCalibratedClassifier(model, calibration);
    const batch = createBatchClassifier(model, calibration);
    const plain = createClassifier(model);
    const xs = inputs(7);
    const before = tf.memory().numTensors;
    for (const n of [1, 3, 7]) {
      const rows = batch(xs.slice(0, n));
      assertEquals(rows.length, n);
      rows.forEach((row, i) =>
        assertEquals(JSON.stringify(Array.from(row)), JSON.stringify(Array.from(single(xs[i]))))
      );
    }
    // and calibration changes the answer: scattered ink is no digit, so the rows sum well below 1
    const [row] = batch(xs.slice(0, 1));
    const sum = row.reduce((a, b) => a + b, 0);
    assertEquals(sum < 0.9, true, `calibrated sum ${sum}`);
    assertEquals(Math.abs(plain(xs[0]).reduce((a, b) => a + b, 0) - 1) < 1e-5, true);
    assertEquals(batch([]), []);
    assertEquals(tf.memory().numTensors, before, "no tensor outlives a batch");
  } finally {
    model.dispose();
  }
});

Deno.test("createBatchClassifier: a calibration that does not fit the model is refused naming it", async () => {
  await setupBackend();
  const model = buildModel(REFERENCE_CNN, { seed: 3 });
  try {
    assertThrows(
      () => createBatchClassifier(model, { temperature: 0 }),
      InvalidArgumentError,
      "temperature must be a positive number, got 0",
    );
    const check = { mean: [0], scale: [1], weights: [1], bias: 0 };
    assertThrows(
      () => createBatchClassifier(model, { temperature: 1, digitCheck: check }),
      InvalidArgumentError,
      "the digit check takes 1 inputs",
    );
    const batch = createBatchClassifier(model, { temperature: 2 });
    const before = tf.memory().numTensors;
    assertThrows(
      () => batch([new Float32Array(784), new Float32Array(783)]),
      InvalidArgumentError,
      "got 783 (input 1)",
    );
    assertEquals(tf.memory().numTensors, before);
  } finally {
    model.dispose();
  }
});
