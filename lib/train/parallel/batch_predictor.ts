/**
 * Batch inference on several threads: a dataset is cut into one contiguous
 * part per thread; the main thread predicts its part while worker replicas
 * predict theirs with the same weights, chunk by chunk. Works for every
 * architecture (inference has no batch statistics to share).
 *
 * @module
 */

import type * as tf from "@tensorflow/tfjs";
import { type Dataset, validateDataset } from "../../data/mod.ts";
import { type EvaluationResult, InvalidArgumentError } from "../../core/mod.ts";
import {
  assertModelFitsDataset,
  checkEvaluation,
  type EvaluateOptions,
  predictProbabilities,
  summarizePredictions,
} from "../../eval/mod.ts";
import { modelVariables, readFlat } from "./flat_weights.ts";
import { checkThreads, coreThreads, ReplicaPool } from "./replicas.ts";

/** Images per request to a replica, and between the main thread's pauses. */
const CHUNK = 2048;

/** Examples `start` to `end` of `ds`, without copying. */
function part(ds: Dataset, start: number, end: number): Dataset {
  const size = ds.rows * ds.cols;
  return {
    ...ds,
    images: ds.images.subarray(start * size, end * size),
    labels: ds.labels.subarray(start, end),
    count: end - start,
  };
}

/** Fewest images for which {@linkcode autoInferenceThreads} starts workers (about a second). */
const AUTO_MIN_IMAGES = 16384;

/**
 * Threads worth starting to predict `images` images: the machine's cores
 * (at most 4) from 16,384 images on, else 1 (starting a worker replica
 * takes about a second).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { autoInferenceThreads } from "./batch_predictor.ts";
 * assertEquals(autoInferenceThreads(1000, 8), 1);
 * assertEquals(autoInferenceThreads(70000, 2), 2);
 * assertEquals(autoInferenceThreads(70000, 16), 4);
 * ```
 */
export function autoInferenceThreads(images: number, cores?: number): number {
  return images >= AUTO_MIN_IMAGES ? coreThreads(cores) : 1;
}

/** Lets queued messages (replica answers, new requests) through. */
const pause = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/** Options of {@linkcode BatchPredictor.start}. */
export interface BatchPredictorOptions {
  /** Threads in all, the main thread included (a positive integer; 1: no workers). */
  threads: number;
}

/**
 * Predicts and evaluates datasets with a model on several threads. Close it
 * when done ({@linkcode BatchPredictor.close} or `using`).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { BatchPredictor } from "./batch_predictor.ts";
 * import { buildModel, type ModelConfig } from "../../model/mod.ts";
 * import { setupBackend } from "../../kernels/mod.ts";
 * await setupBackend();
 * const config: ModelConfig = {
 *   inputShape: [2, 2, 1], layers: [{ type: "flatten" }], numClasses: 3,
 * };
 * const model = buildModel(config, { seed: 1 });
 * const ds = {
 *   images: new Float32Array(5 * 4), labels: new Uint8Array([0, 1, 2, 0, 1]),
 *   count: 5, rows: 2, cols: 2, numClasses: 3, source: "example",
 * };
 * using predictor = await BatchPredictor.start(model, { threads: 1 }); // more: worker replicas
 * assertEquals((await predictor.predict(ds)).length, 5 * 3);
 * assertEquals((await predictor.evaluate(ds)).count, 5);
 * model.dispose();
 * ```
 */
export class BatchPredictor {
  #model: tf.LayersModel;
  #pool: ReplicaPool | undefined;
  #owned: boolean;

  /**
   * Wraps an existing pool of replicas of `model` (not closed by
   * {@linkcode close}); without one, predicts on the main thread only.
   *
   * @example
   * ```ts
   * import { assertEquals } from "@std/assert";
   * import { BatchPredictor } from "./batch_predictor.ts";
   * import { buildModel, type ModelConfig } from "../../model/mod.ts";
   * import { setupBackend } from "../../kernels/mod.ts";
   * await setupBackend();
   * const config: ModelConfig = {
   *   inputShape: [2, 2, 1], layers: [{ type: "flatten" }], numClasses: 2,
   * };
   * const model = buildModel(config, { seed: 1 });
   * const predictor = new BatchPredictor(model); // no pool: the main thread only
   * assertEquals(predictor.threads, 1);
   * model.dispose();
   * ```
   */
  constructor(model: tf.LayersModel, pool?: ReplicaPool) {
    this.#model = model;
    this.#pool = pool;
    this.#owned = false;
  }

