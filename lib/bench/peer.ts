/**
 * The PyTorch peer: runs the shared `torch_mnist_bench.py` (the reference or
 * the strong CNN in PyTorch on the CPU, Debian's `python3-torch`), reads its
 * figures, takes the median of several runs and puts ours beside them as
 * ratios.
 *
 * @module
 */

import { DataFormatError, DigitLabError, InvalidArgumentError } from "../core/mod.ts";
import type { ModelBench } from "./measure.ts";
import { median } from "./timing.ts";

/**
 * The architectures the peer script builds (`--model`): the same layers as
 * the project's `REFERENCE_CNN` and `STRONG_CNN`.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { PEER_MODELS } from "./peer.ts";
 * assertEquals([...PEER_MODELS], ["reference", "strong"]);
 * ```
 */
export const PEER_MODELS = ["reference", "strong"] as const;

/** One of {@linkcode PEER_MODELS}. */
export type PeerModel = typeof PEER_MODELS[number];

/** PyTorch's figures, from the last stdout line of the peer script. */
export interface PeerResult {
  /**
   * Seconds of a steady training epoch of 60,000 samples: the fastest epoch
   * after the first (ours is implied from steady-state steps too).
   */
  train_epoch_s: number;
  /**
   * Seconds of the first epoch, which also pays for first touches of
   * memory (millions of page faults with glibc's default malloc).
   */
  train_epoch1_s: number;
  /** Images per second at batch 1. */
  infer_b1_per_s: number;
  /** Images per second at batch 256. */
  infer_b256_per_s: number;
  /** Peak resident memory of the peer process (MiB). */
  peak_rss_mib: number;
  /** `"real_mnist"`, or `"random_same_shape"` when it found no MNIST files. */
  data: string;
  /** The torch version. */
  torch: string;
}

/** Options of {@linkcode runPeer}. */
export interface RunPeerOptions {
  /** Path of `torch_mnist_bench.py`. */
  script: string;
  /** MNIST IDX directory passed as `--data-dir` (the script's default otherwise). */
  dataDir?: string;
  /** Interpreter (default `/usr/bin/python3`, Debian's, which has `python3-torch`). */
  python?: string;
  /** Torch threads (default 2). */
  threads?: number;
  /** Architecture the script trains, passed as `--model` (default `"reference"`). */
  model?: PeerModel;
}

/**
 * The median of several peer runs ({@linkcode combinePeerRuns}), each
 * figure on its own, with the runs' training epochs and batch-256 rates
 * for their spread.
 */
export interface PeerSummary extends PeerResult {
  /** How many runs the medians are of. */
  runs: number;
  /** Each run's steady epoch seconds, in the order run. */
  train_epoch_s_runs: number[];
  /** Each run's batch-256 images per second, in the order run. */
  infer_b256_per_s_runs: number[];
}

/** Our figures beside PyTorch's; every ratio is ours divided by PyTorch's. */
export interface PeerComparison {
  /** PyTorch's steady epoch seconds (fastest epoch after the first). */
  peer_train_epoch_s: number;
  /** PyTorch's first-epoch seconds. */
  peer_train_epoch1_s: number;
  /** PyTorch's batch-1 images/s. */
  peer_infer_b1_per_s: number;
  /** PyTorch's batch-256 images/s. */
  peer_infer_b256_per_s: number;
  /** PyTorch's peak RSS (MiB). */
  peer_peak_rss_mib: number;
  /** What PyTorch trained on. */
  peer_data: string;
  /** The torch version. */
  peer_torch: string;
  /** How many peer runs the figures are medians of (1 for a single run). */
  peer_runs: number;
  /** PyTorch's steady epoch seconds of each run. */
  peer_train_epoch_s_runs: number[];
  /** PyTorch's batch-256 images/s of each run. */
  peer_infer_b256_per_s_runs: number[];
  /** Our epoch time / PyTorch's steady epoch (above 1: we are slower). */
  train_ratio: number;
  /** Our epoch time / PyTorch's first epoch (the comparison of earlier runs). */
  train_ratio_epoch1: number;
  /** Our batch-1 throughput / PyTorch's (below 1: we are slower). */
  infer_b1_ratio: number;
  /** Our batch-256 throughput / PyTorch's. */
  infer_b256_ratio: number;
  /** Our peak RSS / PyTorch's. */
  peak_rss_ratio: number;
  /** `train_ratio` of each round (see `combineComparisons`), in the order run. */
  train_ratio_rounds: number[];
  /** `infer_b256_ratio` of each round, in the order run. */
  infer_b256_ratio_rounds: number[];
  /** `peak_rss_ratio` of each round, in the order run. */
  peak_rss_ratio_rounds: number[];
}

