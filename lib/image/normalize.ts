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
 */
export interface NormalizeOptions extends Omit<InkOptions, "mainOnly" | "returnSteps"> {
  /** Target stroke width at the 20 px scale, or `false` to keep it. Default 1.9. */
  strokeWidth?: MnistLayoutOptions["strokeWidth"];
  /** Record every intermediate image. Default false. */
  returnSteps?: boolean;
}

/**
 * Result of {@link normalizeImage}.
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
 * import { assert, assertEquals } from "@std/assert";
 * import { readImage } from "./decode.ts";
 * import { normalizeImage } from "./normalize.ts";
 * const { pixels, inkFound, box } = normalizeImage(await readImage("data/examples/photo_4.jpg"));
 * assertEquals([inkFound, pixels.length], [true, 784]);
 * assert(box !== null && box.width < 480 && box.height < 360); // the digit, not the whole photo
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
