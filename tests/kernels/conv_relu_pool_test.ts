import * as tf from "@tensorflow/tfjs";
import { assert, assertEquals, assertThrows } from "@std/assert";
import { setupBackend } from "../../lib/kernels/backend.ts";
import { InvalidArgumentError } from "../../lib/core/errors.ts";
import { CONV_RELU_POOL } from "../../lib/kernels/conv_relu_pool.ts";
import { RELU_MAX_POOL } from "../../lib/kernels/relu_max_pool.ts";
import { fusedConv2d, liveCounts, maxAbsDiff, scaleOf, seededValues } from "./_compare.ts";

type Shape4 = [number, number, number, number];

/** Inputs of a block: images in [0, 1] (a flat patch where `flat`), a filter and a bias. */
function blockInputs(shape: Shape4, filters: number, flat: boolean) {
  const x = seededValues(shape, 11).map((v) => (v + 1) / 2);
  // A constant region makes equal maxima in a window: the first must win.
  if (flat) { for (let i = 0; i < Math.min(x.length, 3 * shape[2]); i++) x[i] = 0.5; }
  return {
    x,
    filter: seededValues([3, 3, 1, filters], 12),
    bias: seededValues([filters], 13).map((v) => v / 4),
  };
}

/**
 * The block's pooled output, and the gradients of Σ y · w by filter and
 * bias: through our kernel (`fused`), or through the separate ops (on wasm:
 * FusedConv2D then our ReLU-pool; on cpu: conv2d, add, relu, maxPool).
 */
function block(
  inputs: ReturnType<typeof blockInputs>,
  shape: Shape4,
  options: { fused: boolean; bias: boolean },
) {
  return tf.tidy(() => {
    const x = tf.tensor4d(inputs.x, shape);
    const filters = inputs.filter.length / 9;
    const filter = tf.tensor4d(inputs.filter, [3, 3, 1, filters]);
    const bias = tf.tensor1d(options.bias ? inputs.bias : new Float32Array(filters));
    const forward = (filter: tf.Tensor, bias: tf.Tensor): tf.Tensor => {
      const named: tf.NamedTensorMap = options.bias ? { x, filter, bias } : { x, filter };
      if (options.fused) return (tf.engine().runKernel(CONV_RELU_POOL, named) as tf.Tensor[])[0];
      if (tf.getBackend() === "wasm") {
        return tf.engine().runKernel(RELU_MAX_POOL, { x: fusedConv2d(named) }) as tf.Tensor;
      }
      const z = tf.relu(tf.add(tf.conv2d(x, filter as tf.Tensor4D, 1, "valid"), bias));
      return tf.maxPool(z as tf.Tensor4D, 2, 2, "valid");
    };
    const y = forward(filter, bias);
    const w = tf.tensor(seededValues(y.shape, 14), y.shape);
    const loss = (f: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(forward(f, b), w));
    // Without a bias, the bias tensor is not an input and has no gradient.
    const [dw, db] = options.bias
      ? tf.grads(loss)([filter, bias])
      : [tf.grad((f: tf.Tensor) => loss(f, bias))(filter), tf.tensor1d([])];
    return {
      y: y.dataSync() as Float32Array,
      dw: dw.dataSync() as Float32Array,
      db: db.dataSync() as Float32Array,
    };
  });
}

const CASES: { shape: Shape4; filters: number; bias: boolean; flat: boolean }[] = [
  { shape: [64, 28, 28, 1], filters: 32, bias: true, flat: false }, // the reference CNN's conv1
  { shape: [3, 9, 8, 1], filters: 16, bias: true, flat: true }, // a conv row past the last window
  { shape: [2, 4, 4, 1], filters: 8, bias: false, flat: true }, // one window, no bias
];

for (const { shape, filters, bias, flat } of CASES) {
  Deno.test(`conv-ReLU-pool gives the separate ops' values to the bit: [${shape}] x ${filters}`, async () => {
    await setupBackend();
    const inputs = blockInputs(shape, filters, flat);
    const before = liveCounts();
    const ours = block(inputs, shape, { fused: true, bias });
    const ops = block(inputs, shape, { fused: false, bias });
    assertEquals(liveCounts(), before);
    assertEquals(ours.y, ops.y);
    assert(ours.y.some((v) => v > 0) && ours.y.some((v) => v === 0), "ReLU both ways");
    // The gradients sum the same products in another order.
    for (const key of bias ? ["dw", "db"] as const : ["dw"] as const) {
      const diff = maxAbsDiff(ours[key], ops[key]);
      assert(diff <= 1e-5 * scaleOf(ops[key]), `${key}: max abs diff ${diff}`);
    }
  });

  Deno.test(`conv-ReLU-pool gradients match the cpu backend: [${shape}] x ${filters}`, async () => {
    await setupBackend();
    const inputs = blockInputs(shape, filters, flat);
    const ours = block(inputs, shape, { fused: true, bias });
    await tf.setBackend("cpu");
    let cpu: ReturnType<typeof block>;
    try {
      cpu = block(inputs, shape, { fused: false, bias });
    } finally {
      await tf.setBackend("wasm");
    }
    for (const key of bias ? ["y", "dw", "db"] as const : ["y", "dw"] as const) {
      const diff = maxAbsDiff(ours[key], cpu[key]);
      assert(diff <= 1e-4 * scaleOf(cpu[key]), `${key}: max abs diff ${diff}`);
      assert(cpu[key].some((v) => v !== 0), `${key} is all zeros`);
    }
  });
}

Deno.test("conv-ReLU-pool refuses what it cannot run, naming it, and keeps nothing", async () => {
  await setupBackend();
  const before = liveCounts();
  tf.tidy(() => {
    const run = (x: tf.Tensor, filter: tf.Tensor) => () =>
      tf.engine().runKernel(CONV_RELU_POOL, { x, filter });
    assertThrows(
      run(tf.zeros([1, 8, 8, 1]), tf.zeros([3, 3, 1, 12])),
      InvalidArgumentError,
      "filters in multiples of 8, got 12",
    );
    assertThrows(
      run(tf.zeros([1, 8, 8, 2]), tf.zeros([3, 3, 2, 8])),
      InvalidArgumentError,
      "needs a float32 [N, H, W, 1] input and a [3, 3, 1, CO] filter, got float32 [1,8,8,2]",
    );
    assertThrows(
      run(tf.zeros([1, 3, 8, 1]), tf.zeros([3, 3, 1, 8])),
      InvalidArgumentError,
      "needs at least 4x4 pixels, got 3x8",
    );
  });
  assertEquals(liveCounts(), before);
});

Deno.test("conv-ReLU-pool has no input gradient, and says so", async () => {
  await setupBackend();
  tf.tidy(() => {
    const filter = tf.ones([3, 3, 1, 8]);
    assertThrows(
      () =>
        tf.grad((x: tf.Tensor) =>
          tf.sum((tf.engine().runKernel(CONV_RELU_POOL, { x, filter }) as tf.Tensor[])[0])
        )(tf.ones([1, 6, 6, 1])),
      InvalidArgumentError,
      "has no gradient for its input",
    );
  });
});