/**
 * The ratios of a {@linkcode PeerComparison}, each ours / PyTorch's.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { PEER_RATIOS } from "./peer.ts";
 * assert(PEER_RATIOS.includes("train_ratio"));
 * ```
 */
export const PEER_RATIOS = [
  "train_ratio",
  "train_ratio_epoch1",
  "infer_b1_ratio",
  "infer_b256_ratio",
  "peak_rss_ratio",
] as const;

function positive(value: unknown, what: string): number {
  if (typeof value !== "number" || !(value > 0 && Number.isFinite(value))) {
    throw new DataFormatError(`PyTorch peer output: ${what} is ${JSON.stringify(value)}, not > 0`);
  }
  return value;
}

/**
 * Reads the peer script's output: its last non-empty stdout line is one
 * JSON object whose `runs[0]` holds the figures.
 *
 * @throws {DataFormatError} when that line is not JSON or a figure is
 *   missing or not a positive number (the message names it).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { parsePeerOutput } from "./peer.ts";
 * const peer = parsePeerOutput("progress\n" + JSON.stringify({
 *   torch: "1.13", runs: [{
 *     data: "real_mnist", train_epoch1_s: 10, peak_rss_mib: 500,
 *     epochs: [{ epoch: 1, seconds: 10 }, { epoch: 2, seconds: 7 }],
 *     inference: { batch_1: { samples_per_s: 2000 }, batch_256: { samples_per_s: 20000 } },
 *   }],
 * }));
 * // The steady epoch is the fastest after the first.
 * assertEquals([peer.train_epoch_s, peer.train_epoch1_s, peer.torch], [7, 10, "1.13"]);
 * ```
 */
export function parsePeerOutput(stdout: string): PeerResult {
  const last = stdout.trim().split("\n").at(-1) ?? "";
  let json: {
    torch?: unknown;
    runs?: {
      data?: unknown;
      train_epoch1_s?: unknown;
      epochs?: { seconds?: unknown }[];
      peak_rss_mib?: unknown;
      inference?: Record<string, { samples_per_s?: unknown } | undefined>;
    }[];
  };
  try {
    json = JSON.parse(last);
  } catch (e) {
    throw new DataFormatError(
      `PyTorch peer output: last line is not JSON: ${JSON.stringify(last.slice(0, 200))}`,
      { cause: e },
    );
  }
  const run = json?.runs?.[0];
  if (run === undefined) throw new DataFormatError("PyTorch peer output: no runs[0]");
  const later = (Array.isArray(run.epochs) ? run.epochs : []).slice(1)
    .map((e, i) => positive(e?.seconds, `runs[0].epochs[${i + 1}].seconds`));
  if (later.length === 0) {
    throw new DataFormatError(
      "PyTorch peer output: runs[0].epochs needs a second epoch for a steady epoch time " +
        `(got ${JSON.stringify(run.epochs)}); run it with --epochs 2`,
    );
  }
  return {
    train_epoch_s: Math.min(...later),
    train_epoch1_s: positive(run.train_epoch1_s, "runs[0].train_epoch1_s"),
    infer_b1_per_s: positive(
      run.inference?.batch_1?.samples_per_s,
      "runs[0].inference.batch_1.samples_per_s",
    ),
    infer_b256_per_s: positive(
      run.inference?.batch_256?.samples_per_s,
      "runs[0].inference.batch_256.samples_per_s",
    ),
    peak_rss_mib: positive(run.peak_rss_mib, "runs[0].peak_rss_mib"),
    data: String(run.data ?? "unknown"),
    torch: String(json.torch ?? "unknown"),
  };
}

