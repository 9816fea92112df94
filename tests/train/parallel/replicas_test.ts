import * as tf from "@tensorflow/tfjs";
import { assert, assertEquals, assertRejects, assertThrows } from "@std/assert";
import { setupBackend } from "../../../lib/kernels/backend.ts";
import { BackendError, InvalidArgumentError } from "../../../lib/core/errors.ts";
import { buildModel, REFERENCE_CNN } from "../../../lib/model/architecture.ts";
import { modelVariables, readFlat } from "../../../lib/train/parallel/flat_weights.ts";
import { checkThreads, coreThreads, ReplicaPool } from "../../../lib/train/parallel/replicas.ts";
import { shardGradients, trainableVariables } from "../../../lib/train/parallel/shard_gradients.ts";
import { maxAbsDiff } from "../../kernels/_compare.ts";
import { seedDropouts, seededBatch } from "./_fixtures.ts";

Deno.test("a worker replica computes the same shard gradient as this thread", async () => {
  await setupBackend();
  const model = buildModel(REFERENCE_CNN, { seed: 9 });
  const before = tf.memory().numTensors;
  const pool = await ReplicaPool.start(model, { replicas: 2 });
  try {
    assertEquals(pool.size, 2);
    const batch = seededBatch(8, 4);
    const weights = readFlat(trainableVariables(model));
    const [a, b] = await Promise.all([
      pool.gradients(0, weights, batch, 16, [21]),
      pool.gradients(1, weights, batch, 16, [22]),
    ]);
    // Once sent, weights stay: a request without them uses the last ones.
    const again = await pool.gradients(0, undefined, batch, 16, [21]);
    seedDropouts(model, [21]);
    const local21 = shardGradients(model, batch, 16);
    seedDropouts(model, [22]);
    const local22 = shardGradients(model, batch, 16);
    seedDropouts(model, [undefined as unknown as number]);
    assertEquals(maxAbsDiff(a.grads, local21.grads), 0);
    assertEquals(maxAbsDiff(b.grads, local22.grads), 0);
    assertEquals(again.grads, a.grads);
    assertEquals([a.lossSum, a.correct, a.count], [
      local21.lossSum,
      local21.correct,
      local21.count,
    ]);
    assert(maxAbsDiff(a.grads, b.grads) > 0, "the dropout seed reached the replica");
    assertEquals(batch.count, 8, "the caller's batch is not transferred away");
    assertEquals(batch.pixels.length, 8 * 784);
  } finally {
    pool.close();
  }
  assertEquals(tf.memory().numTensors, before);
  model.dispose();
});

Deno.test("a worker replica predicts what the model predicts", async () => {
  await setupBackend();
  const model = buildModel(REFERENCE_CNN, { seed: 10 });
  using pool = await ReplicaPool.start(model, { replicas: 1 });
  const batch = seededBatch(5, 5);
  const weights = readFlat(modelVariables(model));
  const probs = await pool.predict(0, weights, batch.pixels, 5, 2);
  const want = tf.tidy(() =>
    (model.predict(tf.tensor4d(batch.pixels, [5, 28, 28, 1])) as tf.Tensor).dataSync()
  );
  assertEquals(probs.length, 50);
  assert(maxAbsDiff(probs, want) < 1e-6, `max abs diff ${maxAbsDiff(probs, want)}`);
  model.dispose();
});

Deno.test("the pool rejects bad sizes and indices, and work after close", async () => {
  await setupBackend();
  const model = buildModel(REFERENCE_CNN, { seed: 1 });
  await assertRejects(
    () => ReplicaPool.start(model, { replicas: 0 }),
    InvalidArgumentError,
    "got 0",
  );
  await assertRejects(
    () => ReplicaPool.start(model, { replicas: 98 }), // 99 threads with this one
    InvalidArgumentError,
    "got 99",
  );
  const pool = await ReplicaPool.start(model, { replicas: 1 });
  const batch = seededBatch(2, 1);
  await assertRejects(
    () => pool.gradients(3, undefined, batch, 2, [1]),
    InvalidArgumentError,
    "replica index 3 is out of range (the pool has 1)",
  );
  // A replica's own failure comes back as a BackendError naming it.
  await assertRejects(
    () => pool.gradients(0, new Float32Array(3), batch, 2, [1]),
    BackendError,
    "a model replica failed",
  );
  pool.close();
  pool.close();
  await assertRejects(
    () => pool.gradients(0, undefined, batch, 2, [1]),
    BackendError,
    "closed",
  );
  model.dispose();
});

Deno.test("coreThreads is the cores, at least 1 and at most 4", () => {
  assertEquals([0, 1, 2, 3, 4, 16].map((c) => coreThreads(c)), [1, 1, 2, 3, 4, 4]);
  assertEquals(coreThreads(), Math.max(1, Math.min(4, navigator.hardwareConcurrency)));
});

Deno.test("checkThreads accepts integers from the minimum on, naming the value otherwise", () => {
  checkThreads(1);
  checkThreads(2, { min: 2 });
  for (const bad of [0, -1, 1.5, NaN]) {
    const e = assertThrows(() => checkThreads(bad), InvalidArgumentError);
    assertEquals(e.message, `threads must be a positive integer, got ${bad}`);
  }
  assertThrows(
    () => checkThreads(1, { min: 2, purpose: "data-parallel training" }),
    InvalidArgumentError,
    "threads must be an integer >= 2 for data-parallel training, got 1",
  );
});

Deno.test("checkThreads refuses more than 4 threads per core, and more than 64 anywhere", () => {
  checkThreads(8, { cores: 2 });
  checkThreads(64, { cores: 64 });
  const e = assertThrows(() => checkThreads(9, { cores: 2 }), InvalidArgumentError);
  assertEquals(e.message, "threads must be at most 8 with 2 cores, got 9");
  assertThrows(
    () => checkThreads(65, { cores: 32 }),
    InvalidArgumentError,
    "threads must be at most 64 with 32 cores, got 65",
  );
  // The flag's name, for callers that parsed it from the command line.
  assertThrows(
    () => checkThreads(99, { cores: 2, name: "--threads" }),
    InvalidArgumentError,
    "--threads must be at most 8 with 2 cores, got 99",
  );
  // By default the cores are this machine's; 99 is beyond 64 on any of them.
  const cores = navigator.hardwareConcurrency;
  assertThrows(
    () => checkThreads(99),
    InvalidArgumentError,
    `threads must be at most ${Math.min(64, 4 * cores)} with ${cores} cores, got 99`,
  );
});
