import * as tf from "@tensorflow/tfjs";
import { assert, assertEquals } from "@std/assert";
import { setupBackend } from "../../lib/kernels/backend.ts";
import { liveCounts, maxAbsDiff, onBothBackends, scaleOf, seededValues } from "./_compare.ts";

type Pad = "valid" | "same" | number;
// The first five take the single-channel SIMD path (one channel, 3×3,
// stride 1, no padding: blocks of four pixels by eight filters, rows of
// 4, 5 and 26 pixels, and filter counts not a multiple of 8); the next seven
// take Winograd (3×3, stride 1, input channels in fours, filters in
// eights): F(6×6, 3×3) where it needs fewer products (the reference model's
// conv2, output sizes that are and are not multiples of 6, padding, a last
// block of images shorter than the others, images with more than one
// block's tiles), F(4×4, 3×3) where it does not (1×1, 8×7 and 16×16
// outputs, the last with a shorter last block); the others fall back.
const cases: { x: number[]; f: number[]; strides: number; pad: Pad }[] = [
  { x: [3, 28, 28, 1], f: [3, 3, 1, 32], strides: 1, pad: "valid" },
  { x: [2, 5, 9, 1], f: [3, 3, 1, 6], strides: 1, pad: "valid" },
  { x: [1, 3, 3, 1], f: [3, 3, 1, 3], strides: 1, pad: 0 },
  { x: [2, 5, 6, 1], f: [3, 3, 1, 8], strides: 1, pad: "valid" },
  { x: [1, 6, 7, 1], f: [3, 3, 1, 16], strides: 1, pad: "valid" },
  { x: [3, 13, 13, 32], f: [3, 3, 32, 64], strides: 1, pad: "valid" },
  { x: [2, 7, 6, 8], f: [3, 3, 8, 16], strides: 1, pad: "same" },
  { x: [1, 5, 4, 4], f: [3, 3, 4, 8], strides: 1, pad: 2 },
  { x: [2, 10, 11, 12], f: [3, 3, 12, 24], strides: 1, pad: 1 },
  { x: [1, 3, 3, 4], f: [3, 3, 4, 8], strides: 1, pad: "valid" },
  { x: [5, 13, 13, 8], f: [3, 3, 8, 16], strides: 1, pad: "valid" },
  { x: [3, 30, 29, 4], f: [3, 3, 4, 8], strides: 1, pad: "same" },
  { x: [2, 10, 9, 8], f: [3, 3, 8, 16], strides: 1, pad: "valid" },
  { x: [3, 16, 16, 4], f: [3, 3, 4, 8], strides: 1, pad: "same" },
  { x: [2, 9, 8, 1], f: [3, 3, 1, 8], strides: 1, pad: "same" },
  { x: [2, 9, 8, 1], f: [3, 3, 1, 8], strides: 2, pad: "valid" },
  { x: [2, 9, 8, 2], f: [3, 3, 2, 8], strides: 1, pad: "valid" },
  { x: [2, 9, 8, 4], f: [3, 3, 4, 12], strides: 1, pad: "valid" },
  { x: [2, 9, 8, 8], f: [3, 3, 8, 8], strides: 2, pad: "same" },
  { x: [2, 9, 8, 1], f: [5, 5, 1, 8], strides: 1, pad: "valid" },
];

for (const { x, f, strides, pad } of cases) {
  for (const fused of [false, true]) {
    const name = fused ? "FusedConv2D (bias, relu)" : "Conv2D";
    Deno.test(`${name} matches cpu: x ${x} filter ${f} strides ${strides} pad ${pad}`, async () => {
      await setupBackend();
      const before = liveCounts();
      const { wasm, cpu, wasmShape, cpuShape } = await onBothBackends(() =>
        tf.tidy(() => {
          const xt = tf.tensor4d(seededValues(x, 1), x as [number, number, number, number]);
          const ft = tf.tensor4d(seededValues(f, 2), f as [number, number, number, number]);
          if (!fused) return tf.conv2d(xt, ft, strides, pad);
          const bias = tf.tensor1d(seededValues([f[3]], 3));
          return tf.fused.conv2d({ x: xt, filter: ft, strides, pad, bias, activation: "relu" });
        })
      );
      assertEquals(wasmShape, cpuShape);
      const diff = maxAbsDiff(wasm, cpu);
      assert(diff < 1e-5 * scaleOf(cpu), `max abs diff ${diff}`);
      if (fused && cpu.length >= 32) {
        assert(cpu.some((v) => v === 0) && cpu.some((v) => v > 0), "relu had no effect");
      }
      assertEquals(liveCounts(), before);
    });
  }
}

Deno.test("FusedConv2D's fast path takes no bias and a linear activation, as cpu", async () => {
  await setupBackend();
  const { wasm, cpu } = await onBothBackends(() =>
    tf.tidy(() =>
      tf.fused.conv2d({
        x: tf.tensor4d(seededValues([2, 6, 7, 1], 4), [2, 6, 7, 1]),
        filter: tf.tensor4d(seededValues([3, 3, 1, 5], 5), [3, 3, 1, 5]),
        strides: 1,
        pad: "valid",
        activation: "linear",
      })
    )
  );
  assert(maxAbsDiff(wasm, cpu) < 1e-5, `max abs diff ${maxAbsDiff(wasm, cpu)}`);
  assert(cpu.some((v) => v < 0), "a linear activation keeps negative values");
});

Deno.test("Conv2D's fast path keeps its gradients equal to cpu's", async () => {
  await setupBackend();
  const { wasm, cpu } = await onBothBackends(() =>
    tf.tidy(() => {
      const x = tf.tensor4d(seededValues([2, 8, 8, 1], 6), [2, 8, 8, 1]);
      const f = tf.tensor4d(seededValues([3, 3, 1, 4], 7), [3, 3, 1, 4]);
      const g = tf.grad((w: tf.Tensor) =>
        tf.conv2d(x, w as tf.Tensor4D, 1, "valid").square().sum()
      );
      return g(f);
    })
  );
  assert(maxAbsDiff(wasm, cpu) < 1e-4 * scaleOf(cpu), `max abs diff ${maxAbsDiff(wasm, cpu)}`);
});
