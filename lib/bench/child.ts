/**
 * Benchmarking one model in a process of its own, so that its peak memory
 * is its own: {@linkcode benchInChild} runs this module as a Deno
 * subprocess, which loads the data, sets up the backend, runs
 * {@linkcode benchModel} and prints what it measured as its last stdout line.
 * Measured one after the other in one process, the second model's peak RSS
 * also held the first's (1,139 MiB for the strong model after the reference,
 * in issue 13's run).
 *
 * @module
 */

import {
  BackendError,
  DataFormatError,
  DigitLabError,
  DownloadError,
  ImageError,
  InvalidArgumentError,
  ModelLoadError,
  projectRoot,
} from "../core/mod.ts";
import { loadEmbeddedMnist, loadIdxDataset } from "../data/mod.ts";
import { type BackendInfo, setupBackend } from "../kernels/mod.ts";
import { benchModel, type ModelBench, type ModelBenchOptions } from "./measure.ts";

/**
 * What one child process measures: {@linkcode benchModel}'s options, with
 * the dataset named by its directory (the child loads it) instead of given.
 * Every field travels as JSON, so paths should be absolute.
 */
export interface ChildBenchRequest extends Omit<ModelBenchOptions, "data" | "png"> {
  /** IDX dataset directory whose training split is used (default: the embedded digits). */
  dataDir?: string;
}

/** What a child process measured, and where. */
export interface ChildBenchResult {
  /** The model's figures; `peak_rss_mib` is the child's own peak. */
  bench: ModelBench;
  /** The backend the child ran on. */
  backend: BackendInfo;
  /** The dataset's `source`. */
  data: string;
  /** The child's process id (not this process's when run by {@linkcode benchInChild}). */
  pid: number;
}

/** Options of {@linkcode benchInChild}. */
export interface BenchInChildOptions {
  /** The Deno executable (default `Deno.execPath()`, the one running now). */
  deno?: string;
}

/**
 * Permissions of the child: reading the data, the model and the WASM
 * binaries, the environment (`DIGIT_LAB_*`), and FFI for the image decoder.
 * It writes nothing and runs nothing.
 */
const CHILD_PERMISSIONS = ["--allow-read", "--allow-env", "--allow-ffi"];

/** The typed errors a child can report, by name, so the parent throws the same class. */
const ERRORS: Record<string, new (message: string) => DigitLabError> = {
  BackendError,
  DataFormatError,
  DigitLabError,
  DownloadError,
  ImageError,
  InvalidArgumentError,
  ModelLoadError,
};

/**
 * Measures `request` in this process: loads its dataset, sets up the
 * backend and runs {@linkcode benchModel}. The child process runs this; it
 * is exported so that it can also run in place.
 *
 * @throws {InvalidArgumentError}, {@linkcode ModelLoadError} and the other
 *   errors of {@linkcode benchModel} and of loading the dataset.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { measureRequest } from "./child.ts";
 * // A softmax regression on the embedded digits, measured briefly, in place.
 * const r = await measureRequest({
 *   config: { inputShape: [28, 28, 1], layers: [{ type: "flatten" }], numClasses: 10 },
 *   batchSize: 8, batches: 1, warmupBatches: 0, repeats: 1, inferImages: 8, e2eRuns: 2, e2eWarmup: 2,
 *   threads: 1,
 * });
 * assertEquals([r.bench.params, r.bench.tensor_leak, r.backend.backend, r.pid], [
 *   7850, 0, "wasm", Deno.pid,
 * ]);
 * ```
 */
export async function measureRequest(request: ChildBenchRequest): Promise<ChildBenchResult> {
  const { dataDir, ...options } = request;
  const data = dataDir === undefined
    ? await loadEmbeddedMnist()
    : (await loadIdxDataset(dataDir)).train;
  const backend = await setupBackend();
  const bench = await benchModel({ ...options, data });
  return { bench, backend, data: data.source, pid: Deno.pid };
}

