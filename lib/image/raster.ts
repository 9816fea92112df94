/**
 * Plain image types shared by the `lib/image/` modules.
 *
 * Two conventions appear, and every function says which one it takes:
 * - a *photo* image holds luminance, 0 = black and 1 = white (what
 *   `decodeImage` returns);
 * - an *ink* image holds ink strength, 0 = no ink and 1 = full ink (MNIST's
 *   convention and what the normaliser returns).
 *
 * @module
 */

/**
 * A single-channel image stored row by row, values in [0, 1].
 *
 * @example
 * ```ts
 * import type { GrayImage } from "./raster.ts";
 * const white: GrayImage = { width: 2, height: 1, data: new Float32Array([1, 1]) };
 * console.assert(white.data.length === white.width * white.height);
 * ```
 */
export interface GrayImage {
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
  /** `width * height` values in [0, 1], row-major. */
  data: Float32Array;
}

/**
 * A colour image: interleaved R, G, B values in [0, 1], row-major.
 *
 * @example
 * ```ts
 * import type { RgbImage } from "./raster.ts";
 * const red: RgbImage = { width: 1, height: 1, channels: 3, data: new Float32Array([1, 0, 0]) };
 * console.assert(red.data.length === 3);
 * ```
 */
export interface RgbImage {
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
  /** Always 3: tells an RGB image apart from a {@link GrayImage}. */
  channels: 3;
  /** `width * height * 3` values in [0, 1]. */
  data: Float32Array;
}

/**
 * An axis-aligned rectangle in pixel units (x, y of the top-left pixel).
 *
 * @example
 * ```ts
 * import type { Box } from "./raster.ts";
 * const b: Box = { x: 3, y: 4, width: 10, height: 20 };
 * console.assert(b.x + b.width === 13);
 * ```
 */
export interface Box {
  /** Left column. */
  x: number;
  /** Top row. */
  y: number;
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
}

/**
 * One intermediate image of a pipeline, kept when a caller asks for steps.
 *
 * @example
 * ```ts
 * import type { PipelineStep } from "./raster.ts";
 * const s: PipelineStep = { name: "crop", width: 1, height: 1, data: new Float32Array(1) };
 * console.assert(s.name === "crop");
 * ```
 */
export interface PipelineStep extends GrayImage {
  /** What the step did, e.g. `"grayscale"`, `"ink"`, `"crop"`, `"mnist"`. */
  name: string;
}

/**
 * A classifier: 784 ink values (28x28, row-major, ink = 1) in, 10 class
 * probabilities out. Any trained model can be wrapped into one.
 *
 * @example
 * ```ts
 * import type { Classify } from "./raster.ts";
 * const alwaysSeven: Classify = () => [0, 0, 0, 0, 0, 0, 0, 1, 0, 0];
 * const p = await alwaysSeven(new Float32Array(784));
 * console.assert(p[7] === 1);
 * ```
 */
export type Classify = (
  pixels: Float32Array,
) => ArrayLike<number> | Promise<ArrayLike<number>>;
