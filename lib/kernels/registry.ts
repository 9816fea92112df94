/**
 * Kernels that the TensorFlow.js WASM backend lacks (or implements slowly)
 * for training the layers Digit Lab offers, registered over the backend:
 * one config per op, each from its own file, in one list; the gradients
 * likewise.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import { addKernel } from "./add.ts";
import { batchMatMulKernel } from "./batch_mat_mul.ts";
import { BATCH_NORM_KERNELS } from "./batch_norm.ts";
import { conv2dKernel, fusedConv2dKernel } from "./conv2d.ts";
import {
  convReluPoolGradient,
  convReluPoolGradKernel,
  convReluPoolKernel,
} from "./conv_relu_pool.ts";
import { conv2dBackpropFilterKernel } from "./conv2d_backprop_filter.ts";
import { conv2dBackpropInputKernel } from "./conv2d_backprop_input.ts";
import { conv3x3GradsKernel } from "./conv3x3_grads.ts";
import { fusedConv2dGradient } from "./fused_conv2d_grad.ts";
import { hashedDropoutGradient, hashedDropoutKernel } from "./hashed_dropout.ts";
import { identityKernel } from "./identity.ts";
import { maxPoolGradKernel } from "./max_pool_grad.ts";
import { meanKernel } from "./mean.ts";
import { reluGradBiasKernel } from "./relu_grad_bias.ts";
import { reluMaxPoolGradient, reluMaxPoolGradKernel, reluMaxPoolKernel } from "./relu_max_pool.ts";
import { stepKernel } from "./step.ts";
import { sumKernel } from "./sum.ts";
import { tileKernel } from "./tile.ts";
import { registerWasmKernel, type WasmKernelConfig } from "./wasm_kernel.ts";

/**
 * Digit Lab's training kernels on the `wasm` backend: the missing
 * `Conv2DBackpropFilter`, and faster `Conv2D` and `FusedConv2D` (3×3,
 * stride 1), `Conv2DBackpropInput`, `MaxPoolGrad`, `Sum` and `Mean` (over
 * leading axes), `Add` (of a bias), `Step`, `BatchMatMul` (with a
 * transposed operand), `Tile` (the batch-norm gradient's broadcast) and a
 * copy-free `Identity` (the engine's clones of tensors saved for the
 * backward pass), each agreeing with the cpu backend and falling back to
 * the backend's own kernel for cases it does not cover; and kernels of ours
 * for ReLU's and a bias's gradient in one pass, for a ReLU-then-2×2-max-pool
 * with its gradient, for dropout by a hashed mask, for both gradients of a
 * Winograd convolution in one pass, and for batch normalisation's passes in
 * training.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { assertStrictEquals } from "@std/assert";
 * import { setupBackend } from "./backend.ts";
 * import { TRAINING_KERNELS } from "./registry.ts";
 * await setupBackend();
 * for (const { kernelName, kernelFunc } of TRAINING_KERNELS) {
 *   assertStrictEquals<unknown>(tf.getKernel(kernelName, "wasm")?.kernelFunc, kernelFunc);
 * }
 * ```
 */
export const TRAINING_KERNELS: readonly WasmKernelConfig[] = [
  conv2dKernel,
  fusedConv2dKernel,
  conv2dBackpropFilterKernel,
  conv2dBackpropInputKernel,
  maxPoolGradKernel,
  sumKernel,
  addKernel,
  stepKernel,
  batchMatMulKernel,
  tileKernel,
  meanKernel,
  identityKernel,
  reluGradBiasKernel,
  reluMaxPoolKernel,
  reluMaxPoolGradKernel,
  convReluPoolKernel,
  convReluPoolGradKernel,
  hashedDropoutKernel,
  conv3x3GradsKernel,
  ...BATCH_NORM_KERNELS,
];

/**
 * The gradients training needs that tfjs-core lacks, for every backend:
 * `FusedConv2D`'s, and our ReLU-then-2×2-max-pool's, convolution-ReLU-pool's
 * and hashed dropout's.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { assertStrictEquals } from "@std/assert";
 * import { registerTrainingKernels, TRAINING_GRADIENTS } from "./registry.ts";
 * registerTrainingKernels();
 * for (const config of TRAINING_GRADIENTS) {
 *   assertStrictEquals(tf.getGradient(config.kernelName), config);
 * }
 * ```
 */
export const TRAINING_GRADIENTS: readonly tf.GradConfig[] = [
  fusedConv2dGradient,
  reluMaxPoolGradient,
  convReluPoolGradient,
  hashedDropoutGradient,
];

/**
 * Registers {@linkcode TRAINING_KERNELS} on the `wasm` backend and
 * {@linkcode TRAINING_GRADIENTS}. Idempotent.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import "@tensorflow/tfjs-backend-wasm";
 * import { assert } from "@std/assert";
 * import { registerTrainingKernels } from "./registry.ts";
 * assert(tf.getKernel("Conv2DBackpropFilter", "wasm") === undefined); // tfjs issue 8474
 * registerTrainingKernels();
 * registerTrainingKernels();
 * assert(tf.getKernel("Conv2DBackpropFilter", "wasm") !== undefined);
 * ```
 */
export function registerTrainingKernels(): void {
  for (const kernel of TRAINING_KERNELS) registerWasmKernel(kernel);
  for (const gradient of TRAINING_GRADIENTS) tf.registerGradient(gradient);
}
