import { assert, assertAlmostEquals, assertEquals, assertThrows } from "@std/assert";
import { addCrossbar, addFlag, drawStroke, measureInk } from "../../lib/data/styles.ts";
import { InvalidArgumentError } from "../../lib/core/errors.ts";
import { createRng } from "../../lib/core/random.ts";

const N = 28;

/** A soft-edged 1 from (x, 4) to (x - lean, 23), `width` px wide, like MNIST's. */
function one(x = 14, lean = 0, width = 2.5): Float32Array {
  const img = new Float32Array(N * N);
  drawStroke(img, N, N, x, 4, x - lean, 23, width, 1);
  return img;
}

/** A 7: a top bar and a slanted stem. */
function seven(): Float32Array {
  const img = new Float32Array(N * N);
  drawStroke(img, N, N, 8, 5, 19, 5, 2.5, 1);
  drawStroke(img, N, N, 19, 5, 12, 23, 2.5, 1);
  return img;
}

/** Ink (>= 0.5) in the rectangle [x0, x1) x [y0, y1). */
function inkIn(img: Float32Array, x0: number, x1: number, y0: number, y1: number): number {
  let n = 0;
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) if (img[y * N + x] >= 0.5) n++;
  return n;
}

Deno.test("measureInk finds the rows, the peak and the stroke width of drawn strokes", () => {
  for (const width of [1.5, 2.5, 3.5]) {
    const m = measureInk(one(14, 0, width), N, N)!;
    assertEquals([m.top, m.bottom, m.peak], [width > 2 ? 3 : 4, width > 2 ? 24 : 23, 1]);
    assertAlmostEquals(m.strokeWidth, width, 0.3);
  }
  const faint = one().map((v) => v * 0.4);
  assertAlmostEquals(measureInk(faint, N, N)!.peak, 0.4, 1e-6);
  assertEquals(measureInk(new Float32Array(N * N).fill(0.05), N, N), undefined);
  assertThrows(() => measureInk(new Float32Array(10), N, N), InvalidArgumentError, "10 values");
});

Deno.test("addFlag draws a stroke from the top down to the left, with the digit's ink and width", () => {
  const rng = createRng(2);
  for (let t = 0; t < 30; t++) {
    const lean = t % 3 - 1; // upright, leaning left and right
    const img = one(14, 2 * lean);
    const before = img.slice();
    assert(addFlag(img, N, N, rng));
    // New ink left of the stem's top (x 13..15) in the upper half; none in the lower part.
    assert(inkIn(img, 0, 13, 3, 14) > inkIn(before, 0, 13, 3, 14));
    img.forEach((v, i) => {
      if (v - before[i] > 0.1) assert(i % N <= 15 && Math.floor(i / N) < 14, `pixel ${i}`);
    });
    assertEquals(inkIn(img, 0, N, 16, N), inkIn(before, 0, N, 16, N));
    // Nothing to the right of the stem, nothing above the digit.
    assertEquals(inkIn(img, 18, N, 0, N), 0);
    assertEquals(inkIn(img, 0, N, 0, 3), 0);
    assert(img.every((v, i) => v >= before[i] && v <= 1));
  }
  // The longest, steepest flag (0.4 of the 20 px height) reaches 8 * cos(60 deg) = 4 px left.
  const long = one();
  addFlag(long, N, N, () => 0.999);
  assert(inkIn(long, 0, 10, 3, 14) > 0 && inkIn(one(), 0, 10, 3, 14) === 0);
});

Deno.test("addFlag keeps the flag at least 25 degrees off a leaning stem", () => {
  /** Direction of the added ink from the stem's top, in degrees below the horizontal. */
  const flagAngle = (lean: number) => {
    const img = one(14 + lean / 2, lean);
    const before = img.slice();
    addFlag(img, N, N, () => 0.999); // the longest, steepest flag: 60 degrees
    let mass = 0, mx = 0, my = 0;
    img.forEach((v, i) => {
      const added = v - before[i];
      if (added > 0.3) {
        mass += added;
        mx += added * (i % N);
        my += added * Math.floor(i / N);
      }
    });
    const topX = 14 + lean / 2;
    return Math.atan2(my / mass - 4, topX - mx / mass) * 180 / Math.PI;
  };
  const upright = flagAngle(0);
  const leaning = flagAngle(8); // the stem leans atan(8 / 19) = 23 degrees to the right
  assert(upright > 50 && upright < 70, `upright ${upright}`);
  // 90 - 23 - 25 = 42 degrees at most (the centroid of a short stroke sits a little lower).
  assert(leaning > 30 && leaning < 47, `leaning ${leaning}`);
});

Deno.test("addCrossbar draws a short bar across the middle of the stem", () => {
  const rng = createRng(3);
  for (let t = 0; t < 30; t++) {
    const img = seven();
    const before = img.slice();
    assert(addCrossbar(img, N, N, rng));
    const added = img.map((v, i) => v - before[i] > 0.4 ? 1 : 0);
    let rows = 0, minY = N, maxY = 0, minX = N, maxX = 0;
    for (let y = 0; y < N; y++) {
      let any = false;
      for (let x = 0; x < N; x++) {
        if (added[y * N + x]) {
          any = true;
          minX = Math.min(minX, x);
          maxX = Math.max(maxX, x);
        }
      }
      if (any) {
        rows++;
        minY = Math.min(minY, y);
        maxY = Math.max(maxY, y);
      }
    }
    // A horizontal bar between 40% and 70% of the height (rows 4..24), 5 to 11 px long.
    assert(minY >= 11 && maxY <= 19 && rows <= 6, `rows ${minY}..${maxY}`);
    assert(maxX - minX >= 4 && maxX - minX <= 11, `x ${minX}..${maxX}`);
  }
});

Deno.test("styles skip images without a digit-sized stroke", () => {
  const blank = new Float32Array(N * N);
  assertEquals(addFlag(blank, N, N, createRng(1)), false);
  assertEquals(addCrossbar(blank, N, N, createRng(1)), false);
  const dot = new Float32Array(N * N);
  drawStroke(dot, N, N, 14, 14, 14, 17, 2, 1);
  assertEquals(addFlag(dot, N, N, createRng(1)), false);
  assert(blank.every((v) => v === 0));
});
