/**
 * Resampling of gray images: area averaging when shrinking (every source
 * pixel contributes in proportion to the area it covers, which anti-aliases
 * like OpenCV's `INTER_AREA` and PIL's `BOX`), bilinear interpolation when
 * enlarging. The two axes are handled separately, so one may shrink while
 * the other grows.
 *
 * @module
 */

import { InvalidArgumentError } from "../core/mod.ts";
import type { GrayImage } from "./raster.ts";

/** Sparse resampling weights: for each output index, source indices and weights. */
interface AxisWeights {
  start: Int32Array;
  count: Int32Array;
  index: Int32Array;
  weight: Float32Array;
  /** The output indices grouped by their number of weights (for loops of fixed length). */
  groups: { count: number; outputs: Int32Array }[];
}

const cache = new Map<string, AxisWeights>();

/** Largest intermediate image (values) kept between calls. */
const KEPT_SCRATCH = 1 << 18;

/** The intermediate image of {@link resize}. */
let scratch = new Float32Array(0);

function axisWeights(src: number, dst: number): AxisWeights {
  const key = `${src}:${dst}`;
  let weights = cache.get(key);
  if (!weights) {
    weights = computeWeights(src, dst);
    if (cache.size > 256) cache.clear();
    cache.set(key, weights);
  }
  return weights;
}

function computeWeights(src: number, dst: number): AxisWeights {
  const lists: { i: number; w: number }[][] = [];
  const scale = src / dst;
  for (let o = 0; o < dst; o++) {
    const list: { i: number; w: number }[] = [];
    if (scale >= 1) {
      // Output pixel o covers source interval [o*scale, (o+1)*scale).
      const a = o * scale, b = (o + 1) * scale;
      for (let i = Math.floor(a); i < Math.min(src, Math.ceil(b)); i++) {
        const w = Math.min(b, i + 1) - Math.max(a, i);
        if (w > 1e-9) list.push({ i, w: w / scale });
      }
    } else {
      // Bilinear between source pixel centres.
      const c = Math.min(src - 1, Math.max(0, (o + 0.5) * scale - 0.5));
      const i0 = Math.floor(c), f = c - i0;
      list.push({ i: i0, w: 1 - f });
      if (f > 0 && i0 + 1 < src) list.push({ i: i0 + 1, w: f });
    }
    lists.push(list);
  }
  const total = lists.reduce((s, l) => s + l.length, 0);
  const out: AxisWeights = {
    start: new Int32Array(dst),
    count: new Int32Array(dst),
    index: new Int32Array(total),
    weight: new Float32Array(total),
    groups: [...new Set(lists.map((l) => l.length))].map((count) => ({
      count,
      outputs: Int32Array.from(lists.flatMap((l, o) => l.length === count ? [o] : [])),
    })),
  };
  let k = 0;
  lists.forEach((list, o) => {
    out.start[o] = k;
    out.count[o] = list.length;
    for (const { i, w } of list) {
      out.index[k] = i;
      out.weight[k++] = w;
    }
  });
  return out;
}

/**
 * Horizontal pass: each of the `srcHeight` rows of `src` resampled to
 * `width` values in `tmp`. Column by column, outputs with the same number
 * of weights together: the inner loops run over rows with a fixed number of
 * terms.
 */
function resizeRows(
  src: Float32Array,
  srcWidth: number,
  srcHeight: number,
  weights: AxisWeights,
  tmp: Float32Array,
  width: number,
): void {
  const { start: xStart, index: xIndex, weight: xWeight, groups } = weights;
  for (const { count, outputs } of groups) {
    for (const o of outputs) {
      const k = xStart[o];
      if (count === 1) {
        const i0 = xIndex[k], w0 = xWeight[k];
        for (let y = 0, row = 0, to = o; y < srcHeight; y++, row += srcWidth, to += width) {
          let s = 0;
          s += src[row + i0] * w0;
          tmp[to] = s;
        }
      } else if (count === 2) {
        const i0 = xIndex[k], w0 = xWeight[k], i1 = xIndex[k + 1], w1 = xWeight[k + 1];
        for (let y = 0, row = 0, to = o; y < srcHeight; y++, row += srcWidth, to += width) {
          let s = 0;
          s += src[row + i0] * w0;
          s += src[row + i1] * w1;
          tmp[to] = s;
        }
      } else if (count === 4) {
        const i0 = xIndex[k], w0 = xWeight[k], i1 = xIndex[k + 1], w1 = xWeight[k + 1];
        const i2 = xIndex[k + 2], w2 = xWeight[k + 2], i3 = xIndex[k + 3], w3 = xWeight[k + 3];
        for (let y = 0, row = 0, to = o; y < srcHeight; y++, row += srcWidth, to += width) {
          let s = 0;
          s += src[row + i0] * w0;
          s += src[row + i1] * w1;
          s += src[row + i2] * w2;
          s += src[row + i3] * w3;
          tmp[to] = s;
        }
      } else {
        const end = k + count;
        for (let y = 0, row = 0, to = o; y < srcHeight; y++, row += srcWidth, to += width) {
          let s = 0;
          for (let j = k; j < end; j++) s += src[row + xIndex[j]] * xWeight[j];
          tmp[to] = s;
        }
      }
    }
  }
}

