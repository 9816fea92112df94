/**
 * Measures where a training step's time goes, kernel by kernel, so kernel
 * changes are judged on numbers (`tf.profile` over a few steps on seeded
 * random data). A step is what training runs on one thread: for models
 * that train data-parallel, the batch's gradient as each shard computes it
 * (`shardGradients`, fused convolutions) and the optimizer's update; for
 * the others, `trainOnBatch`.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import { InvalidArgumentError } from "../core/mod.ts";
import { createRng } from "../core/mod.ts";
import { buildModel, dropoutLayers, REFERENCE_CNN } from "../model/mod.ts";
import {
  applyFlatGradients,
  DataParallelTrainer,
  parallelTrainingProblem,
  type StepTimings,
} from "../train/parallel/mod.ts";
import { shardGradients } from "../train/parallel/mod.ts";

/**
 * Options for {@linkcode profileTrainingStep}.
 *
 * @example
 * ```ts
 * import type { ProfileOptions } from "./profile.ts";
 * const o: ProfileOptions = { batchSize: 128, steps: 3, warmupSteps: 1, seed: 1, threads: 2 };
 * ```
 */
export interface ProfileOptions {
  /**
   * A compiled model taking `[batch, ...inputShape]` and giving one-hot
   * classes; default: the reference CNN with Adam and categorical
   * cross-entropy (built, and disposed afterwards, here).
   */
  model?: tf.LayersModel;
  /** Samples per step (default 128). */
  batchSize?: number;
  /** Profiled steps, and as many timed steps (default 3). */
  steps?: number;
  /** Untimed steps first, so one-off set-up is not counted (default 1). */
  warmupSteps?: number;
  /** Seed of the random batch (default 1). */
  seed?: number;
  /**
   * Also time data-parallel steps on this many threads (the main one
   * included; see `parallel/data_parallel.ts`). Default 1: not measured.
   */
  threads?: number;
}

/**
 * Data-parallel steps as {@linkcode profileTrainingStep} measured them.
 *
 * @example
 * ```ts
 * import type { ParallelStepProfile } from "./profile.ts";
 * const p: ParallelStepProfile = {
 *   threads: 2,
 *   stepMs: 95,
 *   samplesPerSecond: 1347,
 *   phases: { syncMs: 0.4, ownShardMs: 80, waitMs: 6, applyMs: 5, workerMs: 78 },
 * };
 * ```
 */
export interface ParallelStepProfile {
  /** Threads, the main one included. */
  threads: number;
  /** Median wall-clock milliseconds per step. */
  stepMs: number;
  /** Training throughput. */
  samplesPerSecond: number;
  /** Median milliseconds of each phase on the main thread (see `StepTimings`). */
  phases: StepTimings;
}

/**
 * Time of one kernel, per training step.
 *
 * @example
 * ```ts
 * import type { KernelTiming } from "./profile.ts";
 * const t: KernelTiming = { name: "Conv2DBackpropFilter", ms: 31.5, calls: 2 };
 * ```
 */
export interface KernelTiming {
  /** Kernel name, such as `"Conv2DBackpropInput"`. */
  name: string;
  /** Milliseconds per step, all calls together. */
  ms: number;
  /** Calls per step. */
  calls: number;
}

/**
 * What {@linkcode profileTrainingStep} measured.
 *
 * @example
 * ```ts
 * import type { TrainingStepProfile } from "./profile.ts";
 * const p: TrainingStepProfile = {
 *   backend: "wasm",
 *   batchSize: 128,
 *   steps: 3,
 *   kernels: [
 *     { name: "Conv2DBackpropFilter", ms: 31.5, calls: 2 },
 *     { name: "Conv2D", ms: 24.1, calls: 2 },
 *   ],
 *   kernelMs: 55.6,
 *   stepMs: 175,
 *   samplesPerSecond: 731,
 * };
 * ```
 */
export interface TrainingStepProfile {
  /** Active backend while measuring. */
  backend: string;
  /** Samples per step. */
  batchSize: number;
  /** Steps averaged over. */
  steps: number;
  /**
   * Kernels by time per step, slowest first: each kernel's median over the
   * profiled steps (robust to a busy machine).
   */
  kernels: KernelTiming[];
  /** Sum of the kernels' times per step (ms, while profiling). */
  kernelMs: number;
  /** Median wall-clock milliseconds per step without profiling. */
  stepMs: number;
  /** Training throughput without profiling. */
  samplesPerSecond: number;
  /** Data-parallel steps, when `threads` was at least 2. */
  parallel?: ParallelStepProfile;
}

