/**
 * A faster `Tile` for the WASM backend. The backend's own kernel computes
 * every output element's source index one by one, which makes the tile in
 * the batch-norm gradient (a `[1, 1, 1, C]` row repeated to `[N, H, W, C]`)
 * the slowest kernel of a training step. This copies whole contiguous runs
 * instead, and repeats each finished block by doubling copies within the
 * output. Strings go to the backend's own kernel.
 *
 * @module
 */

import type * as tf from "@tensorflow/tfjs";
import { originalKernel, type WasmKernelArgs, type WasmKernelConfig } from "./wasm_kernel.ts";

type Heap = Float32Array | Int32Array | Uint8Array;

/** Runs shorter than this are copied element by element (cheaper than a call). */
const SHORT = 32;

/** Copies `n` elements from `src[s]` to `dst[d]`. */
function copy(dst: Heap, d: number, src: Heap, s: number, n: number): void {
  if (n < SHORT) {
    for (let i = 0; i < n; i++) dst[d + i] = src[s + i];
  } else {
    dst.set(src.subarray(s, s + n), d);
  }
}

/** Repeats the block `arr[start, start + len)` so that it appears `times` times in a row. */
function repeat(arr: Heap, start: number, len: number, times: number): void {
  const total = len * times;
  if (len < SHORT) {
    for (let i = len; i < total; i++) arr[start + i] = arr[start + i - len];
    return;
  }
  for (let done = len; done < total; done *= 2) {
    arr.copyWithin(start + done, start, start + Math.min(done, total - done));
  }
}

/**
 * Merges each axis into the one before it when it is not repeated (the two
 * are then contiguous in both input and output), so the innermost runs are
 * as long as possible.
 */
function mergeAxes(shape: number[], reps: number[]): { shape: number[]; reps: number[] } {
  const s = [shape[0]];
  const r = [reps[0]];
  for (let i = 1; i < shape.length; i++) {
    if (reps[i] === 1) {
      s[s.length - 1] *= shape[i];
    } else {
      s.push(shape[i]);
      r.push(reps[i]);
    }
  }
  return { shape: s, reps: r };
}

/** The `wasm` kernel function of `Tile`. */
function tile(args: WasmKernelArgs): tf.TensorInfo {
  const { inputs: { x }, backend, attrs } = args;
  const { reps } = attrs as unknown as tf.TileAttrs;
  if (x.dtype === "string" || x.dtype === "complex64") return originalKernel("Tile")(args);

  const out = backend.makeOutput(x.shape.map((n, i) => n * reps[i]), x.dtype);
  const size = x.shape.reduce((a, b) => a * b, 1) * reps.reduce((a, b) => a * b, 1);
  if (size === 0) return out;
  // Views taken after makeOutput, which may grow (and so replace) the heap.
  const src = backend.typedArrayFromHeap(x) as Heap;
  const dst = backend.typedArrayFromHeap(out) as Heap;
  if (x.shape.length === 0) {
    dst[0] = src[0];
    return out;
  }
  const m = mergeAxes(x.shape, reps);
  const rank = m.shape.length;
  // Elements of one input slice, and of one output block, below each axis.
  const inStride = new Array<number>(rank + 1).fill(1);
  const outBlock = new Array<number>(rank + 1).fill(1);
  for (let a = rank - 1; a >= 0; a--) {
    inStride[a] = inStride[a + 1] * m.shape[a];
    outBlock[a] = outBlock[a + 1] * m.shape[a] * m.reps[a];
  }
  // Writes the output block of axis `a` at `d` from the input slice at `s`.
  const fill = (a: number, s: number, d: number): void => {
    const n = m.shape[a];
    if (a === rank - 1) {
      copy(dst, d, src, s, n);
    } else {
      for (let i = 0; i < n; i++) fill(a + 1, s + i * inStride[a + 1], d + i * outBlock[a + 1]);
    }
    repeat(dst, d, n * outBlock[a + 1], m.reps[a]);
  };
  fill(0, 0, 0);
  return out;
}

/**
 * Our `Tile` (contiguous runs copied, blocks doubled).
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
 * import { assertEquals } from "@std/assert";
 * import { setupBackend } from "./backend.ts";
 * import { tileKernel } from "./tile.ts";
 * await setupBackend();
 * const backend = tf.backend() as BackendWasm;
 * tf.tidy(() => {
 *   const x = tf.tensor2d([[1, 2]]);
 *   const y = tileKernel.kernelFunc({ inputs: { x }, backend, attrs: { reps: [2, 2] } });
 *   const tiled = tf.engine().makeTensorFromTensorInfo(y);
 *   assertEquals(tiled.arraySync(), [[1, 2, 1, 2], [1, 2, 1, 2]]);
 * });
 * ```
 */
export const tileKernel: WasmKernelConfig<tf.TensorInfo> = {
  kernelName: "Tile",
  kernelFunc: tile,
};
