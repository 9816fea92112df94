import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { assert, assertEquals, assertStrictEquals, assertThrows } from "@std/assert";
import { setupBackend } from "../../../lib/kernels/backend.ts";
import { BackendError, InvalidArgumentError } from "../../../lib/core/errors.ts";
import {
  simdExports,
  simdKernels,
  winogradScratchSize,
} from "../../../lib/kernels/simd/bindings.ts";
import { KERNELS_WASM_BASE64 } from "../../../lib/kernels/simd/kernels_wasm.ts";
import { liveCounts } from "../_compare.ts";

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
  const gemm = { m: 4, k: 4, n: 1, transposeA: false, transposeB: false };
  assertThrows(
    () => k.gemm({ a: x, b: dy, scratch: x, c: dy }, { ...gemm, k: 2.5 }),
    InvalidArgumentError,
    "gemm needs k a positive integer, got 2.5",
  );
  assertThrows(
    () => k.gemm({ a: x, b: dy, scratch: x, c: dy }, gemm),
    InvalidArgumentError,
    "scratch must be float32 with 80 elements",
  );
  tf.dispose([x, dy, small, ints, dw, f4, dx4, f3]);
});

Deno.test("gemm multiplies with either operand transposed, over partial blocks", async () => {
  await setupBackend();
  const backend = tf.backend() as BackendWasm;
  const k = simdKernels(backend);
  // m = 11 runs rows in blocks of 6, 4 and 1; n = 11 leaves a partial block of columns;
  // k = 300 spans two slices of 256.
  const [m, kk, n] = [11, 300, 11];
  const av = Float32Array.from({ length: m * kk }, (_, i) => ((i * 7) % 13) / 13 - 0.5);
  const bv = Float32Array.from({ length: kk * n }, (_, i) => ((i * 5) % 11) / 11 - 0.5);
  const want = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      for (let t = 0; t < kk; t++) want[i * n + j] += av[i * kk + t] * bv[t * n + j];
    }
  }
  for (const transposeA of [false, true]) {
    for (const transposeB of [false, true]) {
      const before = liveCounts();
      tf.tidy(() => {
        const a0 = tf.tensor2d(av, [m, kk]), b0 = tf.tensor2d(bv, [kk, n]);
        const a = transposeA ? a0.transpose() : a0, b = transposeB ? b0.transpose() : b0;
        const c = tf.zeros([m, n]);
        const scratch = tf.zeros([Math.ceil(n / 8) * 8 * kk + 48]);
        k.gemm({ a, b, scratch, c }, { m, k: kk, n, transposeA, transposeB });
        const got = c.dataSync();
        for (let i = 0; i < m * n; i++) {
          assert(
            Math.abs(got[i] - want[i]) < 1e-4,
            `transposeA ${transposeA} transposeB ${transposeB}: [${i}] ${got[i]} vs ${want[i]}`,
          );
        }
      });
      assertEquals(liveCounts(), before);
    }
  }
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

/**
 * Asserts `actual` is `expected` within Winograd F(4×4, 3×3)'s rounding
 * (its transforms divide by 6, 12 and 24): `tolerance` (default 1e-6) of
 * the largest value.
 */
function assertWinograd(
  actual: Float32Array | Int32Array | Uint8Array,
  expected: number[],
  tolerance = 1e-6,
) {
  assertEquals(actual.length, expected.length);
  const scale = Math.max(1, ...expected.map(Math.abs));
  const diff = Math.max(...expected.map((e, i) => Math.abs(actual[i] - e)));
  assert(diff <= tolerance * scale, `max abs diff ${diff} at scale ${scale}`);
}

/** A Winograd shape with the given sizes and no padding or ReLU. */
function winograd(c: number, o: number, inSize: number, outSize: number) {
  return {
    batch: 1,
    inHeight: inSize,
    inWidth: inSize,
    inChannels: c,
    outHeight: outSize,
    outWidth: outSize,
    outChannels: o,
    padTop: 0,
    padLeft: 0,
    relu: false,
  };
}

