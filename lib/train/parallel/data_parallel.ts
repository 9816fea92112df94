/**
 * Data-parallel training steps across threads: each step's batch is cut
 * into one shard per thread; the main thread computes the first shard's
 * gradient while worker replicas compute the others with the same weights;
 * the shares are summed (exactly the whole batch's gradient, see
 * `shard_gradients.ts`) and the main thread's optimiser applies them once.
 * Batch normalisations add their statistics over the shards mid-pass
 * (`shard_sum.ts`), so they normalise with the whole batch's, as one
 * thread would; the main thread's shard moves their averages.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import { InvalidArgumentError } from "../../core/mod.ts";
import { batchNormLayer, dropoutLayers, shardableTraining } from "../../model/mod.ts";
import type { Batch } from "../../data/mod.ts";
import { BatchPredictor } from "./batch_predictor.ts";
import { applyFlatAdam, isAdam } from "./flat_adam.ts";
import { readFlat } from "./flat_weights.ts";
import { wallClockMs } from "./protocol.ts";
import { checkThreads, ReplicaPool } from "./replicas.ts";
import { SharedShardSum } from "./shard_sum.ts";
import {
  type Shard,
  shardGradients,
  type ShardResult,
  trainableVariables,
} from "./shard_gradients.ts";

/**
 * Why `model` cannot be trained data-parallel with exact gradients, or
 * `undefined` when it can: inputs other than one batch of images, a batch
 * normalisation the training chain cannot run over the shards (see
 * `shardableTraining`), regularisation
 * losses, or a loss other than categorical cross-entropy.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { assertEquals, assertStringIncludes } from "@std/assert";
 * import { parallelTrainingProblem } from "./data_parallel.ts";
 * import { buildModel, REFERENCE_CNN, STRONG_CNN } from "../../model/mod.ts";
 * import { setupBackend } from "../../kernels/mod.ts";
 * await setupBackend();
 * const reference = buildModel(REFERENCE_CNN, { seed: 1 });
 * const strong = buildModel(STRONG_CNN, { seed: 1 });
 * assertEquals(parallelTrainingProblem(reference), undefined);
 * assertEquals(parallelTrainingProblem(strong), undefined); // batch norm over the shards
 * const text = tf.sequential({
 *   layers: [tf.layers.dense({ inputShape: [4], units: 2, activation: "softmax" })],
 * });
 * assertStringIncludes(parallelTrainingProblem(text) ?? "", "images");
 * reference.dispose();
 * strong.dispose();
 * ```
 */
export function parallelTrainingProblem(model: tf.LayersModel): string | undefined {
  if (model.inputs.length !== 1 || model.inputs[0].shape.length !== 4) {
    return `the model does not take one batch of [rows, cols, channels] images (its inputs: ${
      JSON.stringify(model.inputs.map((i) => i.shape))
    })`;
  }
  const unshardable = shardableTraining(model);
  if (unshardable) return unshardable;
  if (model.losses.length > 0) return "the model has regularisation losses";
  const loss = (model as unknown as { loss?: unknown }).loss;
  if (loss !== "categoricalCrossentropy") {
    return `the loss is ${JSON.stringify(loss)}, not "categoricalCrossentropy"`;
  }
  if (!model.optimizer) return "the model is not compiled";
  return undefined;
}

/** Options of {@linkcode DataParallelTrainer.start}. */
export interface DataParallelOptions {
  /** Threads in all, the main thread included (at least 2). */
  threads: number;
}

/**
 * What one training step returns ({@linkcode DataParallelTrainer.step}, and
 * the training loop's step on one thread).
 */
export interface StepResult {
  /** Mean cross-entropy over the batch, before the update. */
  loss: number;
  /** Fraction of the batch classified correctly, before the update. */
  accuracy: number;
}

/**
 * Where the last {@linkcode DataParallelTrainer.step} spent its wall time
 * on the main thread, in milliseconds.
 */
