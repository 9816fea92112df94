import * as tf from "@tensorflow/tfjs";
import { assert, assertEquals, assertThrows } from "@std/assert";
import { setupBackend } from "../../lib/kernels/backend.ts";
import { InvalidArgumentError } from "../../lib/core/errors.ts";
import {
  fusedConv2d,
  liveCounts,
  maxAbsDiff,
  onBothBackends,
  scaleOf,
  seededValues,
} from "./_compare.ts";

type Pad = "valid" | "same" | number;
const cases: {
  x: number[];
  f: number[];
  strides: number;
  pad: Pad;
  activation: "relu" | "linear";
  bias: boolean;
}[] = [
  // The reference model's two convolutions (our SIMD paths).
  { x: [3, 28, 28, 1], f: [3, 3, 1, 32], strides: 1, pad: "valid", activation: "relu", bias: true },
  {
    x: [3, 13, 13, 32],
    f: [3, 3, 32, 64],
    strides: 1,
    pad: "valid",
    activation: "relu",
    bias: true,
  },
  // The backend's own kernels: padding, strides, no bias, linear.
  { x: [2, 9, 8, 3], f: [3, 3, 3, 5], strides: 2, pad: "same", activation: "relu", bias: true },
  { x: [2, 7, 7, 4], f: [5, 5, 4, 8], strides: 1, pad: 1, activation: "linear", bias: false },
];

/**
 * The gradients of `Σ (conv · w)` by x, filter and bias, computed through
 * the fused kernel, or through the separate ops tfjs-layers runs.
 */
function gradients(c: (typeof cases)[number], fused: boolean): tf.Tensor {
  return tf.tidy(() => {
    const x = tf.tensor4d(seededValues(c.x, 1), c.x as [number, number, number, number]);
    const f = tf.tensor4d(seededValues(c.f, 2), c.f as [number, number, number, number]);
    const b = tf.tensor1d(seededValues([c.f[3]], 3));
    const forward = (x: tf.Tensor, f: tf.Tensor, b: tf.Tensor): tf.Tensor => {
      if (fused) {
        const inputs: tf.NamedTensorMap = c.bias ? { x, filter: f, bias: b } : { x, filter: f };
        return fusedConv2d(inputs, c);
      }
      let y = tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, c.strides, c.pad);
      if (c.bias) y = tf.add(y, b);
      return c.activation === "relu" ? tf.relu(y) : y;
    };
    const weights = (shape: number[]) => tf.tensor(seededValues(shape, 4), shape);
    const grads = tf.grads((x: tf.Tensor, f: tf.Tensor, b: tf.Tensor) => {
      const y = forward(x, f, b);
      const loss = tf.sum(tf.mul(y, weights(y.shape)));
      // Without a bias, b still needs a path to the loss (its gradient: 0).
      return c.bias ? loss : tf.add(loss, tf.mul(tf.sum(b), 0));
    })([x, f, b]);
    return tf.concat([grads[0].flatten(), grads[1].flatten(), grads[2].flatten()]);
  });
}

for (const c of cases) {
  Deno.test(`FusedConv2D's gradient equals the unfused ops' on both backends: x ${c.x} filter ${c.f} strides ${c.strides} pad ${c.pad} ${c.activation}${c.bias ? " bias" : ""}`, async () => {
    await setupBackend();
    const before = liveCounts();
    const fused = await onBothBackends(() => gradients(c, true));
    const plain = await onBothBackends(() => gradients(c, false));
    for (
      const [name, a, b] of [
        ["wasm fused vs cpu unfused", fused.wasm, plain.cpu],
        ["cpu fused vs cpu unfused", fused.cpu, plain.cpu],
      ] as const
    ) {
      const diff = maxAbsDiff(a, b);
      assert(diff < 1e-4 * scaleOf(b), `${name}: max abs diff ${diff} (scale ${scaleOf(b)})`);
    }
    assertEquals(liveCounts(), before);
  });
}

Deno.test("FusedConv2D's gradient refuses activations other than linear and relu, naming them", async () => {
  await setupBackend();
  const x = tf.ones([1, 4, 4, 1]);
  const f = tf.ones([3, 3, 1, 2]);
  assertThrows(
    () =>
      tf.grad((x: tf.Tensor) =>
        tf.sum(
          fusedConv2d({ x, filter: f }, { activation: "elu" }),
        )
      )(x),
    InvalidArgumentError,
    'takes a linear or relu activation, got "elu"',
  );
  tf.dispose([x, f]);
});

Deno.test("FusedConv2D's gradient on wasm runs both Winograd gradients as one kernel", async () => {
  await setupBackend();
  const before = liveCounts();
  const x = tf.tensor4d(seededValues([2, 13, 13, 32], 1), [2, 13, 13, 32]);
  const f = tf.tensor4d(seededValues([3, 3, 32, 64], 2), [3, 3, 32, 64]);
  const b = tf.tensor1d(seededValues([64], 3));
  const profile = await tf.profile(() => {
    const grads = tf.grads((x: tf.Tensor, f: tf.Tensor, b: tf.Tensor) =>
      tf.sum(fusedConv2d({ x, filter: f, bias: b }))
    )([x, f, b]);
    tf.dispose(grads);
  });
  assert(profile.kernelNames.includes("DigitLabConv3x3Grads"), profile.kernelNames.join());
  for (const apart of ["Conv2DBackpropInput", "Conv2DBackpropFilter"]) {
    assert(!profile.kernelNames.includes(apart), profile.kernelNames.join());
  }
  tf.dispose([x, f, b]);
  assertEquals(liveCounts(), before);
});