Deno.test("conv3x3Winograd sums every tap and channel, adds the bias, then applies ReLU", async () => {
  await setupBackend();
  const backend = tf.backend() as BackendWasm;
  const before = liveCounts();
  // One 3×3 image whose channel k holds k + 1 everywhere; filter j holds
  // j + 1 everywhere: y[j] = 9 taps · (1 + 2 + 3 + 4) · (j + 1) = 90 (j + 1).
  // With bias −200 j, y[j] = 90 − 110 j: 90 for j = 0, negative (so 0
  // after ReLU) for the others.
  const shape = { ...winograd(4, 8, 3, 1), relu: true };
  const x = tf.tensor4d(Array.from({ length: 36 }, (_, i) => (i % 4) + 1), [1, 3, 3, 4]);
  const filter = tf.tensor4d(Array.from({ length: 288 }, (_, i) => (i % 8) + 1), [3, 3, 4, 8]);
  const bias = tf.tensor1d(Array.from({ length: 8 }, (_, j) => -200 * j));
  const scratch = tf.zeros([winogradScratchSize(shape)]);
  const y = tf.fill([1, 1, 1, 8], 9); // junk: every element must be written
  const k = simdKernels(backend);
  k.conv3x3Winograd({ x, filter, bias, scratch, y }, shape);
  assertWinograd(y.dataSync(), [90, 0, 0, 0, 0, 0, 0, 0]);
  k.conv3x3Winograd({ x, filter, scratch, y }, { ...shape, relu: false });
  assertWinograd(y.dataSync(), [90, 180, 270, 360, 450, 540, 630, 720]);
  tf.dispose([x, filter, bias, scratch, y]);
  assertEquals(liveCounts(), before);
});

Deno.test("conv3x3WinogradInputGrad adds dy times the filter over every tap that reaches a pixel", async () => {
  await setupBackend();
  const backend = tf.backend() as BackendWasm;
  const before = liveCounts();
  // Two 7x6 images, 8 channels, 4 filters, padding 1: outputs 7x6, two
  // tile rows and two tile columns, the last of each partly past the output
  // and past the image. Integer values keep the sums exact in float32.
  const info = tf.backend_util.computeConv2DInfo([2, 7, 6, 8], [3, 3, 8, 4], 1, 1, 1);
  const dyv = Array.from({ length: 2 * 7 * 6 * 4 }, (_, i) => ((i * 7) % 11) - 5);
  const wv = Array.from({ length: 9 * 8 * 4 }, (_, i) => ((i * 5) % 9) - 4);
  const expected = new Array(2 * 7 * 6 * 8).fill(0);
  for (let n = 0; n < 2; n++) {
    for (let y = 0; y < 7; y++) {
      for (let x = 0; x < 6; x++) {
        for (let k = 0; k < 8; k++) {
          let sum = 0;
          for (let a = 0; a < 3; a++) {
            for (let b = 0; b < 3; b++) {
              const r = y + 1 - a, q = x + 1 - b;
              if (r < 0 || r >= 7 || q < 0 || q >= 6) continue;
              for (let j = 0; j < 4; j++) {
                sum += dyv[((n * 7 + r) * 6 + q) * 4 + j] * wv[((a * 3 + b) * 8 + k) * 4 + j];
              }
            }
          }
          expected[((n * 7 + y) * 6 + x) * 8 + k] = sum;
        }
      }
    }
  }
  const dy = tf.tensor4d(dyv, [2, 7, 6, 4]);
  const filter = tf.tensor4d(wv, [3, 3, 8, 4]);
  const scratch = tf.zeros([winogradScratchSize({ ...info, batch: 2 })]);
  const dx = tf.fill([2, 7, 6, 8], 9); // every value overwritten
  simdKernels(backend).conv3x3WinogradInputGrad({ dy, filter, scratch, dx }, info);
  // On the way back the values pass the filter's 1/6 and 1/24 and then B's
  // 4s and 5s (the forward pass divides after multiplying): measured 1.2e-6.
  assertWinograd(dx.dataSync(), expected, 4e-6);
  tf.dispose([dy, filter, scratch, dx]);
  assertEquals(liveCounts(), before);
});

Deno.test("conv3x3WinogradFilterGrad gives x·dy at every tap, summed over the batch", async () => {
  await setupBackend();
  const backend = tf.backend() as BackendWasm;
  const before = liveCounts();
  // Two 3×3 images of 4 channels, each with a single output position (a
  // valid 3×3 convolution): dw[a, b, k, j] = Σ_n x[n, a, b, k] · dy[n, j].
  // x[n, a, b, k] = 1 + 3a + b + 10k on image 0 and 2 on image 1, dy[0, j]
  // = j, dy[1, j] = 1: dw[a, b, k, j] = (1 + 3a + b + 10k) j + 2.
  const xv = Array.from({ length: 72 }, (_, i) => {
    const k = i % 4, tap = Math.floor(i / 4) % 9;
    return i < 36 ? 1 + tap + 10 * k : 2;
  });
  const dyv = Array.from({ length: 16 }, (_, i) => (i < 8 ? i : 1));
  const x = tf.tensor4d(xv, [2, 3, 3, 4]);
  const dy = tf.tensor4d(dyv, [2, 1, 1, 8]);
  const dw = tf.fill([3, 3, 4, 8], 9);
  const info = tf.backend_util.computeConv2DInfo([2, 3, 3, 4], [3, 3, 4, 8], 1, 1, "valid");
  const scratch = tf.zeros([winogradScratchSize({ ...info, batch: 2 })]);
  simdKernels(backend).conv3x3WinogradFilterGrad({ x, dy, scratch, dw }, info);
  const expected = Array.from({ length: 288 }, (_, i) => {
    const j = i % 8, k = Math.floor(i / 8) % 4, tap = Math.floor(i / 32);
    return (1 + tap + 10 * k) * j + 2;
  });
  assertWinograd(dw.dataSync(), expected);
  tf.dispose([x, dy, dw, scratch]);
  assertEquals(liveCounts(), before);
});

