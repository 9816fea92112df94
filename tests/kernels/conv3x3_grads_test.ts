import * as tf from "@tensorflow/tfjs";
import { assert, assertEquals, assertThrows } from "@std/assert";
import { setupBackend } from "../../lib/kernels/backend.ts";
import { InvalidArgumentError } from "../../lib/core/errors.ts";
import { CONV3X3_GRADS } from "../../lib/kernels/conv3x3_grads.ts";
import { liveCounts, maxAbsDiff, onBothBackends, scaleOf, seededValues } from "./_compare.ts";

type Pad = "valid" | "same" | number;
// F(6×6, 3×3): the reference CNN's conv2, padding, a last block of images
// shorter than the others (25 tiles an image, blocks of 2); F(4×4, 3×3):
// an 8×7 output, and 16 channels with 24 filters (both blocks of the
// products).
const cases: { x: number[]; f: number[]; pad: Pad }[] = [
  { x: [3, 13, 13, 32], f: [3, 3, 32, 64], pad: "valid" },
  { x: [2, 10, 11, 8], f: [3, 3, 8, 16], pad: 1 },
  { x: [3, 30, 29, 8], f: [3, 3, 8, 8], pad: "same" },
  { x: [2, 10, 9, 8], f: [3, 3, 8, 16], pad: "valid" },
  { x: [2, 10, 9, 16], f: [3, 3, 16, 24], pad: "valid" },
];

/** [dx, dw] by our kernel, or by Conv2DBackpropInput and Conv2DBackpropFilter. */
function gradients(c: (typeof cases)[number], together: boolean): tf.Tensor[] {
  return tf.tidy(() => {
    const x = tf.tensor4d(seededValues(c.x, 1), c.x as [number, number, number, number]);
    const f = tf.tensor4d(seededValues(c.f, 2), c.f as [number, number, number, number]);
    const y = tf.conv2d(x, f, 1, c.pad);
    const dy = tf.tensor(seededValues(y.shape, 3), y.shape);
    const attrs = { strides: 1, pad: c.pad, dataFormat: "NHWC" };
    if (together) {
      return tf.engine().runKernel(CONV3X3_GRADS, { x, dy, filter: f }, attrs) as tf.Tensor[];
    }
    return [
      tf.engine().runKernel("Conv2DBackpropInput", { dy, filter: f }, {
        ...attrs,
        inputShape: c.x,
      }) as tf.Tensor,
      tf.engine().runKernel("Conv2DBackpropFilter", { x, dy }, {
        ...attrs,
        filterShape: c.f,
      }) as tf.Tensor,
    ];
  });
}

for (const c of cases) {
  Deno.test(`DigitLabConv3x3Grads equals both gradient kernels to the bit, and cpu: x ${c.x} filter ${c.f} pad ${c.pad}`, async () => {
    await setupBackend();
    const before = liveCounts();
    const ours = gradients(c, true);
    const apart = gradients(c, false);
    assertEquals(ours.map((t) => t.shape), [c.x, c.f]);
    ours.forEach((t, i) => assertEquals(t.dataSync(), apart[i].dataSync(), `output ${i}`));
    const data = ours.map((t) => Array.from(t.dataSync()));
    tf.dispose([...ours, ...apart]);
    assertEquals(liveCounts(), before);
    const { cpu } = await onBothBackends(() =>
      tf.concat(gradients(c, false).map((t) => t.flatten()))
    );
    const diff = maxAbsDiff([...data[0], ...data[1]], cpu);
    assert(diff < 1e-5 * scaleOf(cpu), `max abs diff ${diff}`);
  });
}

Deno.test("DigitLabConv3x3Grads refuses convolutions it does not run and a dy of another shape, naming them", async () => {
  await setupBackend();
  const before = liveCounts();
  const run = (xShape: number[], fShape: number[], dyShape: number[], strides = 1) => () =>
    tf.tidy(() =>
      tf.engine().runKernel(CONV3X3_GRADS, {
        x: tf.zeros(xShape),
        dy: tf.zeros(dyShape),
        filter: tf.zeros(fShape),
      }, { strides, pad: "valid" })
    );
  assertThrows(
    run([1, 6, 6, 4], [3, 3, 4, 8], [1, 4, 4, 8]),
    InvalidArgumentError,
    "input and output channels multiples of 8, got x float32 [1,6,6,4], filter float32 [3,3,4,8], strides 1",
  );
  assertThrows(run([1, 7, 7, 8], [3, 3, 8, 8], [1, 3, 3, 8], 2), InvalidArgumentError, "strides 2");
  assertThrows(
    run([1, 6, 6, 8], [3, 3, 8, 8], [1, 3, 4, 8]),
    InvalidArgumentError,
    "dy of the convolution's output shape [1,4,4,8], got [1,3,4,8]",
  );
  assertEquals(liveCounts(), before);
});
