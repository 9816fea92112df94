/**
 * Deciding from the image itself whether the ink is darker than the
 * background (pen on paper) or lighter (chalk on a board, MNIST's white on
 * black).
 *
 * The background is taken as a coarse grid of cell medians (the ink is the
 * minority of pixels, and the grid follows uneven lighting), each replaced
 * by the median of its 3x3 neighbourhood so that a cell filled by a thick
 * stroke takes its neighbours' level; whichever side
 * of it deviates more, in total, beyond the noise is the ink.
 *
 * @module
 */

import { cellPercentiles, upsampleCells } from "./background.ts";
import { BINS, quantile } from "./histogram.ts";
import { resizeLongSide } from "./resize.ts";
import type { GrayImage } from "./raster.ts";
import { Scratch } from "./scratch.ts";

/**
 * Which way the ink goes in a photo-convention image (1 = white).
 */
export type Polarity = "dark-on-light" | "light-on-dark";

/**
 * What {@link measurePolarity} found.
 */
export interface PolarityEvidence {
  /** The verdict; ties (blank images) go to the usual dark-on-light. */
  polarity: Polarity;
  /** Summed darkness below the background beyond the noise, per pixel. */
  darkMass: number;
  /** Summed brightness above the background beyond the noise, per pixel. */
  lightMass: number;
}

/** 3x3 median of a cell grid: a cell mostly covered by ink takes its neighbours' level. */
function medianOfNeighbours(grid: GrayImage): GrayImage {
  const out = new Float32Array(grid.data.length);
  const near = new Float64Array(9);
  for (let y = 0; y < grid.height; y++) {
    for (let x = 0; x < grid.width; x++) {
      let count = 0;
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const xx = x + dx, yy = y + dy;
          if (xx >= 0 && yy >= 0 && xx < grid.width && yy < grid.height) {
            // Insertion into the sorted prefix (cell percentiles are never NaN).
            const v = grid.data[yy * grid.width + xx];
            let j = count++;
            for (; j > 0 && near[j - 1] > v; j--) near[j] = near[j - 1];
            near[j] = v;
          }
        }
      }
      out[y * grid.width + x] = near[count >> 1];
    }
  }
  return { ...grid, data: out };
}

/**
 * `img - bg` (rounded to float32 as stored) into `residual`, and the
 * counts of its magnitudes in `counts` ({@link histogram}'s bins and NaN
 * bin, cleared here): one pass instead of storing the magnitudes and
 * counting them in another.
 */
function residuals(
  img: Float32Array,
  bg: Float32Array,
  residual: Float32Array,
  counts: Uint32Array,
): void {
  counts.fill(0);
  // Paper matching its background exactly (most of a clean drawing) is
  // counted apart, as in `histogram`.
  let zeros = 0;
  for (let i = 0; i < residual.length; i++) {
    const r = Math.fround(img[i] - bg[i]);
    residual[i] = r;
    if (r === 0) {
      zeros++;
      continue;
    }
    const x = Math.abs(r) * BINS;
    counts[x >= 0 ? (x < BINS ? x | 0 : BINS - 1) : x < 0 ? 0 : BINS]++;
  }
  counts[0] += zeros;
}

/** The magnitude counts of {@link residuals}: {@link BINS} bins and one for NaN. */
const magnitudeCounts = new Uint32Array(BINS + 1);

const massSums = new Float64Array(2);

/** Summed darkness [0] and brightness [1] of the residuals beyond `margin`. */
function masses(residual: Float32Array, margin: number): Float64Array {
  let dark = 0, light = 0;
  for (let i = 0; i < residual.length; i++) {
    const r = residual[i];
    if (r < -margin) dark += -r - margin;
    else if (r > margin) light += r - margin;
  }
  massSums[0] = dark;
  massSums[1] = light;
  return massSums;
}

/**
 * Least mass (per pixel) that counts as evidence of ink: 0.3% of the
 * pixels standing 0.1 beyond the noise margin. A digit drawn on a 28x28
 * canvas gives about 0.1, a webcam shot of a number 0.001 to 0.01; a faint
 * pencil digit on squared paper, shrunk to 48 pixels, under 5e-5 (its
 * strokes blur into the grid).
 */
