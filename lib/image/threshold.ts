/**
 * Choosing ink levels in an ink-strength map (0 = paper, 1 = black ink):
 * how strong the noise is, how strong the ink is, how strong the printed
 * rules of squared/lined paper are, and from those the threshold that
 * separates ink from everything else.
 *
 * - noise: from second differences (see {@link pixelNoise}); the floor is the
 *   median (paper, or faint rules when they cover most of the page; the 10th
 *   percentile when ink covers most of a tight crop) plus a margin;
 * - ink level: a high percentile (98th) of the pixels above the noise floor;
 * - rule level: if long straight lines (`longLineMask`) are found and
 *   are fainter than the ink (below 85% of it), the 90th percentile of their
 *   pixels — found in two passes, the second with a ceiling between the
 *   first pass's median and the ink, so paths cannot detour through ink;
 * - threshold: above the noise, at least 40% of the ink level, and above the
 *   rules by a quarter of the gap between rules and ink.
 *
 * @module
 */

import { BINS, countFrom, type Histogram, histogram, quantile } from "./histogram.ts";
import { lineMaskOrNull } from "./lines.ts";
import type { GrayImage } from "./raster.ts";

/**
 * The levels {@link chooseLevels} found in an ink map.
 */
export interface InkLevels {
  /** Estimated noise standard deviation of the paper. */
  noise: number;
  /** Paper level plus a noise margin: nothing below is ink. */
  floor: number;
  /** Typical strength of the strongest ink (0 when there is nothing above the floor). */
  ink: number;
  /** Upper level of ruled/squared-paper lines, or null when none were found. */
  rules: number | null;
  /** Ink seeds: a stroke must reach this somewhere. */
  threshold: number;
  /** Ink extent: stroke pixels above this count, and intensities start here. */
  low: number;
  /** Intensities saturate to 1 above this. */
  high: number;
}

/** Buffer of {@link pixelNoise}'s second differences, kept between calls. */
let differences = new Float32Array(0);

/** |v[x] - (v[x-1] + v[x+1]) / 2| along every `stride`-th row into `out`; returns the count. */
function secondDifferences(
  data: Float32Array,
  w: number,
  h: number,
  stride: number,
  out: Float32Array,
): number {
  let k = 0;
  for (let y = 0; y < h; y += stride) {
    for (let x = 1; x < w - 1; x++) {
      const i = y * w + x;
      out[k++] = Math.abs(data[i] - (data[i - 1] + data[i + 1]) / 2);
    }
  }
  return k;
}

/**
 * Standard deviation of pixel noise, from second differences along rows
 * (`v[x] - (v[x-1] + v[x+1]) / 2` has 1.5 times the noise variance):
 * smooth structure (lighting, blurred rules) cancels out, and the median
 * ignores the few pixels on sharp edges.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { pixelNoise } from "./threshold.ts";
 * const ramp = Float32Array.from({ length: 100 }, (_, i) => (i % 10) / 20);
 * assertEquals(pixelNoise({ width: 10, height: 10, data: ramp }), 0); // a smooth ramp has no noise
 * ```
 */
export function pixelNoise(img: GrayImage): number {
  const { width: w, height: h, data } = img;
  if (w < 3) return 0;
  // Every row for small images; evenly spaced rows (about 8k samples) for large ones.
  const stride = Math.max(1, Math.floor(((w - 2) * h) / 8192));
  const size = (w - 2) * Math.ceil(h / stride);
  if (differences.length < size) differences = new Float32Array(size);
  const k = secondDifferences(data, w, h, stride, differences);
  // quantile() gives bin centres; the lower edge makes a noiseless image exactly 0.
  const median = Math.max(0, quantile(histogram(differences.subarray(0, k)), 0.5) - 0.5 / BINS);
  return median / (0.6745 * Math.sqrt(1.5));
}

