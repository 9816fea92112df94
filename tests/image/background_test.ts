import { assert, assertAlmostEquals, assertEquals, assertThrows } from "@std/assert";
import { InvalidArgumentError } from "../../lib/core/errors.ts";
import {
  cellPercentiles,
  estimateBackground,
  inkStrength,
  upsampleCells,
} from "../../lib/image/background.ts";
import { drawDigit } from "../../lib/image/synth/scenes.ts";
import { createRng } from "../../lib/core/random.ts";

Deno.test("cellPercentiles takes the percentile of each cell, edge cells included", () => {
  const data = Float32Array.from({ length: 5 * 2 }, (_, i) => (i % 5) / 4); // columns 0, .25, .5, .75, 1
  const g = cellPercentiles({ width: 5, height: 2, data }, { cell: 2, percentile: 1 });
  assertEquals([g.width, g.height], [3, 1]);
  assertEquals(Array.from(g.data).map((v) => Math.round(v * 4) / 4), [0.25, 0.75, 1]);
  assertThrows(
    () =>
      cellPercentiles({ width: 1, height: 1, data: new Float32Array(1) }, {
        cell: 0,
        percentile: 0.5,
      }),
    InvalidArgumentError,
    "got 0",
  );
  assertThrows(
    () =>
      cellPercentiles({ width: 1, height: 1, data: new Float32Array(1) }, {
        cell: 1,
        percentile: 2,
      }),
    InvalidArgumentError,
    "got 2",
  );
});

Deno.test("upsampleCells interpolates between cell centres and holds at the edges", () => {
  const grid = { width: 2, height: 2, data: new Float32Array([0, 1, 0, 1]) };
  const full = upsampleCells(grid, { width: 8, height: 8, cell: 4 });
  assertEquals(full.data[0], 0); // left of the first centre
  assertEquals(full.data[7], 1);
  assertAlmostEquals(full.data[3 * 8 + 3], 0.375, 1e-6); // (3.5 - 1.5) / 4 * ... between centres 1.5 and 5.5
});

/** Paper lit from the left (1) fading to 0.4 on the right, with a dark 5 on it. */
function litPage() {
  const w = 200, h = 160;
  const five = drawDigit(5, { size: 120 });
  const data = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const paper = 1 - 0.6 * (x / (w - 1));
      const ink = x >= 60 && x < 180 && y >= 20 && y < 140
        ? five.data[(y - 20) * 120 + (x - 60)]
        : 0;
      data[y * w + x] = paper * (1 - 0.85 * ink);
    }
  }
  return { img: { width: w, height: h, data }, five };
}

Deno.test("estimateBackground follows a lighting gradient under the ink", () => {
  const { img } = litPage();
  const bg = estimateBackground(img);
  for (const [x, y] of [[5, 5], [100, 80], [150, 60], [195, 150]]) {
    assertAlmostEquals(bg.data[y * img.width + x], 1 - 0.6 * (x / 199), 0.07, `at ${x},${y}`);
  }
});

Deno.test("inkStrength flattens the lighting: paper near 0 everywhere, ink high on both sides", () => {
  const { img, five } = litPage();
  const strength = inkStrength(img, estimateBackground(img));
  let paperMax = 0, inkMin = 1;
  for (let y = 20; y < 140; y++) {
    for (let x = 60; x < 180; x++) {
      const v = strength.data[y * img.width + x], ink = five.data[(y - 20) * 120 + (x - 60)];
      if (ink === 0) paperMax = Math.max(paperMax, v);
      if (ink === 1) inkMin = Math.min(inkMin, v);
    }
  }
  assert(paperMax < 0.1, `paper strength ${paperMax}`);
  assert(inkMin > 0.7, `ink strength ${inkMin}`);
  assertThrows(
    () => inkStrength(img, { width: 1, height: 1, data: new Float32Array(1) }),
    InvalidArgumentError,
    "1x1",
  );
});

for (const white of [0, 0.6]) {
  Deno.test(`cellPercentiles equals sorting each cell, at every percentile, with NaN pixels and ${white * 100}% white`, () => {
    const rng = createRng(11);
    const w = 23, h = 17, cell = 5;
    // White (exactly 1) is counted apart from the other levels: a page of it must give the same levels.
    const data = Float32Array.from({ length: w * h }, () => {
      const r = rng();
      return r < white
        ? 1
        : r < white + 0.05
        ? NaN
        : r < white + 0.1
        ? -0.2
        : r < white + 0.15
        ? 1.3
        : rng();
    });
    for (const percentile of [0, 0.1, 0.5, 0.75, 0.9, 1]) {
      const grid = cellPercentiles({ width: w, height: h, data }, { cell, percentile });
      for (let cy = 0; cy < grid.height; cy++) {
        for (let cx = 0; cx < grid.width; cx++) {
          // Levels Math.round(v * 255) clamped to [0, 255]; NaN has none. The
          // rank counts every pixel; past the levels there are, the answer is 255.
          const levels: number[] = [];
          let n = 0;
          for (let y = cy * cell; y < Math.min(h, (cy + 1) * cell); y++) {
            for (let x = cx * cell; x < Math.min(w, (cx + 1) * cell); x++, n++) {
              const v = data[y * w + x];
              if (!Number.isNaN(v)) levels.push(Math.min(255, Math.max(0, Math.round(v * 255))));
            }
          }
          levels.sort((a, b) => a - b);
          const rank = Math.min(n - 1, Math.floor(percentile * n));
          const expected = rank < levels.length ? levels[rank] : 255;
          assertEquals(
            grid.data[cy * grid.width + cx],
            Math.fround(expected / 255),
            `${percentile}`,
          );
        }
      }
    }
  });
}

Deno.test("estimateBackground with repairRadius 2 finds the paper under strokes wider than a cell", () => {
  // An 80x80 crop (8-pixel cells) with a 0 drawn by a 16-pixel marker: some
  // cells and most of their 3x3 neighbourhoods are ink.
  const size = 80;
  const data = new Float32Array(size * size);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const d = Math.hypot((x - 39.5) / 28, (y - 39.5) / 34);
      data[y * size + x] = d <= 1 && d >= 0.5 ? 0.1 : 0.9;
    }
  }
  const img = { width: size, height: size, data };
  const underInk = (bg: { data: Float32Array }) => {
    let lowest = 1;
    for (let i = 0; i < data.length; i++) if (data[i] < 0.5) lowest = Math.min(lowest, bg.data[i]);
    return lowest;
  };
  // One pass leaves cells inside the stroke taken for dark paper...
  assert(underInk(estimateBackground(img)) < 0.5);
  // ...the second, wider pass finds the paper everywhere under the stroke.
  assertAlmostEquals(underInk(estimateBackground(img, { repairRadius: 2 })), 0.9, 0.02);
  assertThrows(() => estimateBackground(img, { repairRadius: 0 }), InvalidArgumentError, "0");
  assertThrows(() => estimateBackground(img, { repairRadius: 1.5 }), InvalidArgumentError, "1.5");
});
