import { assert, assertAlmostEquals, assertEquals, assertThrows } from "@std/assert";
import {
  addGaussianNoise,
  convolveSeparable,
  gaussianBlur,
  gaussianKernel,
} from "../../lib/data/filter.ts";
import { InvalidArgumentError } from "../../lib/core/errors.ts";
import { createRng } from "../../lib/core/random.ts";

const sum = (a: Float32Array) => a.reduce((s, v) => s + v, 0);

Deno.test("gaussianKernel: normalised, symmetric, with the asked standard deviation", () => {
  for (const sigma of [0.5, 1, 2.5, 4]) {
    const k = gaussianKernel(sigma);
    const r = (k.length - 1) / 2;
    assertEquals(r, Math.ceil(3 * sigma));
    assertAlmostEquals(sum(k), 1, 1e-6);
    let variance = 0;
    for (let i = 0; i < k.length; i++) {
      assertAlmostEquals(k[i], k[k.length - 1 - i], 1e-9);
      variance += k[i] * (i - r) ** 2;
    }
    // Sampling a Gaussian on integers keeps its variance when sigma >= 1 (within 1%).
    if (sigma >= 1) assertAlmostEquals(Math.sqrt(variance), sigma, 0.01 * sigma);
  }
  assertEquals(gaussianKernel(1, 1).length, 3);
  assertThrows(() => gaussianKernel(0), InvalidArgumentError, "got 0");
  assertThrows(() => gaussianKernel(1, 1.5), InvalidArgumentError, "1.5");
});

Deno.test("convolveSeparable equals a direct 2-D convolution with zero padding", () => {
  const rows = 7, cols = 9;
  const rng = createRng(5);
  const img = Float32Array.from({ length: rows * cols }, () => rng());
  const k = new Float32Array([0.1, 0.2, 0.4, 0.2, 0.1]);
  const out = new Float32Array(rows * cols);
  convolveSeparable(img, out, rows, cols, k, new Float32Array(rows * cols));
  for (let y = 0; y < rows; y++) {
    for (let x = 0; x < cols; x++) {
      let s = 0;
      for (let j = -2; j <= 2; j++) {
        for (let i = -2; i <= 2; i++) {
          const yy = y + j, xx = x + i;
          if (yy >= 0 && yy < rows && xx >= 0 && xx < cols) {
            s += k[j + 2] * k[i + 2] * img[yy * cols + xx];
          }
        }
      }
      assertAlmostEquals(out[y * cols + x], s, 1e-6);
    }
  }
  // In place (src === dst) gives the same.
  const inPlace = img.slice();
  convolveSeparable(inPlace, inPlace, rows, cols, k, new Float32Array(rows * cols));
  assertEquals(inPlace, out);
});

Deno.test("gaussianBlur spreads a stroke, keeps its mass, and skips tiny sigmas", () => {
  const n = 28;
  const img = new Float32Array(n * n);
  for (let y = 6; y < 22; y++) img[y * n + 14] = 1;
  const blurred = gaussianBlur(img.slice(), n, n, 1, new Float32Array(n * n));
  assert(blurred[14 * n + 14] < 0.5 && blurred[14 * n + 13] > 0.15);
  assertAlmostEquals(sum(blurred), sum(img), 1e-3);
  assertEquals(gaussianBlur(img.slice(), n, n, 0.05, new Float32Array(n * n)), img);
  // The cached kernel follows the sigma asked for.
  const wider = gaussianBlur(img.slice(), n, n, 2, new Float32Array(n * n));
  assert(wider[14 * n + 14] < blurred[14 * n + 14]);
});

Deno.test("addGaussianNoise: seeded, clamped, and std 0 leaves the image and the rng alone", () => {
  const img = new Float32Array(101).fill(0.3);
  const a = addGaussianNoise(img.slice(), 0.2, createRng(4));
  assertEquals(addGaussianNoise(img.slice(), 0.2, createRng(4)), a);
  assert(a.some((v) => v === 0) && a.every((v) => v >= 0 && v <= 1)); // odd length handled
  let draws = 0;
  const counting = () => (draws++, 0.5);
  assertEquals(addGaussianNoise(img.slice(), 0, counting), img);
  assertEquals(draws, 0);
  assertThrows(() => addGaussianNoise(img, -1, counting), InvalidArgumentError, "-1");
});
