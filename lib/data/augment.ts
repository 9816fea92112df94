/**
 * Seeded data augmentation of a training batch on the CPU. Per image, in
 * this order: the handwriting styles MNIST lacks (a flag on a fraction of
 * the 1s, a crossbar on a fraction of the 7s), then one bilinear resample
 * that composes an elastic distortion (Simard et al. 2003), a random slant
 * and perspective warp, and the rotation, scale and shift; then a stroke
 * thickness change and a Gaussian blur (both keeping the digit's peak
 * brightness, as the image pipeline stretches every digit to peak 1), and
 * additive pixel noise.
 *
 * {@linkcode DEFAULT_AUGMENT} is the MNIST-like rotation, scale and shift
 * (every newer transform off); {@linkcode REAL_WORLD_AUGMENT} turns on the
 * transforms that cover real handwriting, photos and scans.
 *
 * @module
 */

import { InvalidArgumentError, type Rng } from "../core/mod.ts";
import { elasticField } from "./elastic.ts";
import { addGaussianNoise, gaussianBlur } from "./filter.ts";
import { changeStrokeWidth, morphologyStep } from "./morphology.ts";
import { addCrossbar, addFlag } from "./styles.ts";
import { type Homography, randomWarp } from "./warp.ts";

/** How strongly to augment; every field is optional. */
export interface AugmentOptions {
  /** Largest rotation in degrees, either way (default 10). */
  rotation?: number;
  /** Largest shift in pixels, along each axis, either way (default 2). */
  shift?: number;
  /** Range `[min, max]` of the zoom factor (default `[0.9, 1.1]`). */
  scale?: [number, number];
  /**
   * Largest stroke thickness change as a fraction in [0, 1] of a 3x3
   * dilation (thicker) or erosion (thinner); default 0 (off).
   */
  thickness?: number;
  /**
   * Elastic distortion: Simard's alpha, the scale in pixels of a displacement
   * field of uniform noise in [-1, 1] smoothed by a Gaussian of
   * {@linkcode AugmentOptions.elasticSigma}; default 0 (off). Alpha 34 with
   * sigma 4 moves pixels by about 1.4 px RMS per axis (see `elasticRms`).
   */
  elastic?: number;
  /** Standard deviation in pixels of the elastic field's smoothing (default 4, Simard's). */
  elasticSigma?: number;
  /** Largest slant (x-shear) in degrees, either way; default 0 (off). */
  shear?: number;
  /**
   * Largest move, in pixels along each axis, of each image corner in a
   * random perspective warp; default 0 (off).
   */
  perspective?: number;
  /**
   * Range `[min, max]` of a stroke radius change in pixels per side, drawn
   * uniformly: negative erodes (thinner), positive dilates (thicker), by
   * grey-level morphology; default `[0, 0]` (off). Within [-3, 3].
   */
  stroke?: [number, number];
  /** Largest Gaussian blur sigma in pixels, drawn uniformly in [0, blur]; default 0 (off). */
  blur?: number;
  /**
   * Largest standard deviation of additive Gaussian pixel noise, drawn
   * uniformly in [0, noise] per image; default 0 (off).
   */
  noise?: number;
  /**
   * Fraction in [0, 1] of the images labelled 1 that get a flag (a stroke
   * from the top down to the left); default 0. Needs `labels`, and digit
   * labels: class 1 must be the digit 1.
   */
  flaggedOnes?: number;
  /**
   * Fraction in [0, 1] of the images labelled 7 that get a bar across the
   * middle of the stem; default 0. Needs `labels` of digits.
   */
  crossedSevens?: number;
}

/** Options of {@linkcode augmentBatch}. */
export interface AugmentBatchOptions extends AugmentOptions {
  /** Image height. */
  rows: number;
  /** Image width. */
  cols: number;
  /**
   * Source of randomness; draws 5 numbers per image, and more per image
   * for each transform turned on (see {@linkcode augmentBatch}).
   */
  rng: Rng;
  /** The images' class indices (digits); needed when `flaggedOnes` or `crossedSevens` > 0. */
  labels?: ArrayLike<number>;
}

