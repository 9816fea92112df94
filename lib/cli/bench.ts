/**
 * `deno task bench`: training and inference speed, end-to-end latency and
 * memory of the reference and the strong model, each measured in a process
 * of its own so that its peak RSS is its own; with `--peer`, the same
 * figures of PyTorch on this machine for both models, run alongside, and our
 * ratios to them. The last stdout line is one JSON object with every figure.
 *
 * @module
 */

import { join } from "@std/path";
import {
  benchInChild,
  checkPeerScript,
  type ChildBenchResult,
  combineComparisons,
  combineModelBenches,
  combinePeerRuns,
  compareWithPeer,
  EPOCH_SAMPLES,
  type ModelBench,
  type PeerComparison,
  type PeerModel,
  type PeerResult,
  runPeer,
} from "../bench/mod.ts";
import { resolveDataDir } from "../data/mod.ts";
import {
  dataPath,
  InvalidArgumentError,
  ModelLoadError,
  projectRoot,
  resolvePath,
} from "../core/mod.ts";
import { type ModelConfig, REFERENCE_CNN, STRONG_CNN } from "../model/mod.ts";
import { formatTable } from "../display/mod.ts";
import { intFlag, threadsFlag } from "./flags.ts";
import { parseFlags, runCli } from "./run.ts";

const HELP = `Usage: deno task bench [options]

Measures the reference and the strong CNN, each in a process of its own (so
that each peak RSS is one model's): training samples/s (batches of the real
training loop, after warm-up; median of repeats, with their range) and the
implied time of a 60,000-sample epoch, inference images/s at batch 1 and 256,
end-to-end latency of one PNG (decode + normalise + predict), peak RSS and
leaked tensors. The last line is one JSON object with every figure: the
reference model's at the top level, the strong model's as strong_<key>, and
both under models.<name>.

Options:
  --data DIR           IDX dataset to use (default: $DIGIT_LAB_DATA, else the embedded digits)
  --batch-size N       training batch size (default 128)
  --batches N          timed training batches per repeat (default 30)
  --warmup N           untimed training batches before them (default 3)
  --repeats N          repeats of each throughput figure; the median is shown (default 3)
  --infer-images N     images per inference measurement (default 2000)
  --e2e-runs N         timed end-to-end runs (default 200)
  --e2e-warmup N       untimed end-to-end runs before them, so that the figure is the steady
                       state of a long-running reader (default 1000)
  --threads N|auto     threads for training steps (as in train) and batch inference
                       (default auto: training as in train, inference on the cores up to 4)
  --weights DIR        strong model's inference weights (default data/models/default if it
                       exists, else the briefly trained model)
  --peer               also run the PyTorch peer (2 threads, 2 epochs) for both models and
                       show our figures as ratios to its own
  --peer-runs N        runs of the peer per model and round; the median is shown (default 1)
  --rounds N           measure everything N times, each model then its peer in turn; every
                       figure is the median of the rounds' and every ratio the median of the
                       rounds' own ratios, with their range (default 1). The machine's speed
                       drifts within minutes: 3 rounds make the ratios robust.
  --peer-script PATH   peer script (default <project>/../shared/anchors/torch_mnist_bench.py)
  -h, --help           show this help

Exit code 1 when a model leaked tensors, 2 on bad usage or a failed peer.
`;

/** The models measured, in order, with the peer script's name for each. */
const MODELS: readonly { name: PeerModel; config: ModelConfig; shipped: boolean }[] = [
  { name: "reference", config: REFERENCE_CNN, shipped: false },
  // The shipped model (data/models/default) is the strong CNN: its inference uses those weights.
  { name: "strong", config: STRONG_CNN, shipped: true },
];

async function isDir(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isDirectory;
  } catch {
    return false;
  }
}

/** `value` with `digits` decimals and `unit`, and the range of `runs` when there are several. */
function withSpread(value: number, runs: readonly number[], digits: number, unit = ""): string {
  const text = value.toFixed(digits) + unit;
  if (runs.length < 2) return text;
  return `${text} (${Math.min(...runs).toFixed(digits)}–${Math.max(...runs).toFixed(digits)})`;
}

