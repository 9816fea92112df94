import * as tf from "@tensorflow/tfjs";
import { assert, assertEquals } from "@std/assert";
import { setupBackend } from "../../lib/kernels/backend.ts";
import { liveCounts, maxAbsDiff, onBothBackends, scaleOf, seededValues } from "./_compare.ts";

// Leading axes take the fast path; the rest reach the backend's own kernel.
const cases: { x: number[]; axis: number | number[]; keepDims: boolean }[] = [
  { x: [16, 13, 13, 8], axis: [0, 1, 2], keepDims: false },
  { x: [16, 13, 13, 8], axis: [2, 0, 1], keepDims: true },
  { x: [50, 7], axis: 0, keepDims: false },
  { x: [5, 3, 7], axis: [0, 1], keepDims: false },
  { x: [5, 3, 7], axis: [-3], keepDims: true },
  { x: [5, 3, 7], axis: [1, 2], keepDims: false },
  { x: [5, 3, 7], axis: [0, 1, 2], keepDims: false },
  { x: [5, 3, 7], axis: [0, 2], keepDims: true },
];

for (const { x, axis, keepDims } of cases) {
  Deno.test(`Sum matches cpu: x ${x} axis ${axis} keepDims ${keepDims}`, async () => {
    await setupBackend();
    const xv = seededValues(x, 1);
    const before = liveCounts();
    const { wasm, cpu, wasmShape, cpuShape } = await onBothBackends(() =>
      tf.tidy(() => tf.sum(tf.tensor(xv, x), axis, keepDims))
    );
    assertEquals(wasmShape, cpuShape);
    const diff = maxAbsDiff(wasm, cpu);
    assert(diff < 1e-5 * scaleOf(cpu), `max abs diff ${diff}`);
    assertEquals(liveCounts(), before);
  });
}

Deno.test("Sum of int32 over leading axes stays int32 and exact", async () => {
  await setupBackend();
  const before = liveCounts();
  const total = tf.tidy(() => {
    const s = tf.sum(tf.tensor2d([[1, 2], [3, 4], [5, 6]], [3, 2], "int32"), 0);
    assertEquals(s.dtype, "int32");
    return s.arraySync();
  });
  assertEquals(total, [9, 12]);
  assertEquals(liveCounts(), before);
});

Deno.test("Sum on wasm does not leak over repeated calls", async () => {
  await setupBackend();
  const x = tf.tensor(seededValues([8, 5, 5, 4], 2), [8, 5, 5, 4]);
  const before = liveCounts();
  for (let i = 0; i < 3; i++) tf.sum(x, [0, 1, 2]).dispose();
  assertEquals(liveCounts(), before);
  x.dispose();
});
