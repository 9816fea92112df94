/**
 * Seeded pseudo-random numbers, so every split, shuffle and augmentation in
 * Digit Lab is reproducible from one integer seed. Never use `Math.random`
 * in the library.
 *
 * @module
 */

import { InvalidArgumentError } from "./errors.ts";

/** A source of uniform floats in [0, 1) (`Math.random` fits, but is not seeded). */
export type Rng = () => number;

/**
 * Mulberry32: a small, fast 32-bit generator with good statistical quality
 * for shuffling and augmentation (not for cryptography).
 *
 * @param seed Any integer; equal seeds give equal sequences.
 * @returns A function returning uniform floats in [0, 1).
 * @throws {InvalidArgumentError} when `seed` is not a finite integer.
 *
 * @example
 * ```ts
 * import { assert, assertEquals, assertThrows } from "@std/assert";
 * import { createRng } from "./random.ts";
 * import { InvalidArgumentError } from "./errors.ts";
 * const a = createRng(42), b = createRng(42);
 * const first = a();
 * assertEquals(b(), first);
 * assert(first >= 0 && first < 1);
 * assertThrows(() => createRng(0.5), InvalidArgumentError, "got 0.5");
 * ```
 */
export function createRng(seed: number): Rng {
  if (!Number.isFinite(seed) || !Number.isInteger(seed)) {
    throw new InvalidArgumentError(`seed must be a finite integer, got ${seed}`);
  }
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A uniform integer in [0, n).
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { createRng, randomInt } from "./random.ts";
 * const i = randomInt(createRng(1), 10);
 * assert(Number.isInteger(i) && i >= 0 && i < 10);
 * ```
 */
export function randomInt(rng: Rng, n: number): number {
  return Math.floor(rng() * n);
}

/**
 * A seeded Fisher–Yates permutation of 0..n-1.
 *
 * @param n Length of the permutation (a non-negative integer).
 * @param rng The generator to draw from.
 * @throws {InvalidArgumentError} when `n` is negative or not an integer.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { createRng, permutation } from "./random.ts";
 * const p = permutation(5, createRng(7));
 * assertEquals([...p].sort(), [0, 1, 2, 3, 4]);
 * assertEquals(permutation(5, createRng(7)), p);
 * ```
 */
export function permutation(n: number, rng: Rng): Uint32Array {
  if (!Number.isInteger(n) || n < 0) {
    throw new InvalidArgumentError(`permutation length must be a non-negative integer, got ${n}`);
  }
  const p = new Uint32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = randomInt(rng, i + 1);
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}

/**
 * A standard normal sample (Box–Muller).
 *
 * @example
 * ```ts
 * import { assertAlmostEquals } from "@std/assert";
 * import { createRng, randomNormal } from "./random.ts";
 * const rng = createRng(3);
 * const samples = Array.from({ length: 10_000 }, () => randomNormal(rng));
 * const mean = samples.reduce((a, b) => a + b) / samples.length;
 * assertAlmostEquals(mean, 0, 0.05);
 * ```
 */
export function randomNormal(rng: Rng): number {
  const u = 1 - rng();
  const v = rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}
