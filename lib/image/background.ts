/**
 * Background (paper) estimation for uneven lighting, and the ink-strength
 * map that divides it out.
 *
 * The image is cut into square cells; each cell's paper level is a high
 * percentile of its pixels (ink is the dark minority). A cell mostly
 * covered by ink (much darker than the median of its 3x3 neighbourhood) is
 * repaired with that median, and
 * the grid is interpolated bilinearly back to full size. Dividing the image
 * by this estimate removes gradients, vignetting and soft shadows, so a
 * single threshold then works across the whole photo.
 *
 * @module
 */

import { InvalidArgumentError } from "../core/mod.ts";
import type { GrayImage } from "./raster.ts";
import { Scratch } from "./scratch.ts";

/**
 * Options of {@link cellPercentiles}.
 */
export interface CellOptions {
  /** Cell side in pixels (the last row/column of cells may be smaller). */
  cell: number;
  /** Percentile in [0, 1] taken in every cell, e.g. 0.5 for the median. */
  percentile: number;
}

// The loops below live in small functions of their own: the engine
// optimises a function once it has run for a while in proportion to its
// size, so a small kernel reaches full speed after a few calls.

/** Adds the 8-bit levels of `data` in [x0, x1) x [y0, y1) to `hist` (bin 256 counts NaN). */
function countLevels(
  data: Float32Array,
  width: number,
  x0: number,
  x1: number,
  y0: number,
  y1: number,
  hist: Uint32Array,
): void {
  // White (exactly 1, level 255) is counted apart: most of a drawing or a
  // clean scan is white paper, and skipping the level arithmetic for it
  // (with the counts kept between calls) took the background's grid of the
  // bench's 64x64 drawing from 14.2 to 11.3 us, and of a 44x74 USPS scan
  // from 11.4 to 8.9 us.
  let white = 0;
  for (let y = y0; y < y1; y++) {
    const row = y * width;
    for (let x = x0; x < x1; x++) {
      const d = data[row + x];
      if (d === 1) {
        white++;
        continue;
      }
      // Math.round(v) clamped to [0, 255], NaN apart. v, a float32 times 255,
      // has at most 32 significant bits, so v + 0.5 never rounds up to the
      // next integer and truncating it rounds half up like Math.round.
      const v = d * 255;
      hist[v >= 0 ? (v < 255 ? (v + 0.5) | 0 : 255) : v < 0 ? 0 : 256]++;
    }
  }
  hist[255] += white;
}

/**
 * The smallest level whose cumulative count in `hist` exceeds `rank` (255
 * if no level below 255 does) for `n` values, NaN ones in bin 256; walked
 * down from the top when `fromTop`, which gives the same level.
 */
function rankedLevel(hist: Uint32Array, n: number, rank: number, fromTop: boolean): number {
  const counted = n - hist[256];
  let bin: number;
  if (!fromTop || counted <= rank) {
    let acc = 0;
    bin = 0;
    while (bin < 255 && acc + hist[bin] <= rank) acc += hist[bin++];
  } else {
    // counted - (tail + hist[bin]) is the count below `bin`.
    let tail = 0;
    bin = 255;
    while (bin > 0 && counted - (tail + hist[bin]) > rank) tail += hist[bin--];
  }
  return bin;
}

/**
 * The 8-bit level counts of {@link cellPercentiles}, bin 256 for NaN,
 * which has no level: kept between calls (all 0 there), as allocating it
 * cost 1.6 us of the 14 us the background's grid took on a 64x64 image.
 */
const levelCounts = new Uint32Array(257);

/**
 * The given percentile of the values in each `cell` x `cell` block, as a
 * coarse image (one pixel per cell). Values are binned to 1/255.
 *
 * @throws {InvalidArgumentError} when `cell` is not a positive integer or
 * `percentile` is outside [0, 1].
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { cellPercentiles } from "./background.ts";
 * const img = { width: 4, height: 2, data: new Float32Array([0, 0, 1, 1, 0, 0, 1, 1]) };
 * const g = cellPercentiles(img, { cell: 2, percentile: 0.5 });
 * assertEquals([g.width, g.height, Array.from(g.data)], [2, 1, [0, 1]]);
 * ```
 */
