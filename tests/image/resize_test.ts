import { assertAlmostEquals, assertEquals, assertThrows } from "@std/assert";
import { InvalidArgumentError } from "../../lib/errors.ts";
import { resize, resizeLongSide } from "../../lib/image/resize.ts";
import { createRng } from "../../lib/random.ts";

Deno.test("resize averages areas exactly when shrinking by a whole factor", () => {
  const data = Float32Array.from({ length: 16 }, (_, i) => i);
  const out = resize({ width: 4, height: 4, data }, { width: 2, height: 2 });
  assertEquals(Array.from(out.data), [2.5, 4.5, 10.5, 12.5]);
});

Deno.test("resize weighs partial pixels when shrinking by a fractional factor", () => {
  // 3 -> 2: output 0 covers pixel 0 fully and half of pixel 1.
  const out = resize({ width: 3, height: 1, data: new Float32Array([0, 1, 1]) }, {
    width: 2,
    height: 1,
  });
  assertAlmostEquals(out.data[0], 1 / 3, 1e-6);
  assertAlmostEquals(out.data[1], 1, 1e-6);
});

Deno.test("resize keeps the mean when shrinking (anti-aliasing, no lost ink)", () => {
  const rng = createRng(5);
  const data = Float32Array.from({ length: 97 * 61 }, () => rng());
  const out = resize({ width: 97, height: 61, data }, { width: 20, height: 13 });
  const mean = (a: Float32Array) => a.reduce((s, v) => s + v, 0) / a.length;
  assertAlmostEquals(mean(out.data), mean(data), 1e-4);
});

Deno.test("resize interpolates bilinearly when enlarging", () => {
  const out = resize({ width: 2, height: 1, data: new Float32Array([0, 1]) }, {
    width: 4,
    height: 1,
  });
  assertEquals(Array.from(out.data), [0, 0.25, 0.75, 1]);
});

Deno.test("resizeLongSide keeps the aspect ratio", () => {
  const img = { width: 300, height: 120, data: new Float32Array(300 * 120) };
  const out = resizeLongSide(img, 20);
  assertEquals([out.width, out.height], [20, 8]);
  const tall = resizeLongSide({ width: 3, height: 200, data: new Float32Array(600) }, 20);
  assertEquals([tall.width, tall.height], [1, 20]);
});

Deno.test("resize rejects non-positive sizes", () => {
  const img = { width: 2, height: 2, data: new Float32Array(4) };
  assertThrows(
    () => resize(img, { width: 0, height: 2 }),
    InvalidArgumentError,
    "width must be a positive integer, got 0",
  );
  assertThrows(() => resize(img, { width: 2, height: 1.5 }), InvalidArgumentError, "got 1.5");
});
