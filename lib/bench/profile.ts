/**
 * Measures where a training step's time goes, kernel by kernel, so kernel
 * changes are judged on numbers (`tf.profile` over a few steps on seeded
 * random data). A step is what training runs on one thread
 * (`oneThreadStep`): for models that train data-parallel, the batch's
 * gradient as each shard computes it (`shardGradients`, fused
 * convolutions) and the optimizer's update; for the others, `trainOnBatch`.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import { createRng, InvalidArgumentError } from "../core/mod.ts";
import type { Batch } from "../data/mod.ts";
import { buildModel, dropoutLayers, REFERENCE_CNN } from "../model/mod.ts";
import { checkThreads, DataParallelTrainer, type StepTimings } from "../train/parallel/mod.ts";
import { oneThreadStep } from "../train/mod.ts";
import { median, timeRuns } from "./timing.ts";

/** Options for {@linkcode profileTrainingStep}. */
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

/** Data-parallel steps as {@linkcode profileTrainingStep} measured them. */
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

/** Time of one kernel, per training step. */
export interface KernelTiming {
  /** Kernel name, such as `"Conv2DBackpropInput"`. */
  name: string;
  /** Milliseconds per step, all calls together. */
  ms: number;
  /** Calls per step. */
  calls: number;
}

/** What {@linkcode profileTrainingStep} measured. */
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
 * @throws {InvalidArgumentError} when `batchSize`, `steps`, `warmupSteps`
 *   or `threads` is not a positive integer (`warmupSteps` may be 0).
 *
 * @example
 * ```ts
 * import { assert, assertEquals } from "@std/assert";
 * import { setupBackend } from "../kernels/mod.ts";
 * import { profileTrainingStep } from "./profile.ts";
 * await setupBackend();
 * const profile = await profileTrainingStep({ batchSize: 8, steps: 1 });
 * assertEquals([profile.backend, profile.batchSize, profile.parallel], ["wasm", 8, undefined]);
 * assert(profile.kernels.some((k) => k.name === "DigitLabConv3x3Grads")); // conv2: both gradients
 * assert(profile.stepMs > 0);
 * ```
 */
export async function profileTrainingStep(
  options: ProfileOptions = {},
): Promise<TrainingStepProfile> {
  const batchSize = positiveInteger("batchSize", options.batchSize ?? 128);
  const steps = positiveInteger("steps", options.steps ?? 3);
  const warmupSteps = options.warmupSteps ?? 1;
  if (warmupSteps !== 0) positiveInteger("warmupSteps", warmupSteps);
  const threads = options.threads ?? 1;
  checkThreads(threads);

  // buildModel compiles with Adam and the model owns (and disposes) its optimizer.
  const model = options.model ?? buildModel(REFERENCE_CNN, { seed: 1 });
  const inputShape = model.inputs[0].shape.slice(1) as number[];
  const classes = model.outputs[0].shape[1] as number;
  const rng = createRng(options.seed ?? 1);
  const pixels = new Float32Array(batchSize * inputShape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < pixels.length; i++) pixels[i] = rng();
  const labels = Uint8Array.from({ length: batchSize }, () => Math.floor(rng() * classes));
  const batch: Batch = { pixels, labels, count: batchSize };
  const trainStep = oneThreadStep(model);
  // tf.profile wants a function giving tensors (or nothing), not the step's figures.
  const step = async () => {
    await trainStep(batch);
  };
  try {
    const stepMs = median(await timeRuns(step, { warmupRuns: warmupSteps, runs: steps }));

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
      ? await profileParallel(model, batch, { threads, steps, warmupSteps })
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
    if (options.model === undefined) model.dispose();
  }
}

/** Times data-parallel steps of `model` on `batch`. */
async function profileParallel(
  model: tf.LayersModel,
  batch: Batch,
  o: { threads: number; steps: number; warmupSteps: number },
): Promise<ParallelStepProfile> {
  const dropouts = dropoutLayers(model).length;
  const seeds = Array.from({ length: o.threads }, (_, k) => new Array(dropouts).fill(k + 1));
  using trainer = await DataParallelTrainer.start(model, { threads: o.threads });
  const phases: StepTimings[] = [];
  const step = async () => {
    await trainer.step(batch, seeds);
    phases.push(trainer.lastStepTimings);
  };
  const warmupRuns = Math.max(1, o.warmupSteps);
  const stepMs = median(await timeRuns(step, { warmupRuns, runs: Math.max(3, o.steps) }));
  const timed = phases.slice(warmupRuns);
  const phase = (key: keyof StepTimings) => median(timed.map((p) => p[key]));
  return {
    threads: o.threads,
    stepMs,
    samplesPerSecond: batch.count / (stepMs / 1000),
    phases: {
      syncMs: phase("syncMs"),
      ownShardMs: phase("ownShardMs"),
      waitMs: phase("waitMs"),
      applyMs: phase("applyMs"),
      workerMs: phase("workerMs"),
      workerStartMs: phase("workerStartMs"),
      answerMs: phase("answerMs"),
    },
  };
}

/**
 * Formats a profile as a plain-text table (kernels taking at least
 * `minMs` per step, default 0.5; the rest summed in one line).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { formatProfile } from "./profile.ts";
 * const text = formatProfile({
 *   backend: "wasm", batchSize: 128, steps: 3, kernelMs: 10.2, stepMs: 12,
 *   samplesPerSecond: 10667,
 *   kernels: [{ name: "Conv2D", ms: 10, calls: 2 }, { name: "Relu", ms: 0.2, calls: 2 }],
 * });
 * assertEquals(text.split("\n"), [
 *   "backend wasm, batch 128, 3 step(s)",
 *   "kernel                         ms/step  calls",
 *   "Conv2D                            10.0      2",
 *   "(1 others)                         0.2      2",
 *   "total (profiled)                  10.2      4",
 *   "step 12.0 ms unprofiled, 10667 samples/s",
 * ]);
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
  const { syncMs, ownShardMs, waitMs, applyMs, workerMs, workerStartMs, answerMs } = p.phases;
  return `data-parallel step on ${p.threads} threads ${p.stepMs.toFixed(1)} ms, ${
    p.samplesPerSecond.toFixed(0)
  } samples/s (main thread: send ${syncMs.toFixed(1)}, own shard ${
    ownShardMs.toFixed(1)
  }, wait for workers ${waitMs.toFixed(1)}, optimiser ${
    applyMs.toFixed(1)
  } ms; slowest worker's shard ${workerMs.toFixed(1)} ms; messages: ${
    workerStartMs.toFixed(2)
  } ms from sending to the last worker's start, ${
    answerMs.toFixed(2)
  } ms from the last shard's end to every answer)`;
}
