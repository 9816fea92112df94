/**
 * Models: the architectures and their builder, saving and loading, and the compiled
 * chains of layers that inference and training run.
 *
 * May import: `core/`, `data/`, `kernels/`.
 *
 * @module
 */

export * from "./architecture.ts";
export * from "./inference_chain.ts";
export * from "./save_load.ts";
export * from "./training_chain.ts";
