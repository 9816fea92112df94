/**
 * Random projective warps for augmentation: a slant (x-shear) and a
 * perspective distortion folded into one homography, the map a photo taken
 * at an angle or a slanted hand applies to a digit.
 *
 * @module
 */

import { InvalidArgumentError, type Rng } from "../core/mod.ts";

/**
 * A projective map of pixel coordinates, `[a, b, c, d, e, f, g, h]`:
 * `x' = (a x + b y + c) / (g x + h y + 1)`,
 * `y' = (d x + e y + f) / (g x + h y + 1)`.
 */
export type Homography = [number, number, number, number, number, number, number, number];

/**
 * The homography that maps the corners of a `cols x rows` image (pixel
 * centres `(0, 0)`, `(cols-1, 0)`, `(cols-1, rows-1)`, `(0, rows-1)`, in this
 * order) onto `quad`, by Heckbert's closed form for a square-to-quad map
 * (Fundamentals of Texture Mapping, 1989, section 2.2.3).
 *
 * @param quad The four image corners' images `[x0, y0, x1, y1, x2, y2, x3, y3]`.
 * @throws {InvalidArgumentError} when the quad is degenerate (three corners in a line).
 *
 * @example
 * ```ts
 * import { assertAlmostEquals } from "@std/assert";
 * import { mapPoint, quadHomography } from "./warp.ts";
 * // The 10x10 image's corners moved onto a trapezoid.
 * const h = quadHomography([1, 0, 8, 0, 9, 9, 0, 9], 10, 10);
 * const [x, y] = mapPoint(h, 9, 0); // the top right corner
 * assertAlmostEquals(x, 8, 1e-9);
 * assertAlmostEquals(y, 0, 1e-9);
 * ```
 */
export function quadHomography(quad: ArrayLike<number>, rows: number, cols: number): Homography {
  if (quad.length !== 8 || !Array.from(quad).every(Number.isFinite)) {
    throw new InvalidArgumentError(`quad must be 8 finite numbers, got ${JSON.stringify(quad)}`);
  }
  if (!(rows > 1 && cols > 1)) {
    throw new InvalidArgumentError(`image must be at least 2x2, got ${rows}x${cols}`);
  }
  const [x0, y0, x1, y1, x2, y2, x3, y3] = Array.from(quad);
  const dx1 = x1 - x2, dx2 = x3 - x2, dx3 = x0 - x1 + x2 - x3;
  const dy1 = y1 - y2, dy2 = y3 - y2, dy3 = y0 - y1 + y2 - y3;
  let g = 0, h = 0;
  if (dx3 !== 0 || dy3 !== 0) {
    const den = dx1 * dy2 - dx2 * dy1;
    if (Math.abs(den) < 1e-12) {
      throw new InvalidArgumentError(`quad ${JSON.stringify(quad)} is degenerate`);
    }
    g = (dx3 * dy2 - dx2 * dy3) / den;
    h = (dx1 * dy3 - dx3 * dy1) / den;
  }
  // Unit square (u, v) -> quad; then fold u = x / (cols-1), v = y / (rows-1) in.
  const su = 1 / (cols - 1), sv = 1 / (rows - 1);
  const a = x1 - x0 + g * x1, b = x3 - x0 + h * x3;
  const d = y1 - y0 + g * y1, e = y3 - y0 + h * y3;
  return [a * su, b * sv, x0, d * su, e * sv, y0, g * su, h * sv];
}

/**
 * Applies a homography to one point.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { mapPoint } from "./warp.ts";
 * assertEquals(mapPoint([1, 0, 2, 0, 1, -1, 0, 0], 3, 4), [5, 3]); // a shift by (2, -1)
 * ```
 */
export function mapPoint(h: Homography, x: number, y: number): [number, number] {
  const w = h[6] * x + h[7] * y + 1;
  return [(h[0] * x + h[1] * y + h[2]) / w, (h[3] * x + h[4] * y + h[5]) / w];
}

/** Options of {@linkcode randomWarp}. */
export interface RandomWarpOptions {
  /** Image height. */
  rows: number;
  /** Image width. */
  cols: number;
  /** Largest slant in degrees, either way: x moves by `tan(angle)` per row from the centre. */
  shear: number;
  /** Largest move of each corner along each axis, in pixels. */
  perspective: number;
  /** Source of randomness; draws 9 numbers (slant, then x and y of each corner). */
  rng: Rng;
}

/**
 * A random homography that maps each output pixel to the point of the
 * source image it samples: the corners of the image move by a common slant
 * `(2u-1)*shear` degrees about the centre row plus independent offsets
 * `(2u-1)*perspective` pixels each, and the map follows the corners.
 *
 * @throws {InvalidArgumentError} naming a bad shear or perspective.
 *
 * @example
 * ```ts
 * import { assert, assertAlmostEquals } from "@std/assert";
 * import { mapPoint, randomWarp } from "./warp.ts";
 * import { createRng } from "../core/random.ts";
 * // No perspective: a pure slant keeps the centre row fixed and shifts the top row.
 * const h = randomWarp({ rows: 28, cols: 28, shear: 20, perspective: 0, rng: () => 1 });
 * assertAlmostEquals(mapPoint(h, 5, 13.5)[0], 5, 1e-9);
 * assertAlmostEquals(mapPoint(h, 5, 0)[0], 5 - 13.5 * Math.tan(20 * Math.PI / 180), 1e-9);
 * const r = randomWarp({ rows: 28, cols: 28, shear: 0, perspective: 3, rng: createRng(2) });
 * const [x, y] = mapPoint(r, 0, 0);
 * assert(Math.abs(x) <= 3 && Math.abs(y) <= 3);
 * ```
 */
export function randomWarp(options: RandomWarpOptions): Homography {
  const { rows, cols, shear, perspective, rng } = options;
  if (!(shear >= 0 && shear < 90)) {
    throw new InvalidArgumentError(`shear must be in [0, 90) degrees, got ${shear}`);
  }
  if (!(perspective >= 0 && Number.isFinite(perspective))) {
    throw new InvalidArgumentError(`perspective must be a finite number >= 0, got ${perspective}`);
  }
  const slant = Math.tan((2 * rng() - 1) * shear * Math.PI / 180);
  const cy = (rows - 1) / 2;
  const corners = [0, 0, cols - 1, 0, cols - 1, rows - 1, 0, rows - 1];
  const quad = new Array<number>(8);
  for (let i = 0; i < 8; i += 2) {
    const y = corners[i + 1];
    quad[i] = corners[i] + slant * (y - cy) + (2 * rng() - 1) * perspective;
    quad[i + 1] = y + (2 * rng() - 1) * perspective;
  }
  return quadHomography(quad, rows, cols);
}
