/**
 * Timing repeated runs and summarising the times: the one loop the
 * benchmark and the profiler time their steps with.
 *
 * @module
 */

import { InvalidArgumentError } from "../core/mod.ts";

/** Options of {@linkcode timeRuns}. */
export interface TimeRunsOptions {
  /** Timed runs (a positive integer). */
  runs: number;
  /**
   * Untimed runs first (default 0), so that one-off set-up and the
   * JavaScript engine's warming up are not counted.
   */
  warmupRuns?: number;
}

/**
 * Calls `run` `warmupRuns` times untimed, then `runs` times timed, one call
 * after the other (each awaited), and returns the wall-clock milliseconds
 * of each timed call.
 *
 * @throws {InvalidArgumentError} when `runs` is not a positive integer or
 *   `warmupRuns` not a non-negative one.
 *
 * @example
 * ```ts
 * import { assert, assertEquals } from "@std/assert";
 * import { timeRuns } from "./timing.ts";
 * let calls = 0;
 * const ms = await timeRuns(() => calls++, { runs: 3, warmupRuns: 2 });
 * assertEquals([ms.length, calls], [3, 5]);
 * assert(ms.every((t) => t >= 0));
 * ```
 */
export async function timeRuns(
  run: () => unknown,
  options: TimeRunsOptions,
): Promise<number[]> {
  const { runs, warmupRuns = 0 } = options;
  if (!Number.isInteger(runs) || runs < 1) {
    throw new InvalidArgumentError(`runs must be a positive integer, got ${runs}`);
  }
  if (!Number.isInteger(warmupRuns) || warmupRuns < 0) {
    throw new InvalidArgumentError(`warmupRuns must be a non-negative integer, got ${warmupRuns}`);
  }
  for (let i = 0; i < warmupRuns; i++) await run();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await run();
    times.push(performance.now() - start);
  }
  return times;
}

/**
 * The `p`-th percentile of `values` (0-100), interpolating linearly between
 * the two nearest ranks (numpy's default).
 *
 * @throws {InvalidArgumentError} when `values` is empty or `p` is outside [0, 100].
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { percentile } from "./timing.ts";
 * assertEquals(percentile([3, 1, 2, 4], 50), 2.5);
 * assertEquals(percentile([0, 10], 95), 9.5);
 * ```
 */
export function percentile(values: ArrayLike<number>, p: number): number {
  if (values.length === 0) throw new InvalidArgumentError("percentile of no values");
  if (!(p >= 0 && p <= 100)) {
    throw new InvalidArgumentError(`percentile must be in [0, 100], got ${p}`);
  }
  const v = Array.from(values).sort((a, b) => a - b);
  const rank = (p / 100) * (v.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return v[lo] + (v[hi] - v[lo]) * (rank - lo);
}

/**
 * The median of `values`: the middle value, or the mean of the middle two
 * (robust to the odd slow run on a busy machine).
 *
 * @throws {InvalidArgumentError} when `values` is empty.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { median } from "./timing.ts";
 * assertEquals(median([5, 1, 3]), 3);
 * assertEquals(median([4, 1, 3, 2]), 2.5);
 * ```
 */
export function median(values: ArrayLike<number>): number {
  return percentile(values, 50);
}
