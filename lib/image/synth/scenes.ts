/**
 * Synthetic "external" images for tests, examples and pipeline comparisons:
 * MNIST-like digits (a 28x28 array) or stroke-drawn digits, shifted,
 * scaled, thickened or thinned, inverted, put on a large canvas or side by
 * side, and turned into photos of paper (lighting gradient, shadow, squared
 * or lined paper, pen colour, blur, noise). Everything random comes
 * from a seeded `Rng`.
 *
 * Ink images use ink = 1; photos use the photo convention (1 = white).
 *
 * @module
 */

import { InvalidArgumentError, randomNormal, type Rng } from "../../core/mod.ts";
import { boxBlur, type GrayImage, maxFilter, minFilter, resize, type RgbImage } from "../mod.ts";
import { digitStrokes, drawStrokes } from "./pen_strokes.ts";

/** An RGB colour, components in [0, 1]. */
export type Color = [number, number, number];

/**
 * Ballpoint blue.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { BLUE_PEN } from "./scenes.ts";
 * const [red, green, blue] = BLUE_PEN;
 * assert(blue > red && blue > green);
 * ```
 */
export const BLUE_PEN: Color = [0.13, 0.2, 0.55];
/**
 * Black pen.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { BLACK_PEN } from "./scenes.ts";
 * assert(BLACK_PEN.every((c) => c < 0.15));
 * ```
 */
export const BLACK_PEN: Color = [0.08, 0.08, 0.1];

/** Options of {@link mnistToInk}. */
export interface MnistToInkOptions {
  /** Side of the square output in pixels. */
  size: number;
  /** Grow (> 0) or shrink (< 0) strokes by this many output pixels per side. Default 0. */
  thicken?: number;
}

/**
 * Enlarges a 28x28 MNIST-like digit (ink = 1) to `size` x `size` with
 * crisp, anti-aliased edges (bilinear, then a contrast ramp around 0.5),
 * and optionally thickens or thins its strokes.
 *
 * @throws {InvalidArgumentError} when `pixels` does not hold 784 values.
 *
 * @example
 * ```ts
 * import { assert, assertEquals } from "@std/assert";
 * import { mnistToInk } from "./scenes.ts";
 * const digit = new Float32Array(784);
 * for (let y = 4; y < 24; y++) digit[y * 28 + 14] = 1; // a one-pixel vertical stroke
 * const big = mnistToInk(digit, { size: 112 });
 * assertEquals([big.width, big.height], [112, 112]);
 * assert(big.data[56 * 112 + 58] > 0.9 && big.data[56 * 112 + 20] === 0);
 * ```
 */
export function mnistToInk(pixels: ArrayLike<number>, options: MnistToInkOptions): GrayImage {
  if (pixels.length !== 784) {
    throw new InvalidArgumentError(`expected 784 pixels (28x28), got ${pixels.length}`);
  }
  const { size } = options;
  const big = resize({ width: 28, height: 28, data: Float32Array.from(pixels) }, {
    width: size,
    height: size,
  });
  const ramp = Math.max(2, size / 28) * 0.6;
  for (let i = 0; i < big.data.length; i++) {
    big.data[i] = Math.min(1, Math.max(0, (big.data[i] - 0.5) * ramp + 0.5));
  }
  const t = Math.round(options.thicken ?? 0);
  return t > 0 ? maxFilter(big, t) : t < 0 ? minFilter(big, -t) : big;
}

/** Options of {@link drawDigit}. */
export interface DrawDigitOptions {
  /** Side of the square output in pixels. */
  size: number;
  /** Pen diameter in pixels. Default `size / 10`. */
  penWidth?: number;
  /** Random variation of the shape; the canonical glyph when absent. */
  rng?: Rng;
  /** Size of the random variation, 0–1. Default 1. */
  variation?: number;
  /** Margin around the glyph as a fraction of `size`. Default 0.15. */
  margin?: number;
}