/** The last non-empty line of `text`. */
function lastLine(text: string): string {
  return text.trim().split("\n").at(-1) ?? "";
}

/**
 * Measures `request` in a new Deno process running this module, and returns
 * what it measured. The child's peak RSS is that of one model alone, and
 * nothing it allocates stays in this process.
 *
 * @throws the child's own error class ({@linkcode InvalidArgumentError},
 *   {@linkcode ModelLoadError}, …) with its message when it fails with one.
 * @throws {DigitLabError} when Deno cannot be started, or the child fails
 *   otherwise (the message carries the end of its stderr) or prints no result.
 *
 * @example
 * ```ts
 * import { assert, assertEquals } from "@std/assert";
 * import { benchInChild } from "./child.ts";
 * const r = await benchInChild({
 *   config: { inputShape: [28, 28, 1], layers: [{ type: "flatten" }], numClasses: 10 },
 *   batchSize: 8, batches: 1, warmupBatches: 0, repeats: 1, inferImages: 8, e2eRuns: 2, e2eWarmup: 2,
 *   threads: 1,
 * });
 * assert(r.pid !== Deno.pid); // measured in another process
 * assertEquals([r.bench.params, r.bench.tensor_leak], [7850, 0]);
 * ```
 */
export async function benchInChild(
  request: ChildBenchRequest,
  options: BenchInChildOptions = {},
): Promise<ChildBenchResult> {
  const deno = options.deno ?? Deno.execPath();
  const args = ["run", ...CHILD_PERMISSIONS, new URL(import.meta.url).pathname];
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command(deno, {
      args: [...args, JSON.stringify(request)],
      // The project root, where Deno finds deno.json and its import map.
      cwd: projectRoot(),
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
  } catch (e) {
    throw new DigitLabError(
      `cannot start ${deno} to benchmark a model in its own process: ${(e as Error).message}`,
      { cause: e },
    );
  }
  const decoder = new TextDecoder();
  const line = lastLine(decoder.decode(out.stdout));
  let reply: { result?: ChildBenchResult; error?: { name?: string; message?: string } } = {};
  try {
    reply = JSON.parse(line) ?? {};
  } catch {
    // Not a reply: a crash, reported below with the child's stderr.
  }
  if (reply.error !== undefined) {
    const ErrorClass = ERRORS[reply.error.name ?? ""] ?? DigitLabError;
    throw new ErrorClass(String(reply.error.message));
  }
  if (!out.success || reply.result === undefined) {
    const stderr = decoder.decode(out.stderr).trim().split("\n").slice(-8).join("\n");
    throw new DigitLabError(
      `the model benchmark in its own process (${deno} ${args.join(" ")}) failed with exit ` +
        `code ${out.code}${out.success ? " and no result" : ""}:\n${stderr || line}`,
    );
  }
  return reply.result;
}

/**
 * The child's side: measures the request given as JSON in `args[0]` and
 * returns the reply line to print (`{"result": …}`, or `{"error": …}` for a
 * Digit Lab error) with the exit code.
 */
async function childReply(args: string[]): Promise<[string, number]> {
  try {
    let request: ChildBenchRequest;
    try {
      request = JSON.parse(args[0] ?? "");
    } catch (e) {
      throw new InvalidArgumentError(
        `the benchmark child takes one JSON request, got ${JSON.stringify(args[0])}`,
        { cause: e },
      );
    }
    return [JSON.stringify({ result: await measureRequest(request) }), 0];
  } catch (e) {
    if (!(e instanceof DigitLabError)) throw e;
    return [JSON.stringify({ error: { name: e.name, message: e.message } }), 2];
  }
}

if (import.meta.main) {
  const [line, code] = await childReply(Deno.args);
  console.log(line);
  // Ends the process even if a worker of the training or inference pool lingers.
  Deno.exit(code);
}
