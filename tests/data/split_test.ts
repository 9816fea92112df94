import { assertEquals, assertThrows } from "@std/assert";
import { InvalidArgumentError } from "../../lib/core/errors.ts";
import type { Dataset } from "../../lib/data/dataset.ts";
import {
  classCounts,
  splitDataset,
  splitTrainValidation,
  subsetDataset,
} from "../../lib/data/split.ts";

/** `perClass[c]` samples of class c; sample i's 2x2 image is filled with i, so ids survive copies. */
function makeDataset(perClass: number[]): Dataset {
  const labels = perClass.flatMap((n, c) => new Array<number>(n).fill(c));
  const images = new Float32Array(labels.length * 4);
  labels.forEach((_, i) => images.fill(i, i * 4, i * 4 + 4));
  return {
    images,
    labels: new Uint8Array(labels),
    count: labels.length,
    rows: 2,
    cols: 2,
    numClasses: perClass.length,
    source: "test",
  };
}

/** The ids (original indices) of a dataset made by makeDataset, after checking images and labels agree. */
function ids(ds: Dataset, original: Dataset): number[] {
  return Array.from({ length: ds.count }, (_, i) => {
    const id = ds.images[i * 4];
    assertEquals(ds.images[i * 4 + 3], id);
    assertEquals(ds.labels[i], original.labels[id]);
    return id;
  });
}

Deno.test("classCounts counts each label", () => {
  assertEquals(classCounts(makeDataset([3, 0, 5])), [3, 0, 5]);
});

Deno.test("subsetDataset copies the chosen samples in order", () => {
  const ds = makeDataset([2, 3]);
  const sub = subsetDataset(ds, [4, 0, 2]);
  assertEquals(sub.count, 3);
  assertEquals(ids(sub, ds), [4, 0, 2]);
  assertEquals(Array.from(sub.labels), [1, 0, 1]);
  sub.images[0] = -1;
  assertEquals(ds.images[16], 4);
  assertThrows(() => subsetDataset(ds, [0, 5]), InvalidArgumentError, "index 5 at position 1");
  assertThrows(() => subsetDataset(ds, [1.5]), InvalidArgumentError, "1.5");
});

Deno.test("splitDataset gives the requested sizes, disjoint and complete", () => {
  const ds = makeDataset([100, 120, 80, 200]);
  const s = splitDataset(ds, { validation: 0.1, test: 0.25, seed: 3 });
  assertEquals([s.train.count, s.validation.count, s.test.count], [325, 50, 125]);
  const all = [...ids(s.train, ds), ...ids(s.validation, ds), ...ids(s.test, ds)];
  assertEquals(new Set(all).size, ds.count);
  assertEquals(all.length, ds.count);
});

Deno.test("splitDataset stratifies by class unless told not to", () => {
  const ds = makeDataset([100, 300, 600]);
  const s = splitDataset(ds, { validation: 0.1, test: 0.2, seed: 9 });
  assertEquals(classCounts(s.validation), [10, 30, 60]);
  assertEquals(classCounts(s.test), [20, 60, 120]);
  assertEquals(classCounts(s.train), [70, 210, 420]);
  // Without stratification the sizes hold but class counts drift from the proportions.
  const drift = [1, 2, 3, 4, 5].some((seed) => {
    const u = splitDataset(ds, { validation: 0.1, test: 0.2, seed, stratify: false });
    assertEquals([u.validation.count, u.test.count], [100, 200]);
    return classCounts(u.validation).join() !== "10,30,60";
  });
  assertEquals(drift, true);
});

Deno.test("splitDataset keeps total sizes exact when classes do not divide evenly", () => {
  const ds = makeDataset([7, 11, 13]);
  const s = splitDataset(ds, { validation: 0.2, test: 0.1, seed: 1 });
  assertEquals(s.validation.count, Math.round(31 * 0.2));
  assertEquals(s.test.count, Math.round(31 * 0.1));
  classCounts(s.validation).forEach((n, c) => {
    assertEquals(Math.abs(n - [7, 11, 13][c] * 0.2) < 1, true);
  });
});

Deno.test("splitDataset is deterministic from the seed and shuffles", () => {
  const ds = makeDataset([50, 50, 50]);
  const options = { validation: 0.2, test: 0.2, seed: 42 };
  const a = splitDataset(ds, options);
  const b = splitDataset(ds, options);
  const c = splitDataset(ds, { ...options, seed: 43 });
  assertEquals(ids(a.train, ds), ids(b.train, ds));
  assertEquals(ids(a.test, ds), ids(b.test, ds));
  assertEquals(ids(a.train, ds).join() === ids(c.train, ds).join(), false);
  const trainIds = ids(a.train, ds);
  assertEquals(trainIds.join() === [...trainIds].sort((x, y) => x - y).join(), false);
});

Deno.test("splitDataset rejects bad fractions, naming the value", () => {
  const ds = makeDataset([10, 10]);
  assertThrows(
    () => splitDataset(ds, { validation: 1.5, test: 0.1, seed: 1 }),
    InvalidArgumentError,
    "validation fraction must be in [0, 1), got 1.5",
  );
  assertThrows(
    () => splitDataset(ds, { validation: 0.1, test: -0.1, seed: 1 }),
    InvalidArgumentError,
    "got -0.1",
  );
  assertThrows(
    () => splitDataset(ds, { validation: NaN, test: 0, seed: 1 }),
    InvalidArgumentError,
    "got NaN",
  );
  assertThrows(
    () => splitDataset(ds, { validation: 0.6, test: 0.4, seed: 1 }),
    InvalidArgumentError,
    "0.6 + 0.4",
  );
  assertThrows(
    () => splitDataset(makeDataset([1]), { validation: 0.5, test: 0.4, seed: 1 }),
    InvalidArgumentError,
    "no training samples",
  );
});

Deno.test("splitTrainValidation carves validation out of train and keeps test", () => {
  const train = makeDataset([40, 60]);
  const test = makeDataset([5, 5]);
  const s = splitTrainValidation({ train, test }, { validation: 0.25, seed: 5 });
  assertEquals(s.test, test);
  assertEquals(classCounts(s.validation), [10, 15]);
  assertEquals(classCounts(s.train), [30, 45]);
  const all = new Set([...ids(s.train, train), ...ids(s.validation, train)]);
  assertEquals(all.size, train.count);
  assertThrows(
    () => splitTrainValidation({ train, test }, { validation: 1, seed: 5 }),
    InvalidArgumentError,
    "got 1",
  );
});
