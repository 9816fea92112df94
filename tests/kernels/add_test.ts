import * as tf from "@tensorflow/tfjs";
import { assert, assertEquals } from "@std/assert";
import { setupBackend } from "../../lib/kernels/backend.ts";
import { liveCounts, maxAbsDiff, onBothBackends, scaleOf, seededValues } from "./_compare.ts";

// A bias on the last axis (either operand, any number of leading 1s, tails
// past the last 16 and 4 columns) takes the SIMD path; the rest reach the
// backend's own kernel.
const cases: { a: number[]; b: number[] }[] = [
  { a: [4, 26, 26, 32], b: [32] },
  { a: [64], b: [3, 5, 64] },
  { a: [3, 5, 7], b: [1, 1, 7] },
  { a: [6, 21], b: [1, 21] },
  { a: [2, 3, 18], b: [18] },
  { a: [5, 3], b: [3] },
  { a: [1, 1, 8], b: [8] },
  { a: [1, 8], b: [2, 1, 8] },
  { a: [4, 6], b: [4, 6] },
  { a: [4, 6], b: [4, 1] },
  { a: [4, 6], b: [] },
];

for (const { a, b } of cases) {
  Deno.test(`Add matches cpu: a [${a}] b [${b}]`, async () => {
    await setupBackend();
    const av = seededValues(a, 1), bv = seededValues(b, 2);
    const before = liveCounts();
    const { wasm, cpu, wasmShape, cpuShape } = await onBothBackends(() =>
      tf.tidy(() => tf.add(tf.tensor(av, a), tf.tensor(bv, b)))
    );
    assertEquals(wasmShape, cpuShape);
    assert(maxAbsDiff(wasm, cpu) <= 1e-6 * scaleOf(cpu), `max abs diff ${maxAbsDiff(wasm, cpu)}`);
    assertEquals(liveCounts(), before);
  });
}

Deno.test("Add of a bias keeps NaN and infinities as the cpu backend does", async () => {
  await setupBackend();
  const x = [NaN, 1, Infinity, -Infinity, 2, 3, 4, 5, 6];
  const { wasm, cpu } = await onBothBackends(() =>
    tf.tidy(() => tf.add(tf.tensor2d(x, [3, 3]), tf.tensor1d([1, -Infinity, 0])))
  );
  assertEquals(Array.from(wasm), Array.from(cpu));
});

Deno.test("Add of int32 tensors stays int32 and exact", async () => {
  await setupBackend();
  const sum = tf.tidy(() =>
    tf.add(tf.tensor2d([1, 2, 3, 4], [2, 2], "int32"), tf.tensor1d([10, 20], "int32")).arraySync()
  );
  assertEquals(sum, [[11, 22], [13, 24]]);
});

Deno.test("Add on wasm does not leak over repeated calls", async () => {
  await setupBackend();
  const x = tf.tensor(seededValues([8, 5, 5, 4], 3), [8, 5, 5, 4]);
  const bias = tf.tensor1d([1, 2, 3, 4]);
  const before = liveCounts();
  for (let i = 0; i < 3; i++) tf.add(x, bias).dispose();
  assertEquals(liveCounts(), before);
  tf.dispose([x, bias]);
});
