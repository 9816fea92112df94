import * as tf from "@tensorflow/tfjs";
import { assert, assertEquals } from "@std/assert";
import { setupBackend } from "../../lib/kernels/backend.ts";
import { liveCounts, maxAbsDiff, onBothBackends, scaleOf, seededValues } from "./_compare.ts";

// Leading axes (and all axes) take the fast path; the rest, int32 and empty
// reductions reach the backend's own kernel.
const cases: { x: number[]; axis: number | number[] | null; keepDims: boolean }[] = [
  { x: [16, 13, 13, 8], axis: [0, 1, 2], keepDims: false },
  { x: [16, 13, 13, 8], axis: [2, 0, 1], keepDims: true },
  { x: [50, 7], axis: 0, keepDims: false },
  { x: [5, 3, 7], axis: [0, 1], keepDims: false },
  { x: [5, 3, 7], axis: [-3], keepDims: true },
  { x: [5, 3, 7], axis: null, keepDims: false },
  { x: [5, 3, 7], axis: [0, 1, 2], keepDims: true },
  { x: [5, 3, 7], axis: [1, 2], keepDims: false },
  { x: [5, 3, 7], axis: [0, 2], keepDims: true },
  { x: [0, 4], axis: 0, keepDims: false },
];

for (const { x, axis, keepDims } of cases) {
  Deno.test(`Mean matches cpu: x [${x}] axis ${axis} keepDims ${keepDims}`, async () => {
    await setupBackend();
    const xv = seededValues(x, 1);
    const before = liveCounts();
    const { wasm, cpu, wasmShape, cpuShape } = await onBothBackends(() =>
      tf.tidy(() => tf.mean(tf.tensor(xv, x), axis ?? undefined, keepDims))
    );
    assertEquals(wasmShape, cpuShape);
    // An empty reduction averages to NaN on both backends.
    const nans = (a: Float32Array) => Array.from(a, Number.isNaN);
    assertEquals(nans(wasm), nans(cpu));
    const diff = maxAbsDiff(
      wasm.filter((v) => !Number.isNaN(v)),
      cpu.filter((v) => !Number.isNaN(v)),
    );
    assert(diff < 1e-6 * scaleOf(cpu), `max abs diff ${diff}`);
    assertEquals(liveCounts(), before);
  });
}

Deno.test("Mean of int32 over leading axes gives float32 averages", async () => {
  await setupBackend();
  const before = liveCounts();
  const { wasm, cpu, wasmShape } = await onBothBackends(() =>
    tf.tidy(() => tf.mean(tf.tensor2d([[1, 2], [4, 4], [5, 7]], [3, 2], "int32"), 0))
  );
  assertEquals(wasmShape, [2]);
  assertEquals(Array.from(wasm), Array.from(cpu));
  assertEquals(liveCounts(), before);
});

Deno.test("Mean on wasm does not leak over repeated calls", async () => {
  await setupBackend();
  const x = tf.tensor(seededValues([8, 5, 5, 4], 2), [8, 5, 5, 4]);
  const before = liveCounts();
  for (let i = 0; i < 3; i++) tf.mean(x, [0, 1, 2]).dispose();
  assertEquals(liveCounts(), before);
  x.dispose();
});
