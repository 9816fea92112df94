/**
 * Normalising one photographed, scanned or drawn digit to MNIST format:
 * 28x28 values in [0, 1], ink = 1, digit box 20 px, centre of mass at the
 * centre. {@link normalizeImage} chains `extractInk` (polarity, lighting,
 * rules, specks) and `toMnistLayout` (crop, stroke width, scale, centre).
 *
 * Everything is plain TypeScript on typed arrays. OpenCV in WASM
 * (`@techstark/opencv-js`) was weighed and rejected: it is a ~10 MB module
 * that takes hundreds of milliseconds to instantiate, needs manual `Mat`
 * memory management, and every operation used here (percentiles, box and
 * min/max filters, connected components, moments, area resampling) is a
 * few dozen lines that run in well under a millisecond on small images.
 *
 * @module
 */

import { scaleBox, unionBox } from "./components.ts";
import { extractInk, type InkOptions } from "./ink.ts";
import { type MnistLayoutOptions, toMnistLayout } from "./mnist_format.ts";
import type { Box, GrayImage, PipelineStep } from "./raster.ts";

/**
 * Options of {@link normalizeImage}.
 *
 * @example
 * ```ts
 * import type { NormalizeOptions } from "./normalize.ts";
 * const o: NormalizeOptions = { maxSide: 800, strokeWidth: false, returnSteps: true };
 * ```
 */
export interface NormalizeOptions extends Omit<InkOptions, "mainOnly" | "returnSteps"> {
  /** Target stroke width at the 20 px scale, or `false` to keep it. Default 1.9. */
  strokeWidth?: MnistLayoutOptions["strokeWidth"];
  /** Record every intermediate image. Default false. */
  returnSteps?: boolean;
}

/**
 * Result of {@link normalizeImage}.
 *
 * @example
 * ```ts
 * import type { NormalizedDigit } from "./normalize.ts";
 * const found: NormalizedDigit = {
 *   pixels: new Float32Array(28 * 28),
 *   inkFound: true,
 *   box: { x: 40, y: 25, width: 60, height: 110 },
 * };
 * ```
 */
export interface NormalizedDigit {
  /** 784 values, 28x28 row-major, ink = 1 (all 0 when no ink was found). */
  pixels: Float32Array;
  /** False for a blank or near-blank image: there is no digit to classify. */
  inkFound: boolean;
  /** Where the digit was found, in the input image's pixels (null when none). */
  box: Box | null;
  /** Intermediate images (grayscale, background, ink strength, ink, crop, ..., mnist). */
  steps?: PipelineStep[];
}

/**
 * Normalises an image of one handwritten digit (photo convention: luminance,
 * 1 = white, as `decodeImage` returns it) to MNIST format.
 *
 * @example
 * ```ts
 * import { decodeImage } from "./decode.ts";
 * import { normalizeImage } from "./normalize.ts";
 * const img = await decodeImage(await Deno.readFile("data/examples/photo_4.jpg"));
 * const { pixels, inkFound } = normalizeImage(img);
 * console.log(inkFound, pixels.length); // true 784
 * ```
 */
export function normalizeImage(img: GrayImage, options: NormalizeOptions = {}): NormalizedDigit {
  const found = extractInk(img, { ...options, mainOnly: true });
  if (!found.inkFound) {
    return {
      pixels: new Float32Array(784),
      inkFound: false,
      box: null,
      ...(found.steps ? { steps: found.steps } : {}),
    };
  }
  const layout = toMnistLayout(found.ink, {
    strokeWidth: options.strokeWidth,
    returnSteps: options.returnSteps,
  });
  return {
    pixels: layout.pixels,
    inkFound: true,
    box: scaleBox(unionBox(found.components.map((c) => c.box)), 1 / found.scale),
    ...(found.steps ? { steps: [...found.steps, ...(layout.steps ?? [])] } : {}),
  };
}
