/**
 * Finding long, roughly straight, roughly horizontal or vertical lines in an
 * ink map: the printed rules of squared or lined paper.
 *
 * A pixel is on a line when a path of ink pixels through it, stepping one
 * column at a time (and up or down at most one row per step), spans at
 * least `minLength` of the image width — or the same with rows and columns
 * swapped. These are "path openings" (Talbot & Appleton 2007) computed on a
 * binary mask in O(pixels); they follow rules that are tilted or slightly
 * bent in a photo, which a straight structuring element would miss. Before
 * thresholding, each direction is smoothed along itself, so faint noisy
 * rules still come out whole.
 *
 * @module
 */

import { InvalidArgumentError } from "../core/mod.ts";
import type { GrayImage } from "./raster.ts";
import { Scratch } from "./scratch.ts";

/**
 * Working masks and path lengths of {@link longLineMask}, kept between calls
 * (see `scratch.ts`): each is used up before the next call takes it again.
 */
const scratch = {
  smoothed: new Scratch((n) => new Uint8Array(n)),
  across: new Scratch((n) => new Uint8Array(n)),
  back: new Scratch((n) => new Uint8Array(n)),
  paths: new Scratch((n) => new Uint8Array(n)),
  forward: new Scratch((n) => new Int32Array(n)),
  backward: new Scratch((n) => new Int32Array(n)),
};

/**
 * Options of {@link longLineMask}.
 */
export interface LineOptions {
  /** Ink strength a rule pixel must exceed (after smoothing along the line). */
  threshold: number;
  /** Shortest line, as a fraction of the image side it runs along. Default 0.7. */
  minLength?: number;
  /** Half-length of the smoothing along the line direction. Default 2. */
  smooth?: number;
  /**
   * Pixels stronger than this are not part of any line. Rules are fainter
   * than ink: with a ceiling a path cannot run from a rule through a digit's
   * strokes to the next rule. Default: no ceiling.
   */
  ceiling?: number;
  /** Which lines to find: rows (`"horizontal"`), columns (`"vertical"`) or both. Default `"both"`. */
  direction?: "both" | "horizontal" | "vertical";
}

/** Mean over 2s+1 pixels along rows (`alongRows`) or along columns, thresholded. */
function smoothMask(
  ink: GrayImage,
  threshold: number,
  ceiling: number,
  s: number,
  alongRows: boolean,
): Uint8Array {
  const { width: w, height: h, data } = ink;
  const mask = scratch.smoothed.take(w * h);
  if (alongRows) {
    for (let y = 0; y < h; y++) {
      const row = y * w;
      let sum = 0, n = 0;
      for (let x = 0; x < Math.min(w, s); x++, n++) sum += data[row + x];
      for (let x = 0; x < w; x++) {
        if (x + s < w) sum += data[row + x + s], n++;
        if (x - s - 1 >= 0) sum -= data[row + x - s - 1], n--;
        mask[row + x] = sum > threshold * n && data[row + x] <= ceiling ? 1 : 0;
      }
    }
  } else {
    const sum = new Float32Array(w);
    let n = 0;
    for (let y = 0; y < Math.min(h, s); y++, n++) {
      for (let x = 0; x < w; x++) sum[x] += data[y * w + x];
    }
    for (let y = 0; y < h; y++) {
      if (y + s < h) {
        n++;
        for (let x = 0; x < w; x++) sum[x] += data[(y + s) * w + x];
      }
      if (y - s - 1 >= 0) {
        n--;
        for (let x = 0; x < w; x++) sum[x] -= data[(y - s - 1) * w + x];
      }
      for (let x = 0; x < w; x++) {
        mask[y * w + x] = sum[x] > threshold * n && data[y * w + x] <= ceiling ? 1 : 0;
      }
    }
  }
  return mask;
}

/**
 * Marks mask pixels on a path at least `need` long that steps one column
 * (`horizontal`) or one row at a time, moving at most one pixel sideways
 * per step: forward and backward longest-path lengths, summed. Horizontal
 * paths are found on the transposed mask, so that both passes run along
 * memory.
 */
function onLongPaths(
  mask: Uint8Array,
  w: number,
  h: number,
  need: number,
  horizontal: boolean,
): Uint8Array {
  if (!horizontal) return pathsDown(mask, w, h, need);
  const across = transpose(mask, w, h, scratch.across.take(w * h));
  return transpose(pathsDown(across, h, w, need), h, w, scratch.back.take(w * h));
}

/** `src` (w x h) with rows and columns swapped (h x w) into `out`. */
function transpose(src: Uint8Array, w: number, h: number, out: Uint8Array): Uint8Array {
  for (let y = 0; y < h; y++) {
    const row = y * w;
    for (let x = 0; x < w; x++) out[x * h + y] = src[row + x];
  }
  return out;
}

