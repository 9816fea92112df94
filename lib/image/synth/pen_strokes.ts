/**
 * Digits drawn from stroke paths that this project defines (so the shapes
 * are ours, not copied from any data set), and an anti-aliased rasteriser
 * for thick polylines — like a pen in a paint program.
 *
 * @module
 */

import { InvalidArgumentError, type Rng } from "../../core/mod.ts";
import type { GrayImage } from "../mod.ts";

/** A point in glyph space: x and y in [0, 1], y pointing down. */
export type Point = [number, number];

/** A stroke: a polyline through points. */
export type Stroke = Point[];

function arc(cx: number, cy: number, rx: number, ry: number, from: number, to: number): Point[] {
  const steps = Math.max(8, Math.ceil(Math.abs(to - from) / 12));
  return Array.from({ length: steps + 1 }, (_, i) => {
    const a = ((from + ((to - from) * i) / steps) * Math.PI) / 180;
    return [cx + rx * Math.cos(a), cy + ry * Math.sin(a)] as Point;
  });
}

/** Stroke paths of the digits 0–9 in a unit box (angles in degrees, y down). */
const GLYPHS: Stroke[][] = [
  [arc(0.5, 0.5, 0.27, 0.45, 0, 360)],
  [[[0.34, 0.22], [0.52, 0.05], [0.52, 0.95]]],
  [[...arc(0.5, 0.3, 0.26, 0.25, 190, 390), [0.22, 0.95], [0.8, 0.95]]],
  [arc(0.48, 0.28, 0.24, 0.22, 200, 450), arc(0.48, 0.72, 0.27, 0.23, 270, 520)],
  [[[0.66, 0.95], [0.66, 0.05], [0.2, 0.68], [0.84, 0.68]]],
  [[[0.76, 0.05], [0.32, 0.05], [0.28, 0.46], ...arc(0.5, 0.67, 0.27, 0.27, 225, 515)]],
  [[[0.72, 0.06], [0.5, 0.17], [0.33, 0.38], [0.27, 0.62]], arc(0.5, 0.71, 0.23, 0.23, 0, 360)],
  [[[0.2, 0.05], [0.8, 0.05], [0.42, 0.95]]],
  [arc(0.5, 0.27, 0.2, 0.22, 0, 360), arc(0.5, 0.72, 0.25, 0.23, 0, 360)],
  [arc(0.5, 0.3, 0.24, 0.25, 0, 360), [[0.74, 0.3], [0.7, 0.62], [0.56, 0.95]]],
];

/** Options of {@link digitStrokes}. */
export interface GlyphOptions {
  /** Random variation (slant, aspect, smooth wobble); none when absent. */
  rng?: Rng;
  /** Size of the variation, 0–1. Default 1. */
  variation?: number;
}

/**
 * The stroke paths of a digit in a unit box, optionally varied at random
 * (slant, aspect, a smooth wobble) so each drawing differs.
 *
 * @throws {InvalidArgumentError} when `digit` is not an integer 0–9.
 *
 * @example
 * ```ts
 * import { assertEquals, assertNotEquals, assertThrows } from "@std/assert";
 * import { digitStrokes } from "./pen_strokes.ts";
 * import { createRng } from "../../core/random.ts";
 * import { InvalidArgumentError } from "../../core/errors.ts";
 * assertEquals(digitStrokes(7), [[[0.2, 0.05], [0.8, 0.05], [0.42, 0.95]]]);
 * assertNotEquals(digitStrokes(7, { rng: createRng(1) }), digitStrokes(7)); // a varied 7
 * assertThrows(() => digitStrokes(10), InvalidArgumentError, "got 10");
 * ```
 */