const MIN_EVIDENCE = 3e-4;

/** Side of the coarse copy measured first, and of the finer copy measured when that is inconclusive. */
const COARSE_SIDE = 48, FINE_SIDE = 192;

/**
 * Measures dark and light deviations from the local background and picks
 * the polarity with more mass; light-on-dark needs at least
 * {@link MIN_EVIDENCE} of it (paper with faint ink is the usual case, so
 * weak or no evidence means dark-on-light). Images larger than 48 pixels
 * are measured on a copy shrunk (area averaging) to 48 pixels, so it is
 * fast on any image; when that copy shows too little mass either way (thin
 * faint strokes blur away), a 192-pixel copy is measured instead.
 *
 * @example
 * ```ts
 * import { assert, assertEquals } from "@std/assert";
 * import { measurePolarity } from "./polarity.ts";
 * const data = new Float32Array(100).fill(1); // white
 * data.fill(0, 40, 50); // a dark line
 * const evidence = measurePolarity({ width: 10, height: 10, data });
 * assertEquals(evidence.polarity, "dark-on-light");
 * assert(evidence.darkMass > evidence.lightMass);
 * ```
 */
export function measurePolarity(img: GrayImage): PolarityEvidence {
  const longer = Math.max(img.width, img.height);
  const coarse = measureAt(img, COARSE_SIDE);
  if (
    longer <= COARSE_SIDE || Math.max(coarse.darkMass, coarse.lightMass) >= MIN_EVIDENCE
  ) return coarse;
  return measureAt(img, FINE_SIDE);
}

/** {@link measurePolarity} on a copy whose longer side is at most `side`. */
function measureAt(img: GrayImage, side: number): PolarityEvidence {
  // The shrunk copy is only read here, so it is made in a buffer kept between calls.
  const small = Math.max(img.width, img.height) > side
    ? resizeLongSide(img, side, shrunk.take(side * side))
    : img;
  const longer = Math.max(small.width, small.height);
  // Cells of a quarter of the side (half for small images): ink is the
  // minority of each cell, and the grid still follows uneven lighting.
  const cell = Math.max(1, Math.ceil(longer / (longer <= 32 ? 2 : 4)));
  const grid = medianOfNeighbours(cellPercentiles(small, { cell, percentile: 0.5 }));
  const bg = upsampleCells(grid, { width: small.width, height: small.height, cell });
  return measure(small, bg, residualScratch.take(small.data.length));
}

/** The shrunk copy measured by {@link measurePolarity}, reused between calls (see `scratch.ts`). */
const shrunk = new Scratch((n) => new Float32Array(n));

/** Residuals of {@link measurePolarity}, reused between calls (see `scratch.ts`). */
const residualScratch = new Scratch((n) => new Float32Array(n));

function measure(small: GrayImage, bg: GrayImage, residual: Float32Array): PolarityEvidence {
  residuals(small.data, bg.data, residual, magnitudeCounts);
  const magnitudes = { counts: magnitudeCounts.subarray(0, BINS), total: residual.length };
  const noise = 1.4826 * quantile(magnitudes, 0.5);
  const margin = 3 * noise + 0.03;
  const mass = masses(residual, margin);
  const darkMass = mass[0] / residual.length, lightMass = mass[1] / residual.length;
  return {
    polarity: lightMass > darkMass && lightMass >= MIN_EVIDENCE ? "light-on-dark" : "dark-on-light",
    darkMass,
    lightMass,
  };
}

/**
 * Flips an image's values (`1 - v`): light-on-dark becomes dark-on-light.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { invert } from "./polarity.ts";
 * const img = { width: 2, height: 1, data: new Float32Array([0, 0.25]) };
 * assertEquals(Array.from(invert(img).data), [1, 0.75]);
 * ```
 */
export function invert(img: GrayImage): GrayImage {
  return { width: img.width, height: img.height, data: img.data.map((v) => 1 - v) };
}
