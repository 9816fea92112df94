/**
 * The compute backend: `setupBackend()` starts TF.js on WASM and registers our
 * kernels (one file per op) and the gradients tfjs-core lacks.
 *
 * May import: `core/`, `kernels/simd/`.
 *
 * @module
 */

export * from "./adam_update.ts";
export * from "./add.ts";
export * from "./backend.ts";
export * from "./batch_mat_mul.ts";
export * from "./batch_norm.ts";
export * from "./conv2d.ts";
export * from "./conv2d_backprop_filter.ts";
export * from "./conv2d_backprop_input.ts";
export * from "./conv3x3_grads.ts";
export * from "./conv_relu_pool.ts";
export * from "./fused_conv2d_grad.ts";
export * from "./hashed_dropout.ts";
export * from "./identity.ts";
export * from "./max_pool_grad.ts";
export * from "./mean.ts";
export * from "./registry.ts";
export * from "./relu_grad_bias.ts";
export * from "./relu_max_pool.ts";
export * from "./step.ts";
export * from "./sum.ts";
export * from "./sum_rows.ts";
export * from "./tile.ts";
export * from "./wasm_kernel.ts";
export * from "./winograd_filters.ts";