/**
 * Checks that the peer script is a readable file, so that a run fails
 * before its long measurements rather than after them.
 *
 * @throws {InvalidArgumentError} naming the path when it is not.
 *
 * @example
 * ```ts
 * import { assertRejects } from "@std/assert";
 * import { checkPeerScript } from "./peer.ts";
 * await checkPeerScript(new URL(import.meta.url).pathname); // a file: no error
 * await assertRejects(() => checkPeerScript("/no/such/peer.py"), Error, "/no/such/peer.py");
 * ```
 */
export async function checkPeerScript(script: string): Promise<void> {
  try {
    if ((await Deno.stat(script)).isFile) return;
  } catch (e) {
    throw new InvalidArgumentError(
      `the PyTorch peer script ${script} cannot be read: ${(e as Error).message} ` +
        "(pass --peer-script PATH)",
      { cause: e },
    );
  }
  throw new InvalidArgumentError(`the PyTorch peer script ${script} is not a file`);
}

/**
 * Runs the peer script once (`--model reference --threads 2 --epochs 2
 * --wait-quiet 0`, plus `--data-dir` when given: two epochs, so that it
 * reports a steady epoch as well as the first) and parses its output.
 *
 * @throws {InvalidArgumentError} when the script does not exist or `model`
 *   is not one of {@linkcode PEER_MODELS}.
 * @throws {DigitLabError} when Python cannot be started or the script
 *   fails (the message carries the end of its stderr, and says to install
 *   `python3-torch` when torch is missing).
 * @throws {DataFormatError} when its output cannot be read.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { runPeer } from "./peer.ts";
 * // A stand-in for torch_mnist_bench.py that prints its last line at once.
 * const dir = await Deno.makeTempDir();
 * const figures = {
 *   torch: "2.1", runs: [{
 *     data: "real_mnist", train_epoch1_s: 12, peak_rss_mib: 500,
 *     epochs: [{ seconds: 12 }, { seconds: 9 }],
 *     inference: { batch_1: { samples_per_s: 2000 }, batch_256: { samples_per_s: 9000 } },
 *   }],
 * };
 * await Deno.writeTextFile(`${dir}/peer.py`, `print(${JSON.stringify(JSON.stringify(figures))})`);
 * const peer = await runPeer({ script: `${dir}/peer.py` });
 * assertEquals([peer.train_epoch_s, peer.infer_b256_per_s], [9, 9000]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function runPeer(options: RunPeerOptions): Promise<PeerResult> {
  const { script, dataDir, python = "/usr/bin/python3", threads = 2, model = "reference" } =
    options;
  if (!PEER_MODELS.includes(model)) {
    throw new InvalidArgumentError(
      `the PyTorch peer has no model ${JSON.stringify(model)}; it has ${PEER_MODELS.join(", ")}`,
    );
  }
  await checkPeerScript(script);
  const args = [
    script,
    "--model",
    model,
    "--threads",
    String(threads),
    "--epochs",
    "2",
    "--wait-quiet",
    "0",
  ];
  if (dataDir !== undefined) args.push("--data-dir", dataDir);
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command(python, { args, stdout: "piped", stderr: "piped" }).output();
  } catch (e) {
    throw new DigitLabError(
      `cannot run ${python} for the PyTorch peer: ${(e as Error).message} ` +
        "(it needs Debian's python3 and python3-torch)",
      { cause: e },
    );
  }
  const decoder = new TextDecoder();
  if (!out.success) {
    const stderr = decoder.decode(out.stderr).trim();
    const hint = /No module named '?torch/.test(stderr)
      ? "\nPyTorch is not installed for it: apt-get install python3-torch"
      : "";
    throw new DigitLabError(
      `the PyTorch peer ${python} ${args.join(" ")} failed with exit code ${out.code}:\n` +
        stderr.split("\n").slice(-8).join("\n") + hint,
    );
  }
  return parsePeerOutput(decoder.decode(out.stdout));
}

/**
 * The median of each figure over several peer runs, keeping each run's
 * training epoch and batch-256 rate for the spread. The data kind and the
 * torch version are the first run's.
 *
 * @throws {InvalidArgumentError} when `results` is empty.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { combinePeerRuns } from "./peer.ts";
 * const run = (epoch: number, b256: number) => ({
 *   train_epoch_s: epoch, train_epoch1_s: 2 * epoch, infer_b1_per_s: 1000,
 *   infer_b256_per_s: b256, peak_rss_mib: 700, data: "real_mnist", torch: "1.13",
 * });
 * const s = combinePeerRuns([run(30, 4000), run(28, 4400), run(35, 4200)]);
 * assertEquals([s.runs, s.train_epoch_s, s.train_epoch1_s, s.infer_b256_per_s], [3, 30, 60, 4200]);
 * assertEquals(s.train_epoch_s_runs, [30, 28, 35]);
 * ```
 */