/**
 * Augmentation that helps on MNIST-like digits: rotation, scale and shift;
 * every other transform off.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { DEFAULT_AUGMENT } from "./augment.ts";
 * assertEquals(DEFAULT_AUGMENT, {
 *   rotation: 10, shift: 2, scale: [0.9, 1.1], thickness: 0,
 *   elastic: 0, elasticSigma: 4, shear: 0, perspective: 0, stroke: [0, 0],
 *   blur: 0, noise: 0, flaggedOnes: 0, crossedSevens: 0,
 * });
 * ```
 */
export const DEFAULT_AUGMENT: Readonly<Required<AugmentOptions>> = Object.freeze({
  rotation: 10,
  shift: 2,
  scale: [0.9, 1.1] as [number, number],
  thickness: 0,
  elastic: 0,
  elasticSigma: 4,
  shear: 0,
  perspective: 0,
  stroke: [0, 0] as [number, number],
  blur: 0,
  noise: 0,
  flaggedOnes: 0,
  crossedSevens: 0,
});

/**
 * Augmentation for reading real handwriting, scans and photos: the default
 * rotation, scale and shift plus elastic distortion, slant up to 15°, a
 * perspective warp of up to 2 px per corner, strokes from half a pixel
 * thinner to three quarters of a pixel thicker per side (the image pipeline
 * brings real strokes to about 1.9 px, thinner than most of MNIST), blur up
 * to sigma 0.8 px, noise up to 0.05, and flags on half of the 1s and bars on a third of the 7s.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { augmentBatch, REAL_WORLD_AUGMENT } from "./augment.ts";
 * import { createRng } from "../core/random.ts";
 * const one = new Float32Array(28 * 28);
 * for (let y = 4; y < 24; y++) one[y * 28 + 13] = one[y * 28 + 14] = 1;
 * const out = augmentBatch(one.slice(), 1, {
 *   ...REAL_WORLD_AUGMENT, flaggedOnes: 1, rows: 28, cols: 28, rng: createRng(3), labels: [1],
 * });
 * assert(out.every((v) => v >= 0 && v <= 1) && out.some((v, i) => v !== one[i]));
 * ```
 */
export const REAL_WORLD_AUGMENT: Readonly<Required<AugmentOptions>> = Object.freeze({
  rotation: 10,
  shift: 2,
  scale: [0.9, 1.1] as [number, number],
  thickness: 0,
  elastic: 34,
  elasticSigma: 4,
  shear: 15,
  perspective: 2,
  stroke: [-0.5, 0.75] as [number, number],
  blur: 0.8,
  noise: 0.05,
  flaggedOnes: 0.5,
  crossedSevens: 0.33,
});

/**
 * The handwriting styles MNIST lacks, without the heavy distortions of
 * {@linkcode REAL_WORLD_AUGMENT}: the default rotation, shift and scale,
 * slant up to 10°, strokes a little thinner or thicker, a flag on 30% of
 * the 1s and a bar across 20% of the 7s (`train --augment-styles`).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { HANDWRITING_STYLES_AUGMENT } from "./augment.ts";
 * assertEquals([HANDWRITING_STYLES_AUGMENT.elastic, HANDWRITING_STYLES_AUGMENT.shear], [0, 10]);
 * ```
 */
export const HANDWRITING_STYLES_AUGMENT: Readonly<Required<AugmentOptions>> = Object.freeze({
  ...DEFAULT_AUGMENT,
  shear: 10,
  stroke: [-0.25, 0.5] as [number, number],
  flaggedOnes: 0.3,
  crossedSevens: 0.2,
});

// Working space reused across batches: this runs on every training batch.
let scratch = new Float32Array(0);

function scratchFor(size: number): Float32Array {
  if (scratch.length < size) scratch = new Float32Array(size);
  return scratch;
}

function check(ok: boolean, message: string): void {
  if (!ok) throw new InvalidArgumentError(message);
}

