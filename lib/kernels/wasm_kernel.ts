/**
 * Helpers for writing kernels for the TensorFlow.js WASM backend out of the
 * backend's own kernels, called at kernel level (no engine bookkeeping, no
 * tensors): run a kernel, free intermediates, register over a kernel while
 * keeping the one it replaces.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { BackendError, InvalidArgumentError } from "../core/mod.ts";

/**
 * What the WASM backend hands a kernel function.
 *
 * @example
 * ```ts
 * import type { WasmKernelArgs } from "./wasm_kernel.ts";
 * const inputNames = (args: WasmKernelArgs): string[] => Object.keys(args.inputs);
 * ```
 */
export interface WasmKernelArgs {
  /** Named input tensors (data ids on the WASM heap). */
  inputs: Record<string, tf.TensorInfo>;
  /** The WASM backend. */
  backend: BackendWasm;
  /** The kernel's attributes. */
  attrs: tf.NamedAttrMap;
}

/**
 * A kernel function of the WASM backend returning one tensor.
 *
 * @example
 * ```ts
 * import { runWasmKernel, type WasmKernelFunc } from "./wasm_kernel.ts";
 * const identity: WasmKernelFunc = ({ inputs, backend }) =>
 *   runWasmKernel("Identity", backend, { x: inputs.x });
 * ```
 */
export type WasmKernelFunc = (args: WasmKernelArgs) => tf.TensorInfo;

/**
 * Runs the `wasm` kernel `name` directly and returns its output, which the
 * caller owns (free it with {@linkcode disposeInfos} unless returned).
 *
 * @throws {BackendError} when the kernel is not registered for `wasm`.
 *
 * @example
 * ```ts
 * import { registerWasmKernel, runWasmKernel } from "./wasm_kernel.ts";
 * registerWasmKernel("MyTranspose2D", ({ inputs, backend }) =>
 *   runWasmKernel("Transpose", backend, { x: inputs.x }, { perm: [1, 0] }));
 * ```
 */
export function runWasmKernel(
  name: string,
  backend: BackendWasm,
  inputs: Record<string, tf.TensorInfo>,
  attrs: tf.NamedAttrMap = {},
): tf.TensorInfo {
  const kernel = tf.getKernel(name, "wasm");
  if (kernel === undefined) {
    throw new BackendError(`the wasm backend has no kernel ${JSON.stringify(name)}`);
  }
  return kernel.kernelFunc({ inputs, backend, attrs }) as tf.TensorInfo;
}

/**
 * Frees intermediate kernel outputs on the WASM heap.
 *
 * @example
 * ```ts
 * import { disposeInfos, registerWasmKernel, runWasmKernel } from "./wasm_kernel.ts";
 * registerWasmKernel("MyCopy2D", ({ inputs, backend }) => {
 *   const t = runWasmKernel("Transpose", backend, { x: inputs.x }, { perm: [1, 0] });
 *   const out = runWasmKernel("Transpose", backend, { x: t }, { perm: [1, 0] });
 *   disposeInfos(backend, t);
 *   return out;
 * });
 * ```
 */
export function disposeInfos(backend: BackendWasm, ...infos: tf.TensorInfo[]): void {
  for (const info of infos) backend.disposeData(info.dataId);
}

/**
 * Runs `use` with a float32 scratch tensor of `shape` on the WASM heap and
 * frees the scratch afterwards, also when `use` throws.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
 * import { setupBackend } from "./backend.ts";
 * import { withScratch } from "./wasm_kernel.ts";
 * await setupBackend();
 * const backend = tf.backend() as BackendWasm;
 * const size = withScratch(backend, [2, 8], (scratch) => scratch.shape[0] * scratch.shape[1]);
 * console.assert(size === 16);
 * ```
 */
export function withScratch<T>(
  backend: BackendWasm,
  shape: number[],
  use: (scratch: tf.TensorInfo) => T,
): T {
  const scratch = backend.makeOutput(shape, "float32");
  try {
    return use(scratch);
  } finally {
    disposeInfos(backend, scratch);
  }
}

/**
 * A view of `info` under another shape of the same size (no copy, no new
 * data id): what a Reshape kernel would give, without the reference count.
 * Only pass it to kernels as an input; never dispose it.
 *
 * @example
 * ```ts
 * import { reshaped } from "./wasm_kernel.ts";
 * const flat = reshaped({ dataId: {}, shape: [2, 3], dtype: "float32" }, [6]);
 * console.assert(flat.shape[0] === 6);
 * ```
 */
export function reshaped(info: tf.TensorInfo, shape: number[]): tf.TensorInfo {
  return { dataId: info.dataId, shape, dtype: info.dtype };
}

const ours = new Set<tf.KernelFunc>();
const originals = new Map<string, tf.KernelFunc>();

/**
 * Registers `kernelFunc` (one output or several) as the `wasm` kernel
 * `name`, replacing any kernel registered under that name without a
 * warning. Idempotent: the kernel it
 * first replaced stays available from {@linkcode originalKernel}.
 *
 * @example
 * ```ts
 * import { registerWasmKernel, runWasmKernel } from "./wasm_kernel.ts";
 * registerWasmKernel("MyIdentity", ({ inputs, backend }) =>
 *   runWasmKernel("Identity", backend, { x: inputs.x }));
 * ```
 */
export function registerWasmKernel(
  name: string,
  kernelFunc: (args: WasmKernelArgs) => tf.TensorInfo | tf.TensorInfo[],
): void {
  const func = kernelFunc as unknown as tf.KernelFunc;
  ours.add(func);
  const current = tf.getKernel(name, "wasm");
  if (current !== undefined) {
    if (current.kernelFunc === func) return;
    if (!ours.has(current.kernelFunc) && !originals.has(name)) {
      originals.set(name, current.kernelFunc);
    }
    tf.unregisterKernel(name, "wasm");
  }
  tf.registerKernel({ kernelName: name, backendName: "wasm", kernelFunc: func });
}

/**
 * The `wasm` backend's own kernel `name` as it was before
 * {@linkcode registerWasmKernel} replaced it (or the current one when it was
 * never replaced), for the cases a replacement does not cover.
 *
 * @throws {BackendError} when there is no such kernel.
 *
 * @example
 * ```ts
 * import "@tensorflow/tfjs-backend-wasm";
 * import { originalKernel } from "./wasm_kernel.ts";
 * console.assert(typeof originalKernel("Conv2DBackpropInput") === "function");
 * ```
 */
export function originalKernel(name: string): WasmKernelFunc {
  const func = originals.get(name) ?? tf.getKernel(name, "wasm")?.kernelFunc;
  if (func === undefined || (ours.has(func) && !originals.has(name))) {
    throw new BackendError(`the wasm backend has no own kernel ${JSON.stringify(name)}`);
  }
  return func as unknown as WasmKernelFunc;
}

/**
 * Rejects the channels-first layout, which the WASM backend does not
 * implement for convolutions.
 *
 * @throws {InvalidArgumentError} naming the kernel and the layout.
 *
 * @example
 * ```ts
 * import { requireNhwc } from "./wasm_kernel.ts";
 * requireNhwc("Conv2DBackpropFilter", "NHWC"); // fine
 * ```
 */
export function requireNhwc(kernelName: string, dataFormat: string | undefined): void {
  if (dataFormat === "NCHW") {
    throw new InvalidArgumentError(
      `${kernelName} on wasm supports dataFormat "NHWC" only, got ${JSON.stringify(dataFormat)}`,
    );
  }
}
