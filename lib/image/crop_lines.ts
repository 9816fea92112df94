/**
 * Removing the printed lines of a form or table from a scan of one cell:
 * a digit cut out of a historical record, an order form or a ledger often
 * keeps a piece of the cell's border, a dark straight line running from one
 * edge of the crop to the other, below, above or beside the digit, or
 * touching it. Left in, the line is ink: it joins the digit or is taken for
 * it, and the digit is squashed into the bottom of the 28x28 input. (MNIST
 * test digits with a 2-pixel border line 5 pixels under them were read 80%
 * right; touching them, 31%; with a corner of two lines, 21%.) A number
 * photographed on the line of an order form is the same case: of 30 such
 * photos (640x480, with noise and uneven light), 4 were read exactly with the
 * line left in.
 *
 * A line is a band of rows (or columns) each covered by ink across nearly
 * the whole crop, thin for the crop, and running past the rest of the ink
 * on both sides: the cell's border runs past the digit, while a digit's own
 * straight stroke (the bar of a 7, the base of a 2, a 1 in a tight crop)
 * ends where the digit does, so it is not taken for a line. Strokes that
 * cross the line (ink just above and just below it) are kept through it.
 *
 * @module
 */

import type { GrayImage } from "./raster.ts";

/**
 * A row is part of a line when ink covers at least this fraction of it:
 * scanned lines are straight but can be broken by a few pixels.
 */
const COVER = 0.9;

/**
 * The ink left without the lines must stop at least this fraction of the
 * crop short of both ends of a line: the cell's border runs past the digit
 * on both sides, while a digit's own bar in a tight crop (the bar of a 7,
 * the base of a 2) starts or ends where the rest of the digit does.
 */
const PAST = 0.05;

/**
 * A line is at most this fraction of the crop's side across it (and at
 * least 2 pixels): printed rules are thin, a digit's bar in a tight crop
 * is thick for the crop.
 */
const THIN = 0.1;

/** What {@link removeCropLines} removed. */
export interface CropLineRemoval {
  /** The ink map without the lines (the input itself when there were none). */
  ink: GrayImage;
  /** Lines removed across the crop (rows). */
  horizontal: number;
  /** Lines removed down the crop (columns). */
  vertical: number;
}

/**
 * Removes the printed lines that cross a crop from edge to edge (see the
 * module's notes) from an ink map (ink = 1), treating pixels above
 * `threshold` as ink.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { removeCropLines } from "./crop_lines.ts";
 * // A 40x40 crop: a short vertical stroke (the digit) and a line along the bottom.
 * const data = new Float32Array(40 * 40);
 * for (let y = 8; y < 30; y++) data[y * 40 + 20] = 1;
 * data.fill(1, 36 * 40, 37 * 40);
 * const { ink, horizontal } = removeCropLines({ width: 40, height: 40, data }, 0.5);
 * assertEquals(horizontal, 1);
 * assertEquals(ink.data[36 * 40 + 5], 0); // the line is gone
 * assertEquals(ink.data[20 * 40 + 20], 1); // the digit stays
 * ```
 */
