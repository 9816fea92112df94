/**
 * Seeded, optionally stratified train / validation / test splits.
 *
 * @module
 */

import { createRng, InvalidArgumentError, permutation, type Rng } from "../core/mod.ts";
import type { Dataset, DatasetSplits } from "./dataset.ts";

/**
 * The number of samples of each class, indexed by label.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { classCounts } from "./split.ts";
 * const ds = {
 *   images: new Float32Array(3), labels: new Uint8Array([1, 1, 0]), count: 3,
 *   rows: 1, cols: 1, numClasses: 3, source: "example",
 * };
 * assertEquals(classCounts(ds), [1, 2, 0]);
 * ```
 */
export function classCounts(ds: Dataset): number[] {
  const counts = new Array<number>(ds.numClasses).fill(0);
  for (let i = 0; i < ds.count; i++) counts[ds.labels[i]]++;
  return counts;
}

/**
 * A new dataset holding copies of the samples at `indices`, in that order.
 *
 * @throws {InvalidArgumentError} when an index is not an integer in [0, count).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { subsetDataset } from "./split.ts";
 * const ds = {
 *   images: new Float32Array([0.25, 0.5, 0.75]), labels: new Uint8Array([4, 5, 6]), count: 3,
 *   rows: 1, cols: 1, numClasses: 10, source: "example",
 * };
 * const sub = subsetDataset(ds, [2, 0]);
 * assertEquals([sub.count, [...sub.labels], [...sub.images]], [2, [6, 4], [0.75, 0.25]]);
 * ```
 */
export function subsetDataset(ds: Dataset, indices: ArrayLike<number>): Dataset {
  const size = ds.rows * ds.cols;
  const images = new Float32Array(indices.length * size);
  const labels = new Uint8Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const j = indices[i];
    if (!Number.isInteger(j) || j < 0 || j >= ds.count) {
      throw new InvalidArgumentError(
        `subset index ${j} at position ${i} is out of range [0, ${ds.count})`,
      );
    }
    images.set(ds.images.subarray(j * size, (j + 1) * size), i * size);
    labels[i] = ds.labels[j];
  }
  return { ...ds, images, labels, count: indices.length };
}

/** Options for {@linkcode splitDataset}. */
export interface SplitOptions {
  /** Fraction of samples for validation, in [0, 1). */
  validation: number;
  /** Fraction of samples for test, in [0, 1); `validation + test` must be below 1. */
  test: number;
  /** Seed of the shuffle; equal seeds give equal splits. */
  seed: number;
  /** Split each class separately so every part keeps the class proportions (default true). */
  stratify?: boolean;
}

function checkFraction(name: string, value: number): void {
  if (!Number.isFinite(value) || value < 0 || value >= 1) {
    throw new InvalidArgumentError(`${name} fraction must be in [0, 1), got ${value}`);
  }
}

/**
 * Per-group sizes `counts[g] * fraction`, rounded so they add up to
 * `round(total * fraction)` (the largest remainders round up).
 */
function allocate(counts: number[], fraction: number): number[] {
  const exact = counts.map((c) => c * fraction);
  const sizes = exact.map(Math.floor);
  const total = Math.round(counts.reduce((a, b) => a + b, 0) * fraction);
  const order = exact.map((_, g) => g).sort((a, b) =>
    (exact[b] - sizes[b]) - (exact[a] - sizes[a]) || a - b
  );
  let missing = total - sizes.reduce((a, b) => a + b, 0);
  for (const g of order) {
    if (missing <= 0) break;
    if (sizes[g] < counts[g]) {
      sizes[g]++;
      missing--;
    }
  }
  return sizes;
}

function shuffled(indices: number[], rng: Rng): number[] {
  return Array.from(permutation(indices.length, rng), (i) => indices[i]);
}

/**
 * Splits a dataset into train, validation and test parts, reproducibly from
 * `seed`. Stratified by default: each class is shuffled and divided on its
 * own, so every part has each class in proportion. Each part is shuffled.
 *
 * @throws {InvalidArgumentError} when a fraction is outside [0, 1), their sum
 * is not below 1, or no training samples would remain.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { classCounts, splitDataset } from "./split.ts";
 * const ds = {
 *   images: new Float32Array(20), labels: new Uint8Array(20).fill(1, 10), count: 20,
 *   rows: 1, cols: 1, numClasses: 2, source: "example",
 * };
 * const s = splitDataset(ds, { validation: 0.2, test: 0.1, seed: 1 });
 * assertEquals([s.train.count, s.validation.count, s.test.count], [14, 4, 2]);
 * assertEquals(classCounts(s.validation), [2, 2]); // each class in proportion
 * assertEquals(splitDataset(ds, { validation: 0.2, test: 0.1, seed: 1 }), s); // reproducible
 * ```
 */
export function splitDataset(ds: Dataset, options: SplitOptions): DatasetSplits {
  const { validation, test, seed, stratify = true } = options;
  checkFraction("validation", validation);
  checkFraction("test", test);
  if (validation + test >= 1) {
    throw new InvalidArgumentError(
      `validation + test fractions must be below 1, got ${validation} + ${test}`,
    );
  }
  const rng = createRng(seed);
  const groups: number[][] = stratify ? Array.from({ length: ds.numClasses }, () => []) : [[]];
  for (let i = 0; i < ds.count; i++) groups[stratify ? ds.labels[i] : 0].push(i);
  const counts = groups.map((g) => g.length);
  const valSizes = allocate(counts, validation);
  const testSizes = allocate(counts, test).map((t, g) => Math.min(t, counts[g] - valSizes[g]));
  const parts: [number[], number[], number[]] = [[], [], []];
  groups.forEach((group, g) => {
    const v = valSizes[g], t = testSizes[g];
    shuffled(group, rng).forEach((index, k) => parts[k < v ? 1 : k < v + t ? 2 : 0].push(index));
  });
  if (parts[0].length === 0) {
    throw new InvalidArgumentError(
      `split of ${ds.count} samples with validation ${validation} and test ${test} ` +
        `leaves no training samples`,
    );
  }
  const [train, val, tst] = parts.map((p) => subsetDataset(ds, shuffled(p, rng)));
  return { train, validation: val, test: tst };
}

/** Options for {@linkcode splitTrainValidation}. */
export interface TrainValidationOptions {
  /** Fraction of the training set held out for validation, in [0, 1). */
  validation: number;
  /** Seed of the shuffle. */
  seed: number;
  /** Keep class proportions (default true). */
  stratify?: boolean;
}

/**
 * Carves a validation set out of `train` for datasets that ship their own
 * test set (MNIST's 60,000 / 10,000); `test` is passed through unchanged.
 *
 * @throws {InvalidArgumentError} when `validation` is outside [0, 1).
 *
 * @example
 * ```ts
 * import { assertEquals, assertStrictEquals } from "@std/assert";
 * import { splitTrainValidation } from "./split.ts";
 * const ds = {
 *   images: new Float32Array(10), labels: new Uint8Array(10), count: 10,
 *   rows: 1, cols: 1, numClasses: 1, source: "example",
 * };
 * const s = splitTrainValidation({ train: ds, test: ds }, { validation: 0.2, seed: 7 });
 * assertEquals([s.train.count, s.validation.count], [8, 2]);
 * assertStrictEquals(s.test, ds); // passed through
 * ```
 */
export function splitTrainValidation(
  sets: { train: Dataset; test: Dataset },
  options: TrainValidationOptions,
): DatasetSplits {
  const { train, validation } = splitDataset(sets.train, { ...options, test: 0 });
  return { train, validation, test: sets.test };
}
