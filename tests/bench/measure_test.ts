import * as tf from "@tensorflow/tfjs";
import { assert, assertAlmostEquals, assertEquals, assertRejects, assertThrows } from "@std/assert";
import { setupBackend } from "../../lib/kernels/backend.ts";
import {
  BENCH_FIGURES,
  benchModel,
  digitPng,
  EPOCH_SAMPLES,
  type ModelBench,
  peakRssMib,
} from "../../lib/bench/measure.ts";
import { median } from "../../lib/bench/timing.ts";
import { loadEmbeddedMnist } from "../../lib/data/embedded.ts";
import { InvalidArgumentError, ModelLoadError } from "../../lib/core/errors.ts";
import { decodeImage } from "../../lib/image/decode.ts";
import { buildModel, REFERENCE_CNN } from "../../lib/model/architecture.ts";
import { saveModel } from "../../lib/model/save_load.ts";
import type { ModelMetrics } from "../../lib/core/records.ts";

const TINY = {
  batchSize: 8,
  batches: 2,
  warmupBatches: 1,
  repeats: 2,
  inferImages: 20,
  e2eRuns: 5,
  e2eWarmup: 2,
};

Deno.test("peakRssMib is at least the current resident memory", () => {
  const peak = peakRssMib();
  assert(Number.isFinite(peak) && peak >= Deno.memoryUsage().rss / 2 ** 20 - 1, String(peak));
});

Deno.test("digitPng draws the digit dark on white, 2x, centred", async () => {
  const ds = await loadEmbeddedMnist();
  const img = await decodeImage(await digitPng(ds, 3));
  assertEquals([img.width, img.height], [64, 64]);
  assertEquals(img.data[0], 1, "the page is white");
  for (const [y, x] of [[14, 14], [10, 20], [20, 5]]) {
    const ink = ds.images[3 * 784 + y * 28 + x];
    assertAlmostEquals(img.data[(4 + 2 * y + 1) * 64 + 4 + 2 * x], 1 - ink, 1 / 255);
  }
  assertThrows(() => digitPng(ds, ds.count), InvalidArgumentError, String(ds.count));
});

function assertFigures(r: ModelBench): void {
  for (const key of BENCH_FIGURES) {
    assert(Number.isFinite(r[key]) && r[key] > 0, `${key} = ${r[key]}`);
  }
  assertAlmostEquals(r.train_epoch_s * r.train_samples_per_s, EPOCH_SAMPLES, 1e-6);
  assert(r.e2e_p95_ms >= r.e2e_p50_ms);
  // One figure per repeat, and the reported one is their median.
  for (const runs of [r.train_epoch_s_runs, r.infer_b1_per_s_runs, r.infer_b256_per_s_runs]) {
    assertEquals(runs.length, TINY.repeats);
    assert(runs.every((v) => Number.isFinite(v) && v > 0), runs.join());
  }
  assertAlmostEquals(
    r.train_epoch_s,
    EPOCH_SAMPLES / median(r.train_epoch_s_runs.map((s) => EPOCH_SAMPLES / s)),
    1e-9,
  );
  assertEquals(r.infer_b1_per_s, median(r.infer_b1_per_s_runs));
  assertEquals(r.infer_b256_per_s, median(r.infer_b256_per_s_runs));
  assert(Math.min(...r.train_epoch_s_runs) <= r.train_epoch_s);
  assert(r.train_epoch_s <= Math.max(...r.train_epoch_s_runs));
}

Deno.test("benchModel measures a tiny run of the reference CNN without leaking", async () => {
  await setupBackend();
  const before = tf.memory().numTensors;
  const r = await benchModel({ config: REFERENCE_CNN, data: await loadEmbeddedMnist(), ...TINY });
  assertEquals(tf.memory().numTensors, before);
  assertEquals(r.tensor_leak, 0);
  assertEquals([r.params, r.weights], [34826, "trained"]);
  assertFigures(r);
  // A tiny run is too short to start training workers; inference uses them.
  assertEquals(r.train_threads, 1);
  assertEquals(r.infer_threads, Math.min(4, navigator.hardwareConcurrency));
});

Deno.test("benchModel trains and infers on the threads it is given", async () => {
  await setupBackend();
  const r = await benchModel({
    config: REFERENCE_CNN,
    data: await loadEmbeddedMnist(),
    ...TINY,
    threads: 2,
  });
  assertEquals([r.train_threads, r.infer_threads, r.tensor_leak], [2, 2, 0]);
  assertFigures(r);
});

Deno.test("benchModel infers with saved weights when given a directory", async () => {
  await setupBackend();
  const dir = await Deno.makeTempDir({ prefix: "bench_weights_" });
  try {
    const saved = buildModel(REFERENCE_CNN, { seed: 3 });
    await saveModel(saved, `${dir}/m`, {} as ModelMetrics);
    saved.dispose();
    const before = tf.memory().numTensors;
    const r = await benchModel({
      config: REFERENCE_CNN,
      data: await loadEmbeddedMnist(),
      weightsDir: `${dir}/m`,
      ...TINY,
    });
    assertEquals(tf.memory().numTensors, before);
    assertEquals([r.weights, r.tensor_leak], [`${dir}/m`, 0]);
    assertFigures(r);
    const data = await loadEmbeddedMnist();
    await assertRejects(
      () =>
        benchModel({
          config: REFERENCE_CNN,
          data,
          weightsDir: `${dir}/missing`,
          ...TINY,
        }),
      ModelLoadError,
      "missing",
    );
    assertEquals(tf.memory().numTensors, before, "a failed load frees the trained model");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("benchModel rejects bad counts and too little data, naming the values", async () => {
  await setupBackend();
  const data = await loadEmbeddedMnist();
  await assertRejects(
    () => benchModel({ config: REFERENCE_CNN, data, ...TINY, batches: 0 }),
    InvalidArgumentError,
    "batches must be an integer >= 1, got 0",
  );
  await assertRejects(
    () => benchModel({ config: REFERENCE_CNN, data, ...TINY, inferImages: 20_000 }),
    InvalidArgumentError,
    "has 10000 images; the benchmark needs 20000",
  );
});