export function removeCropLines(img: GrayImage, threshold: number): CropLineRemoval {
  const { width: w, height: h } = img;
  const { rows: rowBands, columns: colBands } = thinFullBands(img, threshold);
  const none = { ink: img, horizontal: 0, vertical: 0 };
  if (rowBands.length === 0 && colBands.length === 0) return none;
  // The rest of the ink: outside every candidate band and its edges.
  const inRow = bandMask(rowBands, h), inCol = bandMask(colBands, w);
  let x0 = w, x1 = -1, y0 = h, y1 = -1;
  for (let y = 0; y < h; y++) {
    if (inRow[y]) continue;
    for (let x = 0; x < w; x++) {
      if (inCol[x] || !(img.data[y * w + x] > threshold)) continue;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
  }
  if (x1 < 0) return none; // only lines: nothing to tell apart
  const rows = runsPast(x0, x1, w) ? rowBands : [];
  const cols = runsPast(y0, y1, h) ? colBands : [];
  if (rows.length === 0 && cols.length === 0) return none;
  const data = new Float32Array(img.data);
  // A line of the other direction is not a stroke crossing this one: the
  // masks of the bands kept, which are all the candidates or none.
  const removedCols = cols.length > 0 ? inCol : new Uint8Array(w);
  const removedRows = rows.length > 0 ? inRow : new Uint8Array(h);
  for (const band of rows) erase(img, data, { threshold, band, down: false, other: removedCols });
  for (const band of cols) erase(img, data, { threshold, band, down: true, other: removedRows });
  return { ink: { width: w, height: h, data }, horizontal: rows.length, vertical: cols.length };
}

/** A band of lines (rows, or columns when transposed) from `start` to `end` inclusive. */
interface Band {
  start: number;
  end: number;
}

/** Pixel at position `along` of line `at` (a row, or a column when `down`). */
function at(img: GrayImage, line: number, along: number, down: boolean): number {
  return down ? img.data[along * img.width + line] : img.data[line * img.width + along];
}

/**
 * The bands of rows and of columns covered by ink across the crop and thin
 * for it. Rows and columns are counted in one pass along memory: a pass
 * for each (the columns' walked across the rows, through a per-pixel
 * accessor) took 20 us on a 64x64 image, this 9 us.
 */
function thinFullBands(img: GrayImage, threshold: number): { rows: Band[]; columns: Band[] } {
  const { width: w, height: h, data } = img;
  if (w < 8 || h < 8) return { rows: [], columns: [] };
  const rowCounts = new Int32Array(h), colCounts = new Int32Array(w);
  countAbove(data, w, h, threshold, rowCounts, colCounts);
  return { rows: bandsOf(rowCounts, w), columns: bandsOf(colCounts, h) };
}

/** Pixels above `threshold` in each row (`rowCounts`) and each column (`colCounts`). */
function countAbove(
  data: Float32Array,
  w: number,
  h: number,
  threshold: number,
  rowCounts: Int32Array,
  colCounts: Int32Array,
): void {
  for (let y = 0; y < h; y++) {
    const row = y * w;
    let count = 0;
    for (let x = 0; x < w; x++) {
      if (data[row + x] > threshold) {
        count++;
        colCounts[x]++;
      }
    }
    rowCounts[y] = count;
  }
}

/** The thin bands of lines whose count of ink pixels covers their `length`. */
function bandsOf(counts: Int32Array, length: number): Band[] {
  const lines = counts.length;
  const bands: Band[] = [];
  const thickest = Math.max(2, Math.floor(THIN * lines));
  const covered = (l: number) => counts[l] >= COVER * length;
  for (let l = 0; l < lines; l++) {
    if (!covered(l)) continue;
    let end = l;
    while (end + 1 < lines && covered(end + 1)) end++;
    if (end - l + 1 <= thickest) bands.push({ start: l, end });
    l = end;
  }
  return bands;
}

/** 1 on each band and the line on either side of it (its faint edges). */
function bandMask(bands: Band[], lines: number): Uint8Array {
  const mask = new Uint8Array(lines);
  for (const b of bands) mask.fill(1, Math.max(0, b.start - 1), Math.min(lines, b.end + 2));
  return mask;
}

/** Whether ink from `first` to `last` stops short of both ends of a line `length` long. */
function runsPast(first: number, last: number, length: number): boolean {
  const margin = Math.max(1, PAST * length);
  return first >= margin && last <= length - 1 - margin;
}

/** What {@link erase} clears: a band of one direction, and the other direction's lines. */
interface Erasure {
  threshold: number;
  band: Band;
  /** Columns (`down`) or rows. */
  down: boolean;
  /** 1 at positions along the band that are lines of the other direction. */
  other: Uint8Array;
}

/**
 * Clears a band and the faint edge next to it in `data`, except where a
 * stroke crosses it: ink just before and just after the band at the same
 * position along it, not on a line of the other direction.
 */
function erase(img: GrayImage, data: Float32Array, e: Erasure): void {
  const { band, down, threshold } = e;
  const lines = down ? img.width : img.height, length = down ? img.height : img.width;
  const from = Math.max(0, band.start - 1), to = Math.min(lines - 1, band.end + 1);
  for (let a = 0; a < length; a++) {
    const before = band.start - 2 >= 0 && at(img, band.start - 2, a, down) > threshold;
    const after = band.end + 2 < lines && at(img, band.end + 2, a, down) > threshold;
    if (before && after && !e.other[a]) continue;
    for (let l = from; l <= to; l++) data[down ? a * img.width + l : l * img.width + a] = 0;
  }
}
