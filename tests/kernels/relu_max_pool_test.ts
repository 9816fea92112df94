import * as tf from "@tensorflow/tfjs";
import { assert, assertEquals, assertThrows } from "@std/assert";
import { setupBackend } from "../../lib/kernels/backend.ts";
import { InvalidArgumentError } from "../../lib/core/errors.ts";
import { maskedBiasGradient, RELU_MAX_POOL } from "../../lib/kernels/relu_max_pool.ts";
import { fusedConv2d, liveCounts, seededValues } from "./_compare.ts";

/**
 * The pool of relu(x + b), and the gradients of Σ pool · w by x and by b:
 * on wasm through a 1×1 identity FusedConv2D that adds b and applies the
 * ReLU, then our pool (whose gradient hands the bias sums to the
 * convolution's); on cpu through tfjs's add, relu and maxPool.
 */
async function poolAndGradient(xv: Float32Array, shape: number[]) {
  const channels = shape[3];
  const run = (fused: boolean) =>
    tf.tidy(() => {
      const x = tf.tensor4d(xv, shape as [number, number, number, number]);
      const b = tf.tensor1d(seededValues([channels], 8).map((v) => v / 4));
      const eye = tf.reshape(tf.eye(channels), [1, 1, channels, channels]);
      const pool = (x: tf.Tensor, b: tf.Tensor) => {
        if (!fused) return tf.maxPool(tf.relu(tf.add(x, b)) as tf.Tensor4D, 2, 2, "valid");
        const y = fusedConv2d({ x, filter: eye, bias: b });
        return tf.engine().runKernel(RELU_MAX_POOL, { x: y }) as tf.Tensor;
      };
      const y = pool(x, b);
      const w = tf.tensor(seededValues(y.shape, 9), y.shape);
      const [dx, db] = tf.grads((x: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(pool(x, b), w)))([
        x,
        b,
      ]);
      return {
        y: y.dataSync() as Float32Array,
        dx: dx.dataSync() as Float32Array,
        db: db.dataSync() as Float32Array,
      };
    });
  await setupBackend();
  const wasm = run(true);
  await tf.setBackend("cpu");
  try {
    return { wasm, cpu: run(false) };
  } finally {
    await tf.setBackend("wasm");
  }
}

for (
  const shape of [
    [64, 26, 26, 32], // the reference model's first block
    [3, 11, 11, 64], // its second: a row and a column past the last window
    [2, 5, 7, 6], // channels past the last four
  ]
) {
  Deno.test(`${RELU_MAX_POOL} and its gradient equal relu then maxPool on cpu: [${shape}]`, async () => {
    await setupBackend();
    const before = liveCounts();
    const n = shape.reduce((a, b) => a * b, 1);
    // Some exact ties and some all-negative windows.
    const xv = seededValues([n], 3).map((v, i) => i % 7 === 0 ? 0.25 : v);
    const { wasm, cpu } = await poolAndGradient(xv, shape);
    assertEquals(Array.from(wasm.y), Array.from(cpu.y));
    assertEquals(Array.from(wasm.dx), Array.from(cpu.dx));
    const diff = Math.max(...Array.from(wasm.db, (v, i) => Math.abs(v - cpu.db[i])));
    assert(diff < 1e-4, `bias gradients differ by ${diff}`);
    assert(cpu.db.some((v) => v !== 0), "the bias gradient is all 0");
    assertEquals(liveCounts(), before);
  });
}

Deno.test(`${RELU_MAX_POOL} gives 0 for windows with nothing above 0, and no gradient`, async () => {
  await setupBackend();
  const x = tf.tensor4d([-1, -2, 0, -3, 1, 5, 5, 3], [2, 2, 2, 1]);
  const y = tf.engine().runKernel(RELU_MAX_POOL, { x }) as tf.Tensor;
  assertEquals(Array.from(y.dataSync()), [0, 5]);
  const dx = tf.grad((x: tf.Tensor) =>
    tf.sum(tf.mul(tf.engine().runKernel(RELU_MAX_POOL, { x }) as tf.Tensor, 7))
  )(x);
  // The first of the tied 5s takes the gradient.
  assertEquals(Array.from(dx.dataSync()), [0, 0, 0, 0, 0, 7, 0, 0]);
  // Sums are kept only for the pool's own gradients, while they live.
  assertEquals(maskedBiasGradient(dx), undefined);
  tf.dispose([x, y, dx]);
});

Deno.test(`${RELU_MAX_POOL} refuses inputs that are not float32 NHWC, naming them`, async () => {
  await setupBackend();
  const flat = tf.zeros([4, 4]), ints = tf.zeros([1, 2, 2, 1], "int32");
  assertThrows(
    () => tf.engine().runKernel(RELU_MAX_POOL, { x: flat }),
    InvalidArgumentError,
    "needs a float32 [N, H, W, C] input, got float32 [4,4]",
  );
  assertThrows(
    () => tf.engine().runKernel(RELU_MAX_POOL, { x: ints }),
    InvalidArgumentError,
    "got int32 [1,2,2,1]",
  );
  tf.dispose([flat, ints]);
});
