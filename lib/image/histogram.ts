/**
 * Fast quantiles of values in [0, 1] through a fixed-bin histogram: O(n)
 * instead of sorting, with a resolution of 1/1024 (finer than 8-bit pixels).
 *
 * @module
 */

/**
 * Number of bins: values are resolved to 1/1024.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { BINS, histogram } from "./histogram.ts";
 * assertEquals(histogram(new Float32Array([0.5])).counts.length, BINS);
 * ```
 */
export const BINS = 1024;

/**
 * Counts of values per bin (values clamped to [0, 1]).
 */
export interface Histogram {
  /** `BINS` counts; bin `b` holds values in [b / BINS, (b + 1) / BINS). */
  counts: Uint32Array;
  /** Number of values counted. */
  total: number;
}

/**
 * Counts values (clamped to [0, 1]) into {@link BINS} bins.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { histogram } from "./histogram.ts";
 * const h = histogram(new Float32Array([0, 0.5, 1]));
 * assertEquals([h.total, h.counts[0], h.counts[512], h.counts[1023]], [3, 1, 1, 1]);
 * ```
 */
export function histogram(values: ArrayLike<number>): Histogram {
  // One spare bin past the end takes NaN, which no bin counts.
  const counts = new Uint32Array(BINS + 1);
  // Zeros (bin 0) are counted apart: most of an ink map, of its second
  // differences and of a clean drawing's residuals are exactly 0 (paper),
  // and skipping the bin arithmetic for them halves the pass (12 to 5.5 us
  // over 4,096 values nine tenths 0; the same 12 us for random values).
  let zeros = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === 0) {
      zeros++;
      continue;
    }
    const x = v * BINS;
    counts[x >= 0 ? (x < BINS ? x | 0 : BINS - 1) : x < 0 ? 0 : BINS]++;
  }
  counts[0] += zeros;
  return { counts: counts.subarray(0, BINS), total: values.length };
}

/**
 * The `q`-quantile (0–1) of the counted values at or above `from` (default
 * 0), as a bin centre; 0 when no value is counted there.
 *
 * @example
 * ```ts
 * import { assertAlmostEquals } from "@std/assert";
 * import { histogram, quantile } from "./histogram.ts";
 * const h = histogram(new Float32Array([0.1, 0.2, 0.3, 0.9]));
 * assertAlmostEquals(quantile(h, 0.5), 0.3, 1e-3); // the median
 * assertAlmostEquals(quantile(h, 0.5, 0.25), 0.9, 1e-3); // the median of the values >= 0.25
 * ```
 */
export function quantile(h: Histogram, q: number, from = 0): number {
  const start = Math.min(BINS - 1, Math.max(0, Math.floor(from * BINS)));
  let n = 0;
  for (let b = start; b < BINS; b++) n += h.counts[b];
  if (n === 0) return 0;
  const rank = Math.min(n - 1, Math.floor(q * n));
  let acc = 0;
  for (let b = start; b < BINS; b++) {
    acc += h.counts[b];
    if (acc > rank) return (b + 0.5) / BINS;
  }
  return (BINS - 0.5) / BINS;
}

/**
 * Number of counted values at or above `from`.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { countFrom, histogram } from "./histogram.ts";
 * assertEquals(countFrom(histogram(new Float32Array([0.1, 0.6, 0.7])), 0.5), 2);
 * ```
 */
export function countFrom(h: Histogram, from: number): number {
  let n = 0;
  for (let b = Math.max(0, Math.floor(from * BINS)); b < BINS; b++) n += h.counts[b];
  return n;
}
