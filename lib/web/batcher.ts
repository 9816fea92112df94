/**
 * Micro-batching: requests that arrive together are classified in one
 * model call. One image at a time, the model's fixed cost per call (op
 * dispatch, memory set-up) dominates; a batch of 32 costs little more than
 * one image, so under load the server answers several times more requests.
 * Each request still decodes and normalises its own image; only the 28x28
 * inputs meet here, and each request gets exactly its own row back.
 *
 * @module
 */

import { InvalidArgumentError } from "../core/mod.ts";

/**
 * A batch classifier: `n` inputs in, `n` rows of class probabilities out,
 * row `i` for input `i`.
 */
export type ClassifyBatch = (
  inputs: Float32Array[],
) => ArrayLike<number>[] | Promise<ArrayLike<number>[]>;

/** Options of {@link createBatcher}. */
export interface BatcherOptions {
  /** The model, taking a whole batch at once. */
  classifyBatch: ClassifyBatch;
  /** Values in one input; others are refused before they reach the model. Default 784. */
  inputSize?: number;
  /** Most inputs in one batch. Default 64. */
  maxBatch?: number;
  /**
   * How long the first input of a batch waits for company, in milliseconds.
   * Default 1. Inputs that arrive while a batch runs wait no longer than it.
   */
  waitMs?: number;
}

interface Pending {
  pixels: Float32Array;
  resolve: (row: ArrayLike<number>) => void;
  reject: (error: unknown) => void;
}

function checkOptions(options: BatcherOptions): Required<Omit<BatcherOptions, "classifyBatch">> {
  const { inputSize = 784, maxBatch = 64, waitMs = 1 } = options;
  for (const [name, value] of [["inputSize", inputSize], ["maxBatch", maxBatch]] as const) {
    if (!Number.isInteger(value) || value < 1) {
      throw new InvalidArgumentError(`${name} must be a positive integer, got ${value}`);
    }
  }
  if (!(waitMs >= 0 && waitMs <= 1000)) {
    throw new InvalidArgumentError(
      `waitMs must be a number of milliseconds from 0 to 1000, got ${waitMs}`,
    );
  }
  return { inputSize, maxBatch, waitMs };
}

/** Runs one batch; throws when the model fails or answers the wrong number of rows. */
async function classifyAll(
  classifyBatch: ClassifyBatch,
  inputs: Float32Array[],
): Promise<ArrayLike<number>[]> {
  const rows = await classifyBatch(inputs);
  if (!Array.isArray(rows) || rows.length !== inputs.length) {
    const got = Array.isArray(rows) ? rows.length : typeof rows;
    throw new InvalidArgumentError(
      `classifyBatch must return one row per input, got ${got} for ${inputs.length}`,
    );
  }
  return rows;
}

/**
 * Wraps a batch classifier into a one-input classifier (the `Classify` the
 * readers take) that gathers concurrent calls into batches: the first call
 * waits `waitMs` for others, calls arriving while a batch runs form the
 * next one, and a batch never exceeds `maxBatch`. When a batch fails, its
 * inputs are retried one by one, so an error reaches only the request that
 * caused it.
 *
 * @throws {InvalidArgumentError} for a bad option; (from the returned
 *   function) for an input that does not hold `inputSize` values.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { createBatcher } from "./batcher.ts";
 * const sizes: number[] = [];
 * const classify = createBatcher({
 *   inputSize: 2,
 *   classifyBatch: (inputs) => (sizes.push(inputs.length), inputs.map((x) => [x[0], x[1]])),
 * });
 * const rows = await Promise.all([classify(Float32Array.of(1, 0)), classify(Float32Array.of(0, 1))]);
 * assertEquals([rows.map((r) => Array.from(r)), sizes], [[[1, 0], [0, 1]], [2]]);
 * ```
 */
export function createBatcher(
  options: BatcherOptions,
): (pixels: Float32Array) => Promise<ArrayLike<number>> {
  const { inputSize, maxBatch, waitMs } = checkOptions(options);
  const classifyBatch = options.classifyBatch;
  let queue: Pending[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running = false;

  async function runBatch(batch: Pending[]): Promise<void> {
    try {
      const rows = await classifyAll(classifyBatch, batch.map((p) => p.pixels));
      batch.forEach((p, i) => p.resolve(rows[i]));
    } catch (error) {
      if (batch.length === 1) return batch[0].reject(error);
      // One bad input must not fail its neighbours: find it by asking one at a time.
      for (const p of batch) {
        try {
          p.resolve((await classifyAll(classifyBatch, [p.pixels]))[0]);
        } catch (e) {
          p.reject(e);
        }
      }
    }
  }

  async function flush(): Promise<void> {
    timer = undefined;
    running = true;
    try {
      while (queue.length > 0) {
        const batch = queue.slice(0, maxBatch);
        queue = queue.slice(maxBatch);
        await runBatch(batch);
      }
    } finally {
      running = false;
    }
  }

  return (pixels) => {
    if (pixels.length !== inputSize) {
      return Promise.reject(
        new InvalidArgumentError(`the model takes ${inputSize} values, got ${pixels.length}`),
      );
    }
    return new Promise((resolve, reject) => {
      queue.push({ pixels, resolve, reject });
      // A running flush picks the input up when its batch is done.
      if (!running && timer === undefined) timer = setTimeout(flush, waitMs);
    });
  };
}
