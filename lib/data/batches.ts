/**
 * Turns a {@linkcode Dataset}'s flat typed arrays into model-ready tensors:
 * validation, seeded per-epoch batching, gathering a batch into a reused
 * buffer, and one-hot labels.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import type { Dataset } from "./dataset.ts";
import { createRng, InvalidArgumentError, permutation } from "../core/mod.ts";

/** Images and one-hot labels ready for a model. */
export interface TensorPair {
  /** `[n, rows, cols, 1]` pixels in [0, 1]. */
  xs: tf.Tensor4D;
  /** `[n, numClasses]` one-hot labels. */
  ys: tf.Tensor2D;
}

/** A batch gathered out of a dataset: views into reusable buffers. */
export interface Batch {
  /** `count * rows * cols` pixels, one image after another. */
  pixels: Float32Array;
  /** `count` class indices. */
  labels: Uint8Array;
  /** Number of images in the batch. */
  count: number;
}

/** Reusable storage for {@linkcode gatherBatch}. */
export interface BatchBuffer {
  /** Room for `capacity * rows * cols` pixels. */
  pixels: Float32Array;
  /** Room for `capacity` labels. */
  labels: Uint8Array;
}

/** Options of {@linkcode batchIndices}. */
export interface BatchIndicesOptions {
  /** Images per batch (the last batch may be smaller). */
  batchSize: number;
  /** Seed of the shuffle. */
  seed?: number;
  /** 0- or 1-based epoch number: each epoch gets its own permutation. */
  epoch?: number;
  /** Whether to shuffle (default `true`); `false` keeps the dataset order. */
  shuffle?: boolean;
}

function assertPositiveInteger(name: string, value: number): void {
  if (!Number.isInteger(value) || value <= 0) {
    throw new InvalidArgumentError(`${name} must be a positive integer, got ${value}`);
  }
}

/**
 * Checks that a dataset's arrays agree with its dimensions, that every label
 * is in [0, numClasses) and every pixel in [0, 1].
 *
 * @throws {InvalidArgumentError} naming the first bad field or value.
 *
 * @example
 * ```ts
 * import { assertThrows } from "@std/assert";
 * import { validateDataset } from "./batches.ts";
 * import { InvalidArgumentError } from "../core/errors.ts";
 * const ds = {
 *   images: new Float32Array([0, 0.5, 1, 1]), labels: new Uint8Array([1]), count: 1,
 *   rows: 2, cols: 2, numClasses: 10, source: "example",
 * };
 * validateDataset(ds);
 * const bright = { ...ds, images: new Float32Array([0, 0.5, 1, 255]) };
 * assertThrows(() => validateDataset(bright), InvalidArgumentError, "pixel 255 at offset 3");
 * ```
 */
export function validateDataset(ds: Dataset): void {
  assertPositiveInteger(`dataset ${JSON.stringify(ds.source)} rows`, ds.rows);
  assertPositiveInteger(`dataset ${JSON.stringify(ds.source)} cols`, ds.cols);
  assertPositiveInteger(`dataset ${JSON.stringify(ds.source)} numClasses`, ds.numClasses);
  if (!Number.isInteger(ds.count) || ds.count < 0) {
    throw new InvalidArgumentError(
      `dataset ${JSON.stringify(ds.source)} count must be a non-negative integer, got ${ds.count}`,
    );
  }
  const want = ds.count * ds.rows * ds.cols;
  if (ds.images.length !== want) {
    throw new InvalidArgumentError(
      `dataset ${JSON.stringify(ds.source)} has ${ds.images.length} pixels, expected ` +
        `${want} (${ds.count} x ${ds.rows} x ${ds.cols})`,
    );
  }
  if (ds.labels.length !== ds.count) {
    throw new InvalidArgumentError(
      `dataset ${JSON.stringify(ds.source)} has ${ds.labels.length} labels for ${ds.count} images`,
    );
  }
  for (let i = 0; i < ds.count; i++) {
    if (ds.labels[i] >= ds.numClasses) {
      throw new InvalidArgumentError(
        `dataset ${JSON.stringify(ds.source)} label ${ds.labels[i]} at index ${i} is not in ` +
          `[0, ${ds.numClasses})`,
      );
    }
  }
  const images = ds.images;
  for (let i = 0; i < images.length; i++) {
    const v = images[i];
    if (!(v >= 0 && v <= 1)) {
      throw new InvalidArgumentError(
        `dataset ${JSON.stringify(ds.source)} pixel ${v} at offset ${i} is not in [0, 1]`,
      );
    }
  }
}

/**
 * One-hot encodes class indices.
 *
 * @param labels Class indices, each an integer in [0, numClasses).
 * @param numClasses Number of classes.
 * @returns A `[labels.length, numClasses]` float tensor.
 * @throws {InvalidArgumentError} on a bad class count or label.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { oneHot } from "./batches.ts";
 * import { setupBackend } from "../kernels/mod.ts";
 * await setupBackend();
 * const y = oneHot([2, 0], 3);
 * assertEquals(y.arraySync(), [[0, 0, 1], [1, 0, 0]]);
 * y.dispose();
 * ```
 */
export function oneHot(labels: ArrayLike<number>, numClasses: number): tf.Tensor2D {
  assertPositiveInteger("numClasses", numClasses);
  const values = new Float32Array(labels.length * numClasses);
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i];
    if (!Number.isInteger(label) || label < 0 || label >= numClasses) {
      throw new InvalidArgumentError(
        `label ${label} at index ${i} is not an integer in [0, ${numClasses})`,
      );
    }
    values[i * numClasses + label] = 1;
  }
  return tf.tensor2d(values, [labels.length, numClasses]);
}

