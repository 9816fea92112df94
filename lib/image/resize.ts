/**
 * Resampling of gray images: area averaging when shrinking (every source
 * pixel contributes in proportion to the area it covers, which anti-aliases
 * like OpenCV's `INTER_AREA` and PIL's `BOX`), bilinear interpolation when
 * enlarging. The two axes are handled separately, so one may shrink while
 * the other grows.
 *
 * @module
 */

import { InvalidArgumentError } from "../errors.ts";
import type { GrayImage } from "./types.ts";

/** Sparse resampling weights: for each output index, source indices and weights. */
interface AxisWeights {
  start: Int32Array;
  count: Int32Array;
  index: Int32Array;
  weight: Float32Array;
}

const cache = new Map<string, AxisWeights>();

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
 * Resizes a gray image to `width` x `height` (area averaging to shrink,
 * bilinear to enlarge). The aspect ratio is not preserved: pass the size
 * you want.
 *
 * @throws {InvalidArgumentError} when a size is not a positive integer or the
 * image is empty.
 *
 * @example
 * ```ts
 * import { resize } from "./resize.ts";
 * const img = { width: 4, height: 2, data: new Float32Array([0, 1, 0, 1, 1, 1, 1, 1]) };
 * const small = resize(img, { width: 2, height: 1 });
 * console.log(Array.from(small.data)); // [0.75, 0.75]
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
  const wx = axisWeights(img.width, width);
  const wy = axisWeights(img.height, height);
  // Horizontal pass: img.height rows of `width` values.
  const tmp = new Float32Array(width * img.height);
  for (let y = 0; y < img.height; y++) {
    const row = y * img.width;
    for (let o = 0; o < width; o++) {
      let s = 0;
      const end = wx.start[o] + wx.count[o];
      for (let k = wx.start[o]; k < end; k++) s += img.data[row + wx.index[k]] * wx.weight[k];
      tmp[y * width + o] = s;
    }
  }
  const out = new Float32Array(width * height);
  for (let o = 0; o < height; o++) {
    const end = wy.start[o] + wy.count[o];
    for (let k = wy.start[o]; k < end; k++) {
      const w = wy.weight[k];
      const row = wy.index[k] * width;
      for (let x = 0; x < width; x++) out[o * width + x] += tmp[row + x] * w;
    }
  }
  return { width, height, data: out };
}

/**
 * Resizes so the longer side becomes `longSide` pixels, keeping the aspect
 * ratio (the shorter side is rounded, at least 1).
 *
 * @example
 * ```ts
 * import { resizeLongSide } from "./resize.ts";
 * const img = { width: 100, height: 50, data: new Float32Array(5000) };
 * const r = resizeLongSide(img, 20);
 * console.log(r.width, r.height); // 20 10
 * ```
 */
export function resizeLongSide(img: GrayImage, longSide: number): GrayImage {
  const scale = longSide / Math.max(img.width, img.height);
  return resize(img, {
    width: Math.max(1, Math.round(img.width * scale)),
    height: Math.max(1, Math.round(img.height * scale)),
  });
}
