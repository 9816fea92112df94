/**
 * Model replicas in Deno Workers, one WASM backend each, so that work on a
 * model can use more than one core (the WASM backend itself runs one
 * thread under Deno). The main thread keeps the model and its optimiser;
 * replicas only compute, with the weights sent along with each request.
 *
 * @module
 */

import type * as tf from "@tensorflow/tfjs";
import { BackendError, InvalidArgumentError } from "../../core/mod.ts";
import type { FromReplica, ToReplica } from "./protocol.ts";
import type { Shard, ShardResult } from "./shard_gradients.ts";

/** Most threads `"auto"` settings use, however many cores there are. */
const MAX_AUTO_THREADS = 4;

/**
 * Threads worth running on this machine: its cores, at least 1 and at most
 * 4 (beyond that, shards get small and each replica costs memory). What
 * every `"auto"` thread setting starts from.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { coreThreads } from "./replicas.ts";
 * assertEquals([coreThreads(0), coreThreads(2), coreThreads(16)], [1, 2, 4]);
 * ```
 */
export function coreThreads(cores: number = navigator.hardwareConcurrency ?? 1): number {
  return Math.max(1, Math.min(MAX_AUTO_THREADS, cores));
}

/** Most threads per core a thread count may ask for (replicas beyond it only cost memory). */
const MAX_THREADS_PER_CORE = 4;

/** Most threads a thread count may ask for on any machine (each replica holds a model). */
const MAX_THREADS = 64;

/**
 * Checks a number of threads, the main one included, before any worker
 * starts: an integer of at least `min` (default 1; data-parallel training
 * needs 2) and at most 4 per core of the machine, and never more than 64
 * (each thread is a replica of the model: 99 of them on 2 cores took 5.4 GB
 * and ran no faster). What every `start` that takes `threads` calls.
 *
 * @param options.min The fewest threads allowed (default 1).
 * @param options.purpose What the threads are for, said in the error.
 * @param options.name What the error calls the count (default `"threads"`;
 *   `"--threads"` for a command-line flag).
 * @param options.cores The machine's cores (default
 *   `navigator.hardwareConcurrency`).
 * @throws {InvalidArgumentError} naming the value (and `purpose`, when
 *   given; the cores, when there are too many threads) otherwise.
 *
 * @example
 * ```ts
 * import { assertThrows } from "@std/assert";
 * import { checkThreads } from "./replicas.ts";
 * checkThreads(1);
 * assertThrows(() => checkThreads(1.5), Error, "threads must be a positive integer, got 1.5");
 * assertThrows(
 *   () => checkThreads(1, { min: 2, purpose: "data-parallel training" }),
 *   Error,
 *   "threads must be an integer >= 2 for data-parallel training, got 1",
 * );
 * assertThrows(() => checkThreads(99, { cores: 2 }), Error, "at most 8 with 2 cores, got 99");
 * ```
 */
export function checkThreads(
  threads: number,
  options: { min?: number; purpose?: string; name?: string; cores?: number } = {},
): void {
  const { min = 1, purpose, name = "threads" } = options;
  const cores = options.cores ?? navigator.hardwareConcurrency ?? 1;
  const max = Math.min(MAX_THREADS, MAX_THREADS_PER_CORE * Math.max(1, cores));
  if (!Number.isInteger(threads) || threads < min) {
    const wanted = min === 1 ? "a positive integer" : `an integer >= ${min}`;
    throw new InvalidArgumentError(
      `${name} must be ${wanted}${purpose ? ` for ${purpose}` : ""}, got ${threads}`,
    );
  }
  if (threads > max) {
    throw new InvalidArgumentError(
      `${name} must be at most ${max} with ${cores} cores${
        purpose ? ` for ${purpose}` : ""
      }, got ${threads}`,
    );
  }
}

type Pending = { resolve: (m: FromReplica) => void; reject: (e: Error) => void };

/** One worker holding a copy of the model. */
class Replica {
  #worker: Worker;
  #pending = new Map<number, Pending>();
  #nextId = 1;
  #failed: Error | undefined;

  constructor() {
    this.#worker = new Worker(new URL("./replica_worker.ts", import.meta.url).href, {
      type: "module",
    });
    this.#worker.onmessage = (event: MessageEvent<FromReplica>) => {
      const message = event.data;
      const pending = this.#pending.get(message.id);
      if (pending === undefined) return;
      this.#pending.delete(message.id);
      if (message.type === "error") {
        pending.reject(new BackendError(`a model replica failed: ${message.message}`));
      } else pending.resolve(message);
    };
    this.#worker.onerror = (event: ErrorEvent) => {
      event.preventDefault();
      this.#fail(new BackendError(`a model replica crashed: ${event.message}`));
    };
  }

  #fail(error: Error): void {
    this.#failed = error;
    for (const p of this.#pending.values()) p.reject(error);
    this.#pending.clear();
  }

  /** Sends `message` (its `id` is assigned here) and waits for the answer. */
  request(message: ToReplica, transfer: Transferable[] = []): Promise<FromReplica> {
    if (this.#failed) return Promise.reject(this.#failed);
    const id = message.type === "init" ? 0 : this.#nextId++;
    const sent = message.type === "init" ? message : { ...message, id };
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#worker.postMessage(sent, transfer);
    });
  }

  terminate(): void {
    this.#worker.terminate();
    this.#fail(new BackendError("the model replica was closed"));
  }
}

