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
import { originalKernel, type WasmKernelArgs } from "./wasm_kernel.ts";

/**
 * The `wasm` kernel function of `Identity`: the input's data under one more
 * reference.
 *
 * @example
 * ```ts
 * import { identity } from "./identity.ts";
 * import { registerWasmKernel } from "./wasm_kernel.ts";
 * registerWasmKernel("Identity", identity);
 * ```
 */
export function identity(args: WasmKernelArgs): tf.TensorInfo {
  const { inputs: { x }, backend } = args;
  if (x.dtype === "string") return originalKernel("Identity")(args);
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}