/** {@link onLongPaths} for paths that step one row at a time. */
function pathsDown(mask: Uint8Array, w: number, h: number, need: number): Uint8Array {
  // A path `need` long crosses `need` rows that hold mask pixels.
  let used = 0;
  for (let y = 0; y < h; y++) {
    const row = y * w;
    let x = 0;
    while (x < w && !mask[row + x]) x++;
    if (x < w) used++;
  }
  if (used < need) return scratch.paths.zeroed(w * h);
  const fwd = scratch.forward.zeroed(w * h), bwd = scratch.backward.zeroed(w * h);
  longest(mask, w, h, fwd, 1);
  longest(mask, w, h, bwd, -1);
  const out = scratch.paths.take(w * h);
  for (let i = 0; i < w * h; i++) out[i] = fwd[i] + bwd[i] - 1 >= need ? 1 : 0;
  return out;
}

/**
 * Length of the longest path ending at each mask pixel, coming from the
 * top (`dir` 1) or from the bottom (`dir` -1).
 */
function longest(mask: Uint8Array, w: number, h: number, len: Int32Array, dir: 1 | -1): void {
  for (let k = 0; k < h; k++) {
    const y = dir === 1 ? k : h - 1 - k;
    const row = y * w, prev = row - dir * w;
    for (let x = 0; x < w; x++) {
      const i = row + x;
      if (!mask[i]) continue;
      let m = 0;
      if (k > 0) {
        const p = prev + x;
        m = len[p];
        if (x > 0 && len[p - 1] > m) m = len[p - 1];
        if (x < w - 1 && len[p + 1] > m) m = len[p + 1];
      }
      len[i] = m + 1;
    }
  }
}

const surveyResult = new Float64Array(2);

/**
 * Each row's and column's maximum of `data` into `rowMax` and `colMax`;
 * returns [values above `threshold`, largest magnitude] (NaN ignored).
 */
function survey(
  data: Float32Array,
  w: number,
  h: number,
  threshold: number,
  rowMax: Float64Array,
  colMax: Float64Array,
): Float64Array {
  colMax.fill(-Infinity);
  let above = 0, largest = 0;
  for (let y = 0; y < h; y++) {
    const row = y * w;
    let m = -Infinity;
    for (let x = 0; x < w; x++) {
      const v = data[row + x];
      if (v > threshold) above++;
      if (v > m) m = v;
      if (v > colMax[x]) colMax[x] = v;
      if (-v > largest) largest = -v;
    }
    rowMax[y] = m;
    if (m > largest) largest = m;
  }
  surveyResult[0] = above;
  surveyResult[1] = largest;
  return surveyResult;
}

/**
 * Marks pixels of long roughly horizontal or vertical lines in an ink map
 * (ink = 1). Returns a mask (1 = line pixel) of the image's size.
 *
 * @throws {InvalidArgumentError} when `minLength` is outside (0, 1] or
 * `smooth` is not a non-negative integer.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { longLineMask } from "./lines.ts";
 * const w = 20, h = 10, data = new Float32Array(w * h);
 * data.fill(0.3, 5 * w, 6 * w); // a faint rule across the image
 * data[2 * w + 3] = 1; // and a dot
 * const lines = longLineMask({ width: w, height: h, data }, { threshold: 0.1 });
 * assertEquals([lines[5 * w + 10], lines[2 * w + 3]], [1, 0]);
 * ```
 */
export function longLineMask(ink: GrayImage, options: LineOptions): Uint8Array {
  return lineMaskOrNull(ink, options) ?? new Uint8Array(ink.width * ink.height);
}

/**
 * {@link longLineMask}, or null when one pass over the ink map shows that
 * no line can be there (too little ink, or too few rows or columns holding
 * any): `chooseLevels` then skips allocating an empty mask and walking it
 * for the values under it, a pass over the image for nothing. (With the
 * zeros counted apart in `histogram`, the levels of a 64x64 drawing went
 * from 54 to 44 us.) A mask returned may still be all 0.
 *
 * @throws {InvalidArgumentError} as {@link longLineMask}.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { lineMaskOrNull } from "./lines.ts";
 * const w = 20, h = 10, data = new Float32Array(w * h);
 * data[2 * w + 3] = 1; // a dot: no line can pass
 * assertEquals(lineMaskOrNull({ width: w, height: h, data }, { threshold: 0.1 }), null);
 * data.fill(0.3, 5 * w, 6 * w); // a faint rule across the image
 * assertEquals(lineMaskOrNull({ width: w, height: h, data }, { threshold: 0.1 })?.[5 * w + 10], 1);
 * ```
 */