export function cellPercentiles(img: GrayImage, options: CellOptions): GrayImage {
  const { cell, percentile } = options;
  if (!Number.isInteger(cell) || cell < 1) {
    throw new InvalidArgumentError(`cell must be a positive integer, got ${cell}`);
  }
  if (!(percentile >= 0 && percentile <= 1)) {
    throw new InvalidArgumentError(`percentile must be in [0, 1], got ${percentile}`);
  }
  const { width, height, data } = img;
  const gw = Math.ceil(width / cell), gh = Math.ceil(height / cell);
  const out = new Float32Array(gw * gh);
  const hist = levelCounts; // all 0 between calls: each cell clears it after use
  for (let cy = 0; cy < gh; cy++) {
    const y0 = cy * cell, y1 = Math.min(height, y0 + cell);
    for (let cx = 0; cx < gw; cx++) {
      const x0 = cx * cell, x1 = Math.min(width, x0 + cell);
      countLevels(data, width, x0, x1, y0, y1, hist);
      const n = (x1 - x0) * (y1 - y0);
      out[cy * gw + cx] =
        rankedLevel(hist, n, Math.min(n - 1, Math.floor(percentile * n)), percentile >= 0.5) / 255;
      hist.fill(0);
    }
  }
  return { width: gw, height: gh, data: out };
}

/**
 * Bilinear interpolation of a coarse cell grid (from {@link cellPercentiles})
 * back to `width` x `height`, cell values sitting at cell centres.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { upsampleCells } from "./background.ts";
 * const grid = { width: 2, height: 1, data: new Float32Array([0, 1]) };
 * const full = upsampleCells(grid, { width: 4, height: 1, cell: 2 });
 * assertEquals(Array.from(full.data), [0, 0.25, 0.75, 1]);
 * ```
 */
export function upsampleCells(
  grid: GrayImage,
  size: { width: number; height: number; cell: number },
): GrayImage {
  const { width, height, cell } = size;
  const out = new Float32Array(width * height);
  // Cell index and fraction of a pixel position along an axis of n cells.
  const index = (p: number, n: number) => {
    const c = Math.min(n - 1, Math.max(0, (p + 0.5) / cell - 0.5));
    return Math.min(n - 2, Math.floor(c));
  };
  const fraction = (p: number, n: number, i: number) =>
    i < 0 ? 0 : Math.min(n - 1, Math.max(0, (p + 0.5) / cell - 0.5)) - i;
  const gw = grid.width, g = grid.data;
  // Every value of these is written below before it is read.
  const x0s = upsampleScratch.x0s.take(width), x1s = upsampleScratch.x1s.take(width);
  const fxs = upsampleScratch.fxs.take(width);
  for (let x = 0; x < width; x++) {
    const i = index(x, gw);
    fxs[x] = fraction(x, gw, i);
    x0s[x] = Math.max(0, i);
    x1s[x] = Math.min(gw - 1, Math.max(0, i) + 1);
  }
  // Every grid row interpolated along x once (in double precision, as used below).
  const across = upsampleScratch.across.take(grid.height * width);
  for (let r = 0; r < grid.height; r++) interpolateRow(g, r * gw, fxs, x0s, x1s, across, r * width);
  for (let y = 0; y < height; y++) {
    const i = index(y, grid.height);
    const fy = fraction(y, grid.height, i), iy = Math.max(0, i);
    const top = iy * width, bottom = Math.min(grid.height - 1, iy + 1) * width;
    blendRows(across, top, bottom, fy, out, y * width, width);
  }
  return { width, height, data: out };
}

/**
 * The column tables and the rows interpolated along x of
 * {@link upsampleCells}, kept between calls (see `scratch.ts`): four
 * allocations of about 1 to 1.5 us each, against the 13 us the whole call
 * took on a 64x64 image.
 */
const upsampleScratch = {
  x0s: new Scratch((n) => new Int32Array(n)),
  x1s: new Scratch((n) => new Int32Array(n)),
  fxs: new Scratch((n) => new Float64Array(n)),
  across: new Scratch((n) => new Float64Array(n)),
};

/** One grid row (from `cells`) interpolated at every output column into `out` (from `at`). */
function interpolateRow(
  g: Float32Array,
  cells: number,
  fxs: Float64Array,
  x0s: Int32Array,
  x1s: Int32Array,
  out: Float64Array,
  at: number,
): void {
  for (let x = 0; x < fxs.length; x++) {
    const fx = fxs[x];
    out[at + x] = g[cells + x0s[x]] * (1 - fx) + g[cells + x1s[x]] * fx;
  }
}

/** One output row: rows `top` and `bottom` of `across` mixed by `fy`. */
function blendRows(
  across: Float64Array,
  top: number,
  bottom: number,
  fy: number,
  out: Float32Array,
  row: number,
  width: number,
): void {
  for (let x = 0; x < width; x++) {
    out[row + x] = across[top + x] * (1 - fy) + across[bottom + x] * fy;
  }
}

/**
 * Options of {@link estimateBackground}.
 */
