/**
 * Running fuzz targets: each input generated from its own seeded generator
 * (so input `n` of a target can be made again from the seed alone), run
 * with a hard time limit, its outcome counted, and every failure (untyped
 * error, silently broken result, hang, memory blow-up) saved to a file
 * whose path the report gives.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import { createRng, InvalidArgumentError } from "../core/mod.ts";
import { classifyError, type FuzzTarget, type Outcome } from "./target.ts";
import { Watchdog } from "./watchdog.ts";

/** Options of {@linkcode fuzzTargets}. */
export interface FuzzOptions {
  /** Inputs per target (default 1000). */
  count?: number;
  /** Also stop a target after this many seconds (default: no time limit). */
  seconds?: number;
  /** The seed; equal seeds give equal inputs (default 1). */
  seed?: number;
  /** An input slower than this is counted as slow (default 2000 ms). */
  slowMs?: number;
  /** An input slower than this is a hang and a failure (default 10,000 ms). */
  hangMs?: number;
  /** An RSS above this is a memory blow-up and a failure (default 1 GiB). */
  maxRssBytes?: number;
  /** Where failing (and slow) inputs are saved (default `.tmp/fuzz-failures`). */
  failureDir?: string;
  /** Called with a line of progress now and then. */
  onProgress?: (line: string) => void;
}

/** One failing input. */
export interface FuzzFailure {
  /** What went wrong: an untyped error, a silently broken result, a hang, too much memory. */
  kind: "untyped" | "silent" | "hang" | "rss";
  /** The error class or answer, e.g. `"RangeError"` or `"HTTP 500"`. */
  label: string;
  /** The message or the answer's start. */
  detail: string;
  /** The input's index in its target. */
  index: number;
  /** Where the input was saved. */
  path: string;
}

/** What fuzzing one target found. */
export interface TargetReport {
  /** The target's name. */
  target: string;
  /** Inputs tried. */
  inputs: number;
  /** Inputs the parser accepted. */
  accepted: number;
  /** Typed errors, by class (or HTTP answer). */
  typed: Record<string, number>;
  /** Untyped errors, by class. */
  untyped: Record<string, number>;
  /** Inputs accepted with a broken result, by kind. */
  silent: Record<string, number>;
  /** Inputs slower than `slowMs`. */
  slow: number;
  /** Inputs slower than `hangMs`. */
  hangs: number;
  /** Inputs during which the RSS passed `maxRssBytes`. */
  rssOverLimit: number;
  /** The highest RSS while the target ran, in MiB. */
  peakRssMib: number;
  /** Tensors left behind by the inputs, in all (0 when nothing leaks). */
  leakedTensors: number;
  /** The slowest input, in milliseconds. */
  slowestMs: number;
  /** Wall time of the target, in seconds. */
  seconds: number;
  /** The failing inputs (the first 20). */
  failures: FuzzFailure[];
}

/** The seed of input `index` of target `name`: FNV-1a of the name, mixed with the seed and index. */
function inputSeed(seed: number, name: string, index: number): number {
  let h = 0x811c9dc5;
  for (const c of `${name}:${seed}`) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193);
  return (Math.imul(h ^ index, 0x9e3779b1) ^ (index >>> 16)) >>> 0;
}

/** Live tensors, or 0 before any backend is set up (targets without tensors). */
function tensorCount(): number {
  try {
    return tf.memory().numTensors;
  } catch {
    return 0;
  }
}

function bump(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}

async function save(dir: string, target: string, index: number, input: Uint8Array, why: string) {
  await Deno.mkdir(dir, { recursive: true });
  const path = `${dir}/${target}-${index}-${why}.bin`;
  await Deno.writeFile(path, input);
  return path;
}

