/**
 * Measures one model the way Digit Lab uses it: training throughput through
 * the real {@linkcode trainModel} loop, inference throughput at batch 1 (the
 * `predict` path) and batch 256, end-to-end latency of one image file
 * (decode, normalise, classify), peak memory and leaked tensors.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import type { Dataset } from "../data/mod.ts";
import { InvalidArgumentError } from "../core/mod.ts";
import { decodeImage, encodePng, normalizeImage } from "../image/mod.ts";
import { buildModel, loadModel, type ModelConfig } from "../model/mod.ts";
import { BatchPredictor, coreThreads } from "../train/parallel/mod.ts";
import { createClassifier } from "../eval/mod.ts";
import { trainModel } from "../train/mod.ts";
import { percentile, timeRuns } from "./timing.ts";

/**
 * Samples in one MNIST training epoch: the implied epoch time is for this many.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { EPOCH_SAMPLES } from "./measure.ts";
 * assertEquals(EPOCH_SAMPLES, 60_000);
 * ```
 */
export const EPOCH_SAMPLES = 60_000;

/**
 * The positive, finite figures every model's benchmark reports (the keys the
 * final JSON line must carry).
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { BENCH_FIGURES } from "./measure.ts";
 * assert(BENCH_FIGURES.includes("train_epoch_s"));
 * ```
 */
export const BENCH_FIGURES = [
  "train_samples_per_s",
  "train_epoch_s",
  "infer_b1_per_s",
  "infer_b256_per_s",
  "e2e_p50_ms",
  "e2e_p95_ms",
  "peak_rss_mib",
] as const;

/** Options of {@linkcode benchModel}. */
export interface ModelBenchOptions {
  /** Architecture to train (and, without `weightsDir`, to run inference with). */
  config: ModelConfig;
  /** Images to train and infer on (at least `(warmupBatches + batches) * batchSize`). */
  data: Dataset;
  /** Run inference and latency with the model saved here instead of the trained one. */
  weightsDir?: string;
  /** Training batch size (default 128). */
  batchSize?: number;
  /** Timed training batches per repeat (default 30). */
  batches?: number;
  /** Untimed training batches before each repeat's timed ones (default 3). */
  warmupBatches?: number;
  /** Repeats of every throughput measurement; the median is reported (default 3). */
  repeats?: number;
  /** Images per inference measurement (default 2000). */
  inferImages?: number;
  /** Timed end-to-end runs (default 200). */
  e2eRuns?: number;
  /**
   * Untimed end-to-end runs before them (default 1000): the figure is the
   * steady state of a long-running reader (`deno task serve`), and V8
   * optimises the JavaScript of decoding, normalising and the tfjs calls
   * only after several hundred images. Measured on the shipped model, p50
   * after 200 / 500 / 1000 / 2000 warm-up runs: 1.33 / 0.96 / 0.86 / 0.85 ms.
   */
  e2eWarmup?: number;
  /** The image file for the end-to-end latency (default: {@linkcode digitPng} of image 0). */
  png?: Uint8Array;
  /** Seed of the weights and the batch order (default 1). */
  seed?: number;
  /** Threads for training steps and batch inference, as `TrainOptions.threads` (default "auto"). */
  threads?: number | "auto";
}