/**
 * Draws a digit from this project's stroke paths as an ink image (1 = ink).
 *
 * @example
 * ```ts
 * import { assert, assertEquals } from "@std/assert";
 * import { drawDigit } from "./scenes.ts";
 * import { createRng } from "../../core/random.ts";
 * const three = drawDigit(3, { size: 64, rng: createRng(1) });
 * assertEquals([three.width, three.height], [64, 64]);
 * assert(three.data.some((v) => v === 1));
 * assertEquals(three.data[0], 0); // inside the margin
 * ```
 */
export function drawDigit(digit: number, options: DrawDigitOptions): GrayImage {
  const { size } = options;
  const margin = (options.margin ?? 0.15) * size;
  return drawStrokes(digitStrokes(digit, { rng: options.rng, variation: options.variation }), {
    width: size,
    height: size,
    penWidth: options.penWidth ?? size / 10,
    frame: { x: margin, y: margin, size: size - 2 * margin },
  });
}

/** Options of {@link placeOnCanvas}. */
export interface CanvasOptions {
  /** Canvas width. */
  width: number;
  /** Canvas height. */
  height: number;
  /** Left edge of the pasted image (may be negative or fractional). */
  x: number;
  /** Top edge of the pasted image. */
  y: number;
  /** Scale applied to the ink image first. Default 1. */
  scale?: number;
}

/**
 * Pastes an ink image (scaled, then at whole-pixel offset) onto an empty
 * canvas; overlaps keep the stronger ink.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { placeOnCanvas } from "./scenes.ts";
 * const dot = { width: 1, height: 1, data: new Float32Array([1]) };
 * const c = placeOnCanvas(dot, { width: 5, height: 5, x: 3, y: 1 });
 * assertEquals([...c.data].indexOf(1), 1 * 5 + 3);
 * assertEquals(c.data.reduce((a, b) => a + b), 1);
 * ```
 */
export function placeOnCanvas(ink: GrayImage, options: CanvasOptions): GrayImage {
  const { width, height } = options;
  const scale = options.scale ?? 1;
  const src = scale === 1 ? ink : resize(ink, {
    width: Math.max(1, Math.round(ink.width * scale)),
    height: Math.max(1, Math.round(ink.height * scale)),
  });
  const out = new Float32Array(width * height);
  const ox = Math.round(options.x), oy = Math.round(options.y);
  for (let y = 0; y < src.height; y++) {
    const ty = y + oy;
    if (ty < 0 || ty >= height) continue;
    for (let x = 0; x < src.width; x++) {
      const tx = x + ox;
      if (tx < 0 || tx >= width) continue;
      const v = src.data[y * src.width + x];
      if (v > out[ty * width + tx]) out[ty * width + tx] = v;
    }
  }
  return { width, height, data: out };
}

/** Options of {@link sideBySide}. */
export interface SideBySideOptions {
  /** Gap between neighbours in pixels. Default a quarter of the tallest height. */
  gap?: number;
  /** Empty border around the row in pixels. Default the gap. */
  padding?: number;
}

/**
 * Lays ink images out left to right, vertically centred, on one canvas.
 *
 * @throws {InvalidArgumentError} when `inks` is empty.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { sideBySide } from "./scenes.ts";
 * const a = { width: 10, height: 20, data: new Float32Array(200).fill(1) };
 * const row = sideBySide([a, a, a], { gap: 5, padding: 2 });
 * assertEquals([row.width, row.height], [2 + 10 + 5 + 10 + 5 + 10 + 2, 2 + 20 + 2]);
 * ```
 */
export function sideBySide(inks: GrayImage[], options: SideBySideOptions = {}): GrayImage {
  if (inks.length === 0) throw new InvalidArgumentError("sideBySide needs at least one image");
  const tallest = Math.max(...inks.map((i) => i.height));
  const gap = options.gap ?? Math.round(tallest / 4);
  const pad = options.padding ?? gap;
  const width = inks.reduce((s, i) => s + i.width, 0) + gap * (inks.length - 1) + 2 * pad;
  const height = tallest + 2 * pad;
  const out = new Float32Array(width * height);
  let x = pad;
  for (const ink of inks) {
    const c = placeOnCanvas(ink, { width, height, x, y: pad + (tallest - ink.height) / 2 });
    for (let i = 0; i < out.length; i++) if (c.data[i] > out[i]) out[i] = c.data[i];
    x += ink.width + gap;
  }
  return { width, height, data: out };
}