/** The median (middle value, or mean of the middle two). */
function median(values: number[]): number {
  const v = [...values].sort((a, b) => a - b);
  const mid = v.length >> 1;
  return v.length % 2 === 1 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new InvalidArgumentError(`${name} must be a positive integer, got ${value}`);
  }
  return value;
}

/**
 * Profiles training steps of `options.model` (default: the reference CNN)
 * on the active backend: times `steps` plain steps, then profiles `steps`
 * more one by one, and returns per-kernel milliseconds per step (median
 * over the steps) and the un-profiled throughput.
 *
 * @throws {InvalidArgumentError} when `batchSize`, `steps` or `warmupSteps`
 *   is not a positive integer (`warmupSteps` may be 0).
 *
 * @example
 * ```ts
 * import { setupBackend } from "../kernels/backend.ts";
 * import { formatProfile, profileTrainingStep } from "./profile.ts";
 * await setupBackend();
 * const profile = await profileTrainingStep({ batchSize: 32, steps: 1 });
 * console.log(formatProfile(profile));
 * ```
 */
export async function profileTrainingStep(
  options: ProfileOptions = {},
): Promise<TrainingStepProfile> {
  const batchSize = positiveInteger("batchSize", options.batchSize ?? 128);
  const steps = positiveInteger("steps", options.steps ?? 3);
  const warmupSteps = options.warmupSteps ?? 1;
  if (warmupSteps !== 0) positiveInteger("warmupSteps", warmupSteps);
  const threads = positiveInteger("threads", options.threads ?? 1);

  // buildModel compiles with Adam and the model owns (and disposes) its optimizer.
  const model = options.model ?? buildModel(REFERENCE_CNN, { seed: 1 });
  const inputShape = model.inputs[0].shape.slice(1) as number[];
  const classes = model.outputs[0].shape[1] as number;
  const rng = createRng(options.seed ?? 1);
  const x = tf.tidy(() => {
    const values = new Float32Array(batchSize * inputShape.reduce((a, b) => a * b, 1));
    for (let i = 0; i < values.length; i++) values[i] = rng();
    return tf.tensor(values, [batchSize, ...inputShape]);
  });
  const labels = Array.from({ length: batchSize }, () => Math.floor(rng() * classes));
  const y = tf.tidy(() => tf.oneHot(labels, classes));
  const shard = {
    pixels: x.dataSync() as Float32Array,
    labels: Uint8Array.from(labels),
    count: batchSize,
  };
  const step = parallelTrainingProblem(model) === undefined
    ? () => {
      applyFlatGradients(model, shardGradients(model, shard, batchSize).grads);
      return Promise.resolve();
    }
    : () => model.trainOnBatch(x, y);
  try {
    for (let i = 0; i < warmupSteps; i++) await step();
    const stepTimes: number[] = [];
    for (let i = 0; i < steps; i++) {
      const start = performance.now();
      await step();
      stepTimes.push(performance.now() - start);
    }
    const stepMs = median(stepTimes);

    // Per kernel, its total time in each profiled step (0 where absent).
    const perStep = new Map<string, { ms: number[]; calls: number }>();
    for (let i = 0; i < steps; i++) {
      const info = await tf.profile(step);
      for (const k of info.kernels) {
        const entry = perStep.get(k.name) ?? { ms: new Array(steps).fill(0), calls: 0 };
        entry.ms[i] += typeof k.kernelTimeMs === "number" ? k.kernelTimeMs : 0;
        entry.calls++;
        perStep.set(k.name, entry);
      }
    }
    const parallel = threads > 1
      ? await profileParallel(model, x, labels, { threads, steps, warmupSteps })
      : undefined;
    const kernels = [...perStep]
      .map(([name, { ms, calls }]) => ({ name, ms: median(ms), calls: calls / steps }))
      .sort((a, b) => b.ms - a.ms);
    return {
      backend: tf.getBackend(),
      batchSize,
      steps,
      kernels,
      kernelMs: kernels.reduce((s, k) => s + k.ms, 0),
      stepMs,
      samplesPerSecond: batchSize / (stepMs / 1000),
      ...(parallel ? { parallel } : {}),
    };
  } finally {
    tf.dispose([x, y]);
    if (options.model === undefined) model.dispose();
  }
}

