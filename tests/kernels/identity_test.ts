import * as tf from "@tensorflow/tfjs";
import { assertAlmostEquals, assertEquals } from "@std/assert";
import { setupBackend } from "../../lib/kernels/backend.ts";
import { liveCounts, seededValues } from "./_compare.ts";

for (const dtype of ["float32", "int32", "bool"] as const) {
  Deno.test(`Identity on wasm shares ${dtype} data and outlives its input`, async () => {
    await setupBackend();
    const values = Array.from(seededValues([3, 4], 6), (v) => v > 0 ? 1 : -2);
    const before = liveCounts();
    const x = tf.tensor(values, [3, 4], dtype);
    const expected = x.arraySync();
    const y = x.clone();
    // One more tensor, no more data.
    assertEquals(liveCounts().tensors, before.tensors + 2);
    assertEquals(liveCounts().buffers, before.buffers + 1);
    x.dispose();
    assertEquals(y.dtype, dtype);
    assertEquals(y.arraySync(), expected);
    y.dispose();
    assertEquals(liveCounts(), before);
  });
}

Deno.test("Identity on wasm leaves strings to the backend's own kernel", async () => {
  await setupBackend();
  const before = liveCounts();
  const x = tf.tensor(["a", "bc"]);
  const y = x.clone();
  x.dispose();
  assertEquals(y.arraySync(), ["a", "bc"]);
  y.dispose();
  assertEquals(liveCounts(), before);
});

Deno.test("gradients through saved (cloned) tensors are unchanged", async () => {
  await setupBackend();
  const x = tf.tensor(seededValues([4, 3], 7), [4, 3]);
  const before = liveCounts();
  const [dx] = tf.grads((a: tf.Tensor) => a.square().mul(a).sum())([x]);
  const xs = x.dataSync();
  const got = dx.dataSync();
  assertEquals(got.length, xs.length);
  for (let i = 0; i < xs.length; i++) assertAlmostEquals(got[i], 3 * xs[i] * xs[i], 1e-6);
  dx.dispose();
  assertEquals(liveCounts(), before);
  x.dispose();
});
