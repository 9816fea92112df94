/**
 * The MNIST layout for an ink image (1 = ink): crop to the ink's bounding
 * box, scale the longer side to 20 pixels keeping the aspect ratio
 * (area resampling, so strokes stay anti-aliased), paste into 28x28 and
 * shift so the centre of mass lands on the centre — as LeCun et al. prepared
 * MNIST. Before the final shrink, strokes are brought toward MNIST's width
 * (see `adjustStrokeWidth`), and intensities are stretched so the
 * strongest ink is 1.
 *
 * Coordinates are pixel indices: MNIST's mean centre of mass is (14.0, 14.0)
 * in that convention, which is where {@link placeCentered} puts it.
 *
 * @module
 */

import { InvalidArgumentError } from "../core/mod.ts";
import { resizeLongSide } from "./resize.ts";
import { adjustStrokeWidth } from "./stroke_width.ts";
import type { Box, GrayImage, PipelineStep } from "./raster.ts";
import { Scratch } from "./scratch.ts";

/**
 * Side of an MNIST image.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { MNIST_SIZE } from "./mnist_format.ts";
 * assertEquals(MNIST_SIZE * MNIST_SIZE, 784);
 * ```
 */
export const MNIST_SIZE = 28;
/**
 * Longer side of the digit's box inside an MNIST image.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { MNIST_BOX, MNIST_SIZE } from "./mnist_format.ts";
 * assertEquals((MNIST_SIZE - MNIST_BOX) / 2, 4); // a 4-pixel margin around the digit's box
 * ```
 */
export const MNIST_BOX = 20;

/**
 * Bounding box of the pixels above `threshold` (default 0), or null when
 * there are none.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { inkBox } from "./mnist_format.ts";
 * const data = new Float32Array(25);
 * data[6] = 1; // (1,1)
 * data[13] = 0.5; // (3,2)
 * assertEquals(inkBox({ width: 5, height: 5, data }), { x: 1, y: 1, width: 3, height: 2 });
 * assertEquals(inkBox({ width: 5, height: 5, data }, 0.5), { x: 1, y: 1, width: 1, height: 1 });
 * ```
 */
export function inkBox(img: GrayImage, threshold = 0): Box | null {
  const e = bounds(img.data, img.width, img.height, threshold);
  return e[2] < 0 ? null : { x: e[0], y: e[1], width: e[2] - e[0] + 1, height: e[3] - e[1] + 1 };
}

const extent = new Int32Array(4);

/** [x0, y0, x1, y1] of the values above `threshold` (x1 = -1 when none). */
function bounds(data: Float32Array, w: number, h: number, threshold: number): Int32Array {
  let x0 = w, y0 = h, x1 = -1, y1 = -1;
  for (let y = 0; y < h; y++) {
    const row = y * w;
    for (let x = 0; x < w; x++) {
      if (data[row + x] > threshold) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
    }
  }
  extent[0] = x0;
  extent[1] = y0;
  extent[2] = x1;
  extent[3] = y1;
  return extent;
}

/**
 * Copies a rectangle out of an image; parts outside the image are 0.
 *
 * @throws {InvalidArgumentError} when the box has no area.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { crop } from "./mnist_format.ts";
 * const img = { width: 3, height: 2, data: new Float32Array([1, 2, 3, 4, 5, 6]) };
 * assertEquals(Array.from(crop(img, { x: 1, y: 0, width: 2, height: 2 }).data), [2, 3, 5, 6]);
 * // Outside the image is 0.
 * assertEquals(Array.from(crop(img, { x: 2, y: 1, width: 2, height: 1 }).data), [6, 0]);
 * ```
 */
export function crop(img: GrayImage, box: Box): GrayImage {
  if (!(box.width >= 1 && box.height >= 1)) {
    throw new InvalidArgumentError(`crop box must have area, got ${box.width}x${box.height}`);
  }
  const out = new Float32Array(box.width * box.height);
  copyBox(img.data, img.width, img.height, box.x, box.y, box.width, box.height, out);
  return { width: box.width, height: box.height, data: out };
}

function copyBox(
  data: Float32Array,
  width: number,
  height: number,
  bx: number,
  by: number,
  bw: number,
  bh: number,
  out: Float32Array,
): void {
  for (let y = 0; y < bh; y++) {
    const sy = by + y;
    if (sy < 0 || sy >= height) continue;
    for (let x = 0; x < bw; x++) {
      const sx = bx + x;
      if (sx >= 0 && sx < width) out[y * bw + x] = data[sy * width + sx];
    }
  }
}

/**
 * Centre of mass (ink-weighted mean column and row, pixel-index
 * coordinates), or null for an image without ink.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { centerOfMass } from "./mnist_format.ts";
 * const data = new Float32Array(9);
 * data[2] = 1; // (2,0)
 * data[8] = 1; // (2,2)
 * assertEquals(centerOfMass({ width: 3, height: 3, data }), { x: 2, y: 1 });
 * assertEquals(centerOfMass({ width: 3, height: 3, data: new Float32Array(9) }), null);
 * ```
 */
export function centerOfMass(img: GrayImage): { x: number; y: number } | null {
  let s = 0, sx = 0, sy = 0;
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      const v = img.data[y * img.width + x];
      s += v;
      sx += v * x;
      sy += v * y;
    }
  }
  return s > 0 ? { x: sx / s, y: sy / s } : null;
}