Deno.test("the Winograd wrappers refuse unsupported shapes and wrong sizes, naming them", async () => {
  await setupBackend();
  const k = simdKernels(tf.backend() as BackendWasm);
  const x = tf.zeros([1, 3, 3, 4]);
  const y = tf.zeros([1, 1, 1, 8]);
  const filter = tf.zeros([3, 3, 4, 8]);
  const shape = winograd(4, 8, 3, 1);
  const scratch = tf.zeros([winogradScratchSize(shape)]);
  assertThrows(
    () => k.conv3x3Winograd({ x, filter, scratch, y }, { ...shape, inChannels: 6 }),
    InvalidArgumentError,
    "input channels a multiple of 4 and output channels a multiple of 8, got 6 and 8",
  );
  assertThrows(
    () => k.conv3x3Winograd({ x, filter, scratch: y, y }, shape),
    InvalidArgumentError,
    `scratch must be float32 with ${
      winogradScratchSize(shape)
    } elements, got float32 shape [1,1,1,8]`,
  );
  assertThrows(
    () => k.conv3x3Winograd({ x: y, filter, scratch, y }, shape),
    InvalidArgumentError,
    "x must be float32 with 36 elements",
  );
  const strided = tf.backend_util.computeConv2DInfo([1, 3, 3, 4], [3, 3, 4, 8], 2, 1, "valid");
  assertThrows(
    () => k.conv3x3WinogradFilterGrad({ x, dy: y, scratch, dw: filter }, strided),
    InvalidArgumentError,
    "stride 2x2",
  );
  assertThrows(
    () => k.conv3x3WinogradInputGrad({ dy: y, filter, scratch, dx: x }, strided),
    InvalidArgumentError,
    "stride 2x2",
  );
  const fourIn = tf.backend_util.computeConv2DInfo([1, 3, 3, 4], [3, 3, 4, 8], 1, 1, "valid");
  assertThrows(
    () => k.conv3x3WinogradInputGrad({ dy: y, filter, scratch, dx: x }, fourIn),
    InvalidArgumentError,
    "input channels a multiple of 8 and filters a multiple of 4, got filter 3x3, stride 1x1, dilation 1x1, 4 and 8 channels",
  );
  const five = tf.backend_util.computeConv2DInfo([1, 5, 5, 4], [5, 5, 4, 8], 1, 1, "valid");
  assertThrows(
    () => k.conv3x3WinogradFilterGrad({ x, dy: y, scratch, dw: filter }, five),
    InvalidArgumentError,
    "filter 5x5",
  );
  tf.dispose([x, y, filter, scratch]);
});

/** The exports of a fresh instance of the kernels' module on a memory of its own. */
function freshExports(): WebAssembly.Exports {
  const bytes = Uint8Array.from(atob(KERNELS_WASM_BASE64), (c) => c.charCodeAt(0));
  const memory = new WebAssembly.Memory({ initial: 2 });
  return new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } }).exports;
}

Deno.test("simdExports accepts the module's exports, each with its C parameter count", () => {
  const exports = freshExports();
  const typed = simdExports(exports);
  assertStrictEquals<unknown>(typed, exports);
  // Spot checks against kernels.c: 18, 4 and 16 parameters.
  assertEquals(typed.conv3x3_winograd.length, 18);
  assertEquals(typed.step.length, 4);
  assertEquals(typed.conv2d_filter_grad.length, 16);
});

Deno.test("simdExports refuses a missing export or one of another arity, naming it", () => {
  const exports = freshExports();
  const { add_bias: _, ...missing } = exports;
  assertThrows(() => simdExports(missing), BackendError, "no function add_bias");
  assertThrows(
    () => simdExports({ ...exports, sum_rows: (_x: number, _acc: number) => {} }),
    BackendError,
    "sum_rows takes 2 arguments where its binding passes 5",
  );
  assertThrows(
    () => simdExports({ ...exports, step: new WebAssembly.Memory({ initial: 1 }) }),
    BackendError,
    "no function step",
  );
});
