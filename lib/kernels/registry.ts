/**
 * Kernels that the TensorFlow.js WASM backend lacks (or implements slowly)
 * for training the layers Digit Lab offers, registered over the backend.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import { add } from "./add.ts";
import { batchMatMul } from "./batch_mat_mul.ts";
import { conv2d, fusedConv2d } from "./conv2d.ts";
import { conv2dBackpropFilter } from "./conv2d_backprop_filter.ts";
import { conv2dBackpropInput } from "./conv2d_backprop_input.ts";
import { fusedConv2dGrad } from "./fused_conv2d_grad.ts";
import { identity } from "./identity.ts";
import { maxPoolGrad } from "./max_pool_grad.ts";
import { mean } from "./mean.ts";
import { RELU_GRAD_BIAS, reluGradBias } from "./relu_grad_bias.ts";
import { registerReluMaxPool } from "./relu_max_pool.ts";
import { step } from "./step.ts";
import { sum } from "./sum.ts";
import { tile } from "./tile.ts";
import { registerWasmKernel } from "./wasm_kernel.ts";

/**
 * Registers Digit Lab's training kernels on the `wasm` backend: the missing
 * `Conv2DBackpropFilter`, and faster `Conv2D` and `FusedConv2D` (one input
 * channel, 3×3), `Conv2DBackpropInput`, `MaxPoolGrad`,
 * `Sum` and `Mean` (over leading axes), `BatchMatMul` (with a transposed
 * operand), `Tile` (the batch-norm gradient's broadcast) and a copy-free
 * `Identity` (the engine's clones of tensors saved for the backward pass),
 * each agreeing with the cpu backend and falling back to the backend's own
 * kernel for cases it does not cover; kernels of ours for ReLU's and a
 * bias's gradient in one pass and for a ReLU-then-2×2-max-pool with its
 * gradient; and, for every backend, the gradient of `FusedConv2D`, which
 * tfjs-core lacks. Idempotent.
 *
 * @example
 * ```ts
 * import { registerTrainingKernels } from "./registry.ts";
 * registerTrainingKernels();
 * ```
 */
export function registerTrainingKernels(): void {
  registerWasmKernel("Conv2D", conv2d);
  registerWasmKernel("FusedConv2D", fusedConv2d);
  registerWasmKernel("Conv2DBackpropFilter", conv2dBackpropFilter);
  registerWasmKernel("Conv2DBackpropInput", conv2dBackpropInput);
  registerWasmKernel("MaxPoolGrad", maxPoolGrad);
  registerWasmKernel("Sum", sum);
  registerWasmKernel("Add", add);
  registerWasmKernel("Step", step);
  registerWasmKernel("BatchMatMul", batchMatMul);
  registerWasmKernel("Tile", tile);
  registerWasmKernel("Mean", mean);
  registerWasmKernel("Identity", identity);
  registerWasmKernel(RELU_GRAD_BIAS, reluGradBias);
  registerReluMaxPool();
  tf.registerGradient(fusedConv2dGrad);
}
