import * as tf from "@tensorflow/tfjs";
import { assert, assertEquals, assertThrows } from "@std/assert";
import { setupBackend } from "../../lib/kernels/backend.ts";
import { InvalidArgumentError } from "../../lib/core/errors.ts";
import { RELU_GRAD_BIAS } from "../../lib/kernels/relu_grad_bias.ts";
import { liveCounts, maxAbsDiff, seededValues } from "./_compare.ts";

/** dz and db from the kernel (on wasm), and from tfjs's ops on cpu. */
async function both(dyv: Float32Array, yv: Float32Array, shape: number[]) {
  await setupBackend();
  const dy = tf.tensor(dyv, shape), y = tf.tensor(yv, shape);
  const [dz, db] = tf.engine().runKernel(RELU_GRAD_BIAS, { dy, y }) as tf.Tensor[];
  const got = { dz: dz.dataSync() as Float32Array, db: db.dataSync() as Float32Array };
  tf.dispose([dy, y, dz, db]);
  await tf.setBackend("cpu");
  try {
    return tf.tidy(() => {
      const dz = tf.mul(tf.tensor(dyv, shape), tf.step(tf.tensor(yv, shape)));
      const axes = shape.slice(0, -1).map((_, i) => i);
      const db = axes.length ? tf.sum(dz, axes) : dz;
      return {
        got,
        want: { dz: dz.dataSync() as Float32Array, db: db.dataSync() as Float32Array },
      };
    });
  } finally {
    await tf.setBackend("wasm");
  }
}

for (const shape of [[64, 26, 26, 32], [3, 5, 5, 16], [3, 5, 5, 7], [2, 3], [6]]) {
  Deno.test(`${RELU_GRAD_BIAS} equals dy·step(y) and its sums on cpu: shape [${shape}]`, async () => {
    await setupBackend();
    const before = liveCounts();
    const n = shape.reduce((a, b) => a * b, 1);
    // y as a ReLU's output: about half zeros, the rest positive.
    const yv = seededValues([n], 1).map((v) => Math.max(0, v));
    const { got, want } = await both(seededValues([n], 2), yv, shape);
    assertEquals(Array.from(got.dz), Array.from(want.dz));
    const diff = maxAbsDiff(got.db, want.db);
    assert(diff < 1e-5 * Math.max(1, ...Array.from(want.db, Math.abs)), `db diff ${diff}`);
    assertEquals(liveCounts(), before);
  });
}

Deno.test(`${RELU_GRAD_BIAS} keeps NaN, passes ±0 and negatives as tfjs does`, async () => {
  const yv = Float32Array.from([NaN, 0, -0, -1, 2, Infinity, 1e-30, -3]);
  const dyv = Float32Array.from([1, 2, 3, 4, 5, 6, 7, NaN]);
  const { got, want } = await both(dyv, yv, [2, 4]);
  assertEquals(Array.from(got.dz), Array.from(want.dz));
  assertEquals(Array.from(got.db), Array.from(want.db));
});

Deno.test(`${RELU_GRAD_BIAS} refuses mismatched shapes and dtypes, naming them`, async () => {
  await setupBackend();
  const a = tf.zeros([2, 3]), b = tf.zeros([3, 2]), i = tf.zeros([2, 3], "int32");
  assertThrows(
    () => tf.engine().runKernel(RELU_GRAD_BIAS, { dy: a, y: b }),
    InvalidArgumentError,
    "float32 dy and y of one shape (rank >= 1), got float32 [2,3] and float32 [3,2]",
  );
  assertThrows(
    () => tf.engine().runKernel(RELU_GRAD_BIAS, { dy: i, y: a }),
    InvalidArgumentError,
    "got int32 [2,3]",
  );
  tf.dispose([a, b, i]);
});
