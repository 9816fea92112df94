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

import { InvalidArgumentError } from "../errors.ts";
import type { GrayImage } from "./types.ts";

/** Options of {@link longLineMask}. */
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
  const mask = new Uint8Array(w * h);
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
 * per step: forward and backward longest-path lengths, summed.
 */
function onLongPaths(mask: Uint8Array, w: number, h: number, need: number, horizontal: boolean) {
  // Neighbour offsets: step (along the line) and side (across it).
  const step = horizontal ? 1 : w, side = horizontal ? w : 1;
  const along = horizontal ? w : h, across = horizontal ? h : w;
  // A path `need` long crosses `need` columns (rows) that hold mask pixels.
  const used = new Uint8Array(along);
  for (let i = 0; i < w * h; i++) if (mask[i]) used[horizontal ? i % w : (i / w) | 0] = 1;
  if (used.reduce((a, b) => a + b, 0) < need) return new Uint8Array(w * h);
  const fwd = new Int32Array(w * h), bwd = new Int32Array(w * h);
  for (let a = 0; a < along; a++) {
    for (let c = 0; c < across; c++) {
      const i = a * step + c * side;
      if (!mask[i]) continue;
      let m = 0;
      if (a > 0) {
        const p = i - step;
        m = fwd[p];
        if (c > 0 && fwd[p - side] > m) m = fwd[p - side];
        if (c < across - 1 && fwd[p + side] > m) m = fwd[p + side];
      }
      fwd[i] = m + 1;
    }
  }
  for (let a = along - 1; a >= 0; a--) {
    for (let c = 0; c < across; c++) {
      const i = a * step + c * side;
      if (!mask[i]) continue;
      let m = 0;
      if (a < along - 1) {
        const p = i + step;
        m = bwd[p];
        if (c > 0 && bwd[p - side] > m) m = bwd[p - side];
        if (c < across - 1 && bwd[p + side] > m) m = bwd[p + side];
      }
      bwd[i] = m + 1;
    }
  }
  const out = new Uint8Array(w * h);
  for (let i = 0; i < w * h; i++) out[i] = fwd[i] + bwd[i] - 1 >= need ? 1 : 0;
  return out;
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
 * import { longLineMask } from "./lines.ts";
 * const w = 20, h = 10, data = new Float32Array(w * h);
 * for (let x = 0; x < w; x++) data[5 * w + x] = 0.3; // a faint rule across the image
 * data[2 * w + 3] = 1; // and a dot
 * const lines = longLineMask({ width: w, height: h, data }, { threshold: 0.1 });
 * console.log(lines[5 * w + 10], lines[2 * w + 3]); // 1 0
 * ```
 */
export function longLineMask(ink: GrayImage, options: LineOptions): Uint8Array {
  const minLength = options.minLength ?? 0.7;
  const smooth = options.smooth ?? 2;
  if (!(minLength > 0 && minLength <= 1)) {
    throw new InvalidArgumentError(`minLength must be in (0, 1], got ${minLength}`);
  }
  if (!Number.isInteger(smooth) || smooth < 0) {
    throw new InvalidArgumentError(`smooth must be a non-negative integer, got ${smooth}`);
  }
  const { width: w, height: h } = ink;
  let above = 0;
  for (let i = 0; i < ink.data.length; i++) if (ink.data[i] > options.threshold) above++;
  const out = new Uint8Array(w * h);
  if (above < minLength * Math.min(w, h)) return out; // not enough ink for even one line
  const { threshold } = options;
  const ceiling = options.ceiling ?? Infinity;
  const rows = smoothMask(ink, threshold, ceiling, smooth, true);
  const cols = smoothMask(ink, threshold, ceiling, smooth, false);
  // Smoothing lengthens every mark by `smooth` pixels at each end.
  const onRows = onLongPaths(rows, w, h, Math.max(2, minLength * w + 2 * smooth), true);
  const onCols = onLongPaths(cols, w, h, Math.max(2, minLength * h + 2 * smooth), false);
  for (let i = 0; i < out.length; i++) out[i] = onRows[i] | onCols[i];
  return out;
}
