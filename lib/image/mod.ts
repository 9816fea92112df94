/**
 * Reading pictures of digits: decode files, find the ink, normalise to MNIST's 28x28
 * layout, segment numbers, and recognise with a given classifier.
 *
 * May import: `core/`.
 *
 * @module
 */

export * from "./background.ts";
export * from "./components.ts";
export * from "./crop_lines.ts";
export * from "./decode.ts";
export * from "./encode.ts";
export * from "./filters.ts";
export * from "./histogram.ts";
export * from "./ink.ts";
export * from "./lines.ts";
export * from "./mnist_format.ts";
export * from "./naive.ts";
export * from "./normalize.ts";
export * from "./number_path.ts";
export * from "./oversegment.ts";
export * from "./png.ts";
export * from "./polarity.ts";
export * from "./raster.ts";
export * from "./read.ts";
export * from "./resize.ts";
export * from "./seams.ts";
export * from "./segment.ts";
export * from "./stroke_width.ts";
export * from "./threshold.ts";
export * from "./rules.ts";
