/**
 * Square-window filters on gray images: mean (box blur), maximum
 * (dilation) and minimum (erosion). Each is separable and costs O(1) per
 * pixel whatever the radius; windows are clipped at the image border.
 *
 * @module
 */

import { InvalidArgumentError } from "../core/mod.ts";
import type { GrayImage } from "./raster.ts";

function checkRadius(radius: number): void {
  if (!Number.isInteger(radius) || radius < 0) {
    throw new InvalidArgumentError(`filter radius must be a non-negative integer, got ${radius}`);
  }
}

/** Applies `line` to every row, then to every column. */
function separable(
  img: GrayImage,
  line: (src: Float32Array, dst: Float32Array, n: number) => void,
): GrayImage {
  const { width: w, height: h } = img;
  const out = new Float32Array(img.data);
  const n = Math.max(w, h);
  const src = new Float32Array(n), dst = new Float32Array(n);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) src[x] = out[y * w + x];
    line(src, dst, w);
    for (let x = 0; x < w; x++) out[y * w + x] = dst[x];
  }
  for (let x = 0; x < w; x++) {
    for (let y = 0; y < h; y++) src[y] = out[y * w + x];
    line(src, dst, h);
    for (let y = 0; y < h; y++) out[y * w + x] = dst[y];
  }
  return { width: w, height: h, data: out };
}

/**
 * Mean over a (2r+1)x(2r+1) window (clipped at the border).
 *
 * @throws {InvalidArgumentError} when `radius` is not a non-negative integer.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { boxBlur } from "./filters.ts";
 * const img = { width: 3, height: 1, data: new Float32Array([0, 3, 0]) };
 * assertEquals(Array.from(boxBlur(img, 1).data), [1.5, 1, 1.5]); // clipped windows at the ends
 * ```
 */
export function boxBlur(img: GrayImage, radius: number): GrayImage {
  checkRadius(radius);
  if (radius === 0) return { ...img, data: new Float32Array(img.data) };
  return separable(img, (src, dst, n) => {
    let s = 0;
    for (let i = 0; i < Math.min(n, radius); i++) s += src[i];
    for (let i = 0; i < n; i++) {
      if (i + radius < n) s += src[i + radius];
      if (i - radius - 1 >= 0) s -= src[i - radius - 1];
      dst[i] = s / (Math.min(n - 1, i + radius) - Math.max(0, i - radius) + 1);
    }
  });
}

/**
 * Running maximum over windows of 2r+1 (van Herk / Gil–Werman: a prefix and
 * a suffix maximum per block of 2r+1, so O(1) per value). Minimum filters
 * negate, run this and negate back.
 */
function maxLine(radius: number) {
  let pre = new Float32Array(0), suf = new Float32Array(0);
  return (src: Float32Array, dst: Float32Array, n: number) => {
    const k = 2 * radius + 1;
    if (pre.length < n) {
      pre = new Float32Array(n);
      suf = new Float32Array(n);
    }
    for (let i = 0; i < n; i++) {
      const v = src[i];
      pre[i] = i % k === 0 || pre[i - 1] < v ? v : pre[i - 1];
    }
    for (let i = n - 1; i >= 0; i--) {
      const v = src[i];
      suf[i] = i === n - 1 || (i + 1) % k === 0 || suf[i + 1] < v ? v : suf[i + 1];
    }
    for (let i = 0; i < n; i++) {
      const lo = i - radius < 0 ? 0 : i - radius;
      const hi = i + radius >= n ? n - 1 : i + radius;
      if (hi - lo + 1 === k || ((lo / k) | 0) !== ((hi / k) | 0)) {
        // A full window, or one crossing a block boundary: suffix of one block, prefix of the next.
        const a = suf[lo], b = pre[hi];
        dst[i] = a > b ? a : b;
      } else {
        // A clipped window inside one block (only near the ends).
        let m = src[lo];
        for (let j = lo + 1; j <= hi; j++) if (src[j] > m) m = src[j];
        dst[i] = m;
      }
    }
  };
}

/**
 * Maximum over a (2r+1)x(2r+1) window: grows bright regions (dilation of
 * an ink image, ink = 1).
 *
 * @throws {InvalidArgumentError} when `radius` is not a non-negative integer.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { maxFilter } from "./filters.ts";
 * const img = { width: 4, height: 1, data: new Float32Array([0, 1, 0, 0]) };
 * assertEquals(Array.from(maxFilter(img, 1).data), [1, 1, 1, 0]);
 * ```
 */
export function maxFilter(img: GrayImage, radius: number): GrayImage {
  checkRadius(radius);
  if (radius === 0) return { ...img, data: new Float32Array(img.data) };
  return separable(img, maxLine(radius));
}

/**
 * Minimum over a (2r+1)x(2r+1) window: shrinks bright regions (erosion of
 * an ink image, ink = 1).
 *
 * @throws {InvalidArgumentError} when `radius` is not a non-negative integer.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { minFilter } from "./filters.ts";
 * const img = { width: 4, height: 1, data: new Float32Array([1, 1, 1, 0]) };
 * assertEquals(Array.from(minFilter(img, 1).data), [1, 1, 0, 0]);
 * ```
 */
export function minFilter(img: GrayImage, radius: number): GrayImage {
  checkRadius(radius);
  if (radius === 0) return { ...img, data: new Float32Array(img.data) };
  const negated = { ...img, data: img.data.map((v) => -v) };
  const out = separable(negated, maxLine(radius));
  for (let i = 0; i < out.data.length; i++) out.data[i] = -out.data[i];
  return out;
}
