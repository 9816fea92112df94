/**
 * Test helpers: run a computation on the wasm and cpu backends with the same
 * seeded data, and measure how far apart the results are.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-cpu";
import { setupBackend } from "../../lib/kernels/backend.ts";
import { createRng } from "../../lib/core/random.ts";

/** Seeded uniform values in [-1, 1) for a tensor of `shape`. */
export function seededValues(shape: number[], seed: number): Float32Array {
  const rng = createRng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng() * 2 - 1;
  return out;
}

/** Largest absolute element-wise difference of two equal-length arrays. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} != ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Largest absolute value of an array (at least 1, to scale tolerances). */
export function scaleOf(a: ArrayLike<number>): number {
  let m = 1;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

/** Counts of live tensors and of data buffers on the active backend. */
export function liveCounts(): { tensors: number; buffers: number } {
  const m = tf.memory() as tf.MemoryInfo & { numDataBuffers: number };
  return { tensors: m.numTensors, buffers: m.numDataBuffers };
}

/**
 * Runs `compute` on the wasm backend and then on the cpu backend and returns
 * both results' values and shapes; leaves wasm active and frees the results.
 */
export async function onBothBackends(
  compute: () => tf.Tensor,
): Promise<{ wasm: Float32Array; cpu: Float32Array; wasmShape: number[]; cpuShape: number[] }> {
  await setupBackend();
  const w = compute();
  const wasm = (await w.data()) as Float32Array;
  const wasmShape = w.shape;
  w.dispose();
  await tf.setBackend("cpu");
  try {
    const c = compute();
    const cpu = (await c.data()) as Float32Array;
    const cpuShape = c.shape;
    c.dispose();
    return { wasm, cpu, wasmShape, cpuShape };
  } finally {
    await tf.setBackend("wasm");
  }
}

/** The settings of {@linkcode fusedConv2d} (NHWC, no dilation). */
export interface FusedConv2dAttrs {
  strides?: number;
  pad?: "valid" | "same" | number;
  activation?: "relu" | "linear" | "elu";
}

/**
 * The `FusedConv2D` kernel on `inputs` (`x`, `filter` and optionally
 * `bias`), as the layer chain runs it: stride 1, valid padding and a ReLU
 * unless `attrs` says otherwise.
 */
export function fusedConv2d(inputs: tf.NamedTensorMap, attrs: FusedConv2dAttrs = {}): tf.Tensor {
  const { strides = 1, pad = "valid", activation = "relu" } = attrs;
  return tf.engine().runKernel("FusedConv2D", inputs, {
    strides,
    pad,
    dataFormat: "NHWC",
    dilations: 1,
    activation,
  } as unknown as tf.NamedAttrMap) as tf.Tensor;
}
