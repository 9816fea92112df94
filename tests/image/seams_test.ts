import { assert, assertEquals, assertThrows } from "@std/assert";
import { InvalidArgumentError } from "../../lib/core/errors.ts";
import { findSeams } from "../../lib/image/seams.ts";
import type { GrayImage } from "../../lib/image/raster.ts";

/** Draws filled discs (ink = 1) on a blank image. */
function discs(width: number, height: number, list: [number, number, number][]): GrayImage {
  const data = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (list.some(([cx, cy, r]) => Math.hypot(x - cx, y - cy) <= r)) data[y * width + x] = 1;
    }
  }
  return { width, height, data };
}

Deno.test("findSeams bends through the valley where two round digits touch", () => {
  // Two rings touching at one point: a straight column through the contact crosses both
  // sides' ink for several rows, the best seam crosses the contact only.
  const img = discs(60, 30, [[15, 15, 14], [44, 15, 14]]);
  const seams = findSeams(img, { minSeparation: 6, maxCost: 10 });
  assertEquals(seams.length, 1);
  const [seam] = seams;
  assert(seam.x.every((x) => x >= 27 && x <= 32), `near the contact: ${Array.from(seam.x)}`);
  assert(seam.cost <= 4, `crosses only the contact: ${seam.cost}`);
});

Deno.test("findSeams offers valleys apart, never crossing, and none too dear", () => {
  // Three bars, the gaps between them 1 and 2 columns wide; a dear bridge over the first gap.
  const w = 40, h = 20, data = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) if (!(x === 12 || x === 26 || x === 27)) data[y * w + x] = 1;
  }
  for (let y = 8; y < 12; y++) data[y * w + 12] = 1;
  // Only the free gap is cheap enough; the bridged one costs its 4 rows of ink.
  const cheap = findSeams({ width: w, height: h, data }, { minSeparation: 5, maxCost: 3 });
  assertEquals(cheap.map((s) => [s.cost, s.x[0]]), [[0, 26]]);
  const seams = findSeams({ width: w, height: h, data }, { minSeparation: 5, maxCost: 5 });
  assertEquals(seams.map((s) => s.cost), [4, 0]);
  assert(seams[0].x.every((x, y) => x < seams[1].x[y]), "left to right in every row");
  assertEquals(
    findSeams({ width: w, height: h, data: new Float32Array(w * h).fill(1) }, {
      minSeparation: 5,
      maxCost: 3,
    }),
    [],
  );
  assertEquals(
    findSeams({ width: 6, height: 4, data: new Float32Array(24) }, {
      minSeparation: 4,
      maxCost: 3,
    }),
    [],
    "too narrow for a seam away from both sides",
  );
  assertThrows(
    () => findSeams({ width: w, height: h, data }, { minSeparation: 0, maxCost: 1 }),
    InvalidArgumentError,
    "got 0",
  );
  assertThrows(
    () => findSeams({ width: w, height: h, data }, { minSeparation: 2, maxCost: -1 }),
    InvalidArgumentError,
    "-1",
  );
});
