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

import { InvalidArgumentError } from "../errors.ts";
import type { GrayImage } from "./types.ts";

/** Options of {@link cellPercentiles}. */
export interface CellOptions {
  /** Cell side in pixels (the last row/column of cells may be smaller). */
  cell: number;
  /** Percentile in [0, 1] taken in every cell, e.g. 0.5 for the median. */
  percentile: number;
}

/**
 * The given percentile of the values in each `cell` x `cell` block, as a
 * coarse image (one pixel per cell). Values are binned to 1/255.
 *
 * @throws {InvalidArgumentError} when `cell` is not a positive integer or
 * `percentile` is outside [0, 1].
 *
 * @example
 * ```ts
 * import { cellPercentiles } from "./background.ts";
 * const img = { width: 4, height: 2, data: new Float32Array([0, 0, 1, 1, 0, 0, 1, 1]) };
 * const g = cellPercentiles(img, { cell: 2, percentile: 0.5 });
 * console.log(g.width, g.height, Array.from(g.data)); // 2 1 [0, 1]
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
  const gw = Math.ceil(img.width / cell), gh = Math.ceil(img.height / cell);
  const out = new Float32Array(gw * gh);
  const hist = new Uint32Array(256);
  for (let cy = 0; cy < gh; cy++) {
    for (let cx = 0; cx < gw; cx++) {
      hist.fill(0);
      const x1 = Math.min(img.width, (cx + 1) * cell), y1 = Math.min(img.height, (cy + 1) * cell);
      for (let y = cy * cell; y < y1; y++) {
        for (let x = cx * cell; x < x1; x++) {
          hist[Math.min(255, Math.max(0, Math.round(img.data[y * img.width + x] * 255)))]++;
        }
      }
      const n = (x1 - cx * cell) * (y1 - cy * cell);
      const rank = Math.min(n - 1, Math.floor(percentile * n));
      let acc = 0, bin = 0;
      while (bin < 255 && acc + hist[bin] <= rank) acc += hist[bin++];
      out[cy * gw + cx] = bin / 255;
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
 * import { upsampleCells } from "./background.ts";
 * const grid = { width: 2, height: 1, data: new Float32Array([0, 1]) };
 * const full = upsampleCells(grid, { width: 4, height: 1, cell: 2 });
 * console.log(Array.from(full.data)); // [0, 0.25, 0.75, 1]
 * ```
 */
export function upsampleCells(
  grid: GrayImage,
  size: { width: number; height: number; cell: number },
): GrayImage {
  const { width, height, cell } = size;
  const out = new Float32Array(width * height);
  const pos = (p: number, n: number) => {
    const c = Math.min(n - 1, Math.max(0, (p + 0.5) / cell - 0.5));
    const i = Math.min(n - 2, Math.floor(c));
    return i < 0 ? { i: 0, f: 0 } : { i, f: c - i };
  };
  const xs = Array.from({ length: width }, (_, x) => pos(x, grid.width));
  for (let y = 0; y < height; y++) {
    const { i: iy, f: fy } = pos(y, grid.height);
    const iy1 = Math.min(grid.height - 1, iy + 1);
    for (let x = 0; x < width; x++) {
      const { i: ix, f: fx } = xs[x];
      const ix1 = Math.min(grid.width - 1, ix + 1);
      const g = grid.data;
      const top = g[iy * grid.width + ix] * (1 - fx) + g[iy * grid.width + ix1] * fx;
      const bottom = g[iy1 * grid.width + ix] * (1 - fx) + g[iy1 * grid.width + ix1] * fx;
      out[y * width + x] = top * (1 - fy) + bottom * fy;
    }
  }
  return { width, height, data: out };
}

/** Options of {@link estimateBackground}. */
export interface BackgroundOptions {
  /** Cell side in pixels. Default: a tenth of the longer side, at least 8. */
  cell?: number;
  /** Percentile that stands for paper in each cell. Default 0.9. */
  percentile?: number;
}

/**
 * Estimates the paper brightness under dark ink (photo convention, 1 =
 * white) at every pixel.
 *
 * @example
 * ```ts
 * import { estimateBackground } from "./background.ts";
 * // left half dim paper (0.5), right half bright paper (1), one ink pixel
 * const data = new Float32Array(64 * 64).map((_, i) => (i % 64 < 32 ? 0.5 : 1));
 * data[10 * 64 + 10] = 0;
 * const bg = estimateBackground({ width: 64, height: 64, data });
 * console.log(bg.data[10 * 64 + 10].toFixed(1), bg.data[10 * 64 + 60].toFixed(1)); // 0.5 1.0
 * ```
 */
export function estimateBackground(img: GrayImage, options: BackgroundOptions = {}): GrayImage {
  const cell = options.cell ?? Math.max(8, Math.round(Math.max(img.width, img.height) / 10));
  const grid = cellPercentiles(img, { cell, percentile: options.percentile ?? 0.9 });
  // Repair cells mostly covered by ink with their neighbourhood's median.
  const repaired = new Float32Array(grid.data.length);
  const near: number[] = [];
  for (let cy = 0; cy < grid.height; cy++) {
    for (let cx = 0; cx < grid.width; cx++) {
      near.length = 0;
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const x = cx + dx, y = cy + dy;
          if (x >= 0 && y >= 0 && x < grid.width && y < grid.height) {
            near.push(grid.data[y * grid.width + x]);
          }
        }
      }
      near.sort((a, b) => a - b);
      const own = grid.data[cy * grid.width + cx], median = near[(near.length - 1) >> 1];
      // Lighting changes little from cell to cell; ink changes a lot.
      repaired[cy * grid.width + cx] = own < 0.85 * median ? median : own;
    }
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
 * import { inkStrength } from "./background.ts";
 * const img = { width: 2, height: 1, data: new Float32Array([0.25, 0.5]) };
 * const bg = { width: 2, height: 1, data: new Float32Array([0.5, 0.5]) };
 * console.log(Array.from(inkStrength(img, bg).data)); // [0.5, 0]
 * ```
 */
export function inkStrength(img: GrayImage, background: GrayImage): GrayImage {
  if (img.width !== background.width || img.height !== background.height) {
    throw new InvalidArgumentError(
      `background is ${background.width}x${background.height}, image is ${img.width}x${img.height}`,
    );
  }
  const out = new Float32Array(img.data.length);
  for (let i = 0; i < out.length; i++) {
    const b = Math.max(background.data[i], 1e-3);
    out[i] = Math.min(1, Math.max(0, 1 - img.data[i] / b));
  }
  return { width: img.width, height: img.height, data: out };
}
