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
 */
export interface PipelineStep extends GrayImage {
  /** What the step did, e.g. `"grayscale"`, `"ink"`, `"crop"`, `"mnist"`. */
  name: string;
}

/**
 * A classifier: 784 ink values (28x28, row-major, ink = 1) in, 10 class
 * probabilities out. Any trained model can be wrapped into one.
 */
export type Classify = (
  pixels: Float32Array,
) => ArrayLike<number> | Promise<ArrayLike<number>>;
