import { assert, assertAlmostEquals, assertEquals, assertThrows } from "@std/assert";
import { InvalidArgumentError } from "../../lib/core/errors.ts";
import { resize, resizeLongSide } from "../../lib/image/resize.ts";
import { createRng } from "../../lib/core/random.ts";

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

/** The resampling spelled out: per output pixel, the weighted source pixels of each axis. */
function referenceResize(
  img: { width: number; height: number; data: Float32Array },
  width: number,
  height: number,
): Float32Array {
  const taps = (src: number, dst: number, o: number): [number, number][] => {
    const scale = src / dst, list: [number, number][] = [];
    if (scale >= 1) {
      const a = o * scale, b = (o + 1) * scale;
      for (let i = Math.floor(a); i < Math.min(src, Math.ceil(b)); i++) {
        const w = Math.min(b, i + 1) - Math.max(a, i);
        if (w > 1e-9) list.push([i, Math.fround(w / scale)]);
      }
    } else {
      const c = Math.min(src - 1, Math.max(0, (o + 0.5) * scale - 0.5));
      const i0 = Math.floor(c), f = c - i0;
      list.push([i0, Math.fround(1 - f)]);
      if (f > 0 && i0 + 1 < src) list.push([i0 + 1, Math.fround(f)]);
    }
    return list;
  };
  // Rows first (sums in double precision, stored as float32), then columns
  // (accumulated in float32, row by row).
  const tmp = new Float32Array(width * img.height);
  for (let y = 0; y < img.height; y++) {
    for (let o = 0; o < width; o++) {
      let s = 0;
      for (const [i, w] of taps(img.width, width, o)) s += img.data[y * img.width + i] * w;
      tmp[y * width + o] = s;
    }
  }
  const out = new Float32Array(width * height);
  for (let o = 0; o < height; o++) {
    for (const [i, w] of taps(img.height, height, o)) {
      for (let x = 0; x < width; x++) out[o * width + x] += tmp[i * width + x] * w;
    }
  }
  return out;
}

Deno.test("resize equals the spelled-out resampling exactly, shrinking and enlarging", () => {
  const rng = createRng(4);
  for (const [w, h] of [[1, 1], [5, 3], [64, 64], [37, 80], [200, 9]]) {
    const img = { width: w, height: h, data: Float32Array.from({ length: w * h }, () => rng()) };
    for (const [tw, th] of [[1, 1], [20, 20], [48, 48], [80, 80], [w * 2 + 1, 3], [7, h * 3]]) {
      const expected = referenceResize(img, tw, th);
      assertEquals(
        resize(img, { width: tw, height: th }).data,
        expected,
        `${w}x${h} -> ${tw}x${th}`,
      );
    }
  }
});

Deno.test("resize gives the same values on a small image (output by output) as on a large one (row by row)", () => {
  // The horizontal pass runs output by output on images up to 65,536 values
  // and row by row above; rows are resampled independently, so each row of
  // a tall image (the row path) must equal that row resized alone.
  const rng = createRng(8);
  const w = 37, h = 2000; // 74,000 values
  const data = Float32Array.from({ length: w * h }, () => {
    const r = rng();
    return r < 0.01 ? NaN : r < 0.02 ? -0 : r < 0.03 ? Infinity : r < 0.2 ? 0 : rng();
  });
  for (const width of [80, 26, 13, 37, 1]) {
    const tall = resize({ width: w, height: h, data }, { width, height: h });
    for (let y = 0; y < h; y += 7) {
      const row = resize({ width: w, height: 1, data: data.subarray(y * w, (y + 1) * w) }, {
        width,
        height: 1,
      });
      for (let x = 0; x < width; x++) {
        const a = tall.data[y * width + x], b = row.data[x];
        assert(Object.is(a, b), `row ${y}, column ${x} of ${width}: ${a} != ${b}`);
      }
    }
  }
});
