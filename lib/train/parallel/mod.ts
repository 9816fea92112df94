/**
 * Both cores: model replicas in Deno Workers, data-parallel gradients and batched
 * prediction over the replicas.
 *
 * May import: `core/`, `data/`, `kernels/`, `model/`, `eval/`.
 *
 * @module
 */

export * from "./batch_predictor.ts";
export * from "./data_parallel.ts";
export * from "./flat_adam.ts";
export * from "./flat_weights.ts";
export * from "./replicas.ts";
export * from "./shard_gradients.ts";
export * from "./shard_sum.ts";