/**
 * Vertical pass: rows of `tmp` (`width` wide) combined into the `height`
 * rows of `out`, accumulating in the (float32) output as rows are added.
 */
function resizeColumns(
  tmp: Float32Array,
  width: number,
  weights: AxisWeights,
  out: Float32Array,
  height: number,
): void {
  const { start: yStart, count: yCount, index: yIndex, weight: yWeight } = weights;
  for (let o = 0; o < height; o++) {
    const k = yStart[o], end = k + yCount[o], to = o * width;
    if (yCount[o] === 2) {
      // Both terms in one pass; the first partial sum is rounded to float32 as when stored.
      const r0 = yIndex[k] * width,
        w0 = yWeight[k],
        r1 = yIndex[k + 1] * width,
        w1 = yWeight[k + 1];
      for (let x = 0; x < width; x++) {
        out[to + x] = Math.fround(0 + tmp[r0 + x] * w0) + tmp[r1 + x] * w1;
      }
      continue;
    }
    for (let j = k; j < end; j++) {
      const w = yWeight[j];
      const row = yIndex[j] * width;
      for (let x = 0; x < width; x++) out[to + x] += tmp[row + x] * w;
    }
  }
}

/**
 * Resizes a gray image to `width` x `height` (area averaging to shrink,
 * bilinear to enlarge). The aspect ratio is not preserved: pass the size
 * you want.
 *
 * @throws {InvalidArgumentError} when a size is not a positive integer or the
 * image is empty.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { resize } from "./resize.ts";
 * const img = { width: 4, height: 2, data: new Float32Array([0, 1, 0, 1, 1, 1, 1, 1]) };
 * assertEquals(Array.from(resize(img, { width: 2, height: 1 }).data), [0.75, 0.75]);
 * ```
 */
export function resize(img: GrayImage, size: { width: number; height: number }): GrayImage {
  const { width, height } = size;
  for (const [name, v] of [["width", width], ["height", height]] as const) {
    if (!Number.isInteger(v) || v < 1) {
      throw new InvalidArgumentError(`resize ${name} must be a positive integer, got ${v}`);
    }
  }
  if (img.width < 1 || img.height < 1) {
    throw new InvalidArgumentError(`cannot resize an empty ${img.width}x${img.height} image`);
  }
  // Every value of the intermediate image is written, so a buffer is reused
  // between calls (up to a size).
  let tmp = scratch;
  if (tmp.length < width * img.height) {
    tmp = new Float32Array(width * img.height);
    if (tmp.length <= KEPT_SCRATCH) scratch = tmp;
  }
  resizeRows(img.data, img.width, img.height, axisWeights(img.width, width), tmp, width);
  const out = new Float32Array(width * height);
  resizeColumns(tmp, width, axisWeights(img.height, height), out, height);
  return { width, height, data: out };
}

/**
 * Resizes so the longer side becomes `longSide` pixels, keeping the aspect
 * ratio (the shorter side is rounded, at least 1).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { resizeLongSide } from "./resize.ts";
 * const r = resizeLongSide({ width: 100, height: 50, data: new Float32Array(5000) }, 20);
 * assertEquals([r.width, r.height], [20, 10]);
 * ```
 */
export function resizeLongSide(img: GrayImage, longSide: number): GrayImage {
  const scale = longSide / Math.max(img.width, img.height);
  return resize(img, {
    width: Math.max(1, Math.round(img.width * scale)),
    height: Math.max(1, Math.round(img.height * scale)),
  });
}
