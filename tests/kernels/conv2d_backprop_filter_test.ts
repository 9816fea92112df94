import * as tf from "@tensorflow/tfjs";
import { assert, assertEquals, assertThrows } from "@std/assert";
import { setupBackend } from "../../lib/kernels/backend.ts";
import { InvalidArgumentError } from "../../lib/core/errors.ts";
import { liveCounts, maxAbsDiff, onBothBackends, scaleOf, seededValues } from "./_compare.ts";

type Pad = "valid" | "same" | number;
// Stride-1 cases with input channels a multiple of 4 and filters a multiple
// of 8 run in SIMD: by Winograd when the filter is 3×3 (valid, same, and
// padding wider than the filter; odd and even output sizes; F(6×6, 3×3)
// for most, F(4×4, 3×3) for the 1×1, 8×7 and 16×16 outputs), else in 4 × 8
// blocks (the 5×5 and 4×2 cases); cases with KH·KW·CI < CO run in the
// direct SIMD kernel; the others take the convolution path.
const cases: { x: number[]; f: number[]; strides: number | [number, number]; pad: Pad }[] = [
  { x: [2, 7, 9, 3], f: [3, 3, 3, 4], strides: 1, pad: "valid" },
  { x: [2, 7, 9, 3], f: [3, 3, 3, 4], strides: 2, pad: "valid" },
  { x: [2, 7, 9, 3], f: [3, 3, 3, 4], strides: 2, pad: "same" },
  { x: [3, 8, 8, 2], f: [5, 5, 2, 3], strides: 1, pad: "same" },
  { x: [3, 8, 8, 2], f: [1, 1, 2, 3], strides: 2, pad: "same" },
  { x: [1, 9, 9, 1], f: [1, 1, 1, 5], strides: 1, pad: "valid" },
  { x: [3, 10, 11, 2], f: [5, 5, 2, 3], strides: 2, pad: 1 },
  { x: [2, 11, 10, 3], f: [3, 3, 3, 2], strides: 3, pad: 2 },
  { x: [3, 10, 11, 2], f: [3, 3, 2, 3], strides: [2, 1], pad: "same" },
  { x: [3, 10, 11, 2], f: [3, 5, 2, 3], strides: [1, 2], pad: "valid" },
  { x: [4, 13, 13, 8], f: [3, 3, 8, 16], strides: 1, pad: "valid" },
  { x: [2, 7, 9, 4], f: [3, 3, 4, 8], strides: 1, pad: "valid" },
  { x: [2, 8, 8, 8], f: [3, 3, 8, 16], strides: 1, pad: "same" },
  { x: [2, 9, 10, 12], f: [5, 5, 12, 8], strides: 1, pad: 1 },
  { x: [2, 6, 7, 4], f: [3, 3, 4, 8], strides: 1, pad: 3 },
  { x: [2, 5, 6, 8], f: [4, 2, 8, 16], strides: 1, pad: "same" },
  { x: [2, 7, 9, 4], f: [3, 3, 4, 12], strides: 1, pad: "valid" },
  { x: [3, 13, 13, 32], f: [3, 3, 32, 64], strides: 1, pad: "valid" },
  { x: [5, 13, 13, 8], f: [3, 3, 8, 16], strides: 1, pad: "valid" },
  { x: [3, 30, 29, 4], f: [3, 3, 4, 8], strides: 1, pad: "same" },
  { x: [2, 10, 9, 8], f: [3, 3, 8, 16], strides: 1, pad: "valid" },
  { x: [3, 16, 16, 4], f: [3, 3, 4, 8], strides: 1, pad: "same" },
  { x: [2, 10, 11, 12], f: [3, 3, 12, 24], strides: 1, pad: 1 },
  { x: [1, 3, 3, 4], f: [3, 3, 4, 8], strides: 1, pad: "valid" },
  { x: [4, 12, 12, 1], f: [3, 3, 1, 16], strides: 1, pad: "valid" },
  { x: [3, 9, 8, 1], f: [3, 3, 1, 16], strides: 2, pad: "same" },
  { x: [2, 10, 9, 1], f: [5, 5, 1, 32], strides: 1, pad: 2 },
  { x: [2, 11, 10, 2], f: [3, 3, 2, 20], strides: [1, 2], pad: "valid" },
  // The SIMD kernel's 3×3 single-channel path (a first layer), with a tail
  // of channels past the last four, and at the reference model's size.
  { x: [2, 9, 8, 1], f: [3, 3, 1, 14], strides: 1, pad: "valid" },
  { x: [3, 28, 28, 1], f: [3, 3, 1, 32], strides: 1, pad: "valid" },
];

for (const { x, f, strides, pad } of cases) {
  Deno.test(`Conv2DBackpropFilter matches cpu: x ${x} filter ${f} strides ${strides} pad ${pad}`, async () => {
    await setupBackend();
    const xv = seededValues(x, 1);
    const before = liveCounts();
    const { wasm, cpu, wasmShape } = await onBothBackends(() =>
      tf.tidy(() => {
        const xt = tf.tensor4d(xv, x as [number, number, number, number]);
        const yShape = tf.conv2d(xt, tf.zeros(f) as unknown as tf.Tensor4D, strides, pad).shape;
        const dy = tf.tensor(seededValues(yShape, 2), yShape);
        return tf.engine().runKernel("Conv2DBackpropFilter", { x: xt, dy }, {
          strides,
          pad,
          dataFormat: "NHWC",
          filterShape: f,
        }) as tf.Tensor;
      })
    );
    assertEquals(wasmShape, f);
    const diff = maxAbsDiff(wasm, cpu);
    assert(diff < 1e-4 * scaleOf(cpu), `max abs diff ${diff} (scale ${scaleOf(cpu)})`);
    assertEquals(liveCounts(), before);
  });
}

Deno.test("Conv2DBackpropFilter on wasm frees every intermediate over repeated calls", async () => {
  await setupBackend();
  const x = tf.tensor4d(seededValues([2, 9, 9, 3], 3), [2, 9, 9, 3]);
  const dy = tf.tensor4d(seededValues([2, 4, 4, 5], 4), [2, 4, 4, 5]);
  const before = liveCounts();
  for (let i = 0; i < 3; i++) {
    const dw = tf.engine().runKernel("Conv2DBackpropFilter", { x, dy }, {
      strides: 2,
      pad: "valid",
      dataFormat: "NHWC",
      filterShape: [3, 3, 3, 5],
    }) as tf.Tensor;
    dw.dispose();
  }
  assertEquals(liveCounts(), before);
  tf.dispose([x, dy]);
});

Deno.test("Conv2DBackpropFilter on wasm rejects NCHW naming the format", async () => {
  await setupBackend();
  const x = tf.zeros([1, 2, 5, 5]);
  const dy = tf.zeros([1, 3, 3, 3]);
  const before = liveCounts();
  assertThrows(
    () =>
      tf.engine().runKernel("Conv2DBackpropFilter", { x, dy }, {
        strides: 1,
        pad: "valid",
        dataFormat: "NCHW",
        filterShape: [3, 3, 2, 3],
      }),
    InvalidArgumentError,
    "NCHW",
  );
  assertEquals(liveCounts(), before);
  tf.dispose([x, dy]);
});
