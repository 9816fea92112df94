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