/** Options of {@link inkToGray}. */
export interface InkToGrayOptions {
  /** Paper brightness. Default 1. */
  paper?: number;
  /** Ink brightness. Default 0. */
  pen?: number;
}

/**
 * Renders an ink image as a gray photo-convention image: paper where there
 * is no ink, pen where there is. Pass `paper: 0, pen: 1` for light-on-dark.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { inkToGray } from "./scenes.ts";
 * const ink = { width: 2, height: 1, data: new Float32Array([0, 1]) };
 * assertEquals([...inkToGray(ink).data], [1, 0]);
 * assertEquals([...inkToGray(ink, { paper: 0, pen: 1 }).data], [0, 1]); // light on dark
 * ```
 */
export function inkToGray(ink: GrayImage, options: InkToGrayOptions = {}): GrayImage {
  const paper = options.paper ?? 1, pen = options.pen ?? 0;
  return { ...ink, data: ink.data.map((v) => paper + (pen - paper) * v) };
}

/** Options of {@link addNoise}. */
export interface NoiseOptions {
  /** Random source. */
  rng: Rng;
  /** Standard deviation of the Gaussian noise. */
  sigma: number;
}

/**
 * Adds Gaussian noise (clamped to [0, 1]) to a gray or RGB image.
 *
 * @example
 * ```ts
 * import { assert, assertEquals } from "@std/assert";
 * import { addNoise } from "./scenes.ts";
 * import { createRng } from "../../core/random.ts";
 * const img = { width: 4, height: 4, data: new Float32Array(16).fill(0.5) };
 * const noisy = addNoise(img, { rng: createRng(1), sigma: 0.1 });
 * assert(noisy.data.some((v) => v !== 0.5) && noisy.data.every((v) => v >= 0 && v <= 1));
 * assertEquals(img.data[0], 0.5); // the input is left alone
 * ```
 */
export function addNoise<T extends GrayImage | RgbImage>(img: T, options: NoiseOptions): T {
  const data = img.data.map((v) =>
    Math.min(1, Math.max(0, v + options.sigma * randomNormal(options.rng)))
  );
  return { ...img, data };
}

/** Squared or lined paper. */
export interface RulingOptions {
  /** Distance between lines in pixels. */
  spacing: number;
  /** Line width in pixels. Default 1.2. */
  lineWidth?: number;
  /** Line colour. Default a light blue-gray. */
  color?: Color;
  /** Rotation in degrees (a photo is rarely square to the paper). Default 0. */
  angle?: number;
  /** Only horizontal lines (lined paper). Default false (squared paper). */
  linedOnly?: boolean;
}

/** Options of {@link synthPhoto}. */
export interface PhotoOptions {
  /** Paper colour. Default slightly warm white. */
  paper?: Color;
  /** Pen colour. Default {@link BLUE_PEN}. */
  pen?: Color;
  /** Ruled or squared paper; plain when absent. */
  ruling?: RulingOptions;
  /** Light falling off across the page, 0–1 (fraction lost at the darkest corner). Default 0. */
  gradient?: number;
  /** A soft shadow over part of the page: darkening 0–1. Default 0. */
  shadow?: number;
  /** Defocus: box-blur radius applied three times (≈ Gaussian). Default 0. */
  blur?: number;
  /** Sensor noise standard deviation. Default 0. */
  noise?: number;
  /** Random source (noise, gradient direction, ruling offset, shadow edge). */
  rng: Rng;
}

function blur3(img: GrayImage, radius: number): GrayImage {
  if (radius <= 0) return img;
  return boxBlur(boxBlur(boxBlur(img, radius), radius), radius);
}

