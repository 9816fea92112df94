import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { assertEquals, assertStrictEquals, assertThrows } from "@std/assert";
import { setupBackend } from "../../lib/backend.ts";
import { InvalidArgumentError } from "../../lib/errors.ts";
import { simdKernels } from "../../lib/kernels/simd.ts";
import { liveCounts } from "./_compare.ts";

const pool = { batch: 1, inHeight: 4, inWidth: 4, channels: 1, outHeight: 2, outWidth: 2 };

Deno.test("simdKernels binds once per backend memory", async () => {
  await setupBackend();
  const backend = tf.backend() as BackendWasm;
  assertStrictEquals(simdKernels(backend), simdKernels(backend));
});

Deno.test("maxPoolGrad2x2 writes each window's gradient at its maximum and zeroes the rest", async () => {
  await setupBackend();
  const backend = tf.backend() as BackendWasm;
  const before = liveCounts();
  // A 5×5 input: its last row and column lie outside every 2×2 window.
  const x = tf.tensor4d(Array.from({ length: 25 }, (_, i) => (i * 7) % 11), [1, 5, 5, 1]);
  const dy = tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1]);
  // Fill the output with junk first: every element must be written.
  const dx = tf.fill([1, 5, 5, 1], 9);
  simdKernels(backend).maxPoolGrad2x2({ x, dy, dx }, { ...pool, inHeight: 5, inWidth: 5 });
  // x rows: [0 7 3 10 6] [2 9 5 1 8] [4 0 7 3 10] [6 2 9 5 1] [...]; the
  // windows' maxima: 9 at (1, 1), 10 at (0, 3), 6 at (3, 0), 9 at (3, 2).
  assertEquals(
    Array.from(dx.dataSync()),
    [
      [0, 0, 0, 2, 0],
      [0, 1, 0, 0, 0],
      [0, 0, 0, 0, 0],
      [3, 0, 4, 0, 0],
      [0, 0, 0, 0, 0],
    ].flat(),
  );
  tf.dispose([x, dy, dx]);
  assertEquals(liveCounts(), before);
});

Deno.test("the SIMD wrappers refuse wrong sizes and dtypes, naming them", async () => {
  await setupBackend();
  const k = simdKernels(tf.backend() as BackendWasm);
  const x = tf.zeros([1, 4, 4, 1]);
  const dy = tf.zeros([1, 2, 2, 1]);
  const small = tf.zeros([1, 3, 4, 1]);
  const ints = tf.zeros([1, 4, 4, 1], "int32");
  assertThrows(
    () => k.maxPoolGrad2x2({ x, dy, dx: small }, pool),
    InvalidArgumentError,
    "dx must be float32 with 16 elements, got float32 shape [1,3,4,1]",
  );
  assertThrows(
    () => k.maxPoolGrad2x2({ x: ints, dy, dx: x }, pool),
    InvalidArgumentError,
    "x must be float32 with 16 elements, got int32",
  );
  assertThrows(
    () => k.maxPoolGrad2x2({ x, dy, dx: x }, { ...pool, outHeight: 3 }),
    InvalidArgumentError,
    "at most 2x2 windows, got 3x2",
  );
  const info = tf.backend_util.computeConv2DInfo([1, 4, 4, 1], [2, 2, 1, 1], 1, 2, "valid");
  const dw = tf.zeros([2, 2, 1, 1]);
  assertThrows(
    () => k.conv2dFilterGrad({ x, dy: tf.zeros([1, 2, 2, 1]), dw }, info),
    InvalidArgumentError,
    "dilation 1, got 2x2",
  );
  tf.dispose([x, dy, small, ints, dw]);
});

Deno.test("conv2dFilterGrad sums x·dy over the batch for every filter tap", async () => {
  await setupBackend();
  const backend = tf.backend() as BackendWasm;
  // Two 3×3 single-channel images, a 2×2 filter with 2 output channels,
  // stride 1, no padding: dw[a, b, 0, o] = Σ x[n, r+a, q+b] · dy[n, r, q, o].
  const xv = Array.from({ length: 18 }, (_, i) => i + 1);
  const dyv = Array.from({ length: 16 }, (_, i) => (i % 3) - 1);
  const x = tf.tensor4d(xv, [2, 3, 3, 1]);
  const dy = tf.tensor4d(dyv, [2, 2, 2, 2]);
  const dw = tf.zeros([2, 2, 1, 2]);
  const info = tf.backend_util.computeConv2DInfo([2, 3, 3, 1], [2, 2, 1, 2], 1, 1, "valid");
  simdKernels(backend).conv2dFilterGrad({ x, dy, dw }, info);
  const expected: number[] = [];
  for (let a = 0; a < 2; a++) {
    for (let b = 0; b < 2; b++) {
      for (let o = 0; o < 2; o++) {
        let sum = 0;
        for (let n = 0; n < 2; n++) {
          for (let r = 0; r < 2; r++) {
            for (let q = 0; q < 2; q++) {
              sum += xv[n * 9 + (r + a) * 3 + q + b] * dyv[((n * 2 + r) * 2 + q) * 2 + o];
            }
          }
        }
        expected.push(sum);
      }
    }
  }
  assertEquals(Array.from(dw.dataSync()), expected);
  tf.dispose([x, dy, dw]);
});
