/**
 * Dilation, erosion and closing of binary masks with a square window, in
 * O(1) per pixel (running counts), whatever the radius. The float filters
 * of `filters.ts` do the same for gray images at several times the cost;
 * a written number's mask needs only 0 and 1.
 *
 * @module
 */

import { InvalidArgumentError } from "../core/mod.ts";

/** A binary mask: `width * height` values, non-zero = set. */
export interface Mask {
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
  /** Row-major values, 1 = set. */
  data: Uint8Array;
}

function check(mask: Mask, radius: number): void {
  if (!Number.isInteger(radius) || radius < 0) {
    throw new InvalidArgumentError(`radius must be a non-negative integer, got ${radius}`);
  }
  if (mask.data.length !== mask.width * mask.height) {
    throw new InvalidArgumentError(
      `mask has ${mask.data.length} values, expected ${mask.width}x${mask.height}`,
    );
  }
}

/**
 * One pass along lines of `n` values (`count` lines, `step` apart, values
 * `stride` apart): a value is set when any (`all`: every) value of its
 * window of 2r+1 is set; outside the line counts as unset.
 */
function pass(
  src: Uint8Array,
  dst: Uint8Array,
  lines: { count: number; step: number; n: number; stride: number },
  radius: number,
  all: boolean,
): void {
  const { count, step, n, stride } = lines;
  for (let line = 0; line < count; line++) {
    const base = line * step;
    let set = 0;
    for (let i = 0; i < Math.min(n, radius); i++) set += src[base + i * stride] ? 1 : 0;
    for (let i = 0; i < n; i++) {
      if (i + radius < n) set += src[base + (i + radius) * stride] ? 1 : 0;
      if (i - radius - 1 >= 0) set -= src[base + (i - radius - 1) * stride] ? 1 : 0;
      dst[base + i * stride] = (all ? set === 2 * radius + 1 : set > 0) ? 1 : 0;
    }
  }
}

function filter(mask: Mask, radius: number, all: boolean): Mask {
  check(mask, radius);
  const { width: w, height: h } = mask;
  if (radius === 0) return { width: w, height: h, data: mask.data.slice() };
  const tmp = new Uint8Array(w * h), out = new Uint8Array(w * h);
  pass(mask.data, tmp, { count: h, step: w, n: w, stride: 1 }, radius, all);
  pass(tmp, out, { count: w, step: 1, n: h, stride: w }, radius, all);
  return { width: w, height: h, data: out };
}

/**
 * Sets every pixel within `radius` (square window) of a set pixel.
 *
 * @throws {InvalidArgumentError} when `radius` is not a non-negative
 * integer or the mask's length is not `width * height`.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { dilateMask } from "./binary_morphology.ts";
 * const dot = { width: 4, height: 3, data: Uint8Array.of(0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0) };
 * assertEquals(Array.from(dilateMask(dot, 1).data), [1, 1, 1, 0, 1, 1, 1, 0, 1, 1, 1, 0]);
 * ```
 */
export function dilateMask(mask: Mask, radius: number): Mask {
  return filter(mask, radius, false);
}

/**
 * Keeps the pixels whose whole window of `radius` is set (outside the
 * image counts as unset).
 *
 * @throws {InvalidArgumentError} when `radius` is not a non-negative
 * integer or the mask's length is not `width * height`.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { erodeMask } from "./binary_morphology.ts";
 * const block = { width: 4, height: 3, data: Uint8Array.of(1, 1, 1, 0, 1, 1, 1, 0, 1, 1, 1, 0) };
 * // only (1, 1) has its whole 3x3 window set; outside the image counts as unset
 * assertEquals(Array.from(erodeMask(block, 1).data), [0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
 * ```
 */
export function erodeMask(mask: Mask, radius: number): Mask {
  return filter(mask, radius, true);
}

/**
 * Closing: dilation, then erosion by the same radius. Fills gaps and holes
 * up to `2 * radius` pixels wide; every set pixel stays set, and nothing
 * grows past the ink at the image's border.
 *
 * @throws {InvalidArgumentError} when `radius` is not a non-negative
 * integer or the mask's length is not `width * height`.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { closeMask } from "./binary_morphology.ts";
 * // a bar 3 rows thick with a 2-pixel break, in a 7x5 mask
 * const data = new Uint8Array(35);
 * for (let y = 1; y <= 3; y++) for (const x of [0, 1, 4, 5]) data[y * 7 + x] = 1;
 * const closed = closeMask({ width: 7, height: 5, data }, 1).data;
 * assertEquals(Array.from(closed.subarray(14, 21)), [1, 1, 1, 1, 1, 1, 0]); // the middle row
 * assertEquals(Array.from(closed.subarray(0, 7)), [0, 0, 0, 0, 0, 0, 0]); // nothing grows
 * ```
 */
export function closeMask(mask: Mask, radius: number): Mask {
  const closed = erodeMask(dilateMask(mask, radius), radius);
  for (let i = 0; i < closed.data.length; i++) if (mask.data[i]) closed.data[i] = 1;
  return closed;
}
