import * as tf from "@tensorflow/tfjs";
import { assertEquals } from "@std/assert";
import { setupBackend } from "../../lib/kernels/backend.ts";
import { liveCounts, onBothBackends, seededValues } from "./_compare.ts";

for (
  const { shape, alpha } of [
    { shape: [4, 26, 26, 32], alpha: 0 },
    { shape: [7, 3], alpha: 0 },
    { shape: [2, 9], alpha: 0.25 },
    { shape: [3], alpha: -1 },
  ]
) {
  Deno.test(`Step matches cpu: [${shape}] alpha ${alpha}`, async () => {
    await setupBackend();
    const xv = seededValues(shape, 1);
    const before = liveCounts();
    const { wasm, cpu } = await onBothBackends(() =>
      tf.tidy(() => tf.step(tf.tensor(xv, shape), alpha))
    );
    assertEquals(Array.from(wasm), Array.from(cpu));
    assertEquals(liveCounts(), before);
  });
}

Deno.test("Step gives 1 above 0, alpha at and below 0, and keeps NaN", async () => {
  await setupBackend();
  const x = [NaN, 0, -0, 2, -3, Infinity, -Infinity, 1e-30, NaN];
  const y = tf.tidy(() => Array.from(tf.step(tf.tensor1d(x), 0.5).dataSync()));
  assertEquals(y, [NaN, 0.5, 0.5, 1, 0.5, 1, 0.5, 1, NaN]);
});

Deno.test("Step of int32 reaches the backend's own kernel", async () => {
  await setupBackend();
  const y = tf.tidy(() => tf.step(tf.tensor1d([-2, 0, 3], "int32")).arraySync());
  assertEquals(y, [0, 0, 1]);
});
