import { assertAlmostEquals, assertEquals, assertThrows } from "@std/assert";
import { InvalidArgumentError } from "../../lib/core/errors.ts";
import { boxBlur, maxFilter, minFilter } from "../../lib/image/filters.ts";
import { createRng } from "../../lib/core/random.ts";
import type { GrayImage } from "../../lib/image/raster.ts";

/** Brute force reference: reduce over the clipped (2r+1)^2 window. */
function reference(img: GrayImage, r: number, reduce: (vs: number[]) => number): Float32Array {
  const out = new Float32Array(img.data.length);
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      const vs: number[] = [];
      for (let yy = Math.max(0, y - r); yy <= Math.min(img.height - 1, y + r); yy++) {
        for (let xx = Math.max(0, x - r); xx <= Math.min(img.width - 1, x + r); xx++) {
          vs.push(img.data[yy * img.width + xx]);
        }
      }
      out[y * img.width + x] = reduce(vs);
    }
  }
  return out;
}

Deno.test("max, min and box filters match brute force for many sizes and radii", () => {
  const rng = createRng(11);
  for (const [w, h] of [[1, 1], [7, 3], [13, 17], [30, 9]]) {
    const img = { width: w, height: h, data: Float32Array.from({ length: w * h }, () => rng()) };
    for (const r of [1, 2, 3, 6]) {
      const max = reference(img, r, (vs) => Math.max(...vs));
      const min = reference(img, r, (vs) => Math.min(...vs));
      const mean = reference(img, r, (vs) => vs.reduce((a, b) => a + b, 0) / vs.length);
      assertEquals(Array.from(maxFilter(img, r).data), Array.from(max), `max ${w}x${h} r${r}`);
      assertEquals(Array.from(minFilter(img, r).data), Array.from(min), `min ${w}x${h} r${r}`);
      const blurred = boxBlur(img, r).data;
      for (let i = 0; i < mean.length; i++) assertAlmostEquals(blurred[i], mean[i], 1e-5);
    }
  }
});

Deno.test("radius 0 copies, and a bad radius names the value", () => {
  const img = { width: 2, height: 1, data: new Float32Array([0.5, 1]) };
  const copy = maxFilter(img, 0);
  assertEquals(Array.from(copy.data), [0.5, 1]);
  copy.data[0] = 9;
  assertEquals(img.data[0], 0.5);
  assertThrows(() => boxBlur(img, -1), InvalidArgumentError, "got -1");
  assertThrows(() => minFilter(img, 1.5), InvalidArgumentError, "got 1.5");
});

/**
 * The box filter as it was written before its vertical pass ran row by row:
 * a running double-precision sum along each row, then along each column.
 */
function boxBlurByLines(img: GrayImage, r: number): Float32Array {
  const { width: w, height: h } = img;
  const out = new Float32Array(img.data);
  const line = (get: (i: number) => number, set: (i: number, v: number) => void, n: number) => {
    const src = Float32Array.from({ length: n }, (_, i) => get(i));
    let s = 0;
    for (let i = 0; i < Math.min(n, r); i++) s += src[i];
    for (let i = 0; i < n; i++) {
      if (i + r < n) s += src[i + r];
      if (i - r - 1 >= 0) s -= src[i - r - 1];
      set(i, s / (Math.min(n - 1, i + r) - Math.max(0, i - r) + 1));
    }
  };
  for (let y = 0; y < h; y++) line((x) => out[y * w + x], (x, v) => out[y * w + x] = v, w);
  for (let x = 0; x < w; x++) line((y) => out[y * w + x], (y, v) => out[y * w + x] = v, h);
  return out;
}

Deno.test("the box filter gives exactly the values of one running sum per line", () => {
  const rng = createRng(5);
  for (const [w, h, r] of [[61, 47, 2], [40, 90, 13], [5, 3, 9]]) {
    const img = { width: w, height: h, data: Float32Array.from({ length: w * h }, () => rng()) };
    assertEquals(Array.from(boxBlur(img, r).data), Array.from(boxBlurByLines(img, r)));
  }
});

Deno.test("max and min filters with wide windows match brute force (windows across blocks)", () => {
  const rng = createRng(23);
  for (const [w, h, r] of [[61, 47, 13], [29, 80, 7], [12, 5, 20]]) {
    const img = { width: w, height: h, data: Float32Array.from({ length: w * h }, () => rng()) };
    const max = reference(img, r, (vs) => Math.max(...vs));
    const min = reference(img, r, (vs) => Math.min(...vs));
    assertEquals(Array.from(maxFilter(img, r).data), Array.from(max), `max ${w}x${h} r${r}`);
    assertEquals(Array.from(minFilter(img, r).data), Array.from(min), `min ${w}x${h} r${r}`);
  }
});

Deno.test("max and min filters match brute force on every line length up to 40, radii 1-9", () => {
  const rng = createRng(31);
  for (let n = 1; n <= 40; n++) {
    for (let r = 1; r <= 9; r++) {
      for (const [w, h] of [[n, 2], [2, n]]) {
        const data = Float32Array.from({ length: w * h }, () => rng());
        const img = { width: w, height: h, data };
        const max = reference(img, r, (vs) => Math.max(...vs));
        const min = reference(img, r, (vs) => Math.min(...vs));
        assertEquals(Array.from(maxFilter(img, r).data), Array.from(max), `max ${w}x${h} r${r}`);
        assertEquals(Array.from(minFilter(img, r).data), Array.from(min), `min ${w}x${h} r${r}`);
      }
    }
  }
});