const fixed = (digits: number) => (v: number) => v.toFixed(digits);
const ROWS: [string, (m: ModelBench) => string][] = [
  ["parameters", (m) => m.params.toLocaleString("en-US")],
  ["train samples/s", (m) => fixed(0)(m.train_samples_per_s)],
  [
    `train epoch (${EPOCH_SAMPLES / 1000}k), s`,
    (m) => withSpread(m.train_epoch_s, m.train_epoch_s_runs, 1),
  ],
  ["train threads", (m) => String(m.train_threads)],
  ["inference batch 1, img/s", (m) => withSpread(m.infer_b1_per_s, m.infer_b1_per_s_runs, 0)],
  [
    "inference batch 256, img/s",
    (m) => withSpread(m.infer_b256_per_s, m.infer_b256_per_s_runs, 0),
  ],
  ["inference threads", (m) => String(m.infer_threads)],
  ["end-to-end p50, ms", (m) => fixed(2)(m.e2e_p50_ms)],
  ["end-to-end p95, ms", (m) => fixed(2)(m.e2e_p95_ms)],
  ["peak RSS (own process), MiB", (m) => fixed(0)(m.peak_rss_mib)],
  ["tensor leak", (m) => String(m.tensor_leak)],
  ["inference weights", (m) => m.weights],
];

function modelTable(models: Record<string, ModelBench>): string {
  const names = Object.keys(models);
  return formatTable(
    ROWS.map(([label, show]) => [label, ...names.map((n) => show(models[n]))]),
    { header: ["", ...names], align: ["left", ...names.map(() => "right" as const)] },
  );
}

function peerTable(name: string, ours: ModelBench, c: PeerComparison): string {
  const row = (label: string, mine: string, theirs: string, ratio: number, rounds = [ratio]) => [
    label,
    mine,
    theirs,
    withSpread(ratio, rounds, 2, "x"),
  ];
  return formatTable(
    [
      row(
        "train epoch (60k), s  (lower is better)",
        withSpread(ours.train_epoch_s, ours.train_epoch_s_runs, 1),
        withSpread(c.peer_train_epoch_s, c.peer_train_epoch_s_runs, 1),
        c.train_ratio,
        c.train_ratio_rounds,
      ),
      row(
        "  vs PyTorch's first epoch, s",
        ours.train_epoch_s.toFixed(1),
        c.peer_train_epoch1_s.toFixed(1),
        c.train_ratio_epoch1,
      ),
      row(
        "inference batch 1, img/s",
        ours.infer_b1_per_s.toFixed(0),
        c.peer_infer_b1_per_s.toFixed(0),
        c.infer_b1_ratio,
      ),
      row(
        "inference batch 256, img/s",
        withSpread(ours.infer_b256_per_s, ours.infer_b256_per_s_runs, 0),
        withSpread(c.peer_infer_b256_per_s, c.peer_infer_b256_per_s_runs, 0),
        c.infer_b256_ratio,
        c.infer_b256_ratio_rounds,
      ),
      row(
        "peak RSS, MiB  (lower is better)",
        ours.peak_rss_mib.toFixed(0),
        c.peer_peak_rss_mib.toFixed(0),
        c.peak_rss_ratio,
        c.peak_rss_ratio_rounds,
      ),
    ],
    {
      header: [`${name} CNN`, "Digit Lab", `PyTorch ${c.peer_torch}`, "ours / PyTorch"],
      align: ["left", "right", "right", "right"],
    },
  );
}

/** `record`'s entries with `prefix` before each key. */
function prefixKeys(prefix: string, record: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [prefix + k, v]));
}

/**
 * Runs the bench command with the given arguments and returns the exit code.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { main } from "./bench.ts";
 * assertEquals(await main(["--help"]), 0);
 * ```
 */
