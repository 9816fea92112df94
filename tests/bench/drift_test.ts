import * as tf from "@tensorflow/tfjs";
import { assert, assertEquals, assertRejects } from "@std/assert";
import { measureDrift } from "../../lib/bench/drift.ts";
import { createRng, InvalidArgumentError } from "../../lib/core/mod.ts";
import type { Dataset } from "../../lib/data/mod.ts";
import { setupBackend } from "../../lib/kernels/mod.ts";
import type { ModelConfig } from "../../lib/model/mod.ts";

/** 256 noisy 12x12 images of 4 classes, each class a column stripe. */
function stripes(): Dataset {
  const count = 256, size = 144, rng = createRng(5);
  const labels = new Uint8Array(count).map(() => Math.floor(rng() * 4));
  const images = new Float32Array(count * size).map((_, i) =>
    ((i % size) % 4 === labels[Math.floor(i / size)] ? 0.7 : 0) + 0.3 * rng()
  );
  return { images, labels, count, rows: 12, cols: 12, numClasses: 4, source: "stripes" };
}

/** A small CNN with every layer whose step the threads share: batch norm, dropout, pooling. */
const SMALL_BN: ModelConfig = {
  inputShape: [12, 12, 1],
  layers: [
    { type: "conv2d", filters: 8, kernelSize: 3, activation: "relu" },
    { type: "batchNorm" },
    { type: "maxPool2d", poolSize: 2 },
    { type: "dropout", rate: 0.25 },
    { type: "flatten" },
    { type: "dense", units: 16, activation: "relu" },
    { type: "batchNorm" },
  ],
  numClasses: 4,
};

Deno.test("measureDrift: two threads drift from one no faster than a one-ulp nudge", async () => {
  await setupBackend();
  const before = tf.memory().numTensors;
  const points = await measureDrift({
    config: SMALL_BN,
    train: stripes(),
    seed: 3,
    checkpoints: [1, 4, 16],
    threads: 2,
    batchSize: 64,
  });
  assertEquals(tf.memory().numTensors, before);
  assertEquals(points.map((p) => p.step), [1, 4, 16]);
  for (const { step, threads, oneUlp } of points) {
    // Both are rounding: 1e-8 to 1e-7 here. Shard-local batch statistics
    // (each shard normalising with its own) drift 1e-2 from the first step.
    assert(oneUlp > 0 && oneUlp < 1e-5, `step ${step}: one-ulp drift ${oneUlp}`);
    assert(threads < 10 * oneUlp, `step ${step}: 2-thread drift ${threads}, nudge ${oneUlp}`);
  }
});

Deno.test("measureDrift: rejects bad checkpoints and thread counts, naming them", async () => {
  const options = { config: SMALL_BN, train: stripes(), seed: 1, threads: 2 };
  for (const checkpoints of [[], [0, 2], [3, 2], [1.5]]) {
    await assertRejects(
      () => measureDrift({ ...options, checkpoints }),
      InvalidArgumentError,
      JSON.stringify(checkpoints),
    );
  }
  await assertRejects(
    () => measureDrift({ ...options, checkpoints: [1], threads: 1 }),
    InvalidArgumentError,
    "threads must be an integer >= 2 for a drift measurement, got 1",
  );
});
