/**
 * Seeded data augmentation of a training batch on the CPU: a random
 * rotation, scale and shift applied as one inverse-affine bilinear resample
 * per image, plus an optional stroke thickness change.
 *
 * @module
 */

import { InvalidArgumentError, type Rng } from "../core/mod.ts";

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
}

/** Options of {@linkcode augmentBatch}. */
export interface AugmentBatchOptions extends AugmentOptions {
  /** Image height. */
  rows: number;
  /** Image width. */
  cols: number;
  /** Source of randomness; draws 5 numbers per image. */
  rng: Rng;
}

/**
 * Augmentation that helps on MNIST-like digits.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { DEFAULT_AUGMENT } from "./augment.ts";
 * assertEquals(DEFAULT_AUGMENT, { rotation: 10, shift: 2, scale: [0.9, 1.1], thickness: 0 });
 * ```
 */
export const DEFAULT_AUGMENT: Readonly<Required<AugmentOptions>> = Object.freeze({
  rotation: 10,
  shift: 2,
  scale: [0.9, 1.1] as [number, number],
  thickness: 0,
});

let scratch = new Float32Array(0);

function scratchFor(size: number): Float32Array {
  if (scratch.length < size) scratch = new Float32Array(size);
  return scratch;
}

function check(ok: boolean, message: string): void {
  if (!ok) throw new InvalidArgumentError(message);
}

/**
 * Augments `count` images of `rows * cols` pixels in place. Per image it
 * draws, in this order, a rotation `(2u-1)*rotation`, a scale
 * `min + u*(max-min)`, shifts `(2u-1)*shift` in x and y, and a thickness
 * change `(2u-1)*thickness`, then resamples bilinearly around the image
 * centre (pixels from outside the image are 0). Values stay in [0, 1].
 *
 * @param pixels Images one after another, values in [0, 1]; overwritten.
 * @param count Number of images to augment.
 * @returns `pixels`, for chaining.
 * @throws {InvalidArgumentError} naming a bad option or a short buffer.
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
    rotation = DEFAULT_AUGMENT.rotation,
    shift = DEFAULT_AUGMENT.shift,
    scale = DEFAULT_AUGMENT.scale,
    thickness = DEFAULT_AUGMENT.thickness,
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

  const size = rows * cols;
  const tmp = scratchFor(2 * size);
  const resampled = tmp.subarray(0, size);
  const morph = tmp.subarray(size, 2 * size);
  const cx = (cols - 1) / 2;
  const cy = (rows - 1) / 2;
  for (let n = 0; n < count; n++) {
    const angle = (2 * rng() - 1) * rotation * Math.PI / 180;
    const zoom = scale[0] + rng() * (scale[1] - scale[0]);
    const dx = (2 * rng() - 1) * shift;
    const dy = (2 * rng() - 1) * shift;
    const thick = (2 * rng() - 1) * thickness;
    const image = pixels.subarray(n * size, (n + 1) * size);
    // Inverse map: source = c + R(-angle) (target - c - d) / zoom.
    const cos = Math.cos(angle) / zoom;
    const sin = Math.sin(angle) / zoom;
    for (let y = 0; y < rows; y++) {
      const v = y - cy - dy;
      for (let x = 0; x < cols; x++) {
        const u = x - cx - dx;
        const sx = cx + cos * u + sin * v;
        const sy = cy - sin * u + cos * v;
        resampled[y * cols + x] = bilinear(image, rows, cols, sx, sy);
      }
    }
    if (thick !== 0) {
      morphology(resampled, morph, rows, cols, thick > 0);
      const t = Math.abs(thick);
      for (let i = 0; i < size; i++) resampled[i] += t * (morph[i] - resampled[i]);
    }
    for (let i = 0; i < size; i++) {
      const value = resampled[i];
      image[i] = value > 1 ? 1 : value < 0 ? 0 : value;
    }
  }
  return pixels;
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

/** Grey-scale dilation (max) or erosion (min) over a plus-shaped 3x3 neighbourhood. */
function morphology(
  src: Float32Array,
  dst: Float32Array,
  rows: number,
  cols: number,
  dilate: boolean,
): void {
  const pick = dilate ? Math.max : Math.min;
  for (let y = 0; y < rows; y++) {
    for (let x = 0; x < cols; x++) {
      const i = y * cols + x;
      const left = x > 0 ? src[i - 1] : 0;
      const right = x + 1 < cols ? src[i + 1] : 0;
      const up = y > 0 ? src[i - cols] : 0;
      const down = y + 1 < rows ? src[i + cols] : 0;
      dst[i] = pick(src[i], left, right, up, down);
    }
  }
}
