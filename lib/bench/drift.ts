/**
 * How far training on several threads drifts from training on one, and
 * how far a rounding-sized change drifts on one thread alone: the yardstick
 * that tells "the threads compute something else" from "float rounding,
 * amplified by training". Three runs start from one set of weights and take
 * the same batches and dropout masks: one thread; `threads` threads (each
 * shard's gradient summed, batch statistics added over the shards); and one
 * thread again with the first weight moved by one unit in the last place.
 * Each checkpoint gives the distance of the second and third runs' trainable
 * weights from the first's, relative to the first's norm.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import { InvalidArgumentError } from "../core/mod.ts";
import type { Dataset } from "../data/mod.ts";
import { buildModel, type ModelConfig } from "../model/mod.ts";
import { checkThreads, readFlat, trainableVariables } from "../train/parallel/mod.ts";
import { trainModel } from "../train/mod.ts";

/** Options of {@linkcode measureDrift}. */
export interface DriftOptions {
  /** The architecture trained, from its seeded initial weights. */
  config: ModelConfig;
  /** Training examples (batches drawn as `trainModel` draws them). */
  train: Dataset;
  /** Seed of the weights, the batch order and the dropout masks. */
  seed: number;
  /** Optimiser steps after which the runs are compared, ascending and positive. */
  checkpoints: readonly number[];
  /** Threads of the second run, the main thread included (at least 2). */
  threads: number;
  /** Examples per batch (default 128). */
  batchSize?: number;
  /** Adam's learning rate, kept constant (default 0.003, `train`'s first epoch's). */
  learningRate?: number;
}

/** The three runs' distances after one checkpoint's step. */
export interface DriftPoint {
  /** Optimiser steps taken. */
  step: number;
  /** ‖w(threads) − w(1 thread)‖ / ‖w(1 thread)‖ over the trainable weights. */
  threads: number;
  /** ‖w(one ulp) − w(1 thread)‖ / ‖w(1 thread)‖: the same on one thread after a one-ulp nudge. */
  oneUlp: number;
}

/** ‖a − b‖ / ‖b‖ (0 when both are 0). */
function relativeDistance(a: Float32Array, b: Float32Array): number {
  let diff = 0, norm = 0;
  for (let i = 0; i < b.length; i++) {
    diff += (a[i] - b[i]) ** 2;
    norm += b[i] ** 2;
  }
  return norm === 0 ? Math.sqrt(diff) : Math.sqrt(diff / norm);
}

/** Moves the first trainable value of `model` to the next float32 away from zero. */
function nudgeOneUlp(model: tf.LayersModel): void {
  const weight = model.trainableWeights[0];
  const current = weight.read();
  const values = current.dataSync().slice() as Float32Array;
  new Uint32Array(values.buffer, 0, 1)[0] += 1;
  const nudged = tf.tensor(values, current.shape, "float32");
  weight.write(nudged); // the variable now shares the nudged values
  nudged.dispose();
}

/** The trainable values of one run at each checkpoint. */
async function snapshots(
  options: DriftOptions,
  threads: number,
  nudge: boolean,
): Promise<Float32Array[]> {
  const { config, train, seed, checkpoints, batchSize = 128, learningRate = 0.003 } = options;
  const model = buildModel(config, { seed, learningRate });
  const taken: Float32Array[] = [];
  const last = checkpoints[checkpoints.length - 1];
  const stop = new AbortController();
  try {
    if (nudge) nudgeOneUlp(model);
    const perEpoch = Math.ceil(train.count / batchSize);
    await trainModel(model, {
      train,
      validation: train,
      epochs: Math.ceil(last / perEpoch),
      batchSize,
      seed,
      threads,
      // The first epoch's rate throughout, whatever the last checkpoint:
      // `train`'s default decay depends on the run's length, this one's not.
      learningRateDecay: 1,
      // Only the trainable weights are compared: no moving averages, no
      // validation pass worth timing (`stop` ends the run at the last checkpoint).
      recalibrate: 0,
      signal: stop.signal,
      onBatchEnd: ({ epoch, batch, batches }) => {
        const step = (epoch - 1) * batches + batch;
        if (checkpoints.includes(step)) taken.push(readFlat(trainableVariables(model)));
        if (step === last) stop.abort();
      },
    });
  } catch (error) {
    if (!stop.signal.aborted) throw error;
  } finally {
    model.dispose();
  }
  return taken;
}

/**
 * Trains `config` three ways from the same start (one thread; `threads`
 * threads; one thread after a one-ulp nudge of one weight) and returns
 * their distances at each checkpoint. When the threads compute the
 * one-thread step up to rounding, their drift stays at or below the
 * nudge's; a gradient that differs by more than rounding shows as a drift
 * larger from the first steps on.
 *
 * @throws {InvalidArgumentError} when `checkpoints` is empty, not
 *   ascending positive integers, or `threads` is below 2.
 *
 * @example
 * ```ts
 * import { assert, assertEquals } from "@std/assert";
 * import { measureDrift } from "./drift.ts";
 * import { setupBackend } from "../kernels/mod.ts";
 * await setupBackend();
 * const labels = new Uint8Array(64).map((_, i) => i % 2);
 * const images = new Float32Array(64 * 16).map((_, i) => labels[i >> 4] ^ (i % 2));
 * const train = { images, labels, count: 64, rows: 4, cols: 4, numClasses: 2, source: "toy" };
 * const config = {
 *   inputShape: [4, 4, 1] as [number, number, number],
 *   layers: [{ type: "flatten" as const }, { type: "dense" as const, units: 8 }],
 *   numClasses: 2,
 * };
 * const points = await measureDrift({ config, train, seed: 1, checkpoints: [1, 4], threads: 2 });
 * assertEquals(points.map((p) => p.step), [1, 4]);
 * assert(points.every((p) => p.oneUlp > 0));
 * ```
 */
export async function measureDrift(options: DriftOptions): Promise<DriftPoint[]> {
  const { checkpoints, threads } = options;
  if (
    checkpoints.length === 0 ||
    checkpoints.some((s, i) => !Number.isInteger(s) || s < 1 || (i > 0 && s <= checkpoints[i - 1]))
  ) {
    throw new InvalidArgumentError(
      `checkpoints must be ascending positive integers, got ${JSON.stringify(checkpoints)}`,
    );
  }
  checkThreads(threads, { min: 2, name: "threads", purpose: "a drift measurement" });
  const one = await snapshots(options, 1, false);
  const several = await snapshots(options, threads, false);
  const nudged = await snapshots(options, 1, true);
  return one.map((w, i) => ({
    step: checkpoints[i],
    threads: relativeDistance(several[i], w),
    oneUlp: relativeDistance(nudged[i], w),
  }));
}