function checkRange(name: string, value: number, lo: number, hi: number, unit = ""): void {
  check(value >= lo && value <= hi, `${name} must be in [${lo}, ${hi}]${unit}, got ${value}`);
}

/**
 * Augments `count` images of `rows * cols` pixels in place. Per image it
 * draws, in this order: a rotation `(2u-1)*rotation`, a scale
 * `min + u*(max-min)`, shifts `(2u-1)*shift` in x and y, and a thickness
 * change `(2u-1)*thickness` (5 numbers, as always); then, only for the
 * transforms turned on: for a 1 (7) one number deciding the flag (bar)
 * and, when it is drawn, the style's own numbers (see `addFlag`,
 * `addCrossbar`; the image is then shifted back so its centre of mass
 * stays where it was); 9 for the slant and perspective (`randomWarp`);
 * 2 per grid point of the elastic field (`elasticField`: 450 for 28x28 at
 * sigma 4); one each for the stroke radius, the blur sigma and the noise
 * level; and one per pixel for the noise. The resample is bilinear around the image centre (pixels from
 * outside the image are 0). Values stay in [0, 1].
 *
 * With only the first four options set, results are exactly those of the
 * rotation, scale and shift augmentation of earlier versions.
 *
 * @param pixels Images one after another, values in [0, 1]; overwritten.
 * @param count Number of images to augment.
 * @returns `pixels`, for chaining.
 * @throws {InvalidArgumentError} naming a bad option, a short buffer, or
 *   missing labels when a style is turned on.
 *
 * @example
 * ```ts
 * import { assert, assertEquals } from "@std/assert";
 * import { augmentBatch } from "./augment.ts";
 * import { createRng } from "../core/random.ts";
 * const digit = new Float32Array(28 * 28);
 * for (let y = 6; y < 22; y++) digit[y * 28 + 14] = 1; // a vertical stroke
 * const a = augmentBatch(digit.slice(), 1, { rows: 28, cols: 28, rng: createRng(1) });
 * const b = augmentBatch(digit.slice(), 1, { rows: 28, cols: 28, rng: createRng(1) });
 * assertEquals(a, b); // the seed decides the transform
 * assert(a.some((v, i) => v !== digit[i]) && a.every((v) => v >= 0 && v <= 1));
 * ```
 */