/**
 * The paper's level (`paper`) and that level plus a noise margin
 * (`floor`) in an ink map: nothing below `floor` is ink. Paper is normally the majority of pixels (the median); in
 * a tight crop of a bold digit the ink may be, and then the lowest tenth
 * stands for the paper. The margin is 4 noise deviations (a pixel of paper
 * passes it once in about 30,000) plus 0.04 for JPEG blocks and paper
 * texture, which are not white noise.
 *
 * @example
 * ```ts
 * import { assertAlmostEquals } from "@std/assert";
 * import { paperFloor } from "./threshold.ts";
 * const data = new Float32Array(400).fill(0.1); // noiseless paper at 0.1
 * assertAlmostEquals(paperFloor({ width: 20, height: 20, data }).floor, 0.14, 0.002);
 * ```
 */
export function paperFloor(
  ink: GrayImage,
  counts?: Histogram,
): { noise: number; paper: number; floor: number } {
  const all = counts ?? histogram(ink.data);
  const median = quantile(all, 0.5);
  const noise = pixelNoise(ink);
  const paper = median <= 0.3 ? median : quantile(all, 0.1);
  return { noise, paper, floor: paper + 4 * noise + 0.04 };
}

/**
 * Rules cross the whole photo; a digit, even in a tight crop, rarely spans
 * more than 80% of it (MNIST's 20 of 28 pixels is 71%).
 */
const RULE_LENGTH = 0.85;

/** The values of `ink` under `mask` (none when there is no mask). */
function valuesOn(ink: GrayImage, mask: Uint8Array | null): number[] {
  const values: number[] = [];
  if (mask === null) return values;
  for (let i = 0; i < mask.length; i++) if (mask[i]) values.push(ink.data[i]);
  return values;
}

/** Options of {@link chooseLevels}. */
export interface LevelOptions {
  /**
   * Look for rules fainter than the ink and set the threshold above them.
   * Default true; false when the rules were already removed (`removeRules`).
   */
  findRules?: boolean;
}

/**
 * Finds the noise, ink and rule levels of an ink map and derives the
 * thresholds used to cut out the ink.
 *
 * @example
 * ```ts
 * import { assert, assertAlmostEquals, assertEquals } from "@std/assert";
 * import { chooseLevels } from "./threshold.ts";
 * const data = new Float32Array(400); // 20x20 paper
 * for (let y = 5; y < 15; y++) data[y * 20 + 10] = 0.9; // a stroke
 * const levels = chooseLevels({ width: 20, height: 20, data });
 * assertAlmostEquals(levels.ink, 0.9, 0.01);
 * assert(levels.threshold > 0.3 && levels.threshold < 0.9);
 * assertEquals(levels.rules, null); // no ruled lines
 * ```
 */
export function chooseLevels(ink: GrayImage, options: LevelOptions = {}): InkLevels {
  const all = histogram(ink.data);
  const { noise, floor } = paperFloor(ink, all);
  const inkLevel = quantile(all, 0.98, floor);
  let rules: number | null = null;
  if (options.findRules !== false && countFrom(all, floor) > 0) {
    // First pass: lines may run through the digit's strokes, but most of
    // their pixels are rules, so the median is the rule level. Second pass:
    // with a ceiling above that level, only the rules themselves remain.
    const first = valuesOn(ink, lineMaskOrNull(ink, { threshold: floor, minLength: RULE_LENGTH }));
    if (first.length >= 2 * Math.max(ink.width, ink.height)) {
      const typical = quantile(histogram(first), 0.5);
      const ceiling = typical + 0.6 * (inkLevel - typical);
      const second = valuesOn(
        ink,
        lineMaskOrNull(ink, { threshold: floor, minLength: RULE_LENGTH, ceiling }),
      );
      if (second.length >= 2 * Math.max(ink.width, ink.height)) {
        const level = quantile(histogram(second), 0.9);
        if (level < 0.85 * inkLevel) rules = level;
      }
    }
  }
  const threshold = Math.max(
    floor,
    0.4 * inkLevel,
    rules === null ? 0 : rules + 0.25 * (inkLevel - rules),
  );
  const low = Math.max(floor, 0.5 * threshold, rules ?? 0);
  const high = Math.max(low + 0.05, 0.85 * inkLevel);
  return { noise, floor, ink: inkLevel, rules, threshold, low, high };
}
