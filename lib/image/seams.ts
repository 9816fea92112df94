/**
 * Candidate cuts between touching digits: top-to-bottom paths ("seams")
 * through an ink image that cross as little ink as they can. A straight
 * column between two touching round digits crosses both of their sides; a
 * seam may bend (one pixel sideways per row, at a small price) to pass
 * through the valleys of the outline and cross only where they touch.
 *
 * @module
 */

import { InvalidArgumentError } from "../core/mod.ts";
import type { GrayImage } from "./raster.ts";

/** A cut through an image, from the top row to the bottom row. */
export interface Seam {
  /** The seam's column in each row (pixels at or right of it lie on its right). */
  x: Int32Array;
  /** Ink it crosses: the sum of the image's values along it (pixels of ink). */
  cost: number;
}

/** Options of {@link findSeams}. */
export interface SeamOptions {
  /** Fewest columns between two seams' mean positions, and between a seam and either side. */
  minSeparation: number;
  /** Seams crossing more ink than this are not offered. */
  maxCost: number;
  /** Price of one sideways step, in pixels of ink. Default 0.2: bending 5 rows costs one ink pixel. */
  stepCost?: number;
  /**
   * Columns where a cut is expected (say, every typical digit width along a
   * wide blob): the cheapest seam ending within half the separation of each
   * is offered too, valley or not. Default none.
   */
  expected?: number[];
}

/**
 * The cheapest top-to-bottom seams through `ink` (ink = 1), left to right:
 * one per valley of the cost of reaching the bottom row, at least
 * `minSeparation` apart and from the sides, crossing at most `maxCost` ink.
 * Seams never cross one another (they share one table of best steps).
 *
 * @throws {InvalidArgumentError} when `minSeparation` is below 1 or a cost
 * is negative.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { findSeams } from "./seams.ts";
 * // two 4-wide blocks of ink with a blank column between them at x = 4
 * const w = 9, h = 6, data = new Float32Array(w * h).fill(1);
 * for (let y = 0; y < h; y++) data[y * w + 4] = 0;
 * const seams = findSeams({ width: w, height: h, data }, { minSeparation: 2, maxCost: 3 });
 * assertEquals(seams.map((s) => [s.cost, Array.from(s.x)]), [[0, [4, 4, 4, 4, 4, 4]]]);
 * ```
 */
export function findSeams(ink: GrayImage, options: SeamOptions): Seam[] {
  const { minSeparation, maxCost } = options;
  const step = options.stepCost ?? 0.2;
  if (!(minSeparation >= 1)) {
    throw new InvalidArgumentError(`minSeparation must be at least 1, got ${minSeparation}`);
  }
  if (!(maxCost >= 0) || !(step >= 0)) {
    throw new InvalidArgumentError(
      `seam costs must not be negative, got maxCost ${maxCost}, stepCost ${step}`,
    );
  }
  const { width: w, height: h, data } = ink;
  if (w < 2 * minSeparation || h === 0) return [];
  // total[y * w + x]: cheapest ink from the top row down to (x, y); from: the step taken (-1, 0, 1).
  const total = new Float32Array(w * h);
  const from = new Int8Array(w * h);
  for (let x = 0; x < w; x++) total[x] = data[x];
  for (let y = 1; y < h; y++) {
    const row = y * w, prev = row - w;
    for (let x = 0; x < w; x++) {
      let best = total[prev + x], dir = 0;
      if (x > 0 && total[prev + x - 1] + step < best) {
        [best, dir] = [total[prev + x - 1] + step, -1];
      }
      if (x < w - 1 && total[prev + x + 1] + step < best) {
        [best, dir] = [total[prev + x + 1] + step, 1];
      }
      total[row + x] = best + data[row + x];
      from[row + x] = dir;
    }
  }
  const bottom = total.subarray((h - 1) * w);
  // Among equal costs (a blank gap several columns wide) the middle of the run is preferred.
  const key = new Float64Array(w);
  for (let x = 0; x < w;) {
    let end = x + 1;
    while (end < w && Math.abs(bottom[end] - bottom[x]) < 1e-6) end++;
    for (let k = x; k < end; k++) key[k] = bottom[k] + 1e-4 * Math.abs(k - (x + end - 1) / 2);
    x = end;
  }
  // Valleys only: the cheapest end within half the separation on either side.
  const reach = Math.max(1, Math.floor(minSeparation / 2));
  const isValley = (x: number) => {
    for (let k = Math.max(0, x - reach); k <= Math.min(w - 1, x + reach); k++) {
      if (key[k] < key[x]) return false;
    }
    return true;
  };
  const order = Array.from({ length: w }, (_, x) => x)
    .filter((x) =>
      x >= minSeparation && x <= w - minSeparation && bottom[x] <= maxCost && isValley(x)
    )
    .sort((a, b) => key[a] - key[b]);
  for (const at of options.expected ?? []) {
    let best = -1;
    for (
      let x = Math.max(minSeparation, Math.round(at) - reach);
      x <= Math.round(at) + reach;
      x++
    ) {
      if (x > w - minSeparation || bottom[x] > maxCost) continue;
      if (best < 0 || key[x] < key[best]) best = x;
    }
    if (best >= 0) order.push(best);
  }
  const seams: (Seam & { mean: number })[] = [];
  for (const end of order) {
    const x = new Int32Array(h);
    x[h - 1] = end;
    for (let y = h - 1; y > 0; y--) x[y - 1] = x[y] + from[y * w + x[y]];
    const mean = x.reduce((s, v) => s + v, 0) / h;
    if (mean < minSeparation || mean > w - minSeparation) continue;
    if (seams.some((s) => Math.abs(s.mean - mean) < minSeparation)) continue;
    seams.push({ x, cost: bottom[end], mean });
  }
  return seams.sort((a, b) => a.mean - b.mean).map(({ x, cost }) => ({ x, cost }));
}
