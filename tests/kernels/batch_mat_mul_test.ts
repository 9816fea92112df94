import * as tf from "@tensorflow/tfjs";
import { assert, assertEquals } from "@std/assert";
import { setupBackend } from "../../lib/kernels/backend.ts";
import { liveCounts, maxAbsDiff, onBothBackends, scaleOf, seededValues } from "./_compare.ts";

// Single products (one matrix by one, any transposes) take our gemm; batched ones reach the
// backend's own kernel. The larger ones have partial 4×8 blocks and more than one 256-step slice
// of the shared dimension, as a dense layer's products do.
const cases: { a: number[]; b: number[]; transposeA: boolean; transposeB: boolean }[] = [
  { a: [37, 520], b: [520, 21], transposeA: false, transposeB: false },
  { a: [520, 37], b: [21, 520], transposeA: true, transposeB: true },
  { a: [64, 300], b: [64, 16], transposeA: true, transposeB: false },
  { a: [16, 64], b: [300, 64], transposeA: false, transposeB: true },
  { a: [33, 70], b: [33, 10], transposeA: true, transposeB: false },
  { a: [12, 10], b: [70, 10], transposeA: false, transposeB: true },
  { a: [10, 12], b: [7, 10], transposeA: true, transposeB: true },
  { a: [1, 16, 40], b: [1, 16, 3], transposeA: true, transposeB: false },
  { a: [1, 1, 5, 9], b: [1, 1, 4, 9], transposeA: false, transposeB: true },
  { a: [8, 9], b: [9, 5], transposeA: false, transposeB: false },
  { a: [3, 6, 4], b: [3, 6, 5], transposeA: true, transposeB: false },
  { a: [3, 4, 6], b: [1, 5, 6], transposeA: false, transposeB: true },
];

for (const { a, b, transposeA, transposeB } of cases) {
  Deno.test(`BatchMatMul matches cpu: a ${a} b ${b} transposeA ${transposeA} transposeB ${transposeB}`, async () => {
    await setupBackend();
    const av = seededValues(a, 1), bv = seededValues(b, 2);
    const before = liveCounts();
    const { wasm, cpu, wasmShape, cpuShape } = await onBothBackends(() =>
      tf.tidy(() => tf.matMul(tf.tensor(av, a), tf.tensor(bv, b), transposeA, transposeB))
    );
    assertEquals(wasmShape, cpuShape);
    const diff = maxAbsDiff(wasm, cpu);
    assert(diff < 1e-5 * scaleOf(cpu), `max abs diff ${diff}`);
    assertEquals(liveCounts(), before);
  });
}

Deno.test("BatchMatMul on wasm frees its scratch", async () => {
  await setupBackend();
  const a = tf.tensor2d(seededValues([6, 4], 3), [6, 4]);
  const b = tf.tensor2d(seededValues([5, 6], 4), [5, 6]);
  const before = liveCounts();
  for (let i = 0; i < 3; i++) tf.matMul(a, b, true, true).dispose();
  assertEquals(liveCounts(), before);
  tf.dispose([a, b]);
});
