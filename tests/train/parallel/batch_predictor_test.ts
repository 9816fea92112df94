import * as tf from "@tensorflow/tfjs";
import { assert, assertEquals, assertRejects } from "@std/assert";
import { setupBackend } from "../../../lib/kernels/backend.ts";
import type { Dataset } from "../../../lib/data/dataset.ts";
import { InvalidArgumentError } from "../../../lib/core/errors.ts";
import { evaluateModel, predictProbabilities } from "../../../lib/eval/evaluate.ts";
import { buildModel, REFERENCE_CNN, STRONG_CNN } from "../../../lib/model/architecture.ts";
import {
  autoInferenceThreads,
  BatchPredictor,
} from "../../../lib/train/parallel/batch_predictor.ts";
import { maxAbsDiff } from "../../kernels/_compare.ts";
import { seededBatch } from "./_fixtures.ts";

function dataset(count: number, seed: number): Dataset {
  const b = seededBatch(count, seed);
  return {
    images: b.pixels,
    labels: b.labels,
    count,
    rows: 28,
    cols: 28,
    numClasses: 10,
    source: `seeded:${seed}`,
  };
}

Deno.test("predictions on 1, 2 and 3 threads equal the main thread's, for every architecture", async () => {
  await setupBackend();
  // 4,200 on two threads: more than one chunk per part, sent in pieces.
  for (
    const [config, count, threadCounts] of [
      [REFERENCE_CNN, 4200, [1, 2]],
      [STRONG_CNN, 300, [2, 3]],
    ] as const
  ) {
    const ds = dataset(count, 1);
    const model = buildModel(config, { seed: 2 });
    const want = predictProbabilities(model, ds, { batchSize: 100 });
    const before = tf.memory().numTensors;
    for (const threads of threadCounts) {
      using predictor = await BatchPredictor.start(model, { threads });
      assertEquals(predictor.threads, threads);
      const got = await predictor.predict(ds, { batchSize: 100 });
      assertEquals(got.length, count * 10);
      assert(maxAbsDiff(got, want) < 1e-6, `${threads} threads: ${maxAbsDiff(got, want)}`);
    }
    assertEquals(tf.memory().numTensors, before);
    model.dispose();
  }
});

Deno.test("evaluate on two threads gives evaluateModel's result", async () => {
  await setupBackend();
  const ds = dataset(600, 2);
  const model = buildModel(REFERENCE_CNN, { seed: 3 });
  using predictor = await BatchPredictor.start(model, { threads: 2 });
  const got = await predictor.evaluate(ds, { batchSize: 64, worst: 5 });
  const want = evaluateModel(model, ds, { batchSize: 64, worst: 5 });
  assertEquals(got.confusion, want.confusion);
  assertEquals(got.worstMistakes.map((m) => m.index), want.worstMistakes.map((m) => m.index));
  assert(Math.abs(got.loss - want.loss) < 1e-6);
  model.dispose();
});

Deno.test("the predictor rejects bad threads, batch sizes and datasets", async () => {
  await setupBackend();
  const model = buildModel(REFERENCE_CNN, { seed: 4 });
  await assertRejects(
    () => BatchPredictor.start(model, { threads: 0 }),
    InvalidArgumentError,
    "threads must be a positive integer, got 0",
  );
  using predictor = await BatchPredictor.start(model, { threads: 2 });
  const ds = dataset(10, 3);
  await assertRejects(
    () => predictor.predict(ds, { batchSize: 0 }),
    InvalidArgumentError,
    "batchSize must be a positive integer, got 0",
  );
  await assertRejects(
    () =>
      predictor.evaluate({
        ...ds,
        count: 0,
        images: new Float32Array(0),
        labels: new Uint8Array(0),
      }),
    InvalidArgumentError,
    "is empty",
  );
  await assertRejects(
    () => predictor.predict({ ...ds, rows: 14, cols: 56 }),
    InvalidArgumentError,
    "[14,56,1]",
  );
  model.dispose();
});

Deno.test("autoInferenceThreads starts workers only for large sets", () => {
  assertEquals(autoInferenceThreads(16383, 8), 1);
  assertEquals(autoInferenceThreads(16384, 2), 2);
  assertEquals(autoInferenceThreads(70000, 16), 4);
  assertEquals(autoInferenceThreads(70000, 1), 1);
});
