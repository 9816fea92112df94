/**
 * Judging and using a trained model: predicted probabilities, confusion and per-class
 * metrics, reading image files, and the rendered-scene benchmark.
 *
 * May import: `core/`, `data/`, `image/`, `image/synth/`, `kernels/`, `model/`.
 *
 * @module
 */

export * from "./calibrate_model.ts";
export * from "./calibration.ts";
export * from "./classifier.ts";
export * from "./evaluate.ts";
export * from "./external_scenes.ts";
export * from "./external_score.ts";
export * from "./image_files.ts";
export * from "./read_file.ts";
export * from "./score_tree.ts";