export interface StepTimings {
  /** Reading the weights and sending the shards to the workers. */
  syncMs: number;
  /** Computing the main thread's own shard. */
  ownShardMs: number;
  /** Waiting for the workers after that, and summing their gradients. */
  waitMs: number;
  /** The optimiser's update (zero for {@linkcode DataParallelTrainer.gradients} alone). */
  applyMs: number;
  /** The slowest worker's own time on its shard (weights, gradient), for comparison. */
  workerMs: number;
  /** From sending the shards to the last worker starting on its own: the message's way there. */
  workerStartMs: number;
  /**
   * From the moment both the main thread's shard and the last worker's
   * were done to the main thread holding every answer: the way back.
   */
  answerMs: number;
}

/**
 * Applies a flat gradient (all trainable values in `model.trainableWeights`
 * order, as {@linkcode DataParallelTrainer.gradients} and `shardGradients`
 * give it) with the model's optimizer. An Adam optimizer takes it in one
 * pass per variable with `applyFlatAdam` (bit-identical, its state kept);
 * any other goes through its own `applyGradients`. No tensor outlives the
 * call but the optimizer's state it creates on first use.
 *
 * @throws {InvalidArgumentError} when `grads` does not hold one value per
 *   trainable weight.
 *
 * @example
 * ```ts
 * import { assertNotEquals, assertThrows } from "@std/assert";
 * import { applyFlatGradients } from "./data_parallel.ts";
 * import { shardGradients } from "./shard_gradients.ts";
 * import { buildModel, REFERENCE_CNN } from "../../model/mod.ts";
 * import { setupBackend } from "../../kernels/mod.ts";
 * await setupBackend();
 * const model = buildModel(REFERENCE_CNN, { seed: 1 });
 * const pixels = new Float32Array(2 * 784).fill(0.5);
 * const shard = { pixels, labels: new Uint8Array([1, 2]), count: 2 };
 * const before = model.trainableWeights[0].read().dataSync().slice();
 * applyFlatGradients(model, shardGradients(model, shard, 2).grads);
 * assertNotEquals(model.trainableWeights[0].read().dataSync(), before);
 * assertThrows(() => applyFlatGradients(model, new Float32Array(3)), Error, "got a gradient of 3");
 * model.dispose();
 * ```
 */
export function applyFlatGradients(model: tf.LayersModel, grads: Float32Array): void {
  const vars = trainableVariables(model);
  const size = vars.reduce((n, v) => n + v.size, 0);
  if (grads.length !== size) {
    throw new InvalidArgumentError(
      `the model has ${size} trainable values, got a gradient of ${grads.length}`,
    );
  }
  if (isAdam(model.optimizer)) {
    applyFlatAdam(model.optimizer, vars, grads);
    return;
  }
  tf.tidy(() => {
    const named: tf.NamedTensorMap = {};
    let offset = 0;
    for (const v of vars) {
      named[v.name] = tf.tensor(grads.subarray(offset, offset + v.size), v.shape, "float32");
      offset += v.size;
    }
    model.optimizer.applyGradients(named);
  });
}

/** Examples of `batch` from `start` (inclusive) to `end` (exclusive). */
function slice(batch: Batch, start: number, end: number, imageSize: number): Shard {
  return {
    pixels: batch.pixels.subarray(start * imageSize, end * imageSize),
    labels: batch.labels.subarray(start, end),
    count: end - start,
    first: start,
  };
}

