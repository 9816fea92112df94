/**
 * Judging and using a trained model: predicted probabilities, confusion and per-class
 * metrics, reading image files, and the rendered-scene benchmark.
 *
 * May import: `core/`, `data/`, `image/`, `image/synth/`, `kernels/`, `model/`.
 *
 * @module
 */

export * from "./evaluate.ts";
export * from "./external.ts";
export * from "./predict.ts";