export async function main(args: string[]): Promise<number> {
  const flags = parseFlags(args, {
    string: [
      "data",
      "batch-size",
      "batches",
      "warmup",
      "repeats",
      "infer-images",
      "e2e-runs",
      "e2e-warmup",
      "threads",
      "weights",
      "peer-runs",
      "peer-script",
      "rounds",
    ],
    boolean: ["peer"],
    positional: false,
  });
  if (flags.help) {
    console.log(HELP);
    return 0;
  }
  const settings = {
    batchSize: intFlag(flags, "batch-size", 128, { min: 1 }),
    batches: intFlag(flags, "batches", 30, { min: 1 }),
    warmupBatches: intFlag(flags, "warmup", 3, { min: 0 }),
    repeats: intFlag(flags, "repeats", 3, { min: 1 }),
    inferImages: intFlag(flags, "infer-images", 2000, { min: 1 }),
    e2eRuns: intFlag(flags, "e2e-runs", 200, { min: 1 }),
    e2eWarmup: intFlag(flags, "e2e-warmup", 1000, { min: 0 }),
    threads: threadsFlag(flags),
  };
  const peerRuns = intFlag(flags, "peer-runs", 1, { min: 1 });
  const rounds = intFlag(flags, "rounds", 1, { min: 1 });
  if (!flags.peer && flags["peer-runs"] !== undefined) {
    throw new InvalidArgumentError("--peer-runs needs --peer");
  }
  const peerScript = resolvePath(
    flags["peer-script"] ?? join(projectRoot(), "..", "shared", "anchors", "torch_mnist_bench.py"),
  );
  if (flags.peer) await checkPeerScript(peerScript);
  const defaultWeights = dataPath("models", "default");
  const weights = flags.weights !== undefined
    ? resolvePath(flags.weights)
    : (await isDir(defaultWeights) ? defaultWeights : undefined);
  if (weights !== undefined && !await isDir(weights)) {
    throw new ModelLoadError(`--weights ${weights} is not a model directory`);
  }
  // Absolute, because the children run in the project root.
  const dataFlag = resolveDataDir(flags.data);
  const dataDir = dataFlag === undefined ? undefined : resolvePath(dataFlag);

  // The first round's child of each model (its pid and backend are printed);
  // each model's figures and, with --peer, its comparison of every round.
  const children: Record<string, ChildBenchResult> = {};
  const benches: Record<string, ModelBench[]> = {};
  const paired: Record<string, PeerComparison[]> = {};
  // Each model's peer runs follow its own measurement, so that the two sides
  // of a round's ratio are measured minutes apart, not the whole bench apart.
  for (let round = 1; round <= rounds; round++) {
    const of = rounds > 1 ? ` (round ${round}/${rounds})` : "";
    for (const { name, config, shipped } of MODELS) {
      console.error(`Benchmarking ${name} in its own process${of}…`);
      const child = await benchInChild({
        config,
        dataDir,
        weightsDir: shipped ? weights : undefined,
        ...settings,
      });
      children[name] ??= child;
      (benches[name] ??= []).push(child.bench);
      if (!flags.peer) continue;
      const peers: PeerResult[] = [];
      for (let run = 1; run <= peerRuns; run++) {
        console.error(
          `Running the PyTorch peer ${peerScript} --model ${name} (${run}/${peerRuns})${of}…`,
        );
        peers.push(await runPeer({ script: peerScript, dataDir, model: name }));
      }
      (paired[name] ??= []).push(compareWithPeer(child.bench, combinePeerRuns(peers)));
    }
  }
  const models: Record<string, ModelBench> = Object.fromEntries(
    Object.entries(benches).map(([name, all]) => [name, combineModelBenches(all)]),
  );
  const comparisons: Record<string, PeerComparison> = Object.fromEntries(
    Object.entries(paired).map(([name, all]) => [name, combineComparisons(all)]),
  );

  const { backend, data } = children.reference;
  console.log(
    `Backend: tfjs ${backend.tfjsVersion} on ${backend.backend} (SIMD ${
      backend.simd ? "on" : "off"
    }, ${backend.threads} thread per replica); data ${data}; one process per model`,
  );
  console.log(
    `Training: batch ${settings.batchSize}, ${settings.batches} timed batches after ` +
      `${settings.warmupBatches} warm-up, median of ${settings.repeats} (range in parentheses); ` +
      `inference over ${settings.inferImages} images; end-to-end over ${settings.e2eRuns} runs ` +
      `of a 64x64 PNG after ${settings.e2eWarmup} untimed ones` +
      (rounds > 1
        ? `; ${rounds} rounds, each figure the median of the rounds' (range: every repeat)`
        : ""),
  );
  console.log("\n" + modelTable(models));
  for (const { name } of MODELS) {
    const c = comparisons[name];
    if (c === undefined) continue;
    const ofRounds = rounds > 1
      ? `; ${rounds} rounds of ours then PyTorch's, each ratio the median of the rounds' ratios ` +
        `(their range in parentheses)`
      : "";
    console.log(
      `\nPyTorch peer (same ${name} CNN, 2 threads, two real epochs on ${c.peer_data}, its ` +
        `steady epoch is the second; median of ${c.peer_runs} run${
          c.peer_runs > 1 ? "s" : ""
        }${ofRounds}):\n` +
        peerTable(name, models[name], c),
    );
  }
  const leaks = Object.values(models).reduce((s, m) => s + Math.abs(m.tensor_leak), 0);
  console.log(JSON.stringify({
    ...models.reference,
    models,
    ...comparisons.reference,
    ...prefixKeys("strong_", { ...models.strong, ...comparisons.strong }),
    model_pids: Object.fromEntries(MODELS.map(({ name }) => [name, children[name].pid])),
    backend: `${backend.backend} simd=${backend.simd} threads=${backend.threads}`,
    tfjs: backend.tfjsVersion,
    data,
    batch_size: settings.batchSize,
    batches: settings.batches,
    repeats: settings.repeats,
    rounds,
  }));
  return leaks === 0 ? 0 : 1;
}

if (import.meta.main) await runCli(main);
