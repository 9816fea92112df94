import {
  assert,
  assertAlmostEquals,
  assertEquals,
  assertNotEquals,
  assertThrows,
} from "@std/assert";
import { augmentBatch, DEFAULT_AUGMENT, REAL_WORLD_AUGMENT } from "../../lib/data/augment.ts";
import { drawStroke } from "../../lib/data/styles.ts";
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

/** An rng that counts its draws. */
function counting(seed: number): { rng: () => number; draws: () => number } {
  const inner = createRng(seed);
  let n = 0;
  return { rng: () => (n++, inner()), draws: () => n };
}

/** A ring of radius 7 around the centre, 2.5 px wide: one closed stroke. */
function ring(): Float32Array {
  const img = new Float32Array(N * N);
  for (let a = 0; a < 32; a++) {
    const t0 = a * Math.PI / 16, t1 = (a + 1) * Math.PI / 16;
    drawStroke(
      img,
      N,
      N,
      13.5 + 7 * Math.cos(t0),
      13.5 + 7 * Math.sin(t0),
      13.5 + 7 * Math.cos(t1),
      13.5 + 7 * Math.sin(t1),
      2.5,
      1,
    );
  }
  return img;
}

/** Number of 8-connected groups of pixels >= `threshold`. */
function components(img: Float32Array, threshold = 0.4): number {
  const seen = new Uint8Array(N * N);
  let groups = 0;
  for (let start = 0; start < N * N; start++) {
    if (seen[start] || img[start] < threshold) continue;
    groups++;
    const stack = [start];
    seen[start] = 1;
    while (stack.length > 0) {
      const i = stack.pop()!;
      const y = Math.floor(i / N), x = i % N;
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const yy = y + dy, xx = x + dx;
          const j = yy * N + xx;
          if (yy < 0 || yy >= N || xx < 0 || xx >= N || seen[j] || img[j] < threshold) continue;
          seen[j] = 1;
          stack.push(j);
        }
      }
    }
  }
  return groups;
}

Deno.test("with the newer transforms off, 5 draws per image as before", () => {
  const images = new Float32Array([...blob(12, 15), ...blob(16, 10), ...blob(14, 14)]);
  const { rng, draws } = counting(1);
  augmentBatch(images, 3, { rows: N, cols: N, ...DEFAULT_AUGMENT, thickness: 0.5, rng });
  assertEquals(draws(), 15);
  // Styles turned on cost nothing for images of other labels.
  const styled = counting(1);
  augmentBatch(images, 3, {
    rows: N,
    cols: N,
    flaggedOnes: 1,
    crossedSevens: 1,
    labels: [0, 3, 9],
    rng: styled.rng,
  });
  assertEquals(styled.draws(), 15);
});

Deno.test("each newer transform changes a digit, stays in [0, 1] and follows the seed", () => {
  const still = { rotation: 0, shift: 0, scale: [1, 1] as [number, number] };
  const cases: Record<string, object> = {
    elastic: { elastic: 34 },
    shear: { shear: 15 },
    perspective: { perspective: 2 },
    stroke: { stroke: [-0.5, 1] },
    blur: { blur: 1 },
    noise: { noise: 0.1 },
    flaggedOnes: { flaggedOnes: 1 },
    crossedSevens: { crossedSevens: 1 },
    preset: REAL_WORLD_AUGMENT,
  };
  const digit = (label: number) => {
    const img = new Float32Array(N * N);
    if (label === 7) drawStroke(img, N, N, 8, 5, 19, 5, 2.5, 1);
    drawStroke(img, N, N, label === 7 ? 19 : 14, 5, 12, 23, 2.5, 1);
    return img;
  };
  for (const [name, options] of Object.entries(cases)) {
    for (const label of [1, 7]) {
      const run = (seed: number) =>
        augmentBatch(digit(label), 1, {
          rows: N,
          cols: N,
          ...still,
          ...options,
          labels: [label],
          rng: createRng(seed),
        });
      const a = run(5);
      assertEquals(run(5), a, name);
      assert(a.every((v) => v >= 0 && v <= 1), name);
      const styleOnly = (name === "flaggedOnes" && label === 7) ||
        (name === "crossedSevens" && label === 1);
      if (styleOnly) assertEquals(a, digit(label), name); // not this digit's style
      else assert(a.some((v, i) => Math.abs(v - digit(label)[i]) > 0.05), `${name} ${label}`);
    }
  }
});