/** Times data-parallel steps of `model` on the batch `x` with `labels`. */
async function profileParallel(
  model: tf.LayersModel,
  x: tf.Tensor,
  labels: number[],
  o: { threads: number; steps: number; warmupSteps: number },
): Promise<ParallelStepProfile> {
  const batch = {
    pixels: x.dataSync() as Float32Array,
    labels: Uint8Array.from(labels),
    count: labels.length,
  };
  const dropouts = dropoutLayers(model).length;
  const seeds = Array.from({ length: o.threads }, (_, k) => new Array(dropouts).fill(k + 1));
  using trainer = await DataParallelTrainer.start(model, { threads: o.threads });
  for (let i = 0; i < Math.max(1, o.warmupSteps); i++) await trainer.step(batch, seeds);
  const times: number[] = [];
  const phases: StepTimings[] = [];
  for (let i = 0; i < Math.max(3, o.steps); i++) {
    const start = performance.now();
    await trainer.step(batch, seeds);
    times.push(performance.now() - start);
    phases.push(trainer.lastStepTimings);
  }
  const stepMs = median(times);
  const phase = (key: keyof StepTimings) => median(phases.map((p) => p[key]));
  return {
    threads: o.threads,
    stepMs,
    samplesPerSecond: labels.length / (stepMs / 1000),
    phases: {
      syncMs: phase("syncMs"),
      ownShardMs: phase("ownShardMs"),
      waitMs: phase("waitMs"),
      applyMs: phase("applyMs"),
      workerMs: phase("workerMs"),
    },
  };
}

/**
 * Formats a profile as a plain-text table (kernels taking at least
 * `minMs` per step, default 0.5; the rest summed in one line).
 *
 * @example
 * ```ts
 * import { formatProfile } from "./profile.ts";
 * console.log(formatProfile({
 *   backend: "wasm", batchSize: 128, steps: 3, kernelMs: 10, stepMs: 12,
 *   samplesPerSecond: 10667, kernels: [{ name: "Conv2D", ms: 10, calls: 2 }],
 * }));
 * ```
 */
export function formatProfile(profile: TrainingStepProfile, minMs = 0.5): string {
  const shown = profile.kernels.filter((k) => k.ms >= minMs);
  const rest = profile.kernels.filter((k) => k.ms < minMs);
  const line = (name: string, ms: number, calls: number) =>
    `${name.padEnd(28)} ${ms.toFixed(1).padStart(9)} ${calls.toFixed(0).padStart(6)}`;
  return [
    `backend ${profile.backend}, batch ${profile.batchSize}, ${profile.steps} step(s)`,
    `${"kernel".padEnd(28)} ${"ms/step".padStart(9)} ${"calls".padStart(6)}`,
    ...shown.map((k) => line(k.name, k.ms, k.calls)),
    ...(rest.length > 0
      ? [
        line(
          `(${rest.length} others)`,
          rest.reduce((s, k) => s + k.ms, 0),
          rest.reduce((s, k) => s + k.calls, 0),
        ),
      ]
      : []),
    line("total (profiled)", profile.kernelMs, profile.kernels.reduce((s, k) => s + k.calls, 0)),
    `step ${profile.stepMs.toFixed(1)} ms unprofiled, ${
      profile.samplesPerSecond.toFixed(0)
    } samples/s`,
    ...(profile.parallel ? [formatParallel(profile.parallel)] : []),
  ].join("\n");
}

function formatParallel(p: ParallelStepProfile): string {
  const { syncMs, ownShardMs, waitMs, applyMs, workerMs } = p.phases;
  return `data-parallel step on ${p.threads} threads ${p.stepMs.toFixed(1)} ms, ${
    p.samplesPerSecond.toFixed(0)
  } samples/s (main thread: send ${syncMs.toFixed(1)}, own shard ${
    ownShardMs.toFixed(1)
  }, wait for workers ${waitMs.toFixed(1)}, optimiser ${
    applyMs.toFixed(1)
  } ms; slowest worker's shard ${workerMs.toFixed(1)} ms)`;
}
