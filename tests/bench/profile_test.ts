import * as tf from "@tensorflow/tfjs";
import { assert, assertEquals, assertRejects, assertStringIncludes } from "@std/assert";
import { setupBackend } from "../../lib/kernels/backend.ts";
import { InvalidArgumentError } from "../../lib/core/errors.ts";
import { formatProfile, profileTrainingStep } from "../../lib/bench/profile.ts";
import { liveCounts } from "../kernels/_compare.ts";

Deno.test("profileTrainingStep times the kernels of reference CNN training steps", async () => {
  await setupBackend();
  const before = liveCounts();
  const profile = await profileTrainingStep({ batchSize: 4, steps: 2, warmupSteps: 0 });
  assertEquals(liveCounts(), before);
  assertEquals([profile.backend, profile.batchSize, profile.steps], ["wasm", 4, 2]);
  const byName = new Map(profile.kernels.map((k) => [k.name, k]));
  // The first conv, its ReLU and pool run as one block whose gradient gives
  // the filter's and bias's; the second conv runs fused with its bias and
  // ReLU, its pool as our ReLU-pool, whose gradient also does the ReLU's
  // part; its filter gradient and input gradient (for the block) run as
  // one Winograd kernel.
  assertEquals(byName.get("DigitLabConv3x3ReluPool")?.calls, 1);
  assertEquals(byName.get("DigitLabConv3x3ReluPoolGrad")?.calls, 1);
  assertEquals(byName.get("FusedConv2D")?.calls, 1);
  assertEquals(byName.get("DigitLabConv3x3Grads")?.calls, 1);
  assertEquals(byName.get("Conv2DBackpropFilter"), undefined);
  assertEquals(byName.get("Conv2DBackpropInput"), undefined);
  assertEquals(byName.get("DigitLabReluMaxPool2x2Grad")?.calls, 1);
  assertEquals(byName.get("MaxPoolGrad"), undefined);
  assertEquals(byName.get("Relu"), undefined);
  for (let i = 1; i < profile.kernels.length; i++) {
    assert(profile.kernels[i - 1].ms >= profile.kernels[i].ms);
  }
  const sum = profile.kernels.reduce((s, k) => s + k.ms, 0);
  assert(Math.abs(sum - profile.kernelMs) < 1e-9);
  assert(profile.stepMs > 0 && profile.samplesPerSecond > 0);
  assert(Math.abs(profile.samplesPerSecond - 4000 / profile.stepMs) < 1e-6);
});

Deno.test("profileTrainingStep uses a given compiled model and leaves it alive", async () => {
  await setupBackend();
  const model = tf.sequential({
    layers: [tf.layers.dense({ inputShape: [3], units: 2, activation: "softmax" })],
  });
  model.compile({ optimizer: "sgd", loss: "categoricalCrossentropy" });
  const profile = await profileTrainingStep({ model, batchSize: 5, steps: 1 });
  assert(profile.kernels.some((k) => k.name === "BatchMatMul" || k.name === "_FusedMatMul"));
  assert(!profile.kernels.some((k) => k.name.startsWith("Conv2D")));
  assertEquals(model.countParams(), 8);
  model.dispose();
});

Deno.test("profileTrainingStep rejects bad counts naming the value", async () => {
  await setupBackend();
  await assertRejects(() => profileTrainingStep({ batchSize: 0 }), InvalidArgumentError, "0");
  await assertRejects(() => profileTrainingStep({ steps: 1.5 }), InvalidArgumentError, "1.5");
  await assertRejects(() => profileTrainingStep({ warmupSteps: -1 }), InvalidArgumentError, "-1");
});

Deno.test("formatProfile lists slow kernels, lumps the rest and shows throughput", () => {
  const text = formatProfile({
    backend: "wasm",
    batchSize: 128,
    steps: 2,
    kernelMs: 12.25,
    stepMs: 20,
    samplesPerSecond: 6400,
    kernels: [
      { name: "Conv2D", ms: 12, calls: 2 },
      { name: "Relu", ms: 0.2, calls: 2 },
      { name: "Add", ms: 0.05, calls: 3 },
    ],
  });
  assertStringIncludes(text, "Conv2D");
  assertStringIncludes(text, "12.0");
  assertStringIncludes(text, "(2 others)");
  assert(!text.includes("Relu"));
  assertStringIncludes(text, "6400 samples/s");
});

Deno.test("profileTrainingStep with threads times data-parallel steps and their phases", async () => {
  await setupBackend();
  const before = liveCounts();
  const profile = await profileTrainingStep({ batchSize: 8, steps: 1, threads: 2 });
  assertEquals(liveCounts(), before);
  const p = profile.parallel!;
  assertEquals(p.threads, 2);
  assert(p.stepMs > 0 && Math.abs(p.samplesPerSecond - 8000 / p.stepMs) < 1e-6);
  const { syncMs, ownShardMs, waitMs, applyMs, workerMs, workerStartMs, answerMs } = p.phases;
  assert(
    [syncMs, ownShardMs, waitMs, applyMs, workerStartMs, answerMs].every((v) =>
      v >= 0 && Number.isFinite(v)
    ),
  );
  assert(ownShardMs > 0 && applyMs > 0 && workerMs > 0);
  assertStringIncludes(formatProfile(profile), "data-parallel step on 2 threads");
  assertStringIncludes(formatProfile(profile), "ms from sending to the last worker's start");
  assertEquals((await profileTrainingStep({ batchSize: 8, steps: 1 })).parallel, undefined);
  await assertRejects(
    () => profileTrainingStep({ batchSize: 8, threads: 0 }),
    InvalidArgumentError,
    "threads must be a positive integer, got 0",
  );
});