export function digitStrokes(digit: number, options: GlyphOptions = {}): Stroke[] {
  if (!Number.isInteger(digit) || digit < 0 || digit > 9) {
    throw new InvalidArgumentError(`digit must be an integer 0-9, got ${digit}`);
  }
  const { rng } = options;
  const glyph = GLYPHS[digit];
  if (!rng) return glyph.map((s) => s.map(([x, y]) => [x, y] as Point));
  const k = options.variation ?? 1;
  const u = () => (rng() * 2 - 1) * k;
  const slant = 0.25 * u(), aspect = 1 + 0.2 * u();
  // A smooth displacement field, so curves stay smooth (no per-point wobble).
  const ax = 0.04 * u(), ay = 0.04 * u();
  const px = rng() * 2 * Math.PI, py = rng() * 2 * Math.PI;
  return glyph.map((s) =>
    s.map(([x, y]) => {
      const jx = x + ax * Math.sin(3 * y + px), jy = y + ay * Math.sin(3 * x + py);
      return [0.5 + (jx - 0.5) * aspect + slant * (0.5 - jy), jy] as Point;
    })
  );
}

/** Options of {@link drawStrokes}. */
export interface DrawOptions {
  /** Canvas width in pixels. */
  width: number;
  /** Canvas height in pixels. */
  height: number;
  /** Pen diameter in pixels. */
  penWidth: number;
  /** Where the unit box goes: left, top and side length in pixels. Default: the whole canvas. */
  frame?: { x: number; y: number; size: number };
}

function distanceToSegment(px: number, py: number, a: Point, b: Point): number {
  const dx = b[0] - a[0], dy = b[1] - a[1];
  const len2 = dx * dx + dy * dy;
  const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((px - a[0]) * dx + (py - a[1]) * dy) / len2));
  const ex = px - (a[0] + t * dx), ey = py - (a[1] + t * dy);
  return Math.sqrt(ex * ex + ey * ey);
}

/**
 * Rasterises strokes (unit-box coordinates) as round-capped thick lines
 * with anti-aliased edges. Returns an ink image (1 = ink).
 *
 * @throws {InvalidArgumentError} when a size or the pen width is not positive.
 *
 * @example
 * ```ts
 * import { assert, assertEquals } from "@std/assert";
 * import { digitStrokes, drawStrokes } from "./pen_strokes.ts";
 * const img = drawStrokes(digitStrokes(1), { width: 28, height: 28, penWidth: 2.5 });
 * assertEquals([img.width, img.height], [28, 28]);
 * assert(img.data[14 * 28 + 14] > 0.9); // the stem of the 1
 * assertEquals(img.data[14 * 28 + 3], 0); // paper left of it
 * ```
 */
export function drawStrokes(strokes: Stroke[], options: DrawOptions): GrayImage {
  const { width, height, penWidth } = options;
  if (!(width >= 1 && height >= 1 && Number.isInteger(width) && Number.isInteger(height))) {
    throw new InvalidArgumentError(`canvas must be positive integers, got ${width}x${height}`);
  }
  if (!(penWidth > 0)) throw new InvalidArgumentError(`penWidth must be > 0, got ${penWidth}`);
  const frame = options.frame ?? { x: 0, y: 0, size: Math.min(width, height) };
  const data = new Float32Array(width * height);
  const r = penWidth / 2;
  for (const stroke of strokes) {
    const pts = stroke.map(([x, y]) =>
      [frame.x + x * frame.size, frame.y + y * frame.size] as Point
    );
    for (let i = 0; i < Math.max(1, pts.length - 1); i++) {
      const a = pts[i], b = pts[Math.min(i + 1, pts.length - 1)];
      const x0 = Math.max(0, Math.floor(Math.min(a[0], b[0]) - r - 1));
      const x1 = Math.min(width - 1, Math.ceil(Math.max(a[0], b[0]) + r + 1));
      const y0 = Math.max(0, Math.floor(Math.min(a[1], b[1]) - r - 1));
      const y1 = Math.min(height - 1, Math.ceil(Math.max(a[1], b[1]) + r + 1));
      for (let y = y0; y <= y1; y++) {
        for (let x = x0; x <= x1; x++) {
          const d = distanceToSegment(x + 0.5, y + 0.5, a, b);
          const v = Math.min(1, Math.max(0, r + 0.5 - d));
          if (v > data[y * width + x]) data[y * width + x] = v;
        }
      }
    }
  }
  return { width, height, data };
}