export function combinePeerRuns(results: readonly PeerResult[]): PeerSummary {
  if (results.length === 0) throw new InvalidArgumentError("no PyTorch peer runs to combine");
  const mid = (key: keyof Omit<PeerResult, "data" | "torch">) => median(results.map((r) => r[key]));
  return {
    train_epoch_s: mid("train_epoch_s"),
    train_epoch1_s: mid("train_epoch1_s"),
    infer_b1_per_s: mid("infer_b1_per_s"),
    infer_b256_per_s: mid("infer_b256_per_s"),
    peak_rss_mib: mid("peak_rss_mib"),
    data: results[0].data,
    torch: results[0].torch,
    runs: results.length,
    train_epoch_s_runs: results.map((r) => r.train_epoch_s),
    infer_b256_per_s_runs: results.map((r) => r.infer_b256_per_s),
  };
}

/**
 * Puts our figures beside PyTorch's (one run, or the medians of
 * {@linkcode combinePeerRuns}), each as ours / PyTorch's.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { compareWithPeer } from "./peer.ts";
 * const c = compareWithPeer(
 *   { train_epoch_s: 30, infer_b1_per_s: 1000, infer_b256_per_s: 5000, peak_rss_mib: 300 },
 *   {
 *     train_epoch_s: 10, train_epoch1_s: 15, infer_b1_per_s: 2000, infer_b256_per_s: 20000,
 *     peak_rss_mib: 600, data: "real_mnist", torch: "1.13",
 *   },
 * );
 * assertEquals([c.train_ratio, c.train_ratio_epoch1, c.infer_b1_ratio], [3, 2, 0.5]);
 * ```
 */
export function compareWithPeer(
  ours: Pick<ModelBench, "train_epoch_s" | "infer_b1_per_s" | "infer_b256_per_s" | "peak_rss_mib">,
  peer: PeerResult | PeerSummary,
): PeerComparison {
  const runs = "runs" in peer ? peer : combinePeerRuns([peer]);
  const train_ratio = ours.train_epoch_s / peer.train_epoch_s;
  const infer_b256_ratio = ours.infer_b256_per_s / peer.infer_b256_per_s;
  const peak_rss_ratio = ours.peak_rss_mib / peer.peak_rss_mib;
  return {
    peer_train_epoch_s: peer.train_epoch_s,
    peer_train_epoch1_s: peer.train_epoch1_s,
    peer_infer_b1_per_s: peer.infer_b1_per_s,
    peer_infer_b256_per_s: peer.infer_b256_per_s,
    peer_peak_rss_mib: peer.peak_rss_mib,
    peer_data: peer.data,
    peer_torch: peer.torch,
    peer_runs: runs.runs,
    peer_train_epoch_s_runs: runs.train_epoch_s_runs,
    peer_infer_b256_per_s_runs: runs.infer_b256_per_s_runs,
    train_ratio,
    train_ratio_epoch1: ours.train_epoch_s / peer.train_epoch1_s,
    infer_b1_ratio: ours.infer_b1_per_s / peer.infer_b1_per_s,
    infer_b256_ratio,
    peak_rss_ratio,
    train_ratio_rounds: [train_ratio],
    infer_b256_ratio_rounds: [infer_b256_ratio],
    peak_rss_ratio_rounds: [peak_rss_ratio],
  };
}
