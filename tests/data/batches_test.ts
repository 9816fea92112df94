import * as tf from "@tensorflow/tfjs";
import { assertEquals, assertNotEquals, assertThrows } from "@std/assert";
import { setupBackend } from "../../lib/kernels/backend.ts";
import type { Dataset } from "../../lib/data/dataset.ts";
import { InvalidArgumentError } from "../../lib/core/errors.ts";
import {
  batchIndices,
  batchToTensors,
  createBatchBuffer,
  gatherBatch,
  oneHot,
  validateDataset,
} from "../../lib/data/batches.ts";

/** Image i is filled with i / 10 so a gathered pixel tells which image it came from. */
function makeDataset(count: number, rows = 3, cols = 2): Dataset {
  const images = new Float32Array(count * rows * cols);
  for (let i = 0; i < count; i++) images.fill(i / 10, i * rows * cols, (i + 1) * rows * cols);
  const labels = Uint8Array.from({ length: count }, (_, i) => i % 4);
  return { images, labels, count, rows, cols, numClasses: 4, source: "test" };
}

Deno.test("batchToTensors gives [n,rows,cols,1] pixels and one-hot labels", async () => {
  await setupBackend();
  const before = tf.memory().numTensors;
  const ds = makeDataset(5);
  const { xs, ys } = batchToTensors({ pixels: ds.images, labels: ds.labels, count: ds.count }, ds);
  assertEquals(xs.shape, [5, 3, 2, 1]);
  assertEquals(ys.shape, [5, 4]);
  assertEquals(Array.from(xs.dataSync()), Array.from(ds.images));
  assertEquals(ys.arraySync()[2], [0, 0, 1, 0]);
  tf.dispose([xs, ys]);

  const some = batchToTensors(gatherBatch(ds, [4, 1]), ds);
  assertEquals(some.xs.shape, [2, 3, 2, 1]);
  assertEquals(some.xs.dataSync()[0], ds.images[4 * 6]);
  assertEquals(some.xs.dataSync()[6], ds.images[6]);
  assertEquals(some.ys.arraySync(), [[1, 0, 0, 0], [0, 1, 0, 0]]);
  tf.dispose([some.xs, some.ys]);
  assertEquals(tf.memory().numTensors, before);
});

Deno.test("validateDataset and gatherBatch reject bad data and indices, naming the value", () => {
  const ds = makeDataset(3);
  validateDataset(ds);
  assertThrows(
    () => validateDataset({ ...ds, images: ds.images.subarray(1) }),
    InvalidArgumentError,
    "17 pixels",
  );
  assertThrows(
    () => validateDataset({ ...ds, labels: new Uint8Array([0, 9, 1]) }),
    InvalidArgumentError,
    "label 9",
  );
  const bright = ds.images.slice();
  bright[4] = 1.5;
  assertThrows(() => validateDataset({ ...ds, images: bright }), InvalidArgumentError, "pixel 1.5");
  assertThrows(() => validateDataset({ ...ds, rows: 0 }), InvalidArgumentError, "rows");
  assertThrows(() => gatherBatch(ds, [0, 3]), InvalidArgumentError, "index 3");
});

Deno.test("oneHot encodes and validates labels", async () => {
  await setupBackend();
  const before = tf.memory().numTensors;
  const y = oneHot([2, 0, 1], 3);
  assertEquals(y.arraySync(), [[0, 0, 1], [1, 0, 0], [0, 1, 0]]);
  y.dispose();
  assertThrows(() => oneHot([3], 3), InvalidArgumentError, "label 3");
  assertThrows(() => oneHot([1.5], 3), InvalidArgumentError, "label 1.5");
  assertThrows(() => oneHot([0], 0), InvalidArgumentError, "numClasses");
  assertEquals(tf.memory().numTensors, before);
});

Deno.test("batchIndices covers every index once, in seeded per-epoch order", () => {
  const batches = batchIndices(10, { batchSize: 4, seed: 7, epoch: 1 });
  assertEquals(batches.map((b) => b.length), [4, 4, 2]);
  const all = batches.flatMap((b) => Array.from(b));
  assertEquals([...all].sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);

  const again = batchIndices(10, { batchSize: 4, seed: 7, epoch: 1 }).flatMap((b) => Array.from(b));
  assertEquals(again, all);
  const nextEpoch = batchIndices(10, { batchSize: 4, seed: 7, epoch: 2 }).flatMap((b) =>
    Array.from(b)
  );
  assertNotEquals(nextEpoch, all);
  const otherSeed = batchIndices(10, { batchSize: 4, seed: 8, epoch: 1 }).flatMap((b) =>
    Array.from(b)
  );
  assertNotEquals(otherSeed, all);

  const ordered = batchIndices(5, { batchSize: 2, shuffle: false });
  assertEquals(ordered.map((b) => Array.from(b)), [[0, 1], [2, 3], [4]]);
  assertEquals(batchIndices(0, { batchSize: 2 }), []);
  assertThrows(() => batchIndices(5, { batchSize: 0 }), InvalidArgumentError, "batchSize");
  assertThrows(() => batchIndices(-1, { batchSize: 2 }), InvalidArgumentError, "-1");
});

Deno.test("gatherBatch fills a reused buffer and batchToTensors copies it", async () => {
  await setupBackend();
  const before = tf.memory().numTensors;
  const ds = makeDataset(6);
  const buffer = createBatchBuffer(ds, 3);
  const first = gatherBatch(ds, [5, 2, 0], buffer);
  assertEquals(first.pixels.buffer, buffer.pixels.buffer);
  assertEquals(Array.from(first.labels), [1, 2, 0]);
  assertEquals(first.pixels[0], ds.images[5 * 6]);
  const tensors = batchToTensors(first, ds);
  const second = gatherBatch(ds, [1, 3], buffer);
  assertEquals(second.count, 2);
  assertEquals(second.pixels.length, 2 * 6);
  assertEquals(second.pixels.buffer, buffer.pixels.buffer);
  // The first batch's tensor is unaffected by refilling the buffer.
  assertEquals(tensors.xs.dataSync()[0], ds.images[5 * 6]);
  tf.dispose([tensors.xs, tensors.ys]);
  assertThrows(
    () => gatherBatch(ds, [0, 1, 2, 3], buffer),
    InvalidArgumentError,
    "asked to gather 4",
  );
  assertEquals(tf.memory().numTensors, before);
});