export function lineMaskOrNull(ink: GrayImage, options: LineOptions): Uint8Array | null {
  const direction = options.direction ?? "both";
  const masks = lineMasks(ink, options, direction !== "vertical", direction !== "horizontal");
  if (masks.horizontal === null) return masks.vertical;
  if (masks.vertical !== null) {
    const out = masks.horizontal, onCols = masks.vertical;
    for (let i = 0; i < out.length; i++) out[i] |= onCols[i];
  }
  return masks.horizontal;
}

/** The lines of each direction that {@link longLineMasks} finds. */
export interface LineMasks {
  /** 1 on pixels of long roughly horizontal lines. */
  horizontal: Uint8Array;
  /** 1 on pixels of long roughly vertical lines. */
  vertical: Uint8Array;
}

/**
 * {@link longLineMask}'s lines of each direction, apart (`direction` is
 * ignored), from one survey of the ink map: `removeRules` needs both, and
 * asking for them one at a time surveyed a photo's map twice (2 ms each).
 *
 * @throws {InvalidArgumentError} as {@link longLineMask}.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { longLineMasks } from "./lines.ts";
 * const w = 20, h = 10, data = new Float32Array(w * h);
 * data.fill(0.3, 5 * w, 6 * w); // a faint rule across the image
 * const lines = longLineMasks({ width: w, height: h, data }, { threshold: 0.1 });
 * assertEquals([lines.horizontal[5 * w + 10], lines.vertical[5 * w + 10]], [1, 0]);
 * ```
 */
export function longLineMasks(ink: GrayImage, options: LineOptions): LineMasks {
  const masks = lineMasks(ink, options, true, true);
  const none = () => new Uint8Array(ink.width * ink.height);
  return { horizontal: masks.horizontal ?? none(), vertical: masks.vertical ?? none() };
}

/**
 * The line masks of the directions asked for (`rows`: horizontal lines,
 * `columns`: vertical ones), null where none can be or none was asked for.
 */
function lineMasks(
  ink: GrayImage,
  options: LineOptions,
  rows: boolean,
  columns: boolean,
): { horizontal: Uint8Array | null; vertical: Uint8Array | null } {
  const minLength = options.minLength ?? 0.7;
  const smooth = options.smooth ?? 2;
  if (!(minLength > 0 && minLength <= 1)) {
    throw new InvalidArgumentError(`minLength must be in (0, 1], got ${minLength}`);
  }
  if (!Number.isInteger(smooth) || smooth < 0) {
    throw new InvalidArgumentError(`smooth must be a non-negative integer, got ${smooth}`);
  }
  const { width: w, height: h, data } = ink;
  const { threshold } = options;
  const none = { horizontal: null, vertical: null };
  // One pass: pixels above the threshold, and each row's and column's maximum.
  const rowMax = new Float64Array(h), colMax = new Float64Array(w);
  const surveyed = survey(data, w, h, threshold, rowMax, colMax);
  const above = surveyed[0], largest = surveyed[1];
  if (above < minLength * Math.min(w, h)) return none; // not enough ink for even one line
  // Smoothing lengthens every mark by `smooth` pixels at each end.
  const needX = Math.max(2, minLength * w + 2 * smooth);
  const needY = Math.max(2, minLength * h + 2 * smooth);
  // A smoothed pixel is above the threshold only if a pixel within `smooth`
  // of it along the smoothing direction is (up to the running sums'
  // rounding, which `margin` bounds generously), so a path needs `needX`
  // columns (`needY` rows) near such pixels: without them there is none.
  const margin = 4 * (Math.max(w, h) + 1) * (smooth + 1) * largest * 2 ** -22 +
    Math.abs(threshold) * 2 ** -50;
  const horizontal = rows && reachCount(colMax, threshold - margin, smooth) >= needX;
  const vertical = columns && reachCount(rowMax, threshold - margin, smooth) >= needY;
  const ceiling = options.ceiling ?? Infinity;
  return {
    horizontal: horizontal
      ? onLongPaths(smoothMask(ink, threshold, ceiling, smooth, true), w, h, needX, true).slice()
      : null,
    vertical: vertical
      ? onLongPaths(smoothMask(ink, threshold, ceiling, smooth, false), w, h, needY, false).slice()
      : null,
  };
}

/** How many indices lie within `reach` of an index whose maximum exceeds `level`. */
function reachCount(max: Float64Array, level: number, reach: number): number {
  let count = 0, last = -Infinity;
  for (let i = 0; i < max.length; i++) {
    if (max[i] > level) last = i;
    else if (i - last > reach) {
      // Look ahead: covered if a qualifying index follows within `reach`.
      let ahead = false;
      for (let j = i + 1; j <= Math.min(max.length - 1, i + reach) && !ahead; j++) {
        ahead = max[j] > level;
      }
      if (!ahead) continue;
    }
    count++;
  }
  return count;
}
