import * as tf from "@tensorflow/tfjs";
import { assert, assertEquals, assertThrows } from "@std/assert";
import { setupBackend } from "../../lib/kernels/backend.ts";
import { InvalidArgumentError } from "../../lib/core/errors.ts";
import { liveCounts, maxAbsDiff, onBothBackends, scaleOf, seededValues } from "./_compare.ts";

type Pad = "valid" | "same" | number;
// Stride 1 with input channels a multiple of 4 runs in SIMD: by Winograd
// when the filter is 3×3 with input channels a multiple of 8 and filters a
// multiple of 4 (the 8-, 16-, 24- and 32-channel 3×3 cases below, including
// a padding wider than the filter; 24 channels take both blocks of the
// products, sixteen channels and then eight; F(4×4, 3×3) for the 8×7 and
// 16×16 outputs, F(6×6, 3×3) for the others), else in the direct kernel (16-channel
// blocks, 4-channel tails, pixel pairs and an odd last pixel); other
// stride-1 cases run as an XNNPACK convolution; the others reach the
// backend's own kernel.
const cases: { x: number[]; f: number[]; strides: number | [number, number]; pad: Pad }[] = [
  { x: [2, 7, 9, 3], f: [3, 3, 3, 4], strides: 1, pad: "valid" },
  { x: [2, 7, 9, 3], f: [3, 3, 3, 4], strides: 1, pad: "same" },
  { x: [3, 8, 8, 2], f: [5, 5, 2, 3], strides: 1, pad: "same" },
  { x: [3, 8, 8, 2], f: [4, 2, 2, 3], strides: 1, pad: "same" },
  { x: [1, 9, 9, 1], f: [1, 1, 1, 5], strides: 1, pad: "valid" },
  { x: [3, 10, 11, 2], f: [5, 5, 2, 3], strides: 1, pad: 1 },
  { x: [2, 6, 7, 2], f: [3, 3, 2, 3], strides: 1, pad: 3 },
  { x: [4, 13, 13, 8], f: [3, 3, 8, 16], strides: 1, pad: "valid" },
  { x: [2, 7, 9, 4], f: [3, 3, 4, 5], strides: 1, pad: "valid" },
  { x: [2, 8, 8, 16], f: [3, 3, 16, 8], strides: 1, pad: "same" },
  { x: [2, 9, 10, 20], f: [5, 5, 20, 6], strides: 1, pad: 1 },
  { x: [2, 6, 7, 8], f: [3, 3, 8, 3], strides: 1, pad: 3 },
  { x: [2, 5, 6, 12], f: [4, 2, 12, 7], strides: 1, pad: "same" },
  { x: [3, 13, 13, 32], f: [3, 3, 32, 64], strides: 1, pad: "valid" },
  { x: [5, 13, 13, 8], f: [3, 3, 8, 16], strides: 1, pad: "valid" },
  { x: [2, 30, 29, 4], f: [3, 3, 4, 8], strides: 1, pad: "same" },
  { x: [3, 30, 29, 8], f: [3, 3, 8, 4], strides: 1, pad: "same" },
  { x: [2, 10, 9, 8], f: [3, 3, 8, 16], strides: 1, pad: "valid" },
  { x: [3, 16, 16, 8], f: [3, 3, 8, 4], strides: 1, pad: "same" },
  { x: [2, 6, 7, 8], f: [3, 3, 8, 4], strides: 1, pad: 3 },
  { x: [2, 9, 8, 8], f: [3, 3, 8, 12], strides: 1, pad: 1 },
  { x: [2, 9, 8, 24], f: [3, 3, 24, 8], strides: 1, pad: 1 },
  { x: [2, 8, 8, 16], f: [3, 3, 16, 6], strides: 1, pad: "same" },
  { x: [2, 9, 9, 20], f: [3, 3, 20, 5], strides: 1, pad: "valid" },
  { x: [2, 7, 9, 3], f: [3, 3, 3, 4], strides: 2, pad: "same" },
  { x: [2, 11, 10, 3], f: [3, 3, 3, 2], strides: 2, pad: "valid" },
];

for (const { x, f, strides, pad } of cases) {
  Deno.test(`Conv2DBackpropInput matches cpu: x ${x} filter ${f} strides ${strides} pad ${pad}`, async () => {
    await setupBackend();
    const fv = seededValues(f, 1);
    const before = liveCounts();
    const { wasm, cpu, wasmShape } = await onBothBackends(() =>
      tf.tidy(() => {
        const filter = tf.tensor4d(fv, f as [number, number, number, number]);
        const yShape = tf.conv2d(tf.zeros(x) as unknown as tf.Tensor4D, filter, strides, pad).shape;
        const dy = tf.tensor(seededValues(yShape, 2), yShape);
        return tf.engine().runKernel("Conv2DBackpropInput", { dy, filter }, {
          strides,
          pad,
          dataFormat: "NHWC",
          inputShape: x,
        }) as tf.Tensor;
      })
    );
    assertEquals(wasmShape, x);
    const diff = maxAbsDiff(wasm, cpu);
    assert(diff < 1e-4 * scaleOf(cpu), `max abs diff ${diff} (scale ${scaleOf(cpu)})`);
    assertEquals(liveCounts(), before);
  });
}

Deno.test("Conv2DBackpropInput on wasm frees every intermediate over repeated calls", async () => {
  await setupBackend();
  const dy = tf.tensor4d(seededValues([2, 7, 7, 5], 3), [2, 7, 7, 5]);
  const filter = tf.tensor4d(seededValues([3, 3, 4, 5], 4), [3, 3, 4, 5]);
  const before = liveCounts();
  for (let i = 0; i < 3; i++) {
    const dx = tf.engine().runKernel("Conv2DBackpropInput", { dy, filter }, {
      strides: 1,
      pad: "valid",
      dataFormat: "NHWC",
      inputShape: [2, 9, 9, 4],
    }) as tf.Tensor;
    dx.dispose();
  }
  assertEquals(liveCounts(), before);
  tf.dispose([dy, filter]);
});

Deno.test("Conv2DBackpropInput on wasm rejects NCHW naming the format", async () => {
  await setupBackend();
  const dy = tf.zeros([1, 3, 3, 3]);
  const filter = tf.zeros([3, 3, 2, 3]);
  const before = liveCounts();
  assertThrows(
    () =>
      tf.engine().runKernel("Conv2DBackpropInput", { dy, filter }, {
        strides: 1,
        pad: "valid",
        dataFormat: "NCHW",
        inputShape: [1, 2, 5, 5],
      }),
    InvalidArgumentError,
    "NCHW",
  );
  assertEquals(liveCounts(), before);
  tf.dispose([dy, filter]);
});
