/**
 * Helpers for writing kernels for the TensorFlow.js WASM backend out of the
 * backend's own kernels, called at kernel level (no engine bookkeeping, no
 * tensors): the config each kernel file exports, run a kernel, free
 * intermediates, register over a kernel while keeping the one it replaces.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { BackendError, InvalidArgumentError } from "../core/mod.ts";

/** What the WASM backend hands a kernel function. */
export interface WasmKernelArgs {
  /** Named input tensors (data ids on the WASM heap). */
  inputs: Record<string, tf.TensorInfo>;
  /** The WASM backend. */
  backend: BackendWasm;
  /** The kernel's attributes. */
  attrs: tf.NamedAttrMap;
}

/** A kernel function of the WASM backend returning one tensor. */
export type WasmKernelFunc = (args: WasmKernelArgs) => tf.TensorInfo;

/**
 * A `wasm` kernel of ours: the op it runs and its kernel function (one
 * output, or several for `Out = tf.TensorInfo[]`). Each kernel file exports
 * one per op; `registry.ts` registers them all.
 */
export interface WasmKernelConfig<
  Out extends tf.TensorInfo | tf.TensorInfo[] = tf.TensorInfo | tf.TensorInfo[],
> {
  /** The op's kernel name (tfjs's, or one of ours such as `DigitLabReluGradBias`). */
  kernelName: string;
  /** Runs the op on the WASM heap. */
  kernelFunc: (args: WasmKernelArgs) => Out;
}

/**
 * Runs the `wasm` kernel `name` directly and returns its output, which the
 * caller owns (free it with {@linkcode disposeInfos} unless returned).
 *
 * @throws {BackendError} when the kernel is not registered for `wasm`.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
 * import { assertEquals } from "@std/assert";
 * import { setupBackend } from "./backend.ts";
 * import { runWasmKernel } from "./wasm_kernel.ts";
 * await setupBackend();
 * const x = tf.tensor2d([[1, 2, 3], [4, 5, 6]]);
 * const info = runWasmKernel("Transpose", tf.backend() as BackendWasm, { x }, { perm: [1, 0] });
 * const y = tf.engine().makeTensorFromTensorInfo(info);
 * assertEquals(y.arraySync(), [[1, 4], [2, 5], [3, 6]]);
 * tf.dispose([x, y]);
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
 * import * as tf from "@tensorflow/tfjs";
 * import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
 * import { assertEquals } from "@std/assert";
 * import { setupBackend } from "./backend.ts";
 * import { disposeInfos } from "./wasm_kernel.ts";
 * await setupBackend();
 * const backend = tf.backend() as BackendWasm;
 * const before = backend.numDataIds();
 * disposeInfos(backend, backend.makeOutput([2], "float32"), backend.makeOutput([3], "int32"));
 * assertEquals(backend.numDataIds(), before);
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
 * import { assertEquals, assertThrows } from "@std/assert";
 * import { setupBackend } from "./backend.ts";
 * import { withScratch } from "./wasm_kernel.ts";
 * await setupBackend();
 * const backend = tf.backend() as BackendWasm;
 * const before = backend.numDataIds();
 * assertEquals(withScratch(backend, [2, 8], (scratch) => scratch.shape), [2, 8]);
 * assertThrows(() => withScratch(backend, [4], () => { throw new Error("failed"); }));
 * assertEquals(backend.numDataIds(), before);
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
 * import { assertEquals, assertStrictEquals } from "@std/assert";
 * import { reshaped } from "./wasm_kernel.ts";
 * const info = { dataId: {}, shape: [2, 3], dtype: "float32" as const };
 * const flat = reshaped(info, [6]);
 * assertEquals(flat.shape, [6]);
 * assertStrictEquals(flat.dataId, info.dataId);
 * ```
 */
export function reshaped(info: tf.TensorInfo, shape: number[]): tf.TensorInfo {
  return { dataId: info.dataId, shape, dtype: info.dtype };
}

const ours = new Set<tf.KernelFunc>();
const originals = new Map<string, tf.KernelFunc>();

/**
 * Registers `config.kernelFunc` as the `wasm` kernel `config.kernelName`,
 * replacing any kernel registered under that name without a warning.
 * Idempotent: the kernel it first replaced stays available from
 * {@linkcode originalKernel}.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { assertEquals } from "@std/assert";
 * import { setupBackend } from "./backend.ts";
 * import { registerWasmKernel, runWasmKernel } from "./wasm_kernel.ts";
 * await setupBackend();
 * registerWasmKernel({
 *   kernelName: "ExampleNegate",
 *   kernelFunc: ({ inputs, backend }) => runWasmKernel("Neg", backend, { x: inputs.x }),
 * });
 * const x = tf.tensor1d([1, -2]);
 * const y = tf.engine().runKernel("ExampleNegate", { x }) as tf.Tensor;
 * assertEquals(Array.from(y.dataSync()), [-1, 2]);
 * tf.dispose([x, y]);
 * ```
 */
export function registerWasmKernel({ kernelName: name, kernelFunc }: WasmKernelConfig): void {
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
 * import * as tf from "@tensorflow/tfjs";
 * import { assert, assertNotStrictEquals } from "@std/assert";
 * import { setupBackend } from "./backend.ts";
 * import { originalKernel } from "./wasm_kernel.ts";
 * await setupBackend(); // replaces Step with ours
 * const ours = tf.getKernel("Step", "wasm")?.kernelFunc;
 * assert(ours !== undefined);
 * assertNotStrictEquals<unknown>(originalKernel("Step"), ours);
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
 * import { assertThrows } from "@std/assert";
 * import { InvalidArgumentError } from "../core/mod.ts";
 * import { requireNhwc } from "./wasm_kernel.ts";
 * requireNhwc("Conv2DBackpropFilter", "NHWC");
 * assertThrows(() => requireNhwc("Conv2DBackpropFilter", "NCHW"), InvalidArgumentError, "NCHW");
 * ```
 */
export function requireNhwc(kernelName: string, dataFormat: string | undefined): void {
  if (dataFormat === "NCHW") {
    throw new InvalidArgumentError(
      `${kernelName} on wasm supports dataFormat "NHWC" only, got ${JSON.stringify(dataFormat)}`,
    );
  }
}