/**
 * Fuzzes each target in turn and returns one report per target.
 *
 * @throws {InvalidArgumentError} when a count, a time or the seed is not valid.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { createIdxTarget } from "./idx_target.ts";
 * import { fuzzTargets } from "./runner.ts";
 * const dir = await Deno.makeTempDir();
 * const [report] = await fuzzTargets([await createIdxTarget()], { count: 50, failureDir: dir });
 * assertEquals([report.target, report.inputs, report.hangs], ["idx", 50, 0]);
 * assertEquals(report.untyped, {});
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function fuzzTargets(
  targets: readonly FuzzTarget[],
  options: FuzzOptions = {},
): Promise<TargetReport[]> {
  const count = options.count ?? 1000;
  const seed = options.seed ?? 1;
  const slowMs = options.slowMs ?? 2000;
  const hangMs = options.hangMs ?? 10_000;
  const maxRssBytes = options.maxRssBytes ?? 2 ** 30;
  const failureDir = options.failureDir ?? ".tmp/fuzz-failures";
  if (!Number.isInteger(count) || count < 0) {
    throw new InvalidArgumentError(`count must be a non-negative integer, got ${count}`);
  }
  if (options.seconds !== undefined && !(options.seconds > 0)) {
    throw new InvalidArgumentError(`seconds must be positive, got ${options.seconds}`);
  }
  createRng(seed); // validates the seed
  const watchdog = new Watchdog({ hangMs: hangMs + 5000, maxRssBytes, failureDir });
  const reports: TargetReport[] = [];
  try {
    for (const target of targets) {
      reports.push(
        await fuzzOne(target, {
          count,
          seed,
          slowMs,
          hangMs,
          maxRssBytes,
          failureDir,
          seconds: options.seconds,
          onProgress: options.onProgress,
          watchdog,
        }),
      );
    }
  } finally {
    watchdog.stop();
  }
  return reports;
}

interface RunSettings {
  count: number;
  seed: number;
  slowMs: number;
  hangMs: number;
  maxRssBytes: number;
  failureDir: string;
  seconds?: number;
  onProgress?: (line: string) => void;
  watchdog: Watchdog;
}

async function fuzzOne(target: FuzzTarget, s: RunSettings): Promise<TargetReport> {
  const report: TargetReport = {
    target: target.name,
    inputs: 0,
    accepted: 0,
    typed: {},
    untyped: {},
    silent: {},
    slow: 0,
    hangs: 0,
    rssOverLimit: 0,
    peakRssMib: 0,
    leakedTensors: 0,
    slowestMs: 0,
    seconds: 0,
    failures: [],
  };
  const start = performance.now();
  const deadline = s.seconds === undefined ? Infinity : start + s.seconds * 1000;
  let lastProgress = start;
  s.watchdog.enterTarget(target.name);
  const fail = async (
    kind: FuzzFailure["kind"],
    label: string,
    detail: string,
    index: number,
    input: Uint8Array,
  ) => {
    const path = await save(s.failureDir, target.name, index, input, kind);
    if (report.failures.length < 20) report.failures.push({ kind, label, detail, index, path });
    s.onProgress?.(
      `${target.name}: ${kind} ${label} on input ${index}: ${detail} (saved to ${path})`,
    );
  };
  for (let index = 0; index < s.count && performance.now() < deadline; index++) {
    const input = await target.generate(createRng(inputSeed(s.seed, target.name, index)));
    const tensorsBefore = tensorCount();
    const abort = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<"hang">((resolve) => {
      timer = setTimeout(() => resolve("hang"), s.hangMs);
    });
    s.watchdog.begin(index, input);
    const began = performance.now();
    const outcome: Outcome | "hang" = await Promise.race([
      target.run(input, abort.signal).catch(classifyError),
      timeout,
    ]);
    const ms = performance.now() - began;
    s.watchdog.end();
    clearTimeout(timer);
    report.inputs++;
    report.slowestMs = Math.max(report.slowestMs, ms);
    if (outcome === "hang" || ms > s.hangMs) {
      abort.abort();
      report.hangs++;
      await fail("hang", "hang", `over ${s.hangMs} ms`, index, input);
    } else if (outcome.kind === "accepted") report.accepted++;
    else if (outcome.kind === "typed") bump(report.typed, outcome.label);
    else {
      bump(outcome.kind === "untyped" ? report.untyped : report.silent, outcome.label);
      await fail(outcome.kind, outcome.label, outcome.detail, index, input);
    }
    if (outcome !== "hang" && ms > s.slowMs) {
      report.slow++;
      await save(s.failureDir, target.name, index, input, "slow");
    }
    report.leakedTensors += Math.max(0, tensorCount() - tensorsBefore);
    const peak = s.watchdog.peakRss();
    if (peak > s.maxRssBytes && report.rssOverLimit === 0) {
      report.rssOverLimit++;
      await fail("rss", "RSS over limit", `${Math.round(peak / 2 ** 20)} MiB`, index, input);
    }
    report.peakRssMib = Math.max(report.peakRssMib, Math.round(peak / 2 ** 20));
    if (performance.now() - lastProgress > 5000) {
      lastProgress = performance.now();
      s.onProgress?.(`${target.name}: ${report.inputs} inputs`);
    }
  }
  report.seconds = (performance.now() - start) / 1000;
  return report;
}