  /**
   * Starts `threads - 1` worker replicas of `model`.
   *
   * @throws {InvalidArgumentError} when `threads` is not a positive integer.
   * @throws {BackendError} when a worker cannot start.
   */
  static async start(
    model: tf.LayersModel,
    options: BatchPredictorOptions,
  ): Promise<BatchPredictor> {
    const { threads } = options;
    checkThreads(threads);
    if (threads === 1) return new BatchPredictor(model);
    const predictor = new BatchPredictor(
      model,
      await ReplicaPool.start(model, { replicas: threads - 1 }),
    );
    predictor.#owned = true;
    return predictor;
  }

  /** Threads in all, the main thread included. */
  get threads(): number {
    return (this.#pool?.size ?? 0) + 1;
  }

  /**
   * Class probabilities of every image of `ds` (`count × numClasses`, in
   * order), with the model's current weights, in batches of `batchSize`
   * (default 256) on every thread.
   *
   * @throws {InvalidArgumentError} when the dataset is malformed or does not
   *   fit the model, or the batch size is not a positive integer.
   * @throws {BackendError} when a replica fails.
   */
  async predict(ds: Dataset, options: { batchSize?: number } = {}): Promise<Float32Array> {
    const { batchSize = 256 } = options;
    if (!Number.isInteger(batchSize) || batchSize <= 0) {
      throw new InvalidArgumentError(`batchSize must be a positive integer, got ${batchSize}`);
    }
    validateDataset(ds);
    assertModelFitsDataset(this.#model, ds);
    const pool = this.#pool;
    if (pool === undefined || ds.count < 2 * batchSize) {
      return predictProbabilities(this.#model, ds, { batchSize });
    }
    const out = new Float32Array(ds.count * ds.numClasses);
    const threads = this.threads;
    const bounds = Array.from(
      { length: threads + 1 },
      (_, k) => Math.round(k * ds.count / threads),
    );
    const weights = readFlat(modelVariables(this.#model));
    const size = ds.rows * ds.cols;
    const remote = async (k: number) => {
      let first = true;
      for (let start = bounds[k]; start < bounds[k + 1]; start += CHUNK) {
        const end = Math.min(bounds[k + 1], start + CHUNK);
        const probs = await pool.predict(
          k - 1,
          first ? weights : undefined,
          ds.images.subarray(start * size, end * size),
          end - start,
          batchSize,
        );
        first = false;
        out.set(probs, start * ds.numClasses);
      }
    };
    const local = async () => {
      for (let start = 0; start < bounds[1]; start += CHUNK) {
        const end = Math.min(bounds[1], start + CHUNK);
        out.set(
          predictProbabilities(this.#model, part(ds, start, end), { batchSize }),
          start * ds.numClasses,
        );
        await pause();
      }
    };
    const workers = Array.from({ length: threads - 1 }, (_, i) => remote(i + 1));
    try {
      await local();
    } finally {
      await Promise.allSettled(workers);
    }
    await Promise.all(workers);
    return out;
  }

  /**
   * {@linkcode evaluateModel}'s result for `ds`, predicted on every thread.
   *
   * @throws {InvalidArgumentError} when the dataset is empty, malformed or
   *   does not fit the model, or an option is out of range.
   * @throws {BackendError} when a replica fails.
   */
  async evaluate(ds: Dataset, options: EvaluateOptions = {}): Promise<EvaluationResult> {
    checkEvaluation(ds, options);
    return summarizePredictions(ds, await this.predict(ds, options), options);
  }

  /** Stops the workers it started (not a pool it was given). Idempotent. */
  close(): void {
    if (this.#owned) this.#pool?.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}
