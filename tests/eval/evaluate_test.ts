import * as tf from "@tensorflow/tfjs";
import { assertAlmostEquals, assertEquals, assertThrows } from "@std/assert";
import { setupBackend } from "../../lib/kernels/backend.ts";
import type { Dataset } from "../../lib/data/dataset.ts";
import { InvalidArgumentError } from "../../lib/core/errors.ts";
import {
  checkEvaluation,
  classMetrics,
  confusionMatrix,
  evaluateModel,
  predictProbabilities,
} from "../../lib/eval/evaluate.ts";
import { buildModel } from "../../lib/model/architecture.ts";

Deno.test("confusionMatrix counts [true][predicted] and validates", () => {
  assertEquals(confusionMatrix([0, 1, 1, 2, 2, 2], [0, 1, 0, 2, 1, 2], 3), [
    [1, 0, 0],
    [1, 1, 0],
    [0, 1, 2],
  ]);
  assertEquals(confusionMatrix([], [], 2), [[0, 0], [0, 0]]);
  assertThrows(() => confusionMatrix([0, 1], [0], 2), InvalidArgumentError, "2 labels but 1");
  assertThrows(
    () => confusionMatrix([0, 2], [0, 1], 2),
    InvalidArgumentError,
    "class 2 at index 1",
  );
});

Deno.test("classMetrics gives precision, recall, F1 and 0 for empty denominators", () => {
  const [a, b, c] = classMetrics([[3, 1, 0], [0, 2, 0], [0, 0, 0]]);
  assertEquals([a.label, a.precision, a.recall, a.support], [0, 1, 0.75, 4]);
  assertAlmostEquals(a.f1, 2 * 0.75 / 1.75, 1e-12);
  assertEquals([b.label, b.recall, b.support], [1, 1, 2]);
  assertAlmostEquals(b.precision, 2 / 3, 1e-12);
  assertAlmostEquals(b.f1, 0.8, 1e-12);
  assertEquals(c, { label: 2, precision: 0, recall: 0, f1: 0, support: 0 });
  assertThrows(() => classMetrics([[1, 0], [0]]), InvalidArgumentError, "row 1 has 1");
});

/** Logits of a one-hot image at pixel p are row p of this kernel. */
const KERNEL = [[4, 0, 0], [0, 4, 0], [0, 0, 4], [2, 0, 0]];
const softmax = (z: number[]) => {
  const e = z.map(Math.exp);
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
};

function knownModel(): tf.LayersModel {
  const model = buildModel(
    { inputShape: [2, 2, 1], layers: [{ type: "flatten" }], numClasses: 3 },
    {
      seed: 1,
    },
  );
  const weights = [tf.tensor2d(KERNEL), tf.zeros([3])];
  model.setWeights(weights);
  tf.dispose(weights);
  return model;
}

/** Image i lights pixel `lit[i]`; labels make images 3 and 4 wrong. */
const lit = [0, 1, 2, 2, 3, 1];
const dataset: Dataset = {
  images: Float32Array.from({ length: 6 * 4 }, (_, k) => lit[Math.floor(k / 4)] === k % 4 ? 1 : 0),
  labels: new Uint8Array([0, 1, 2, 1, 2, 1]),
  count: 6,
  rows: 2,
  cols: 2,
  numClasses: 3,
  source: "known",
};

Deno.test("evaluateModel reports metrics of known predictions", async () => {
  await setupBackend();
  const before = tf.memory().numTensors;
  const model = knownModel();
  const r = evaluateModel(model, dataset, { batchSize: 4 });
  assertEquals(r.count, 6);
  assertAlmostEquals(r.accuracy, 4 / 6, 1e-12);
  assertEquals(r.confusion, [[1, 0, 0], [0, 2, 1], [1, 0, 1]]);
  const expectedLoss =
    lit.reduce((s, p, i) => s - Math.log(softmax(KERNEL[p])[dataset.labels[i]]), 0) /
    6;
  assertAlmostEquals(r.loss, expectedLoss, 1e-5);
  assertEquals(r.worstMistakes.map((m) => [m.index, m.label, m.predicted]), [[3, 1, 2], [4, 2, 0]]);
  assertAlmostEquals(r.worstMistakes[0].confidence, softmax(KERNEL[2])[2], 1e-5);
  assertAlmostEquals(r.worstMistakes[1].confidence, softmax(KERNEL[3])[0], 1e-5);
  assertEquals(r.perClass.map((m) => m.support), [1, 3, 2]);
  assertAlmostEquals(r.macroF1, r.perClass.reduce((s, m) => s + m.f1, 0) / 3, 1e-12);
  assertEquals(evaluateModel(model, dataset, { worst: 1 }).worstMistakes.length, 1);
  model.dispose();
  assertEquals(tf.memory().numTensors, before);
});

Deno.test("predictProbabilities is independent of the batch size", async () => {
  await setupBackend();
  const before = tf.memory().numTensors;
  const model = knownModel();
  const whole = predictProbabilities(model, dataset);
  assertEquals(whole.length, 18);
  const pieces = predictProbabilities(model, dataset, { batchSize: 4 });
  for (let i = 0; i < whole.length; i++) assertAlmostEquals(pieces[i], whole[i], 1e-6);
  for (let c = 0; c < 3; c++) assertAlmostEquals(whole[3 * 4 + c], softmax(KERNEL[3])[c], 1e-5);
  model.dispose();
  assertEquals(tf.memory().numTensors, before);
});

Deno.test("evaluation rejects datasets that do not fit the model", async () => {
  await setupBackend();
  const before = tf.memory().numTensors;
  const model = knownModel();
  const wrongSize = { ...dataset, rows: 1, cols: 4 };
  assertThrows(() => predictProbabilities(model, wrongSize), InvalidArgumentError, "[2,2,1]");
  assertThrows(
    () => evaluateModel(model, { ...dataset, numClasses: 4 }),
    InvalidArgumentError,
    "4 classes",
  );
  assertThrows(
    () =>
      evaluateModel(model, {
        ...dataset,
        images: new Float32Array(0),
        labels: new Uint8Array(0),
        count: 0,
      }),
    InvalidArgumentError,
    "empty",
  );
  assertThrows(
    () => predictProbabilities(model, dataset, { batchSize: 0 }),
    InvalidArgumentError,
    "0",
  );
  model.dispose();
  assertEquals(tf.memory().numTensors, before);
});

Deno.test("checkEvaluation rejects an empty dataset and a bad worst, naming them", () => {
  const ds: Dataset = {
    images: new Float32Array(1),
    labels: new Uint8Array([0]),
    count: 1,
    rows: 1,
    cols: 1,
    numClasses: 2,
    source: "one",
  };
  checkEvaluation(ds);
  checkEvaluation(ds, { worst: 0 });
  assertThrows(() => checkEvaluation(ds, { worst: -1 }), InvalidArgumentError, "got -1");
  assertThrows(
    () => checkEvaluation({ ...ds, count: 0 }),
    InvalidArgumentError,
    'dataset "one" is empty',
  );
});