/** Options of {@linkcode ReplicaPool.start}. */
export interface ReplicaPoolOptions {
  /** Worker replicas to start (a positive integer). */
  replicas: number;
}

/**
 * A set of worker replicas of one model's architecture. Close it with
 * {@linkcode ReplicaPool.close} (or `using`): live workers keep the
 * process running.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { assertAlmostEquals } from "@std/assert";
 * import { ReplicaPool } from "./replicas.ts";
 * import { modelVariables, readFlat } from "./flat_weights.ts";
 * import { buildModel, type ModelConfig } from "../../model/mod.ts";
 * import { setupBackend } from "../../kernels/mod.ts";
 * await setupBackend();
 * const config: ModelConfig = {
 *   inputShape: [2, 2, 1], layers: [{ type: "flatten" }], numClasses: 2,
 * };
 * const model = buildModel(config, { seed: 1 });
 * const pixels = new Float32Array([1, 0, 0, 1]);
 * using pool = await ReplicaPool.start(model, { replicas: 1 }); // starts a worker
 * const there = await pool.predict(0, readFlat(modelVariables(model)), pixels, 1, 1);
 * const here = tf.tidy(() =>
 *   (model.predict(tf.tensor4d(pixels, [1, 2, 2, 1])) as tf.Tensor).dataSync()
 * );
 * assertAlmostEquals(there[0], here[0], 1e-6);
 * model.dispose();
 * ```
 */
export class ReplicaPool {
  #replicas: Replica[];

  private constructor(replicas: Replica[]) {
    this.#replicas = replicas;
  }

  /**
   * Starts `replicas` workers and builds `model`'s architecture in each
   * (weights come with every request).
   *
   * @throws {InvalidArgumentError} when `replicas` is not a positive integer,
   *   or with the main thread makes more threads than {@linkcode checkThreads} allows.
   * @throws {BackendError} when a worker cannot start or build the model.
   */
  static async start(model: tf.LayersModel, options: ReplicaPoolOptions): Promise<ReplicaPool> {
    const { replicas } = options;
    if (!Number.isInteger(replicas) || replicas < 1) {
      throw new InvalidArgumentError(`replicas must be a positive integer, got ${replicas}`);
    }
    checkThreads(replicas + 1); // the replicas and the main thread, capped before any worker starts
    const topology = JSON.stringify(model.toJSON(null, false));
    const pool = new ReplicaPool(Array.from({ length: replicas }, () => new Replica()));
    try {
      await Promise.all(pool.#replicas.map((r) => r.request({ type: "init", topology })));
    } catch (e) {
      pool.close();
      throw e;
    }
    return pool;
  }

  /** Number of worker replicas. */
  get size(): number {
    return this.#replicas.length;
  }

  /**
   * Replica `index` computes `shard`'s gradient share (see
   * `shardGradients`) with `weights` (all trainable values, flattened; omit
   * when unchanged since this replica's last request) and one dropout seed
   * per dropout layer, adding its batch statistics to the other shards'
   * through `shardSum` (see `shard_sum.ts`). The shard's arrays are copied,
   * `weights` is not kept.
   *
   * @throws {BackendError} when the replica fails or was closed.
   */
  async gradients(
    index: number,
    weights: Float32Array | undefined,
    shard: Shard,
    total: number,
    seeds: number[],
    shardSum?: { buffer: SharedArrayBuffer; shard: number; shards: number; width: number },
  ): Promise<ShardResult & { computeMs: number; startedAt: number; finishedAt: number }> {
    const pixels = shard.pixels.slice();
    const labels = shard.labels.slice();
    const w = weights?.slice();
    const answer = await this.#replica(index).request({
      type: "gradients",
      id: 0,
      weights: w,
      pixels,
      labels,
      count: shard.count,
      first: shard.first ?? 0,
      total,
      seeds,
      shardSum,
    }, w ? [pixels.buffer, labels.buffer, w.buffer] : [pixels.buffer, labels.buffer]);
    if (answer.type !== "gradients") throw new BackendError(`unexpected answer ${answer.type}`);
    return answer;
  }

  /**
   * Replica `index` predicts `count` images (`pixels` copied) in batches of
   * `batchSize`, with `weights` (all of `model.weights`, flattened; omit
   * when unchanged) and returns the probabilities, `count × classes`.
   *
   * @throws {BackendError} when the replica fails or was closed.
   */
  async predict(
    index: number,
    weights: Float32Array | undefined,
    pixels: Float32Array,
    count: number,
    batchSize: number,
  ): Promise<Float32Array> {
    const copy = pixels.slice();
    const w = weights?.slice();
    const answer = await this.#replica(index).request(
      { type: "predict", id: 0, weights: w, pixels: copy, count, batchSize },
      w ? [copy.buffer, w.buffer] : [copy.buffer],
    );
    if (answer.type !== "predict") throw new BackendError(`unexpected answer ${answer.type}`);
    return answer.probs;
  }

  /** Stops every worker; pending requests reject. Idempotent. */
  close(): void {
    for (const r of this.#replicas) r.terminate();
  }

  [Symbol.dispose](): void {
    this.close();
  }

  #replica(index: number): Replica {
    const r = this.#replicas[index];
    if (r === undefined) {
      throw new InvalidArgumentError(
        `replica index ${index} is out of range (the pool has ${this.#replicas.length})`,
      );
    }
    return r;
  }
}