export function augmentBatch(
  pixels: Float32Array,
  count: number,
  options: AugmentBatchOptions,
): Float32Array {
  const {
    rows,
    cols,
    rng,
    labels,
    rotation = DEFAULT_AUGMENT.rotation,
    shift = DEFAULT_AUGMENT.shift,
    scale = DEFAULT_AUGMENT.scale,
    thickness = DEFAULT_AUGMENT.thickness,
    elastic = DEFAULT_AUGMENT.elastic,
    elasticSigma = DEFAULT_AUGMENT.elasticSigma,
    shear = DEFAULT_AUGMENT.shear,
    perspective = DEFAULT_AUGMENT.perspective,
    stroke = DEFAULT_AUGMENT.stroke,
    blur = DEFAULT_AUGMENT.blur,
    noise = DEFAULT_AUGMENT.noise,
    flaggedOnes = DEFAULT_AUGMENT.flaggedOnes,
    crossedSevens = DEFAULT_AUGMENT.crossedSevens,
  } = options;
  check(Number.isInteger(rows) && rows > 0, `rows must be a positive integer, got ${rows}`);
  check(Number.isInteger(cols) && cols > 0, `cols must be a positive integer, got ${cols}`);
  check(
    Number.isInteger(count) && count >= 0,
    `count must be a non-negative integer, got ${count}`,
  );
  check(
    pixels.length >= count * rows * cols,
    `pixels holds ${pixels.length} values, fewer than ${count} images of ${rows}x${cols}`,
  );
  check(rotation >= 0 && rotation <= 180, `rotation must be in [0, 180] degrees, got ${rotation}`);
  check(shift >= 0 && Number.isFinite(shift), `shift must be a finite number >= 0, got ${shift}`);
  check(
    Array.isArray(scale) && scale.length === 2 && scale[0] > 0 && scale[0] <= scale[1] &&
      Number.isFinite(scale[1]),
    `scale must be [min, max] with 0 < min <= max, got ${JSON.stringify(scale)}`,
  );
  check(thickness >= 0 && thickness <= 1, `thickness must be in [0, 1], got ${thickness}`);
  check(
    elastic >= 0 && Number.isFinite(elastic),
    `elastic must be a finite number >= 0, got ${elastic}`,
  );
  checkRange("elasticSigma", elasticSigma, 0.5, Math.max(rows, cols), " pixels");
  check(shear >= 0 && shear < 90, `shear must be in [0, 90) degrees, got ${shear}`);
  check(
    perspective >= 0 && perspective <= Math.min(rows, cols) / 2,
    `perspective must be in [0, ${Math.min(rows, cols) / 2}] pixels, got ${perspective}`,
  );
  check(
    Array.isArray(stroke) && stroke.length === 2 && stroke[0] >= -3 && stroke[0] <= stroke[1] &&
      stroke[1] <= 3,
    `stroke must be [min, max] with -3 <= min <= max <= 3, got ${JSON.stringify(stroke)}`,
  );
  checkRange("blur", blur, 0, 5, " pixels");
  checkRange("noise", noise, 0, 1);
  checkRange("flaggedOnes", flaggedOnes, 0, 1);
  checkRange("crossedSevens", crossedSevens, 0, 1);
  const styled = flaggedOnes > 0 || crossedSevens > 0;
  check(
    !styled || (labels !== undefined && labels.length >= count),
    `flaggedOnes and crossedSevens need the labels of all ${count} images, got ` +
      `${labels === undefined ? "none" : labels.length}`,
  );

  const size = rows * cols;
  const tmp = scratchFor(7 * size);
  const resampled = tmp.subarray(0, size);
  const morph = tmp.subarray(size, 2 * size);
  const work = tmp.subarray(2 * size, 4 * size); // stroke width (2 images) and blur
  const field = { dx: tmp.subarray(4 * size, 5 * size), dy: tmp.subarray(5 * size, 6 * size) };
  const fieldScratch = tmp.subarray(6 * size, 7 * size);
  const warped = shear > 0 || perspective > 0;
  const strokeOn = stroke[0] !== 0 || stroke[1] !== 0;
  const cx = (cols - 1) / 2;
  const cy = (rows - 1) / 2;
  let warp: Homography | undefined;
  for (let n = 0; n < count; n++) {
    const angle = (2 * rng() - 1) * rotation * Math.PI / 180;
    const zoom = scale[0] + rng() * (scale[1] - scale[0]);
    let dx = (2 * rng() - 1) * shift;
    let dy = (2 * rng() - 1) * shift;
    const thick = (2 * rng() - 1) * thickness;
    const image = pixels.subarray(n * size, (n + 1) * size);
    if (styled) {
      const label = labels![n];
      const style = label === 1 ? flaggedOnes : label === 7 ? crossedSevens : 0;
      if (style > 0 && rng() < style) {
        const before = centreOfMass(image, rows, cols);
        const drawn = label === 1
          ? addFlag(image, rows, cols, rng)
          : addCrossbar(image, rows, cols, rng);
        if (drawn && before !== undefined) {
          // Keep the centre of mass where it was, as the MNIST format centres a digit by mass.
          const after = centreOfMass(image, rows, cols)!;
          dx += before[0] - after[0];
          dy += before[1] - after[1];
        }
      }
    }
    if (warped) warp = randomWarp({ rows, cols, shear, perspective, rng });
    if (elastic > 0) {
      elasticField({
        rows,
        cols,
        alpha: elastic,
        sigma: elasticSigma,
        rng,
        out: field,
        scratch: fieldScratch,
      });
    }
    // Inverse map: source = c + R(-angle) (p - c - d) / zoom, where p is the
    // output pixel moved by the elastic field, then by the warp.
    const cos = Math.cos(angle) / zoom;
    const sin = Math.sin(angle) / zoom;
    if (!warped && elastic === 0) {
      for (let y = 0; y < rows; y++) {
        const v = y - cy - dy;
        for (let x = 0; x < cols; x++) {
          const u = x - cx - dx;
          const sx = cx + cos * u + sin * v;
          const sy = cy - sin * u + cos * v;
          resampled[y * cols + x] = bilinear(image, rows, cols, sx, sy);
        }
      }
    } else {
      for (let y = 0; y < rows; y++) {
        for (let x = 0; x < cols; x++) {
          const i = y * cols + x;
          let px = x, py = y;
          if (elastic > 0) {
            px += field.dx[i];
            py += field.dy[i];
          }
          if (warp !== undefined) {
            const w = warp[6] * px + warp[7] * py + 1;
            const wx = (warp[0] * px + warp[1] * py + warp[2]) / w;
            py = (warp[3] * px + warp[4] * py + warp[5]) / w;
            px = wx;
          }
          const u = px - cx - dx;
          const v = py - cy - dy;
          resampled[i] = bilinear(
            image,
            rows,
            cols,
            cx + cos * u + sin * v,
            cy - sin * u + cos * v,
          );
        }
      }
    }
    if (thick !== 0) {
      morphologyStep(resampled, morph, rows, cols, thick > 0);
      const t = Math.abs(thick);
      for (let i = 0; i < size; i++) resampled[i] += t * (morph[i] - resampled[i]);
    }
    if (strokeOn || blur > 0) {
      const peak = peakOf(resampled);
      if (strokeOn) {
        const radius = stroke[0] + rng() * (stroke[1] - stroke[0]);
        if (radius !== 0) changeStrokeWidth(resampled, rows, cols, radius, work);
      }
      if (blur > 0) gaussianBlur(resampled, rows, cols, rng() * blur, work);
      // A thinner pen or a blurred photo is not paler ink: the image pipeline
      // stretches every digit to peak 1, so keep the peak the digit had.
      const now = peakOf(resampled);
      if (now > 0 && now < peak) {
        const gain = peak / now;
        for (let i = 0; i < size; i++) resampled[i] *= gain;
      }
    }
    for (let i = 0; i < size; i++) {
      const value = resampled[i];
      image[i] = value > 1 ? 1 : value < 0 ? 0 : value;
    }
    if (noise > 0) addGaussianNoise(image, rng() * noise, rng);
  }
  return pixels;
}

