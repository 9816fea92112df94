/**
 * Small image filters on flat `Float32Array` images for augmentation: a
 * normalised Gaussian kernel, a separable zero-padded convolution, Gaussian
 * blur and additive Gaussian pixel noise. Plain typed-array loops with
 * caller-supplied buffers, so a training batch allocates nothing.
 *
 * @module
 */

import { InvalidArgumentError, type Rng } from "../core/mod.ts";

/**
 * The sampled Gaussian `exp(-k²/2σ²)` for `k` in `[-radius, radius]`,
 * normalised to sum 1. The radius defaults to `ceil(3σ)`: the taps beyond it
 * hold less than 0.3% of the weight.
 *
 * @param sigma Standard deviation in pixels, > 0.
 * @param radius Half-width in taps (default `ceil(3 * sigma)`).
 * @returns `2 * radius + 1` weights.
 * @throws {InvalidArgumentError} when `sigma` is not a positive finite number
 *   or `radius` not a non-negative integer.
 *
 * @example
 * ```ts
 * import { assertAlmostEquals, assertEquals } from "@std/assert";
 * import { gaussianKernel } from "./filter.ts";
 * const k = gaussianKernel(1);
 * assertEquals(k.length, 7); // radius ceil(3 * 1) = 3
 * assertAlmostEquals(k.reduce((s, v) => s + v, 0), 1, 1e-6);
 * assertEquals(k[0], k[6]); // symmetric
 * ```
 */
export function gaussianKernel(sigma: number, radius = Math.ceil(3 * sigma)): Float32Array {
  if (!(sigma > 0 && Number.isFinite(sigma))) {
    throw new InvalidArgumentError(`sigma must be a positive finite number, got ${sigma}`);
  }
  if (!Number.isInteger(radius) || radius < 0) {
    throw new InvalidArgumentError(`radius must be a non-negative integer, got ${radius}`);
  }
  const kernel = new Float32Array(2 * radius + 1);
  let total = 0;
  for (let k = -radius; k <= radius; k++) {
    const w = Math.exp(-(k * k) / (2 * sigma * sigma));
    kernel[k + radius] = w;
    total += w;
  }
  for (let i = 0; i < kernel.length; i++) kernel[i] /= total;
  return kernel;
}

/**
 * Convolves a `rows x cols` image with `kernel` along x, then along y
 * (values outside the image count as 0). `src` and `dst` may be the same
 * array; `scratch` must be a third one.
 *
 * @param src The image, row-major.
 * @param dst Receives the result (`rows * cols` values).
 * @param kernel An odd number of weights, centred.
 * @param scratch At least `rows * cols` values of working space.
 *
 * @example
 * ```ts
 * import { assertAlmostEquals } from "@std/assert";
 * import { convolveSeparable } from "./filter.ts";
 * const img = new Float32Array(25);
 * img[12] = 1; // a point in the middle of 5x5
 * const out = new Float32Array(25);
 * convolveSeparable(img, out, 5, 5, new Float32Array([0.25, 0.5, 0.25]), new Float32Array(25));
 * assertAlmostEquals(out[12], 0.25, 1e-7); // 0.5 * 0.5
 * assertAlmostEquals(out[6], 0.0625, 1e-7); // diagonal neighbour: 0.25 * 0.25
 * ```
 */
export function convolveSeparable(
  src: Float32Array,
  dst: Float32Array,
  rows: number,
  cols: number,
  kernel: Float32Array,
  scratch: Float32Array,
): void {
  const r = (kernel.length - 1) >> 1;
  for (let y = 0; y < rows; y++) {
    const row = y * cols;
    for (let x = 0; x < cols; x++) {
      const lo = x - r < 0 ? r - x : 0;
      const hi = x + r >= cols ? r + cols - 1 - x : 2 * r;
      let s = 0;
      for (let k = lo; k <= hi; k++) s += kernel[k] * src[row + x - r + k];
      scratch[row + x] = s;
    }
  }
  for (let y = 0; y < rows; y++) {
    const lo = y - r < 0 ? r - y : 0;
    const hi = y + r >= rows ? r + rows - 1 - y : 2 * r;
    for (let x = 0; x < cols; x++) {
      let s = 0;
      for (let k = lo; k <= hi; k++) s += kernel[k] * scratch[(y - r + k) * cols + x];
      dst[y * cols + x] = s;
    }
  }
}

/**
 * Blurs an image in place with a Gaussian of `sigma` pixels (zero outside
 * the image). Below `sigma` 0.1 the image is left as it is: the centre tap
 * would hold over 99.99% of the weight.
 *
 * @param image `rows * cols` values; overwritten.
 * @param scratch At least `rows * cols` values of working space.
 * @returns `image`.
 *
 * @example
 * ```ts
 * import { assert, assertAlmostEquals } from "@std/assert";
 * import { gaussianBlur } from "./filter.ts";
 * const img = new Float32Array(81);
 * img[40] = 1; // the middle of 9x9
 * gaussianBlur(img, 9, 9, 1, new Float32Array(81));
 * assert(img[40] < 0.2 && img[41] > 0.05);
 * assertAlmostEquals(img.reduce((s, v) => s + v, 0), 1, 1e-5); // mass kept away from the edges
 * ```
 */
