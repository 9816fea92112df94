/**
 * Handwriting styles that MNIST (American writers) rarely shows and many
 * other hands use: the flagged 1 (a short stroke from the top of the 1 down
 * to the left, the commonest misreading of real photos as 7) and the crossed
 * 7 (a short bar across the middle of the stem). Each is drawn on a white
 * on black digit image with the digit's own stroke width and ink.
 *
 * @module
 */

import { InvalidArgumentError, type Rng } from "../core/mod.ts";

/** Where a digit's ink lies and how it is drawn. */
export interface InkMeasure {
  /** First row holding a pixel at half the peak or more. */
  top: number;
  /** Last such row. */
  bottom: number;
  /** Brightest pixel. */
  peak: number;
  /** Estimated stroke width in pixels: the mean ink per row in the lower 60% of the rows. */
  strokeWidth: number;
}

function checkSize(image: Float32Array, rows: number, cols: number): void {
  if (!Number.isInteger(rows) || rows <= 0 || !Number.isInteger(cols) || cols <= 0) {
    throw new InvalidArgumentError(`image size must be positive integers, got ${rows}x${cols}`);
  }
  if (image.length < rows * cols) {
    throw new InvalidArgumentError(
      `image holds ${image.length} values, fewer than ${rows}x${cols}`,
    );
  }
}

/**
 * Measures a digit's ink: its rows, its peak and its stroke width. A
 * vertical stroke puts its width's worth of ink in every row; a slanted or
 * curved stroke a little more, so the estimate is clamped to [1, 5] pixels.
 *
 * @returns The measure, or `undefined` when the image holds no ink
 *   (peak below 0.1).
 * @throws {InvalidArgumentError} when the image is shorter than `rows * cols`.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { measureInk } from "./styles.ts";
 * const img = new Float32Array(28 * 28);
 * for (let y = 5; y < 23; y++) img[y * 28 + 13] = img[y * 28 + 14] = 1; // 2 px wide
 * assertEquals(measureInk(img, 28, 28), { top: 5, bottom: 22, peak: 1, strokeWidth: 2 });
 * assertEquals(measureInk(new Float32Array(28 * 28), 28, 28), undefined);
 * ```
 */
export function measureInk(
  image: Float32Array,
  rows: number,
  cols: number,
): InkMeasure | undefined {
  checkSize(image, rows, cols);
  let peak = 0;
  for (let i = 0; i < rows * cols; i++) if (image[i] > peak) peak = image[i];
  if (peak < 0.1) return undefined;
  const half = peak / 2;
  let top = -1, bottom = -1;
  for (let y = 0; y < rows; y++) {
    for (let x = 0; x < cols; x++) {
      if (image[y * cols + x] >= half) {
        if (top < 0) top = y;
        bottom = y;
        break;
      }
    }
  }
  const from = Math.round(bottom - 0.6 * (bottom - top));
  let mass = 0;
  for (let y = from; y <= bottom; y++) {
    for (let x = 0; x < cols; x++) mass += image[y * cols + x];
  }
  const width = mass / peak / (bottom - from + 1);
  return { top, bottom, peak, strokeWidth: Math.min(5, Math.max(1, width)) };
}

/**
 * Draws a straight stroke from `(x0, y0)` to `(x1, y1)` of `width` pixels
 * with a one-pixel soft edge (like MNIST's anti-aliased strokes), keeping
 * the brighter of the stroke and what is there.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { drawStroke } from "./styles.ts";
 * const img = new Float32Array(5 * 5);
 * drawStroke(img, 5, 5, 0, 2, 4, 2, 1, 0.8); // a horizontal line along row 2
 * assertEquals([...img.subarray(10, 15)], [0.8, 0.8, 0.8, 0.8, 0.8].map(Math.fround));
 * assertEquals(img[5], 0); // the row above stays black
 * ```
 */
export function drawStroke(
  image: Float32Array,
  rows: number,
  cols: number,
  x0: number,
  y0: number,
  x1: number,
  y1: number,
  width: number,
  ink: number,
): void {
  const reach = width / 2 + 0.5;
  const xLo = Math.max(0, Math.floor(Math.min(x0, x1) - reach));
  const xHi = Math.min(cols - 1, Math.ceil(Math.max(x0, x1) + reach));
  const yLo = Math.max(0, Math.floor(Math.min(y0, y1) - reach));
  const yHi = Math.min(rows - 1, Math.ceil(Math.max(y0, y1) + reach));
  const vx = x1 - x0, vy = y1 - y0;
  const length2 = vx * vx + vy * vy;
  for (let y = yLo; y <= yHi; y++) {
    for (let x = xLo; x <= xHi; x++) {
      // Distance from the pixel centre to the segment.
      const t = length2 > 0
        ? Math.min(1, Math.max(0, ((x - x0) * vx + (y - y0) * vy) / length2))
        : 0;
      const d = Math.hypot(x - x0 - t * vx, y - y0 - t * vy);
      const coverage = Math.min(1, Math.max(0, reach - d));
      const i = y * cols + x;
      const value = ink * coverage;
      if (value > image[i]) image[i] = value;
    }
  }
}