/**
 * Pastes a small ink image into a `size` x `size` canvas (default 28),
 * shifted by whole pixels so its centre of mass is as close as possible to
 * (size / 2, size / 2); ink pushed past the edge is cut off.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { centerOfMass, placeCentered } from "./mnist_format.ts";
 * const digit = { width: 2, height: 2, data: new Float32Array([1, 1, 1, 1]) };
 * const placed = placeCentered(digit);
 * assertEquals([placed.width, placed.height], [28, 28]);
 * assertEquals(centerOfMass(placed), { x: 14.5, y: 14.5 }); // as close as whole-pixel shifts get
 * ```
 */
export function placeCentered(img: GrayImage, size = MNIST_SIZE): GrayImage {
  const out = new Float32Array(size * size);
  const com = centerOfMass(img) ?? { x: (img.width - 1) / 2, y: (img.height - 1) / 2 };
  const ox = Math.round(size / 2 - com.x), oy = Math.round(size / 2 - com.y);
  for (let y = 0; y < img.height; y++) {
    const ty = y + oy;
    if (ty < 0 || ty >= size) continue;
    for (let x = 0; x < img.width; x++) {
      const tx = x + ox;
      if (tx >= 0 && tx < size) out[ty * size + tx] = img.data[y * img.width + x];
    }
  }
  return { width: size, height: size, data: out };
}

/**
 * Options of {@link toMnistLayout}.
 */
export interface MnistLayoutOptions {
  /**
   * Target stroke width at the 20-pixel scale, or `false` to keep strokes as
   * they are. Default 1.9 (MNIST's median is 1.84).
   */
  strokeWidth?: number | false;
  /** Record intermediate images. Default false. */
  returnSteps?: boolean;
}

/**
 * Result of {@link toMnistLayout}.
 */
export interface MnistLayout {
  /** 784 values, row-major 28x28, ink = 1. All zero when there was no ink. */
  pixels: Float32Array;
  /** Intermediate images, when asked for. */
  steps?: PipelineStep[];
}

/** Divides by the largest value (clamping to [0, 1]), so the strongest ink is 1. */
function stretch(data: Float32Array): void {
  let peak = 0;
  for (let i = 0; i < data.length; i++) peak = Math.max(peak, data[i]);
  for (let i = 0; i < data.length; i++) {
    data[i] = peak > 0 ? Math.min(1, Math.max(0, data[i] / peak)) : 0;
  }
}

/** Oversampling of the intermediate image on which strokes are adjusted. */
const OVERSAMPLE = 4;

/**
 * The oversampled digit of {@link toMnistLayout}, kept between calls (see
 * `scratch.ts`): allocating its 6,400 values costs about 4 us (3 us for
 * 4,096), against the 45 us the layout took for a 28x28 scan.
 */
const oversampled = new Scratch((n) => new Float32Array(n));

/**
 * Brings an ink image (1 = ink, anything outside the digit already 0) into
 * the MNIST layout: crop, scale to 20 px (via a 4x larger intermediate where
 * stroke width is adjusted), stretch intensities, centre by mass in 28x28.
 *
 * @example
 * ```ts
 * import { assertAlmostEquals, assertEquals } from "@std/assert";
 * import { centerOfMass, inkBox, toMnistLayout } from "./mnist_format.ts";
 * const data = new Float32Array(100 * 100);
 * for (let y = 10; y < 90; y++) data.fill(1, y * 100 + 30, y * 100 + 45); // a tall bar
 * const { pixels } = toMnistLayout({ width: 100, height: 100, data });
 * const mnist = { width: 28, height: 28, data: pixels };
 * assertEquals(inkBox(mnist)?.height, 20);
 * assertAlmostEquals(centerOfMass(mnist)?.x ?? 0, 14, 0.5);
 * assertAlmostEquals(centerOfMass(mnist)?.y ?? 0, 14, 0.5);
 * ```
 */
export function toMnistLayout(ink: GrayImage, options: MnistLayoutOptions = {}): MnistLayout {
  const steps: PipelineStep[] | undefined = options.returnSteps ? [] : undefined;
  const record = (name: string, im: GrayImage) => steps?.push({ name, ...im });
  const box = inkBox(ink);
  if (box === null) {
    return { pixels: new Float32Array(MNIST_SIZE * MNIST_SIZE), ...(steps ? { steps } : {}) };
  }
  let digit = crop(ink, box);
  record("crop", digit);
  const target = options.strokeWidth ?? 1.9;
  if (target !== false) {
    // `big` never leaves this block (a changed stroke width is a new image),
    // so it is made in a buffer kept between calls.
    const side = MNIST_BOX * OVERSAMPLE;
    const big = resizeLongSide(digit, side, oversampled.take(side * side));
    const adjusted = adjustStrokeWidth(big, { target: target * OVERSAMPLE });
    if (adjusted !== big) {
      record("stroke width", adjusted);
      digit = crop(adjusted, inkBox(adjusted, 0.02) ?? { x: 0, y: 0, width: 1, height: 1 });
    }
  }
  const small = resizeLongSide(digit, MNIST_BOX);
  stretch(small.data);
  record("scaled", small);
  const placed = placeCentered(small);
  record("mnist", placed);
  return { pixels: placed.data, ...(steps ? { steps } : {}) };
}
