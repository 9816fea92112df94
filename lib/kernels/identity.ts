/**
 * A copy-free `Identity` for the WASM backend. The engine clones (runs
 * `Identity` on) every tensor it saves for the backward pass; the backend's
 * own kernel copies the data each time, while the cpu and webgl backends
 * share it under a reference count, as the WASM backend's own `Reshape`
 * already does. Strings go to the backend's own kernel.
 *
 * @module
 */

import type * as tf from "@tensorflow/tfjs";
import { originalKernel, type WasmKernelArgs, type WasmKernelConfig } from "./wasm_kernel.ts";

/**
 * The `wasm` kernel function of `Identity`: the input's data under one more
 * reference.
 */
function identity(args: WasmKernelArgs): tf.TensorInfo {
  const { inputs: { x }, backend } = args;
  if (x.dtype === "string") return originalKernel("Identity")(args);
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

/**
 * Our `Identity` (the data shared, not copied).
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
 * import { assertEquals, assertStrictEquals } from "@std/assert";
 * import { setupBackend } from "./backend.ts";
 * import { identityKernel } from "./identity.ts";
 * await setupBackend();
 * const backend = tf.backend() as BackendWasm;
 * tf.tidy(() => {
 *   const x = tf.tensor1d([1, 2, 3]);
 *   const y = identityKernel.kernelFunc({ inputs: { x }, backend, attrs: {} });
 *   assertStrictEquals(y.dataId, x.dataId); // shared, not copied
 *   assertEquals(tf.engine().makeTensorFromTensorInfo(y).arraySync(), [1, 2, 3]);
 * });
 * ```
 */
export const identityKernel: WasmKernelConfig<tf.TensorInfo> = {
  kernelName: "Identity",
  kernelFunc: identity,
};