/**
 * Adds a flag to a 1: a straight stroke from the top of the digit down to
 * the left, `(0.15 + 0.25u)` of the digit's height long (a short hook to a
 * long flag), at `(30 + 30u)` degrees below the horizontal, as the 1s of
 * most European and many Asian hands have. On a 1 leaning right the flag
 * is flattened to stay at least 25° away from the stem (else it would run
 * along it). Draws 2 numbers from `rng`.
 *
 * @param image A white on black digit of `rows * cols` values; drawn on.
 * @returns Whether a flag was drawn (not on an image without ink or with
 *   ink fewer than 8 rows tall).
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { addFlag } from "./styles.ts";
 * const one = new Float32Array(28 * 28);
 * for (let y = 4; y < 24; y++) one[y * 28 + 14] = one[y * 28 + 15] = 1;
 * assert(addFlag(one, 28, 28, () => 0.5));
 * // Ink now reaches left of the stem near the top, none further down.
 * assert(one[7 * 28 + 11] > 0.5 && one[20 * 28 + 11] === 0);
 * ```
 */
export function addFlag(image: Float32Array, rows: number, cols: number, rng: Rng): boolean {
  const length = 0.15 + 0.25 * rng();
  const drawn = (30 + 30 * rng()) * Math.PI / 180; // below the horizontal
  const ink = measureInk(image, rows, cols);
  if (ink === undefined || ink.bottom - ink.top + 1 < 8) return false;
  const height = ink.bottom - ink.top + 1;
  const w = ink.strokeWidth;
  // The stroke's centre at its top end: the ink-weighted mean x of the top rows.
  const x0 = meanX(image, cols, ink.top, Math.min(rows, ink.top + Math.ceil(w) + 1));
  const y0 = ink.top + 0.4 * w;
  const reach = length * height;
  // The stem's lean: the top quarter's mean x against the bottom quarter's.
  const quarter = Math.max(1, Math.round(height / 4));
  const lean = Math.atan2(
    meanX(image, cols, ink.top, ink.top + quarter) -
      meanX(image, cols, ink.bottom + 1 - quarter, ink.bottom + 1),
    height - quarter,
  );
  // The stem runs down-left at 90° - lean below the horizontal.
  const degree = Math.PI / 180;
  const angle = Math.max(5 * degree, Math.min(drawn, Math.PI / 2 - lean - 25 * degree));
  drawStroke(
    image,
    rows,
    cols,
    x0,
    y0,
    x0 - reach * Math.cos(angle),
    y0 + reach * Math.sin(angle),
    w,
    ink.peak,
  );
  return true;
}

/** The ink-weighted mean x of rows [from, to). */
function meanX(image: Float32Array, cols: number, from: number, to: number): number {
  let mass = 0, mx = 0;
  for (let y = from; y < to; y++) {
    for (let x = 0; x < cols; x++) {
      const v = image[y * cols + x];
      mass += v;
      mx += v * x;
    }
  }
  return mass > 0 ? mx / mass : 0;
}

/**
 * Crosses a 7: a short bar `(0.3 + 0.15u)` of the digit's height long
 * through the stem at `(0.45 + 0.15u)` of the digit's height from its top,
 * centred on the stem within ±15% of its length and tilted up to ±8°, as
 * continental European hands write it. Draws 4 numbers from `rng`.
 *
 * @param image A white on black digit of `rows * cols` values; drawn on.
 * @returns Whether a bar was drawn (not when no stem is found within two
 *   rows of the chosen one, nor on ink fewer than 8 rows tall).
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { addCrossbar } from "./styles.ts";
 * const seven = new Float32Array(28 * 28);
 * for (let x = 8; x < 20; x++) seven[4 * 28 + x] = seven[5 * 28 + x] = 1; // the top bar
 * for (let y = 6; y < 24; y++) seven[y * 28 + 19 - Math.round((y - 6) / 3)] = 1; // the stem
 * assert(addCrossbar(seven, 28, 28, () => 0.5));
 * // Row 14 (about halfway down) now holds ink either side of the stem at x 16.
 * assert(seven[14 * 28 + 13] > 0.5 && seven[14 * 28 + 19] > 0.5);
 * ```
 */
export function addCrossbar(image: Float32Array, rows: number, cols: number, rng: Rng): boolean {
  const at = 0.45 + 0.15 * rng();
  const length = 0.3 + 0.15 * rng();
  const offset = 0.3 * (rng() - 0.5);
  const tilt = Math.tan((2 * rng() - 1) * 8 * Math.PI / 180);
  const ink = measureInk(image, rows, cols);
  if (ink === undefined || ink.bottom - ink.top + 1 < 8) return false;
  const height = ink.bottom - ink.top + 1;
  const row = Math.round(ink.top + at * (height - 1));
  const stem = stemAt(image, rows, cols, row, ink.peak / 2);
  if (stem === undefined) return false;
  const half = (length * height) / 2;
  const xc = stem.x + offset * 2 * half;
  drawStroke(
    image,
    rows,
    cols,
    xc - half,
    stem.y + tilt * half,
    xc + half,
    stem.y - tilt * half,
    ink.strokeWidth,
    ink.peak,
  );
  return true;
}

/**
 * The ink-weighted centre of the heaviest run of bright pixels in `row`, or
 * in the nearest row within two that has one.
 */
function stemAt(
  image: Float32Array,
  rows: number,
  cols: number,
  row: number,
  threshold: number,
): { x: number; y: number } | undefined {
  for (const delta of [0, -1, 1, -2, 2]) {
    const y = row + delta;
    if (y < 0 || y >= rows) continue;
    let best = 0, bestX = 0;
    let mass = 0, mx = 0;
    for (let x = 0; x <= cols; x++) {
      const v = x < cols ? image[y * cols + x] : 0;
      if (v >= threshold) {
        mass += v;
        mx += v * x;
      } else if (mass > 0) {
        if (mass > best) {
          best = mass;
          bestX = mx / mass;
        }
        mass = 0;
        mx = 0;
      }
    }
    if (best > 0) return { x: bestX, y };
  }
  return undefined;
}
