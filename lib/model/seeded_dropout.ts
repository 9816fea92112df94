/**
 * Dropout in training whose mask depends on the seed and on each value's
 * place in the batch only, not on how the batch is cut into shards: value
 * `j` of example `i` is kept when a hash of `(seed, i · size + j)` is at
 * least the rate (then scaled by `1 / (1 − rate)`, as tfjs's dropout). A
 * shard that starts at example `first` draws exactly its examples' part of
 * the whole batch's mask, so a data-parallel step on any number of threads
 * drops what one thread would drop on the whole batch, and the gradients
 * agree to float rounding. tfjs's own dropout draws its mask in one
 * sequence over the tensor it is given: two shards with two seeds drop
 * other values than one thread with one, which made 1- and 2-thread runs
 * of the same seed differ as two seeds do.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import { InvalidArgumentError } from "../core/mod.ts";
import { HASHED_DROPOUT, type HashedDropoutMask } from "../kernels/mod.ts";

/** murmur3's 32-bit finaliser: every input bit flips each output bit with probability ~1/2. */
function mix(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Where a shard's mask starts, and its size. */
export interface DropoutMaskOptions {
  /** The seed of the whole batch's mask (an integer). */
  seed: number;
  /** The probability of dropping a value, in [0, 1). */
  rate: number;
  /** The batch index of the first example to draw (default 0). */
  first?: number;
  /** Examples to draw. */
  examples: number;
  /** Values per example. */
  size: number;
}

/** The largest unsigned 32-bit integer: hashes and indices of the mask are below 2^32. */
const MAX_UINT32 = 2 ** 32 - 1;

/**
 * The hashed mask of `options` (as {@linkcode HASHED_DROPOUT} takes it):
 * value `k` of the examples drawn is kept when the hash of index
 * `first · size + k` under the seed's key reaches the rate's share of 2^32.
 */
function hashedMask(options: DropoutMaskOptions): HashedDropoutMask {
  const { seed, rate, first = 0, examples, size } = options;
  if (!(rate >= 0 && rate < 1)) {
    throw new InvalidArgumentError(`dropout rate must be in [0, 1), got ${rate}`);
  }
  if (!Number.isInteger(seed)) {
    throw new InvalidArgumentError(`seed must be an integer, got ${seed}`);
  }
  for (const [name, value] of [["first", first], ["examples", examples], ["size", size]] as const) {
    if (!Number.isInteger(value) || value < 0) {
      throw new InvalidArgumentError(`${name} must be a non-negative integer, got ${value}`);
    }
  }
  if ((first + examples) * size > MAX_UINT32 + 1) {
    throw new InvalidArgumentError(
      `a dropout mask indexes at most 2^32 values, got ${first + examples} examples of ${size}`,
    );
  }
  const key = mix(seed ^ 0x9e3779b9), start = first * size;
  // A value is kept when its hash, as a fraction of 2^32, is at least the rate.
  const threshold = Math.ceil(rate * 2 ** 32);
  // A rate within 2^-32 of 1 keeps no hash: every value times 0.
  if (threshold > MAX_UINT32) return { start, key, threshold: 0, scale: 0 };
  return { start, key, threshold, scale: Math.fround(1 / (1 - rate)) };
}

/**
 * The dropout multipliers of `examples` examples from example `first` of
 * a batch: 0 for a dropped value, `1 / (1 − rate)` for a kept one.
 *
 * @throws {InvalidArgumentError} on a rate outside [0, 1), a seed that is
 *   not an integer, negative counts, or a mask past index 2^32.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { dropoutMask } from "./seeded_dropout.ts";
 * const whole = dropoutMask({ seed: 7, rate: 0.5, examples: 4, size: 3 });
 * const second = dropoutMask({ seed: 7, rate: 0.5, first: 2, examples: 2, size: 3 });
 * assertEquals(second, whole.subarray(6)); // a shard draws its part of the batch's mask
 * assertEquals(new Set(whole), new Set([0, 2])); // dropped, or kept and doubled
 * ```
 */
export function dropoutMask(options: DropoutMaskOptions): Float32Array {
  const { start, key, threshold, scale } = hashedMask(options);
  const mask = new Float32Array(options.examples * options.size);
  for (let k = 0; k < mask.length; k++) {
    mask[k] = mix((Math.imul(start + k, 0x9e3779b1) ^ key) >>> 0) >= threshold ? scale : 0;
  }
  return mask;
}

/**
 * `x` (examples along the first axis) with seeded dropout in training:
 * `x · dropoutMask(...)` for the examples from `first` on, to the bit.
 * Differentiable (the mask is a constant factor). Where the backend has
 * {@linkcode HASHED_DROPOUT} (wasm, after `setupBackend`), the mask is
 * made in that kernel as it is applied, forward and backward; elsewhere
 * it is made here and multiplied in.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { assertEquals } from "@std/assert";
 * import { seededDropout } from "./seeded_dropout.ts";
 * import { setupBackend } from "../kernels/mod.ts";
 * await setupBackend();
 * const [x, y] = [tf.ones([4, 3]), tf.ones([2, 3])];
 * const whole = seededDropout(x, { seed: 7, rate: 0.5 }) as tf.Tensor2D;
 * const part = seededDropout(y, { seed: 7, rate: 0.5, first: 2 }) as tf.Tensor2D;
 * assertEquals(part.arraySync(), whole.arraySync().slice(2));
 * tf.dispose([x, y, whole, part]);
 * ```
 */
export function seededDropout(
  x: tf.Tensor,
  options: { seed: number; rate: number; first?: number },
): tf.Tensor {
  const examples = x.shape[0];
  const size = x.size / examples;
  if (x.dtype === "float32" && tf.getKernel(HASHED_DROPOUT, tf.getBackend()) !== undefined) {
    // The mask made as it is applied, in the wasm backend's SIMD kernel.
    const mask = hashedMask({ ...options, examples, size });
    return tf.engine().runKernel(HASHED_DROPOUT, { x }, { ...mask }) as tf.Tensor;
  }
  return tf.tidy(() =>
    tf.mul(x, tf.tensor(dropoutMask({ ...options, examples, size }), x.shape, "float32"))
  );
}
