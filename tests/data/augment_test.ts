import {
  assert,
  assertAlmostEquals,
  assertEquals,
  assertNotEquals,
  assertThrows,
} from "@std/assert";
import { augmentBatch, DEFAULT_AUGMENT } from "../../lib/data/augment.ts";
import { InvalidArgumentError } from "../../lib/core/errors.ts";
import { createRng } from "../../lib/core/random.ts";

const N = 28;
const constant = (u: number) => () => u;

/** A soft blob centred at (cx, cy). */
function blob(cx: number, cy: number): Float32Array {
  const image = new Float32Array(N * N);
  for (let y = 0; y < N; y++) {
    for (let x = 0; x < N; x++) {
      image[y * N + x] = Math.exp(-((x - cx) ** 2 + (y - cy) ** 2) / 4) * (x >= cx ? 1 : 0.5);
    }
  }
  return image;
}

function centreOfMass(image: Float32Array): [number, number] {
  let sum = 0, sx = 0, sy = 0;
  for (let y = 0; y < N; y++) {
    for (let x = 0; x < N; x++) {
      const v = image[y * N + x];
      sum += v;
      sx += x * v;
      sy += y * v;
    }
  }
  return [sx / sum, sy / sum];
}

const sum = (a: Float32Array) => a.reduce((s, v) => s + v, 0);

Deno.test("identity parameters leave every image unchanged", () => {
  const images = new Float32Array([...blob(12, 15), ...blob(16, 10)]);
  const out = augmentBatch(images.slice(), 2, {
    rows: N,
    cols: N,
    rotation: 0,
    shift: 0,
    scale: [1, 1],
    rng: createRng(3),
  });
  assertEquals(out, images);
});

Deno.test("a shift moves the centre of mass by the drawn amount", () => {
  const image = blob(13, 14);
  const [x0, y0] = centreOfMass(image);
  // A constant draw u gives a shift of (2u - 1) * shift along each axis.
  for (const [u, shift, expected] of [[0.75, 2, 1], [0.25, 3, -1.5], [0.9, 2.5, 2]]) {
    const out = augmentBatch(image.slice(), 1, {
      rows: N,
      cols: N,
      rotation: 30,
      shift,
      scale: [1, 1],
      rng: (() => {
        let i = 0;
        return () => i++ === 0 ? 0.5 : u; // first draw: rotation 0
      })(),
    });
    const [x1, y1] = centreOfMass(out);
    assertAlmostEquals(x1 - x0, expected, 1e-3);
    assertAlmostEquals(y1 - y0, expected, 1e-3);
  }
});

Deno.test("a 90 degree rotation maps out[y][x] to in[n-1-x][y]", () => {
  const image = blob(10, 17);
  const out = augmentBatch(image.slice(), 1, {
    rows: N,
    cols: N,
    rotation: 180,
    shift: 0,
    scale: [1, 1],
    rng: constant(0.75), // rotation (2 * 0.75 - 1) * 180 = 90 degrees
  });
  for (let y = 0; y < N; y++) {
    for (let x = 0; x < N; x++) {
      assertAlmostEquals(out[y * N + x], image[(N - 1 - x) * N + y], 1e-5);
    }
  }
});

Deno.test("thickness dilates or erodes strokes", () => {
  const image = blob(14, 14);
  const options = { rows: N, cols: N, rotation: 0, shift: 0, scale: [1, 1] as [number, number] };
  const thicker = augmentBatch(image.slice(), 1, { ...options, thickness: 1, rng: constant(0.75) });
  const thinner = augmentBatch(image.slice(), 1, { ...options, thickness: 1, rng: constant(0.25) });
  assert(sum(thicker) > sum(image) * 1.1, `${sum(thicker)} vs ${sum(image)}`);
  assert(sum(thinner) < sum(image) * 0.9, `${sum(thinner)} vs ${sum(image)}`);
});

Deno.test("augmentation is deterministic from the seed and stays in [0, 1]", () => {
  const rng = createRng(11);
  const images = Float32Array.from({ length: 4 * N * N }, () => rng());
  const run = (seed: number) =>
    augmentBatch(images.slice(), 4, {
      rows: N,
      cols: N,
      ...DEFAULT_AUGMENT,
      thickness: 0.5,
      rng: createRng(seed),
    });
  const a = run(1);
  assertEquals(run(1), a);
  assertNotEquals(run(2), a);
  assertNotEquals(a, images);
  assert(a.every((v) => v >= 0 && v <= 1));
  // Images beyond `count` are untouched.
  const partial = augmentBatch(images.slice(), 1, { rows: N, cols: N, rng: createRng(1) });
  assertEquals(partial.subarray(N * N), images.subarray(N * N));
});

Deno.test("augmentBatch rejects bad options, naming the value", () => {
  const pixels = new Float32Array(N * N);
  const base = { rows: N, cols: N, rng: createRng(1) };
  assertThrows(() => augmentBatch(pixels, 2, base), InvalidArgumentError, "fewer than 2 images");
  assertThrows(
    () => augmentBatch(pixels, 1, { ...base, rotation: -5 }),
    InvalidArgumentError,
    "-5",
  );
  assertThrows(() => augmentBatch(pixels, 1, { ...base, shift: NaN }), InvalidArgumentError, "NaN");
  assertThrows(
    () => augmentBatch(pixels, 1, { ...base, scale: [1.2, 0.8] }),
    InvalidArgumentError,
    "[1.2,0.8]",
  );
  assertThrows(() => augmentBatch(pixels, 1, { ...base, thickness: 2 }), InvalidArgumentError, "2");
  assertThrows(() => augmentBatch(pixels, 1, { ...base, rows: 0 }), InvalidArgumentError, "rows");
});
