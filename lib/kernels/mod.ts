/**
 * Kernels that the TensorFlow.js WASM backend lacks (or implements slowly)
 * for training the layers Digit Lab offers, registered over the backend.
 *
 * @module
 */

/**
 * Registers Digit Lab's training kernels on the `wasm` backend. Idempotent.
 *
 * @example
 * ```ts
 * import { registerTrainingKernels } from "./mod.ts";
 * registerTrainingKernels();
 * ```
 */
export function registerTrainingKernels(): void {
  // Filled in by lib/kernels/conv2d_backprop_filter.ts (see issue 2).
}
