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
  const c4 = tf.backend_util.computeConv2DInfo([1, 4, 4, 4], [3, 3, 4, 2], 2, 1, "valid");
  const f4 = tf.zeros([3, 3, 4, 2]);
  const dx4 = tf.zeros([1, 4, 4, 4]);
  assertThrows(
    () => k.conv2dInputGrad({ dy: tf.zeros([1, 1, 1, 2]), filter: f4, scratch: f4, dx: dx4 }, c4),
    InvalidArgumentError,
    "needs stride 1, dilation 1 and input channels a multiple of 4, got stride 2x2",
  );
  const c3 = tf.backend_util.computeConv2DInfo([1, 4, 4, 3], [3, 3, 3, 2], 1, 1, "valid");
  const f3 = tf.zeros([3, 3, 3, 2]);
  assertThrows(
    () => k.conv2dInputGrad({ dy: tf.zeros([1, 2, 2, 2]), filter: f3, scratch: f3, dx: f3 }, c3),
    InvalidArgumentError,
    "3 channels",
  );
  const s1 = tf.backend_util.computeConv2DInfo([1, 4, 4, 4], [3, 3, 4, 2], 1, 1, "valid");
  assertThrows(
    () => k.conv2dInputGrad({ dy: tf.zeros([1, 2, 2, 2]), filter: f4, scratch: x, dx: dx4 }, s1),
    InvalidArgumentError,
    "scratch must be float32 with 72 elements",
  );
  assertThrows(
    () => k.addBias({ x, bias: x, y: x }, { rows: 4, cols: 4 }),
    InvalidArgumentError,
    "bias must be float32 with 4 elements, got float32 shape [1,4,4,1]",
  );
  assertThrows(
    () => k.step({ x, y: small }, 0),
    InvalidArgumentError,
    "y must be float32 with 16 elements",
  );
  assertThrows(
    () => k.sumRows({ x, scratch: dy, out: dy }, { rows: 4, cols: 4 }),
    InvalidArgumentError,
    "scratch must be float32 with 8 elements",
  );
  tf.dispose([x, dy, small, ints, dw, f4, dx4, f3]);
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

Deno.test("conv2dInputGrad spreads dy back through every filter tap", async () => {
  await setupBackend();
  const backend = tf.backend() as BackendWasm;
  const before = liveCounts();
  // One 3×3 image with 4 channels, a 2×2 filter with 2 output channels,
  // stride 1, no padding: dx[y, x, i] = Σ dy[y - a, x - b, o] · w[a, b, i, o].
  const wv = Array.from({ length: 32 }, (_, i) => (i % 5) - 2);
  const dyv = Array.from({ length: 8 }, (_, i) => i + 1);
  const filter = tf.tensor4d(wv, [2, 2, 4, 2]);
  const dy = tf.tensor4d(dyv, [1, 2, 2, 2]);
  const scratch = tf.zeros([2, 2, 4, 2]);
  const dx = tf.fill([1, 3, 3, 4], 9); // junk: every element must be written
  const info = tf.backend_util.computeConv2DInfo([1, 3, 3, 4], [2, 2, 4, 2], 1, 1, "valid");
  simdKernels(backend).conv2dInputGrad({ dy, filter, scratch, dx }, info);
  const expected: number[] = [];
  for (let y = 0; y < 3; y++) {
    for (let x = 0; x < 3; x++) {
      for (let i = 0; i < 4; i++) {
        let sum = 0;
        for (let a = 0; a < 2; a++) {
          for (let b = 0; b < 2; b++) {
            const r = y - a, q = x - b;
            if (r < 0 || r > 1 || q < 0 || q > 1) continue;
            for (let o = 0; o < 2; o++) {
              sum += dyv[(r * 2 + q) * 2 + o] * wv[((a * 2 + b) * 4 + i) * 2 + o];
            }
          }
        }
        expected.push(sum);
      }
    }
  }
  assertEquals(Array.from(dx.dataSync()), expected);
  tf.dispose([filter, dy, scratch, dx]);
  assertEquals(liveCounts(), before);
});