/**
 * Trains a compiled model one batch at a time on several threads. Close it
 * when done ({@linkcode DataParallelTrainer.close} or `using`).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { DataParallelTrainer } from "./data_parallel.ts";
 * import { buildModel, REFERENCE_CNN } from "../../model/mod.ts";
 * import { setupBackend } from "../../kernels/mod.ts";
 * await setupBackend();
 * const model = buildModel(REFERENCE_CNN, { seed: 1 }); // one dropout layer
 * const pixels = new Float32Array(4 * 784).fill(0.5);
 * const batch = { pixels, labels: new Uint8Array([0, 1, 2, 3]), count: 4 };
 * using trainer = await DataParallelTrainer.start(model, { threads: 2 }); // starts a worker
 * const { accuracy } = await trainer.step(batch, [[11], [12]]); // a dropout seed per shard
 * assertEquals([trainer.threads, accuracy <= 1], [2, true]);
 * model.dispose();
 * ```
 */
export class DataParallelTrainer {
  #model: tf.LayersModel;
  #pool: ReplicaPool;
  #vars: tf.Variable[];
  #weights: Float32Array;
  #dropouts: { seed?: number }[];
  /** Where the shards add their batch statistics, and this thread's handle on it. */
  #sums: { buffer: SharedArrayBuffer; width: number; own: SharedShardSum };
  #timings: StepTimings = {
    syncMs: 0,
    ownShardMs: 0,
    waitMs: 0,
    applyMs: 0,
    workerMs: 0,
    workerStartMs: 0,
    answerMs: 0,
  };

  private constructor(model: tf.LayersModel, pool: ReplicaPool) {
    this.#model = model;
    this.#pool = pool;
    this.#vars = trainableVariables(model);
    this.#weights = new Float32Array(this.#vars.reduce((n, v) => n + v.size, 0));
    this.#dropouts = dropoutLayers(model);
    // A batch norm adds [Σx, Σx²] per channel and the count: 2C + 1 values.
    const channels = model.layers.map((l) => batchNormLayer(l)?.movingMean.shape[0] ?? 0);
    const width = 2 * Math.max(0, ...channels) + 1;
    const shards = pool.size + 1;
    const buffer = SharedShardSum.create({ shards, width });
    this.#sums = { buffer, width, own: new SharedShardSum(buffer, { shard: 0, shards, width }) };
  }

  /**
   * Starts `threads - 1` worker replicas of `model`.
   *
   * @throws {InvalidArgumentError} when `threads` is not an integer >= 2 or
   *   the model cannot be trained data-parallel exactly
   *   ({@linkcode parallelTrainingProblem}).
   * @throws {BackendError} when a worker cannot start.
   */
  static async start(
    model: tf.LayersModel,
    options: DataParallelOptions,
  ): Promise<DataParallelTrainer> {
    const { threads } = options;
    checkThreads(threads, { min: 2, purpose: "data-parallel training" });
    const problem = parallelTrainingProblem(model);
    if (problem) {
      throw new InvalidArgumentError(`cannot train ${model.name} data-parallel: ${problem}`);
    }
    return new DataParallelTrainer(
      model,
      await ReplicaPool.start(model, { replicas: threads - 1 }),
    );
  }

  /**
   * Predicts and evaluates with the model's current weights on the same
   * threads (the trainer's workers; closing the trainer stops them).
   */
  get predictor(): BatchPredictor {
    return new BatchPredictor(this.#model, this.#pool);
  }

  /** Where the last step's time went on the main thread. */
  get lastStepTimings(): StepTimings {
    return { ...this.#timings };
  }

  /** Threads in all, the main thread included. */
  get threads(): number {
    return this.#pool.size + 1;
  }

  /**
   * The whole batch's gradient, computed as {@linkcode threads} shards of
   * (nearly) equal size, the main thread's first, with the model's current
   * weights. `seeds[k]` holds shard `k`'s seed for every dropout layer, in
   * layer order. The model is not changed.
   *
   * @returns The gradient of the batch's mean cross-entropy, flattened in
   *   `model.trainableWeights` order, and the batch's loss and accuracy.
   * @throws {InvalidArgumentError} when the batch is smaller than the
   *   number of threads or `seeds` does not have a seed per shard and
   *   dropout layer.
   * @throws {BackendError} when a replica fails.
   */
  async gradients(batch: Batch, seeds: number[][]): Promise<StepResult & { grads: Float32Array }> {
    const shards = this.threads;
    if (batch.count < shards) {
      throw new InvalidArgumentError(
        `a batch of ${batch.count} cannot be cut into ${shards} shards`,
      );
    }
    if (seeds.length !== shards || seeds.some((s) => s.length !== this.#dropouts.length)) {
      throw new InvalidArgumentError(
        `seeds must hold ${this.#dropouts.length} seed(s) for each of the ${shards} shards, got ` +
          JSON.stringify(seeds),
      );
    }
    const [, rows, cols, channels] = this.#model.inputs[0].shape as number[];
    const imageSize = rows * cols * channels;
    const bounds = Array.from(
      { length: shards + 1 },
      (_, k) => Math.round(k * batch.count / shards),
    );
    const t0 = performance.now();
    readFlat(this.#vars, this.#weights);
    const { buffer, width, own: sum } = this.#sums;
    sum.reset();
    sum.begin();
    const sentAt = wallClockMs();
    const remote = Array.from({ length: shards - 1 }, (_, k) =>
      this.#pool.gradients(
        k,
        this.#weights,
        slice(batch, bounds[k + 1], bounds[k + 2], imageSize),
        batch.count,
        seeds[k + 1],
        { buffer, shard: k + 1, shards, width },
      ));
    const saved = this.#dropouts.map((l) => l.seed);
    this.#dropouts.forEach((l, i) => l.seed = seeds[0][i]);
    let own: ShardResult;
    let answers: Awaited<typeof remote[number]>[];
    let ownDoneAt = 0;
    let receivedAt = 0;
    const t1 = performance.now();
    let t2 = t1;
    try {
      own = shardGradients(
        this.#model,
        slice(batch, 0, bounds[1], imageSize),
        batch.count,
        { shardSum: sum.adder },
      );
      t2 = performance.now();
      ownDoneAt = wallClockMs();
      answers = await Promise.all(remote);
      receivedAt = wallClockMs();
    } catch (e) {
      sum.abort(); // no shard waits for this one's statistics
      await Promise.allSettled(remote);
      throw e;
    } finally {
      this.#dropouts.forEach((l, i) => l.seed = saved[i]);
    }
    const grads = own.grads;
    for (const r of answers) {
      for (let i = 0; i < grads.length; i++) grads[i] += r.grads[i];
    }
    const results = [own, ...answers];
    const lossSum = results.reduce((s, r) => s + r.lossSum, 0);
    const correct = results.reduce((s, r) => s + r.correct, 0);
    const lastDoneAt = Math.max(ownDoneAt, ...answers.map((r) => r.finishedAt));
    this.#timings = {
      syncMs: t1 - t0,
      ownShardMs: t2 - t1,
      waitMs: performance.now() - t2,
      applyMs: 0,
      workerMs: Math.max(...answers.map((r) => r.computeMs)),
      workerStartMs: Math.max(...answers.map((r) => r.startedAt - sentAt)),
      answerMs: receivedAt - lastDoneAt,
    };
    return { grads, loss: lossSum / batch.count, accuracy: correct / batch.count };
  }

  /**
   * One optimiser step on `batch`: {@linkcode gradients}, then the model's
   * optimiser applies them.
   *
   * @throws {InvalidArgumentError} as {@linkcode gradients} does.
   * @throws {BackendError} when a replica fails.
   */
  async step(batch: Batch, seeds: number[][]): Promise<StepResult> {
    const { grads, loss, accuracy } = await this.gradients(batch, seeds);
    const start = performance.now();
    applyFlatGradients(this.#model, grads);
    this.#timings.applyMs = performance.now() - start;
    return { loss, accuracy };
  }

  /** Stops the worker replicas. Idempotent. */
  close(): void {
    this.#pool.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}
