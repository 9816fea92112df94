/**
 * Models: the architectures and their builder, saving and loading (with the
 * checks of a saved model and the lock of a save), and the compiled chains of
 * layers that inference and training run.
 *
 * May import: `core/`, `data/`, `kernels/`.
 *
 * @module
 */

export * from "./architecture.ts";
export * from "./batch_norm_training.ts";
export * from "./dir_lock.ts";
export * from "./layer_chain.ts";
export * from "./layer_weights.ts";
export * from "./model_dir.ts";
export * from "./save_load.ts";
export * from "./seeded_dropout.ts";
export * from "./stable_read.ts";
export * from "./topology_check.ts";
export * from "./weights_check.ts";