export function gaussianBlur(
  image: Float32Array,
  rows: number,
  cols: number,
  sigma: number,
  scratch: Float32Array,
): Float32Array {
  if (sigma < 0.1) return image;
  convolveSeparable(image, image, rows, cols, kernelFor(sigma), scratch);
  return image;
}

// Blur sigmas are drawn per image; the kernel of the last one is kept, and
// sigmas are rounded to 0.05 px so that a batch builds at most a few dozen.
let cachedSigma = -1;
let cachedKernel: Float32Array = new Float32Array(1);

function kernelFor(sigma: number): Float32Array {
  const rounded = Math.round(sigma * 20) / 20;
  if (rounded !== cachedSigma) {
    cachedKernel = gaussianKernel(rounded, Math.ceil(2.5 * rounded));
    cachedSigma = rounded;
  }
  return cachedKernel;
}

// Noise runs on every pixel of every training image: a table lookup per
// pixel costs a tenth of Box–Muller's logarithm, root and cosine.
const NORMAL_LEVELS = 4096;
let normalTable: Float32Array | undefined;

/**
 * The standard normal's quantiles at `(i + 0.5) / levels`, by integrating its
 * density with the trapezoid rule (step 0.001 on [-6, 6]) and inverting the
 * running sum linearly: a normal discretised to `levels` equally likely
 * values, its tails cut at ±3.7 for 4096 levels.
 *
 * @example
 * ```ts
 * import { assertAlmostEquals } from "@std/assert";
 * import { normalQuantiles } from "./filter.ts";
 * const q = normalQuantiles(1000);
 * assertAlmostEquals(q[499], -0.00125, 1e-4); // the median
 * assertAlmostEquals(q[975], 1.9686, 1e-3); // the 97.55% quantile
 * ```
 */
export function normalQuantiles(levels: number = NORMAL_LEVELS): Float32Array {
  if (!Number.isInteger(levels) || levels < 2) {
    throw new InvalidArgumentError(`levels must be an integer >= 2, got ${levels}`);
  }
  const table = new Float32Array(levels);
  const step = 0.001;
  const density = (x: number) => Math.exp(-x * x / 2) / Math.sqrt(2 * Math.PI);
  let x = -6, cdf = 0, i = 0;
  while (i < levels) {
    const next = cdf + step * (density(x) + density(x + step)) / 2;
    const target = (i + 0.5) / levels;
    if (next >= target || x + step >= 6) {
      table[i] = x + step * Math.min(1, (target - cdf) / (next - cdf));
      i++;
    } else {
      cdf = next;
      x += step;
    }
  }
  return table;
}

/**
 * Adds independent Gaussian noise of standard deviation `std` to every pixel,
 * clamping to [0, 1]: one draw from `rng` per pixel, mapped through a table
 * of 4096 normal quantiles (see {@linkcode normalQuantiles}).
 *
 * @param image Values in [0, 1]; overwritten.
 * @param std Standard deviation, >= 0 (0 leaves the image and `rng` untouched).
 * @param rng Source of uniform draws.
 * @returns `image`.
 *
 * @example
 * ```ts
 * import { assert, assertAlmostEquals } from "@std/assert";
 * import { addGaussianNoise } from "./filter.ts";
 * import { createRng } from "../core/random.ts";
 * const img = new Float32Array(10000).fill(0.5);
 * addGaussianNoise(img, 0.1, createRng(1));
 * const mean = img.reduce((s, v) => s + v, 0) / img.length;
 * const sd = Math.sqrt(img.reduce((s, v) => s + (v - mean) ** 2, 0) / img.length);
 * assertAlmostEquals(mean, 0.5, 0.01);
 * assertAlmostEquals(sd, 0.1, 0.01);
 * assert(img.every((v) => v >= 0 && v <= 1));
 * ```
 */
export function addGaussianNoise(image: Float32Array, std: number, rng: Rng): Float32Array {
  if (!(std >= 0 && Number.isFinite(std))) {
    throw new InvalidArgumentError(`noise std must be a finite number >= 0, got ${std}`);
  }
  if (std === 0) return image;
  normalTable ??= normalQuantiles();
  const table = normalTable;
  for (let i = 0; i < image.length; i++) {
    const v = image[i] + std * table[(rng() * NORMAL_LEVELS) | 0];
    image[i] = v > 1 ? 1 : v < 0 ? 0 : v;
  }
  return image;
}