/** What {@linkcode benchModel} measured (snake_case: it is printed as JSON). */
export interface ModelBench {
  /** Trainable and non-trainable weights of the trained architecture. */
  params: number;
  /** Where the inference weights came from: a directory, or `"trained"`. */
  weights: string;
  /** Training samples per second (median over repeats). */
  train_samples_per_s: number;
  /** Seconds one epoch of {@linkcode EPOCH_SAMPLES} takes at that rate. */
  train_epoch_s: number;
  /** The implied epoch seconds of each repeat, in the order run (their spread around `train_epoch_s`). */
  train_epoch_s_runs: number[];
  /** Threads the training steps ran on (1 for models with batch normalisation). */
  train_threads: number;
  /** Images per second, one image per `predict` call (median over repeats). */
  infer_b1_per_s: number;
  /** Images per second in batches of 256 on `infer_threads` threads (median over repeats). */
  infer_b256_per_s: number;
  /** Batch-1 images per second of each repeat, in the order run. */
  infer_b1_per_s_runs: number[];
  /** Batch-256 images per second of each repeat, in the order run. */
  infer_b256_per_s_runs: number[];
  /** Threads of the batch-256 inference (`BatchPredictor`, as `evaluate` uses it). */
  infer_threads: number;
  /** Median milliseconds from PNG bytes to probabilities. */
  e2e_p50_ms: number;
  /** 95th percentile of the same. */
  e2e_p95_ms: number;
  /**
   * Peak resident memory of the process so far (MiB): the model's own peak
   * when it is measured in a process of its own, as {@linkcode benchInChild} does.
   */
  peak_rss_mib: number;
  /** Tensors alive after the benchmark minus before: 0 unless something leaked. */
  tensor_leak: number;
}

/**
 * Peak resident memory of this process in MiB: `VmHWM` of
 * `/proc/self/status`, or the current RSS where that cannot be read.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { peakRssMib } from "./measure.ts";
 * // The peak is at least what the process holds now.
 * assert(peakRssMib() >= Deno.memoryUsage().rss / 2 ** 20 - 1);
 * ```
 */
export function peakRssMib(): number {
  try {
    const match = /^VmHWM:\s*(\d+)\s*kB/m.exec(Deno.readTextFileSync("/proc/self/status"));
    if (match) return Number(match[1]) / 1024;
  } catch {
    // Not Linux, or no read permission: fall back to the current RSS.
  }
  return Deno.memoryUsage().rss / 2 ** 20;
}

/**
 * Encodes image `index` of `ds` as a PNG photo of a digit: dark ink on
 * white, scaled 2x and centred on a `size` x `size` page (default 64).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { digitPng } from "./measure.ts";
 * const ds = {
 *   images: new Float32Array(784).fill(0.5), labels: new Uint8Array([1]), count: 1,
 *   rows: 28, cols: 28, numClasses: 10, source: "example",
 * };
 * const png = await digitPng(ds, 0);
 * assertEquals(new TextDecoder().decode(png.subarray(1, 4)), "PNG");
 * ```
 */
export function digitPng(ds: Dataset, index: number, size = 64): Promise<Uint8Array> {
  const { rows, cols } = ds;
  if (!Number.isInteger(index) || index < 0 || index >= ds.count) {
    throw new InvalidArgumentError(`image index ${index} is not in [0, ${ds.count})`);
  }
  if (!Number.isInteger(size) || size < 2 * Math.max(rows, cols)) {
    throw new InvalidArgumentError(`page size ${size} cannot hold a ${rows}x${cols} image at 2x`);
  }
  const data = new Float32Array(size * size).fill(1);
  const top = (size - 2 * rows) >> 1;
  const left = (size - 2 * cols) >> 1;
  const ink = ds.images.subarray(index * rows * cols, (index + 1) * rows * cols);
  for (let y = 0; y < 2 * rows; y++) {
    for (let x = 0; x < 2 * cols; x++) {
      data[(top + y) * size + left + x] = 1 - ink[(y >> 1) * cols + (x >> 1)];
    }
  }
  return encodePng({ width: size, height: size, data });
}

function positiveInteger(name: string, value: number, min = 1): number {
  if (!Number.isInteger(value) || value < min) {
    throw new InvalidArgumentError(`${name} must be an integer >= ${min}, got ${value}`);
  }
  return value;
}

/** The first `count` images of `ds`, as a dataset (views, no copy). */
function head(ds: Dataset, count: number): Dataset {
  const size = ds.rows * ds.cols;
  return {
    ...ds,
    images: ds.images.subarray(0, count * size),
    labels: ds.labels.subarray(0, count),
    count,
  };
}

