import * as tf from "@tensorflow/tfjs";
import { assert, assertEquals } from "@std/assert";
import { setupBackend } from "../../lib/kernels/backend.ts";
import { liveCounts, maxAbsDiff, onBothBackends, seededValues } from "./_compare.ts";

type Pad = "valid" | "same" | number;
const cases: { x: number[]; size: number | [number, number]; strides: number; pad: Pad }[] = [
  { x: [2, 8, 8, 3], size: 2, strides: 2, pad: "valid" },
  { x: [3, 9, 7, 4], size: 2, strides: 2, pad: "valid" },
  { x: [2, 9, 7, 3], size: 2, strides: 2, pad: "same" },
  { x: [2, 8, 8, 3], size: 3, strides: 1, pad: "same" },
  { x: [2, 9, 9, 2], size: 3, strides: 2, pad: "valid" },
  { x: [1, 10, 11, 5], size: [2, 3], strides: 1, pad: 1 },
  // The SIMD 2×2 path: channels in fours, with a scalar tail, odd sizes.
  { x: [2, 26, 26, 32], size: 2, strides: 2, pad: "valid" },
  { x: [2, 11, 11, 6], size: 2, strides: 2, pad: "valid" },
  { x: [1, 7, 9, 5], size: 2, strides: 2, pad: "valid" },
];

for (const { x, size, strides, pad } of cases) {
  for (const ties of [false, true]) {
    Deno.test(
      `MaxPoolGrad matches cpu: x ${x} size ${size} strides ${strides} pad ${pad}${
        ties ? " (many ties)" : ""
      }`,
      async () => {
        await setupBackend();
        // With ties, values come from {0, 1, 2}, so windows hold several maxima
        // and the gradient must go to the first of them, as on the cpu backend.
        const xv = seededValues(x, 1).map((v) => ties ? Math.floor((v + 1) * 1.5) : v);
        const before = liveCounts();
        const { wasm, cpu, wasmShape } = await onBothBackends(() =>
          tf.tidy(() => {
            const input = tf.tensor4d(xv, x as [number, number, number, number]);
            const output = tf.maxPool(input, size, strides, pad);
            const dy = tf.tensor(seededValues(output.shape, 2), output.shape);
            return tf.engine().runKernel("MaxPoolGrad", { dy, input, output }, {
              filterSize: size,
              strides,
              pad,
            }) as tf.Tensor;
          })
        );
        assertEquals(wasmShape, x);
        const diff = maxAbsDiff(wasm, cpu);
        assert(diff < 1e-5, `max abs diff ${diff}`);
        assertEquals(liveCounts(), before);
      },
    );
  }
}

Deno.test("MaxPoolGrad on wasm does not leak over repeated calls", async () => {
  await setupBackend();
  const input = tf.tensor4d(seededValues([2, 6, 6, 3], 3), [2, 6, 6, 3]);
  const output = tf.maxPool(input, 2, 2, "valid");
  const dy = tf.onesLike(output);
  const before = liveCounts();
  for (let i = 0; i < 3; i++) {
    const dx = tf.engine().runKernel("MaxPoolGrad", { dy, input, output }, {
      filterSize: 2,
      strides: 2,
      pad: "valid",
    }) as tf.Tensor;
    // Every window's gradient (all ones) lands on exactly one input.
    assertEquals(tf.tidy(() => dx.sum().arraySync()), 2 * 3 * 3 * 3);
    tf.dispose(dx);
  }
  assertEquals(liveCounts(), before);
  tf.dispose([input, output, dy]);
});

Deno.test("MaxPoolGrad on wasm gives no gradient to windows of -Infinity or NaN, as cpu", async () => {
  await setupBackend();
  // Four 2×2 windows per channel over 6 channels (four SIMD lanes and a tail
  // of two): all -Infinity, all NaN, NaN then a number, a number then NaN.
  const shape: [number, number, number, number] = [1, 4, 4, 6];
  const xv = new Float32Array(96);
  for (let r = 0; r < 4; r++) {
    for (let q = 0; q < 4; q++) {
      for (let d = 0; d < 6; d++) {
        const window = (r >> 1) * 2 + (q >> 1), first = r % 2 === 0 && q % 2 === 0;
        xv[(r * 4 + q) * 6 + d] = [
          -Infinity,
          NaN,
          first ? NaN : d + q,
          first ? d : NaN,
        ][window];
      }
    }
  }
  const { wasm, cpu } = await onBothBackends(() =>
    tf.tidy(() => {
      const input = tf.tensor4d(xv, shape);
      const dy = tf.tensor4d(seededValues([1, 2, 2, 6], 4), [1, 2, 2, 6]);
      return tf.engine().runKernel("MaxPoolGrad", { dy, input, output: dy }, {
        filterSize: 2,
        strides: 2,
        pad: "valid",
      }) as tf.Tensor;
    })
  );
  assertEquals(Array.from(wasm), Array.from(cpu));
  // The first two windows get nothing; the other two get each gradient once.
  assertEquals(wasm.filter((v) => v !== 0).length, 2 * 6);
});
