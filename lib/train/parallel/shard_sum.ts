/**
 * The sum over the shards of a data-parallel step that batch
 * normalisation needs mid-pass (`model/batch_norm_training.ts`): every
 * thread computing a shard writes its per-channel sums into its slot of a
 * `SharedArrayBuffer`, waits at a barrier (`Atomics.wait`) until every
 * shard has written, and adds the slots up in shard order, in float64, so
 * that all shards get the same totals to the bit. Workers and the main
 * thread block (Deno lets the main thread `Atomics.wait`); a step's sums
 * take microseconds next to its milliseconds of arithmetic.
 *
 * Slots alternate between two sets from one call to the next: a shard
 * that is done reading call k's slots can write call k + 1's while a slower
 * one still reads call k's, and none can reach call k + 2 before every
 * shard has arrived at call k + 1, that is, finished reading call k.
 *
 * @module
 */

import { BackendError, InvalidArgumentError } from "../../core/mod.ts";

/** Indices of the control words. */
const GENERATION = 0, ARRIVED = 1, ABORTED = 2;
/** Control words, padded to 16 bytes so the float64 slots stay aligned. */
const CONTROL_BYTES = 16;
/** How long one wait lasts before the abort flag is checked again, ms. */
const POLL_MS = 50;

/** Options of {@linkcode SharedShardSum.create}. */
export interface ShardSumOptions {
  /** Shards of a step (threads, the main thread included; 1 to 64). */
  shards: number;
  /** Most values one call adds (a batch norm's `2 × channels + 1`). */
  width: number;
  /** Longest wait for the other shards at one call before failing, ms (default 120 000). */
  timeoutMs?: number;
}

/**
 * One thread's handle on the shared sums of a data-parallel step.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { SharedShardSum } from "./shard_sum.ts";
 * const buffer = SharedShardSum.create({ shards: 1, width: 3 });
 * const sum = new SharedShardSum(buffer, { shard: 0, shards: 1, width: 3 });
 * assertEquals(Array.from(sum.sum(new Float64Array([1, 2]))), [1, 2]);
 * ```
 */
export class SharedShardSum {
  readonly #control: Int32Array;
  readonly #slots: Float64Array;
  readonly #shard: number;
  readonly #shards: number;
  readonly #width: number;
  readonly #timeoutMs: number;
  #calls = 0;

  /**
   * A shared buffer for `shards` threads adding up to `width` values.
   *
   * @throws {InvalidArgumentError} when `shards` is not an integer in
   *   [1, 64] or `width` not a positive integer.
   */
  static create(options: ShardSumOptions): SharedArrayBuffer {
    const { shards, width } = options;
    if (!Number.isInteger(shards) || shards < 1 || shards > 64) {
      throw new InvalidArgumentError(`shards must be an integer in [1, 64], got ${shards}`);
    }
    if (!Number.isInteger(width) || width < 1 || width > 1 << 20) {
      throw new InvalidArgumentError(`width must be an integer in [1, 2^20], got ${width}`);
    }
    return new SharedArrayBuffer(CONTROL_BYTES + 2 * shards * width * 8);
  }

  /**
   * The handle of shard `shard` on `buffer` (made by {@linkcode create}
   * with the same `shards` and `width`).
   *
   * @throws {InvalidArgumentError} when `shard` is not one of the shards or
   *   the buffer's size does not match.
   */
  constructor(buffer: SharedArrayBuffer, options: ShardSumOptions & { shard: number }) {
    const { shard, shards, width, timeoutMs = 120_000 } = options;
    if (!Number.isInteger(shard) || shard < 0 || shard >= shards) {
      throw new InvalidArgumentError(`shard must be an integer in [0, ${shards}), got ${shard}`);
    }
    const bytes = CONTROL_BYTES + 2 * shards * width * 8;
    if (buffer.byteLength !== bytes) {
      throw new InvalidArgumentError(
        `a buffer for ${shards} shards of ${width} values has ${bytes} bytes, got ${buffer.byteLength}`,
      );
    }
    this.#control = new Int32Array(buffer, 0, CONTROL_BYTES / 4);
    this.#slots = new Float64Array(buffer, CONTROL_BYTES);
    this.#shard = shard;
    this.#shards = shards;
    this.#width = width;
    this.#timeoutMs = timeoutMs;
  }

  /** Starts a step: calls alternate slot sets from here. Every shard calls it before its first sum. */
  begin(): void {
    this.#calls = 0;
  }

  /**
   * The sum over all shards of the values each passes at this call (every
   * shard makes the same calls, in the same order, with as many values).
   *
   * @throws {InvalidArgumentError} for more values than the width.
   * @throws {BackendError} when another shard aborted the step or did not
   *   arrive within the timeout.
   */
  sum(values: Float64Array): Float64Array {
    if (values.length > this.#width) {
      throw new InvalidArgumentError(
        `a shard sum holds at most ${this.#width} values, got ${values.length}`,
      );
    }
    if (this.#shards === 1) return values;
    const set = (this.#calls++ & 1) * this.#shards * this.#width;
    this.#slots.set(values, set + this.#shard * this.#width);
    this.#barrier();
    const total = new Float64Array(values.length);
    for (let s = 0; s < this.#shards; s++) {
      const at = set + s * this.#width;
      for (let i = 0; i < total.length; i++) total[i] += this.#slots[at + i];
    }
    return total;
  }

  /** The sum as a function (for `ShardContext.shardSum`). */
  get adder(): (values: Float64Array) => Float64Array {
    return (values) => this.sum(values);
  }

  /** Makes every shard waiting (now or later in this step) fail. */
  abort(): void {
    Atomics.store(this.#control, ABORTED, 1);
    Atomics.notify(this.#control, GENERATION);
  }

  /**
   * Clears an abort and the arrivals, for the next step. Call it only when
   * no shard is inside a step (the main thread, between steps).
   */
  reset(): void {
    Atomics.store(this.#control, ARRIVED, 0);
    Atomics.store(this.#control, ABORTED, 0);
  }

  #barrier(): void {
    const c = this.#control;
    const generation = Atomics.load(c, GENERATION);
    if (Atomics.load(c, ABORTED) !== 0) throw this.#aborted();
    if (Atomics.add(c, ARRIVED, 1) === this.#shards - 1) {
      Atomics.store(c, ARRIVED, 0);
      Atomics.add(c, GENERATION, 1);
      Atomics.notify(c, GENERATION);
      return;
    }
    const deadline = performance.now() + this.#timeoutMs;
    while (Atomics.load(c, GENERATION) === generation) {
      if (Atomics.load(c, ABORTED) !== 0) throw this.#aborted();
      if (performance.now() > deadline) {
        throw new BackendError(
          `shard ${this.#shard} waited ${this.#timeoutMs} ms for the other shards' batch statistics`,
        );
      }
      Atomics.wait(c, GENERATION, generation, POLL_MS);
    }
  }

  #aborted(): BackendError {
    return new BackendError(`another shard failed; shard ${this.#shard} stops this step`);
  }
}