Deno.test("elastic distortion bends strokes without breaking them", () => {
  const image = ring();
  assertEquals(components(image), 1);
  let moved = 0;
  for (let seed = 0; seed < 40; seed++) {
    const out = augmentBatch(image.slice(), 1, {
      rows: N,
      cols: N,
      rotation: 0,
      shift: 0,
      scale: [1, 1],
      elastic: 34,
      rng: createRng(seed),
    });
    assertEquals(components(out), 1, `seed ${seed}`);
    moved += out.reduce((s, v, i) => s + Math.abs(v - image[i]), 0);
  }
  // And it does move ink: on average over a tenth of the ring's ink changes place.
  assert(moved / 40 > 0.1 * sum(image), `${moved / 40} of ${sum(image)}`);
});

Deno.test("a flag keeps the digit's centre of mass where it was", () => {
  const image = new Float32Array(N * N);
  drawStroke(image, N, N, 14, 4, 14, 23, 2.5, 1);
  const [x0, y0] = centreOfMass(image);
  for (let seed = 0; seed < 10; seed++) {
    const out = augmentBatch(image.slice(), 1, {
      rows: N,
      cols: N,
      rotation: 0,
      shift: 0,
      scale: [1, 1],
      flaggedOnes: 1,
      labels: [1],
      rng: createRng(seed),
    });
    assert(sum(out) > sum(image) + 2); // the flag is there
    const [x1, y1] = centreOfMass(out);
    assertAlmostEquals(x1, x0, 0.15);
    assertAlmostEquals(y1, y0, 0.15);
  }
});

Deno.test("flaggedOnes and crossedSevens style about that fraction of the 1s and 7s", () => {
  const count = 400;
  const image = new Float32Array(N * N);
  drawStroke(image, N, N, 14, 4, 14, 23, 2.5, 1);
  const images = new Float32Array(count * N * N);
  for (let n = 0; n < count; n++) images.set(image, n * N * N);
  augmentBatch(images, count, {
    rows: N,
    cols: N,
    rotation: 0,
    shift: 0,
    scale: [1, 1],
    flaggedOnes: 0.3,
    labels: new Uint8Array(count).fill(1),
    rng: createRng(12),
  });
  let flagged = 0;
  for (let n = 0; n < count; n++) {
    if (sum(images.subarray(n * N * N, (n + 1) * N * N)) > sum(image) + 1) flagged++;
  }
  // Binomial(400, 0.3): mean 120, standard deviation 9.2; 4 deviations either way.
  assert(flagged > 83 && flagged < 157, `${flagged} of ${count}`);
});

Deno.test("the newer options reject bad values and missing labels, naming them", () => {
  const pixels = new Float32Array(N * N);
  const base = { rows: N, cols: N, rng: createRng(1) };
  const bad: [object, string][] = [
    [{ elastic: -1 }, "-1"],
    [{ elasticSigma: 0.1 }, "0.1"],
    [{ shear: 95 }, "95"],
    [{ perspective: 20 }, "20"],
    [{ stroke: [1, -1] }, "[1,-1]"],
    [{ stroke: [0, 4] }, "[0,4]"],
    [{ blur: 9 }, "9"],
    [{ noise: 2 }, "2"],
    [{ flaggedOnes: 1.5 }, "1.5"],
    [{ crossedSevens: -0.5 }, "-0.5"],
    [{ flaggedOnes: 0.5 }, "labels of all 1 images, got none"],
    [{ crossedSevens: 0.5, labels: [] }, "got 0"],
  ];
  for (const [options, message] of bad) {
    assertThrows(
      () => augmentBatch(pixels, 1, { ...base, ...options }),
      InvalidArgumentError,
      message,
    );
  }
});
