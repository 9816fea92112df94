/**
 * Messages between the main thread and a model replica running in a Deno
 * Worker (`replica_worker.ts`). Typed arrays travel as transferables.
 *
 * @module
 */

/**
 * Milliseconds on a clock that every thread of the process shares
 * (`performance.now()` counts from each worker's own start), for timing a
 * message from one thread to another.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { wallClockMs } from "./protocol.ts";
 * const t = wallClockMs();
 * assert(Math.abs(t - Date.now()) < 1000 && wallClockMs() >= t);
 * ```
 */
export function wallClockMs(): number {
  return performance.timeOrigin + performance.now();
}

/** A message to a replica. */
export type ToReplica =
  | {
    /** Build the model from a layers topology (`model.toJSON(null, false)`). */
    type: "init";
    topology: string;
  }
  | {
    /** Compute a shard's gradient share with these weights and dropout seeds. */
    type: "gradients";
    id: number;
    /** All trainable values, flattened in `trainableWeights` order; absent: unchanged. */
    weights?: Float32Array;
    pixels: Float32Array;
    labels: Uint8Array;
    count: number;
    /** The batch index of the shard's first example. */
    first: number;
    total: number;
    /** One seed per dropout layer, in layer order. */
    seeds: number[];
    /** Where the shards add their batch statistics (`shard_sum.ts`); absent: this shard alone. */
    shardSum?: { buffer: SharedArrayBuffer; shard: number; shards: number; width: number };
  }
  | {
    /** Class probabilities of `count` images with these weights (all of `model.weights`). */
    type: "predict";
    id: number;
    weights?: Float32Array;
    pixels: Float32Array;
    count: number;
    batchSize: number;
  };

/** A message from a replica. */
export type FromReplica =
  | { type: "ready"; id: number }
  | {
    type: "gradients";
    id: number;
    grads: Float32Array;
    lossSum: number;
    correct: number;
    count: number;
    /** Milliseconds the replica spent on the request (weights, shard, gradient). */
    computeMs: number;
    /** When the replica started and finished the shard, on {@linkcode wallClockMs}. */
    startedAt: number;
    finishedAt: number;
  }
  | { type: "predict"; id: number; probs: Float32Array }
  | { type: "error"; id: number; message: string };