/**
 * Turns an ink image (1 = ink) into a synthetic RGB photo of handwriting on
 * paper: ruling, pen colour, defocus, lighting gradient, soft shadow and
 * noise, in that order.
 *
 * @example
 * ```ts
 * import { assert, assertEquals } from "@std/assert";
 * import { BLUE_PEN, drawDigit, synthPhoto } from "./scenes.ts";
 * import { createRng } from "../../core/random.ts";
 * const ink = drawDigit(4, { size: 120 });
 * const options = { ruling: { spacing: 12 }, gradient: 0.4, shadow: 0.3, blur: 1, noise: 0.02 };
 * const photo = synthPhoto(ink, { ...options, pen: BLUE_PEN, rng: createRng(4) });
 * assertEquals([photo.channels, photo.width, photo.height], [3, 120, 120]);
 * assertEquals(photo, synthPhoto(ink, { ...options, pen: BLUE_PEN, rng: createRng(4) }));
 * const i = ink.data.indexOf(1); // a pixel of solid ink is bluer than red
 * assert(photo.data[3 * i + 2] > photo.data[3 * i]);
 * ```
 */
export function synthPhoto(ink: GrayImage, options: PhotoOptions): RgbImage {
  const { width: w, height: h } = ink;
  const { rng } = options;
  const paper = options.paper ?? [0.96, 0.95, 0.9];
  const pen = options.pen ?? BLUE_PEN;
  // Ruling coverage.
  const rule = new Float32Array(w * h);
  const ruling = options.ruling;
  if (ruling) {
    const a = ((ruling.angle ?? 0) * Math.PI) / 180;
    const cos = Math.cos(a), sin = Math.sin(a);
    const half = (ruling.lineWidth ?? 1.2) / 2;
    const off = rng() * ruling.spacing;
    const cover = (u: number) => {
      const m = (((u + off) % ruling.spacing) + ruling.spacing) % ruling.spacing;
      const d = Math.min(m, ruling.spacing - m);
      return Math.min(1, Math.max(0, half + 0.5 - d));
    };
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const px = x + 0.5, py = y + 0.5;
        const horizontal = cover(-px * sin + py * cos);
        const vertical = ruling.linedOnly ? 0 : cover(px * cos + py * sin);
        rule[y * w + x] = Math.max(horizontal, vertical);
      }
    }
  }
  const ruleColor = ruling?.color ?? [0.62, 0.7, 0.8];
  // Reflectance per channel, blurred (defocus), then lit.
  const lit = new Float32Array(w * h);
  const gx = rng() * 2 - 1, gy = rng() * 2 - 1, gnorm = Math.hypot(gx, gy) || 1;
  const sx = rng() * 2 - 1, sy = rng() * 2 - 1, snorm = Math.hypot(sx, sy) || 1;
  const sc = (0.2 + 0.6 * rng()) * (Math.abs(sx * w) + Math.abs(sy * h)) / snorm;
  const gradient = options.gradient ?? 0, shadow = options.shadow ?? 0;
  const soft = Math.max(w, h) / 30;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const t = ((x - w / 2) * gx + (y - h / 2) * gy) / gnorm / Math.max(w, h) + 0.5; // 0..1-ish
      const s = 1 / (1 + Math.exp(-((x * sx + y * sy) / snorm - sc) / soft));
      lit[y * w + x] = (1 - gradient * Math.min(1, Math.max(0, t))) * (1 - shadow * s);
    }
  }
  const out = new Float32Array(w * h * 3);
  for (let c = 0; c < 3; c++) {
    const refl = new Float32Array(w * h);
    for (let i = 0; i < w * h; i++) {
      const base = paper[c] + (ruleColor[c] - paper[c]) * rule[i];
      refl[i] = base + (pen[c] - base) * ink.data[i];
    }
    const blurred = blur3({ width: w, height: h, data: refl }, options.blur ?? 0).data;
    for (let i = 0; i < w * h; i++) {
      const v = blurred[i] * lit[i] + (options.noise ? options.noise * randomNormal(rng) : 0);
      out[i * 3 + c] = Math.min(1, Math.max(0, v));
    }
  }
  return { width: w, height: h, channels: 3, data: out };
}