/**
 * Cuts `0..count-1` into batches, shuffled by a permutation that depends
 * only on `seed` and `epoch` (so a run is reproducible and each epoch sees a
 * different order).
 *
 * @returns Batches of dataset indices; views into one shared array.
 * @throws {InvalidArgumentError} on a negative count or a bad batch size.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { batchIndices } from "./batches.ts";
 * const batches = batchIndices(10, { batchSize: 4, seed: 1, epoch: 1 });
 * assertEquals(batches.map((b) => b.length), [4, 4, 2]);
 * assertEquals(batches.flatMap((b) => [...b]).sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
 * const inOrder = batchIndices(5, { batchSize: 2, shuffle: false });
 * assertEquals(inOrder.map((b) => [...b]), [[0, 1], [2, 3], [4]]);
 * ```
 */
export function batchIndices(count: number, options: BatchIndicesOptions): Uint32Array[] {
  const { batchSize, seed = 0, epoch = 0, shuffle = true } = options;
  if (!Number.isInteger(count) || count < 0) {
    throw new InvalidArgumentError(`count must be a non-negative integer, got ${count}`);
  }
  assertPositiveInteger("batchSize", batchSize);
  if (!Number.isInteger(epoch) || epoch < 0) {
    throw new InvalidArgumentError(`epoch must be a non-negative integer, got ${epoch}`);
  }
  let order: Uint32Array;
  if (shuffle) {
    // Mix the epoch into the seed so that nearby (seed, epoch) pairs differ.
    order = permutation(count, createRng((seed ^ Math.imul(epoch + 1, 0x9e3779b9)) | 0));
  } else {
    order = new Uint32Array(count);
    for (let i = 0; i < count; i++) order[i] = i;
  }
  const batches: Uint32Array[] = [];
  for (let start = 0; start < count; start += batchSize) {
    batches.push(order.subarray(start, Math.min(start + batchSize, count)));
  }
  return batches;
}

/**
 * Allocates storage for batches of up to `capacity` images of `ds`.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { createBatchBuffer } from "./batches.ts";
 * const buf = createBatchBuffer({ rows: 28, cols: 28 }, 128);
 * assertEquals([buf.pixels.length, buf.labels.length], [128 * 784, 128]);
 * ```
 */
export function createBatchBuffer(
  ds: Pick<Dataset, "rows" | "cols">,
  capacity: number,
): BatchBuffer {
  assertPositiveInteger("batch capacity", capacity);
  return {
    pixels: new Float32Array(capacity * ds.rows * ds.cols),
    labels: new Uint8Array(capacity),
  };
}

/**
 * Copies the images and labels at `indices` into `buffer` (allocated when
 * omitted) and returns views of the filled part, so a training loop makes
 * no per-batch garbage.
 *
 * @throws {InvalidArgumentError} on an index out of range or a buffer too small.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { gatherBatch } from "./batches.ts";
 * const ds = {
 *   images: new Float32Array([0, 0, 0, 0, 1, 1, 1, 1]), labels: new Uint8Array([3, 7]),
 *   count: 2, rows: 2, cols: 2, numClasses: 10, source: "example",
 * };
 * const b = gatherBatch(ds, [1, 0]);
 * assertEquals(b.count, 2);
 * assertEquals([...b.labels], [7, 3]);
 * assertEquals([...b.pixels], [1, 1, 1, 1, 0, 0, 0, 0]);
 * ```
 */
export function gatherBatch(
  ds: Dataset,
  indices: ArrayLike<number>,
  buffer?: BatchBuffer,
): Batch {
  const size = ds.rows * ds.cols;
  const n = indices.length;
  const buf = buffer ?? createBatchBuffer(ds, Math.max(1, n));
  if (buf.pixels.length < n * size || buf.labels.length < n) {
    throw new InvalidArgumentError(
      `batch buffer holds ${buf.labels.length} images of ${ds.rows}x${ds.cols}, ` +
        `asked to gather ${n}`,
    );
  }
  for (let i = 0; i < n; i++) {
    const index = indices[i];
    if (!Number.isInteger(index) || index < 0 || index >= ds.count) {
      throw new InvalidArgumentError(
        `index ${index} at position ${i} is not an integer in [0, ${ds.count})`,
      );
    }
    buf.pixels.set(ds.images.subarray(index * size, (index + 1) * size), i * size);
    buf.labels[i] = ds.labels[index];
  }
  return { pixels: buf.pixels.subarray(0, n * size), labels: buf.labels.subarray(0, n), count: n };
}

/**
 * Makes tensors of a gathered batch. The pixels are copied into the tensor
 * (the WASM backend copies on creation), so the batch buffer can be reused
 * once the tensors are disposed.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { batchToTensors } from "./batches.ts";
 * import { setupBackend } from "../kernels/mod.ts";
 * await setupBackend();
 * const b = { pixels: new Float32Array([0, 0.5, 1, 0]), labels: new Uint8Array([1]), count: 1 };
 * const { xs, ys } = batchToTensors(b, { rows: 2, cols: 2, numClasses: 3 });
 * assertEquals(xs.arraySync(), [[[[0], [0.5]], [[1], [0]]]]);
 * assertEquals(ys.arraySync(), [[0, 1, 0]]);
 * xs.dispose();
 * ys.dispose();
 * ```
 */
export function batchToTensors(
  batch: Batch,
  shape: Pick<Dataset, "rows" | "cols" | "numClasses">,
): TensorPair {
  const xs = tf.tensor4d(batch.pixels, [batch.count, shape.rows, shape.cols, 1]);
  try {
    return { xs, ys: oneHot(batch.labels, shape.numClasses) };
  } catch (e) {
    xs.dispose();
    throw e;
  }
}