/** Training samples/s of each repeat (one `trainModel` epoch each). */
async function trainingRates(
  model: tf.LayersModel,
  data: Dataset,
  o: {
    batchSize: number;
    batches: number;
    warmupBatches: number;
    repeats: number;
    seed: number;
    threads: number | "auto";
  },
): Promise<{ rates: number[]; threads: number }> {
  const starts: number[] = [];
  const rates: number[] = [];
  const history = await trainModel(model, {
    train: head(data, (o.warmupBatches + o.batches) * o.batchSize),
    validation: head(data, Math.min(data.count, o.batchSize)),
    epochs: o.repeats,
    batchSize: o.batchSize,
    seed: o.seed,
    threads: o.threads,
    onBatchEnd: ({ epoch, batch, elapsedMs }) => {
      if (batch === o.warmupBatches) starts[epoch] = elapsedMs;
      if (batch === o.warmupBatches + o.batches) {
        rates.push((o.batches * o.batchSize) / ((elapsedMs - (starts[epoch] ?? 0)) / 1000));
      }
    },
  });
  return { rates, threads: history.threads ?? 1 };
}

/**
 * Predicts the first `count` images of `data`: one `predict` call per image
 * at batch 1, else the `BatchPredictor` path of `evaluate` in batches of
 * `batch` on its threads.
 */
async function predictImages(
  predictor: BatchPredictor,
  model: tf.LayersModel,
  data: Dataset,
  count: number,
  batch: number,
): Promise<void> {
  const size = data.rows * data.cols;
  if (batch === 1) {
    const classify = createClassifier(model);
    for (let i = 0; i < count; i++) classify(data.images.subarray(i * size, (i + 1) * size));
  } else {
    await predictor.predict(head(data, count), { batchSize: batch });
  }
}

/**
 * Images/s of each repeat at batch 1 and 256 over the first `images` of
 * `data`, each after a shorter warm-up, on a predictor of `threads` that
 * is closed before this returns.
 */
async function inferenceRates(
  model: tf.LayersModel,
  data: Dataset,
  o: { images: number; repeats: number; threads: number },
): Promise<{ b1: number[]; b256: number[]; threads: number }> {
  using predictor = await BatchPredictor.start(model, { threads: o.threads });
  const rates = async (batch: number) => {
    const warm = Math.min(o.images, Math.max(20, 2 * batch * o.threads));
    await predictImages(predictor, model, data, warm, batch);
    const times = await timeRuns(() => predictImages(predictor, model, data, o.images, batch), {
      runs: o.repeats,
    });
    return times.map((ms) => o.images / (ms / 1000));
  };
  return { b1: await rates(1), b256: await rates(256), threads: predictor.threads };
}

/** Milliseconds of each timed run from PNG bytes to probabilities, after `warmup` untimed ones. */
function latencies(
  model: tf.LayersModel,
  png: Uint8Array,
  { runs, warmup }: { runs: number; warmup: number },
): Promise<number[]> {
  const classify = createClassifier(model);
  const once = async () => classify(normalizeImage(await decodeImage(png)).pixels);
  return timeRuns(once, { warmupRuns: warmup, runs });
}

/**
 * Benchmarks one architecture on the active backend: trains a fresh model
 * (Adam 1e-3) for `repeats` epochs of `warmupBatches + batches` batches
 * through {@linkcode trainModel} and times the last `batches` of each; then
 * times inference at batch 1 and 256 and the end-to-end latency of `png`,
 * with the trained model or the one saved in `weightsDir`. Every model it
 * makes is disposed, and `tensor_leak` says whether any tensor survived.
 *
 * @throws {InvalidArgumentError} on a non-positive count, or a dataset with
 *   fewer images than one repeat's batches or `inferImages`.
 * @throws {ModelLoadError} when `weightsDir` cannot be loaded.
 *
 * @example
 * ```ts
 * import { assert, assertEquals } from "@std/assert";
 * import { benchModel } from "./measure.ts";
 * import { setupBackend } from "../kernels/mod.ts";
 * import type { ModelConfig } from "../model/mod.ts";
 * await setupBackend();
 * // A softmax regression on 16 grey 28x28 images, measured briefly.
 * const config: ModelConfig = {
 *   inputShape: [28, 28, 1], layers: [{ type: "flatten" }], numClasses: 10,
 * };
 * const data = {
 *   images: new Float32Array(16 * 784).fill(0.5), labels: new Uint8Array(16).map((_, i) => i % 10),
 *   count: 16, rows: 28, cols: 28, numClasses: 10, source: "example",
 * };
 * const result = await benchModel({
 *   config, data, batchSize: 8, batches: 1, warmupBatches: 0, repeats: 1,
 *   inferImages: 16, e2eRuns: 2, e2eWarmup: 2, threads: 1,
 * });
 * assertEquals([result.params, result.train_threads, result.tensor_leak], [7850, 1, 0]);
 * assert(result.train_samples_per_s > 0 && result.e2e_p95_ms >= result.e2e_p50_ms);
 * assertEquals(result.train_epoch_s_runs.length, 1); // one figure per repeat
 * ```
 */