export interface BackgroundOptions {
  /** Cell side in pixels. Default: a tenth of the longer side, at least 8. */
  cell?: number;
  /** Percentile that stands for paper in each cell. Default 0.9. */
  percentile?: number;
  /**
   * Cells much darker than the median of the (2 r + 1)^2 cells around them
   * are ink, and take that median; r is 1, and this when larger: a second
   * pass, for strokes wider than a cell (see `extractInk`). Default 1.
   */
  repairRadius?: number;
}

/**
 * Each cell, or the median of its neighbourhood ((2 radius + 1)^2 cells)
 * when the cell is much darker.
 */
function repairCells(
  g: Float32Array,
  gw: number,
  gh: number,
  out: Float32Array,
  radius: number,
): void {
  const near = new Float64Array((2 * radius + 1) ** 2);
  for (let cy = 0; cy < gh; cy++) {
    for (let cx = 0; cx < gw; cx++) {
      let count = 0;
      for (let dy = -radius; dy <= radius; dy++) {
        for (let dx = -radius; dx <= radius; dx++) {
          const x = cx + dx, y = cy + dy;
          if (x >= 0 && y >= 0 && x < gw && y < gh) {
            // Insertion into the sorted prefix (grid values are never NaN).
            const v = g[y * gw + x];
            let j = count++;
            for (; j > 0 && near[j - 1] > v; j--) near[j] = near[j - 1];
            near[j] = v;
          }
        }
      }
      const own = g[cy * gw + cx], median = near[(count - 1) >> 1];
      // Lighting changes little from cell to cell; ink changes a lot.
      out[cy * gw + cx] = own < 0.85 * median ? median : own;
    }
  }
}

/**
 * Estimates the paper brightness under dark ink (photo convention, 1 =
 * white) at every pixel.
 *
 * @example
 * ```ts
 * import { assertAlmostEquals } from "@std/assert";
 * import { estimateBackground } from "./background.ts";
 * // left half dim paper (0.5), right half bright paper (1), one ink pixel
 * const data = new Float32Array(64 * 64).map((_, i) => (i % 64 < 32 ? 0.5 : 1));
 * data[10 * 64 + 10] = 0;
 * const bg = estimateBackground({ width: 64, height: 64, data });
 * assertAlmostEquals(bg.data[10 * 64 + 10], 0.5, 0.05); // the paper under the ink
 * assertAlmostEquals(bg.data[10 * 64 + 60], 1, 0.05);
 * ```
 */
export function estimateBackground(img: GrayImage, options: BackgroundOptions = {}): GrayImage {
  const cell = options.cell ?? Math.max(8, Math.round(Math.max(img.width, img.height) / 10));
  const grid = cellPercentiles(img, { cell, percentile: options.percentile ?? 0.9 });
  // Repair cells mostly covered by ink with their neighbourhood's median.
  const repaired = new Float32Array(grid.data.length);
  repairCells(grid.data, grid.width, grid.height, repaired, 1);
  const wider = options.repairRadius ?? 1;
  if (!Number.isInteger(wider) || wider < 1 || wider > 8) {
    throw new InvalidArgumentError(`repairRadius must be an integer from 1 to 8, got ${wider}`);
  }
  if (wider > 1) {
    // Then again over a wider neighbourhood, from the cells repaired so far.
    const again = new Float32Array(repaired.length);
    repairCells(repaired, grid.width, grid.height, again, wider);
    repaired.set(again);
  }
  return upsampleCells({ ...grid, data: repaired }, { width: img.width, height: img.height, cell });
}

/**
 * Ink strength of a dark-ink photo image relative to its background:
 * `clamp(1 - pixel / background, 0, 1)`, so paper is 0 and ink as black as
 * possible is 1 whatever the local lighting.
 *
 * @throws {InvalidArgumentError} when the two images differ in size.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { inkStrength } from "./background.ts";
 * const img = { width: 2, height: 1, data: new Float32Array([0.25, 0.5]) };
 * const bg = { width: 2, height: 1, data: new Float32Array([0.5, 0.5]) };
 * assertEquals(Array.from(inkStrength(img, bg).data), [0.5, 0]);
 * ```
 */
export function inkStrength(img: GrayImage, background: GrayImage): GrayImage {
  if (img.width !== background.width || img.height !== background.height) {
    throw new InvalidArgumentError(
      `background is ${background.width}x${background.height}, image is ${img.width}x${img.height}`,
    );
  }
  const result = { width: img.width, height: img.height, data: new Float32Array(img.data.length) };
  divideOut(img.data, background.data, result.data);
  return result;
}

function divideOut(data: Float32Array, background: Float32Array, out: Float32Array): void {
  for (let i = 0; i < out.length; i++) {
    const b = Math.max(background[i], 1e-3);
    out[i] = Math.min(1, Math.max(0, 1 - data[i] / b));
  }
}
