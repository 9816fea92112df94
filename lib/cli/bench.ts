/**
 * `deno task bench`: training and inference speed, end-to-end latency and
 * memory of the reference and the strong model; with `--peer`, the same
 * figures of PyTorch on this machine, run alongside, and our ratios to them.
 * The last stdout line is one JSON object with every figure.
 *
 * @module
 */

import { join } from "@std/path";
import { setupBackend } from "../kernels/mod.ts";
import {
  benchModel,
  checkPeerScript,
  compareWithPeer,
  EPOCH_SAMPLES,
  type ModelBench,
  type PeerComparison,
  runPeer,
} from "../bench/mod.ts";
import { loadEmbeddedMnist, loadIdxDataset, resolveDataDir } from "../data/mod.ts";
import { dataPath, ModelLoadError, projectRoot, resolvePath } from "../core/mod.ts";
import { REFERENCE_CNN, STRONG_CNN } from "../model/mod.ts";
import { formatTable } from "../display/mod.ts";
import { intFlag, threadsFlag } from "./flags.ts";
import { parseFlags, runCli } from "./run.ts";

const HELP = `Usage: deno task bench [options]

Measures the reference and the strong CNN: training samples/s (batches of the
real training loop, after warm-up; median of repeats) and the implied time of a
60,000-sample epoch, inference images/s at batch 1 and 256, end-to-end latency
of one PNG (decode + normalise + predict), peak RSS and leaked tensors. The
last line is one JSON object with every figure.

Options:
  --data DIR           IDX dataset to use (default: $DIGIT_LAB_DATA, else the embedded digits)
  --batch-size N       training batch size (default 128)
  --batches N          timed training batches per repeat (default 30)
  --warmup N           untimed training batches before them (default 3)
  --repeats N          repeats of each throughput figure; the median is shown (default 3)
  --infer-images N     images per inference measurement (default 2000)
  --e2e-runs N         timed end-to-end runs (default 200)
  --threads N|auto     threads for training steps (as in train) and batch inference
                       (default auto: training as in train, inference on the cores up to 4)
  --weights DIR        strong model's inference weights (default data/models/default if it
                       exists, else the briefly trained model)
  --peer               also run the PyTorch peer and show our figures as ratios to its own
  --peer-script PATH   peer script (default <project>/../shared/anchors/torch_mnist_bench.py)
  -h, --help           show this help

Exit code 1 when a model leaked tensors, 2 on bad usage or a failed peer.
`;

async function isDir(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isDirectory;
  } catch {
    return false;
  }
}

const fixed = (digits: number) => (v: number) => v.toFixed(digits);
const ROWS: [string, keyof ModelBench, (v: number) => string][] = [
  ["parameters", "params", (v) => v.toLocaleString("en-US")],
  ["train samples/s", "train_samples_per_s", fixed(0)],
  [`train epoch (${EPOCH_SAMPLES / 1000}k), s`, "train_epoch_s", fixed(1)],
  ["train threads", "train_threads", String],
  ["inference batch 1, img/s", "infer_b1_per_s", fixed(0)],
  ["inference batch 256, img/s", "infer_b256_per_s", fixed(0)],
  ["inference threads", "infer_threads", String],
  ["end-to-end p50, ms", "e2e_p50_ms", fixed(2)],
  ["end-to-end p95, ms", "e2e_p95_ms", fixed(2)],
  ["peak RSS so far, MiB", "peak_rss_mib", fixed(0)],
  ["tensor leak", "tensor_leak", String],
];

function modelTable(models: Record<string, ModelBench>): string {
  const names = Object.keys(models);
  return formatTable(
    [
      ...ROWS.map(([label, key, show]) => [
        label,
        ...names.map((n) => show(models[n][key] as number)),
      ]),
      ["inference weights", ...names.map((n) => models[n].weights)],
    ],
    { header: ["", ...names], align: ["left", ...names.map(() => "right" as const)] },
  );
}

function peerTable(ours: ModelBench, c: PeerComparison): string {
  const row = (label: string, mine: number, theirs: number, ratio: number, digits: number) => [
    label,
    mine.toFixed(digits),
    theirs.toFixed(digits),
    `${ratio.toFixed(2)}x`,
  ];
  return formatTable(
    [
      row(
        "train epoch (60k), s  (lower is better)",
        ours.train_epoch_s,
        c.peer_train_epoch_s,
        c.train_ratio,
        1,
      ),
      row(
        "  vs PyTorch's first epoch, s",
        ours.train_epoch_s,
        c.peer_train_epoch1_s,
        c.train_ratio_epoch1,
        1,
      ),
      row(
        "inference batch 1, img/s",
        ours.infer_b1_per_s,
        c.peer_infer_b1_per_s,
        c.infer_b1_ratio,
        0,
      ),
      row(
        "inference batch 256, img/s",
        ours.infer_b256_per_s,
        c.peer_infer_b256_per_s,
        c.infer_b256_ratio,
        0,
      ),
      row(
        "peak RSS, MiB  (lower is better)",
        ours.peak_rss_mib,
        c.peer_peak_rss_mib,
        c.peak_rss_ratio,
        0,
      ),
    ],
    {
      header: ["reference CNN", "Digit Lab", `PyTorch ${c.peer_torch}`, "ours / PyTorch"],
      align: ["left", "right", "right", "right"],
    },
  );
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
      "threads",
      "weights",
      "peer-script",
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
    threads: threadsFlag(flags),
  };
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

  const backend = await setupBackend();
  const dataDir = resolveDataDir(flags.data);
  const data = dataDir === undefined
    ? await loadEmbeddedMnist()
    : (await loadIdxDataset(dataDir)).train;
  console.log(
    `Backend: tfjs ${backend.tfjsVersion} on ${backend.backend} (SIMD ${
      backend.simd ? "on" : "off"
    }, ${backend.threads} thread per replica); data ${data.source}`,
  );
  console.log(
    `Training: batch ${settings.batchSize}, ${settings.batches} timed batches after ` +
      `${settings.warmupBatches} warm-up, median of ${settings.repeats}; inference over ` +
      `${settings.inferImages} images; end-to-end over ${settings.e2eRuns} runs of a 64x64 PNG`,
  );

  const models: Record<string, ModelBench> = {};
  for (
    const [name, config, weightsDir] of [
      ["reference", REFERENCE_CNN, undefined],
      ["strong", STRONG_CNN, weights],
    ] as const
  ) {
    console.error(`Benchmarking ${name}…`);
    models[name] = await benchModel({ config, data, weightsDir, ...settings });
  }
  console.log("\n" + modelTable(models));

  let comparison: PeerComparison | undefined;
  if (flags.peer) {
    console.error(`Running the PyTorch peer ${peerScript}…`);
    const peer = await runPeer({ script: peerScript, dataDir });
    comparison = compareWithPeer(models.reference, peer);
    console.log(
      `\nPyTorch peer (same reference CNN, 2 threads, two real epochs on ${peer.data}; its steady epoch is the second):\n` +
        peerTable(models.reference, comparison),
    );
  }
  const leaks = Object.values(models).reduce((s, m) => s + Math.abs(m.tensor_leak), 0);
  console.log(JSON.stringify({
    ...models.reference,
    models,
    ...comparison,
    backend: `${backend.backend} simd=${backend.simd} threads=${backend.threads}`,
    tfjs: backend.tfjsVersion,
    data: data.source,
    batch_size: settings.batchSize,
    batches: settings.batches,
    repeats: settings.repeats,
  }));
  return leaks === 0 ? 0 : 1;
}

if (import.meta.main) await runCli(main);