export async function benchModel(options: ModelBenchOptions): Promise<ModelBench> {
  const { config, data, weightsDir } = options;
  const batchSize = positiveInteger("batchSize", options.batchSize ?? 128);
  const batches = positiveInteger("batches", options.batches ?? 30);
  const warmupBatches = positiveInteger("warmupBatches", options.warmupBatches ?? 3, 0);
  const repeats = positiveInteger("repeats", options.repeats ?? 3);
  const inferImages = positiveInteger("inferImages", options.inferImages ?? 2000);
  const e2eRuns = positiveInteger("e2eRuns", options.e2eRuns ?? 200);
  const e2eWarmup = positiveInteger("e2eWarmup", options.e2eWarmup ?? 1000, 0);
  const seed = options.seed ?? 1;
  const needed = Math.max((warmupBatches + batches) * batchSize, inferImages);
  if (data.count < needed) {
    throw new InvalidArgumentError(
      `dataset ${JSON.stringify(data.source)} has ${data.count} images; the benchmark needs ` +
        `${needed} (${warmupBatches}+${batches} batches of ${batchSize}, ${inferImages} to infer)`,
    );
  }
  const png = options.png ?? await digitPng(data, 0);

  const before = tf.memory().numTensors;
  const model = buildModel(config, { seed, learningRate: 1e-3 });
  let inference: tf.LayersModel | undefined;
  let result: ModelBench;
  try {
    const params = model.countParams();
    const { rates, threads } = await trainingRates(model, data, {
      batchSize,
      batches,
      warmupBatches,
      repeats,
      seed,
      threads: options.threads ?? "auto",
    });
    const trainRate = percentile(rates, 50);
    inference = weightsDir === undefined ? model : (await loadModel(weightsDir)).model;
    const inferThreads = typeof options.threads === "number" ? options.threads : coreThreads();
    const { b1, b256, threads: predictorThreads } = await inferenceRates(inference, data, {
      images: inferImages,
      repeats,
      threads: inferThreads,
    });
    // One reading, as `predict` and the draw page do it: on the main
    // thread, with no batch workers alive beside it.
    const times = await latencies(inference, png, { runs: e2eRuns, warmup: e2eWarmup });
    result = {
      params,
      weights: weightsDir ?? "trained",
      train_samples_per_s: trainRate,
      train_epoch_s: EPOCH_SAMPLES / trainRate,
      train_epoch_s_runs: rates.map((rate) => EPOCH_SAMPLES / rate),
      train_threads: threads,
      infer_threads: predictorThreads,
      infer_b1_per_s: percentile(b1, 50),
      infer_b256_per_s: percentile(b256, 50),
      infer_b1_per_s_runs: b1,
      infer_b256_per_s_runs: b256,
      e2e_p50_ms: percentile(times, 50),
      e2e_p95_ms: percentile(times, 95),
      peak_rss_mib: peakRssMib(),
      tensor_leak: 0, // set below, once everything is disposed
    };
  } finally {
    if (inference !== undefined && inference !== model) inference.dispose();
    model.dispose();
  }
  result.tensor_leak = tf.memory().numTensors - before;
  return result;
}
