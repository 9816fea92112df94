import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { assertEquals, assertThrows } from "@std/assert";
import { setupBackend } from "../../lib/kernels/backend.ts";
import { BackendError } from "../../lib/core/errors.ts";
import {
  disposeInfos,
  originalKernel,
  registerWasmKernel,
  reshaped,
  runWasmKernel,
  type WasmKernelArgs,
} from "../../lib/kernels/wasm_kernel.ts";
import { liveCounts } from "./_compare.ts";

Deno.test("runWasmKernel runs a backend kernel and disposeInfos frees its output", async () => {
  await setupBackend();
  const backend = tf.backend() as BackendWasm;
  const x = tf.tensor2d([[1, 2, 3], [4, 5, 6]]);
  const before = liveCounts();
  const t = runWasmKernel("Transpose", backend, { x }, { perm: [1, 0] });
  assertEquals(t.shape, [3, 2]);
  assertEquals(Array.from(backend.readSync(t.dataId) as Float32Array), [1, 4, 2, 5, 3, 6]);
  const flat = reshaped(t, [6]);
  assertEquals(flat.shape, [6]);
  assertEquals(flat.dataId, t.dataId);
  disposeInfos(backend, t);
  assertEquals(liveCounts(), before);
  x.dispose();
});

Deno.test("runWasmKernel names a kernel the backend lacks", async () => {
  await setupBackend();
  const backend = tf.backend() as BackendWasm;
  assertThrows(() => runWasmKernel("NoSuchKernel", backend, {}), BackendError, "NoSuchKernel");
});

Deno.test("registerWasmKernel replaces a kernel quietly and keeps the original", async () => {
  await setupBackend();
  const backend = tf.backend() as BackendWasm;
  const name = "DigitLabTestKernel";
  const identity = ({ inputs, backend }: WasmKernelArgs) =>
    runWasmKernel("Identity", backend, { x: inputs.x });
  const negate = ({ inputs, backend }: WasmKernelArgs) =>
    runWasmKernel("Neg", backend, { x: inputs.x });
  tf.registerKernel({
    kernelName: name,
    backendName: "wasm",
    kernelFunc: identity as unknown as tf.KernelFunc,
  });
  const warnings: unknown[] = [];
  const warn = console.warn;
  console.warn = (...args: unknown[]) => warnings.push(args);
  try {
    registerWasmKernel({ kernelName: name, kernelFunc: negate });
    registerWasmKernel({ kernelName: name, kernelFunc: negate });
  } finally {
    console.warn = warn;
  }
  assertEquals(warnings, []);
  const before = liveCounts();
  const x = tf.tensor1d([1, -2]);
  const replaced = tf.tidy(() => (tf.engine().runKernel(name, { x }, {}) as tf.Tensor).arraySync());
  const kept = originalKernel(name)({ inputs: { x }, backend, attrs: {} });
  assertEquals(Array.from(backend.readSync(kept.dataId) as Float32Array), [1, -2]);
  assertEquals(replaced, [-1, 2]);
  disposeInfos(backend, kept);
  x.dispose();
  assertEquals(liveCounts(), before);
  tf.unregisterKernel(name, "wasm");
});

Deno.test("originalKernel refuses a name the backend never had", async () => {
  await setupBackend();
  const name = "DigitLabTestOnlyOurs";
  registerWasmKernel({
    kernelName: name,
    kernelFunc: ({ inputs, backend }) => runWasmKernel("Identity", backend, { x: inputs.x }),
  });
  assertThrows(() => originalKernel(name), BackendError, name);
  assertThrows(() => originalKernel("NoSuchKernel"), BackendError, "NoSuchKernel");
  tf.unregisterKernel(name, "wasm");
});