function peakOf(image: Float32Array): number {
  let peak = 0;
  for (let i = 0; i < image.length; i++) if (image[i] > peak) peak = image[i];
  return peak;
}

/** The ink-weighted mean pixel `[x, y]`, or `undefined` for a black image. */
function centreOfMass(
  image: Float32Array,
  rows: number,
  cols: number,
): [number, number] | undefined {
  let mass = 0, mx = 0, my = 0;
  for (let y = 0; y < rows; y++) {
    for (let x = 0; x < cols; x++) {
      const v = image[y * cols + x];
      mass += v;
      mx += v * x;
      my += v * y;
    }
  }
  return mass > 0 ? [mx / mass, my / mass] : undefined;
}

function bilinear(image: Float32Array, rows: number, cols: number, sx: number, sy: number) {
  const x0 = Math.floor(sx);
  const y0 = Math.floor(sy);
  if (x0 < -1 || y0 < -1 || x0 >= cols || y0 >= rows) return 0;
  const fx = sx - x0;
  const fy = sy - y0;
  const inX0 = x0 >= 0;
  const inX1 = x0 + 1 < cols;
  let top = 0;
  let bottom = 0;
  if (y0 >= 0) {
    const row = y0 * cols;
    top = (inX0 ? image[row + x0] * (1 - fx) : 0) + (inX1 ? image[row + x0 + 1] * fx : 0);
  }
  if (y0 + 1 < rows) {
    const row = (y0 + 1) * cols;
    bottom = (inX0 ? image[row + x0] * (1 - fx) : 0) + (inX1 ? image[row + x0 + 1] * fx : 0);
  }
  return top * (1 - fy) + bottom * fy;
}
