import * as tf from "@tensorflow/tfjs";
import { assertEquals } from "@std/assert";
import { setupBackend } from "../../lib/kernels/backend.ts";
import { liveCounts, onBothBackends, seededValues } from "./_compare.ts";

// Short and long contiguous runs, repeated and unrepeated axes, the
// batch-norm gradient's broadcast, a scalar and an empty tensor.
const cases: { x: number[]; reps: number[] }[] = [
  { x: [1, 1, 1, 8], reps: [4, 5, 5, 1] },
  { x: [1, 1, 1, 64], reps: [3, 11, 11, 1] },
  { x: [3, 4], reps: [2, 3] },
  { x: [2, 1, 3], reps: [1, 4, 2] },
  { x: [2, 3, 5, 7], reps: [2, 1, 3, 1] },
  { x: [40, 33], reps: [3, 2] },
  { x: [5], reps: [70] },
  { x: [70], reps: [5] },
  { x: [4, 3], reps: [1, 1] },
  { x: [], reps: [] },
  { x: [0, 3], reps: [2, 2] },
  { x: [2, 3], reps: [0, 2] },
];

for (const dtype of ["float32", "int32", "bool"] as const) {
  for (const { x, reps } of cases) {
    Deno.test(`Tile matches cpu: ${dtype} x [${x}] reps [${reps}]`, async () => {
      await setupBackend();
      // Integers in [-50, 50) for int32; 0 and 1 for bool (built as such:
      // the wasm Cast to bool truncates instead of testing for non-zero).
      const seeded = seededValues(x, 3);
      const xv = dtype === "float32"
        ? seeded
        : seeded.map((v) => dtype === "int32" ? Math.floor(v * 50) : v > 0 ? 1 : 0);
      const before = liveCounts();
      const { wasm, cpu, wasmShape, cpuShape } = await onBothBackends(() =>
        tf.tidy(() => {
          const t = tf.tile(tf.tensor(xv, x, dtype), reps);
          assertEquals(t.dtype, dtype);
          return t;
        })
      );
      assertEquals(wasmShape, cpuShape);
      assertEquals(Array.from(wasm), Array.from(cpu));
      assertEquals(liveCounts(), before);
    });
  }
}

Deno.test("Tile gives the rows in order, repeated along each axis", async () => {
  await setupBackend();
  const before = liveCounts();
  const tiled = tf.tidy(() => tf.tile(tf.tensor2d([[1, 2], [3, 4]]), [2, 2]).arraySync());
  assertEquals(tiled, [[1, 2, 1, 2], [3, 4, 3, 4], [1, 2, 1, 2], [3, 4, 3, 4]]);
  assertEquals(liveCounts(), before);
});

Deno.test("Tile on wasm does not leak over repeated calls", async () => {
  await setupBackend();
  const x = tf.tensor(seededValues([1, 1, 1, 16], 4), [1, 1, 1, 16]);
  const before = liveCounts();
  for (let i = 0; i < 3; i++) tf.tile(x, [8, 6, 6, 1]).dispose();
  assertEquals(liveCounts(), before);
  x.dispose();
});
