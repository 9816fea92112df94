import { captureLog } from "../_helpers/cli.ts";
import * as tf from "@tensorflow/tfjs";
import {
  assert,
  assertAlmostEquals,
  assertEquals,
  assertRejects,
  assertStringIncludes,
} from "@std/assert";
import { setupBackend } from "../../lib/kernels/backend.ts";
import { BENCH_FIGURES } from "../../lib/bench/measure.ts";
import { main } from "../../lib/cli/bench.ts";
import { DigitLabError, InvalidArgumentError, ModelLoadError } from "../../lib/core/errors.ts";

const TINY = [
  "--batch-size",
  "8",
  "--batches",
  "2",
  "--warmup",
  "1",
  "--repeats",
  "1",
  "--infer-images",
  "16",
  "--e2e-runs",
  "4",
];

/**
 * Writes a stand-in for torch_mnist_bench.py that appends its arguments to
 * `argv.jsonl` and prints figures that depend on `--model` (the strong
 * model's epoch is 3x the reference's) and on how often it ran (each run of
 * a model 1 s slower than the one before), or fails for `failModel`.
 */
async function fakePeer(dir: string, failModel = ""): Promise<string> {
  const script = `${dir}/peer.py`;
  await Deno.writeTextFile(
    script,
    [
      "import json, os, sys",
      `log = ${JSON.stringify(`${dir}/argv.jsonl`)}`,
      'model_of = lambda argv: argv[argv.index("--model") + 1]',
      "model = model_of(sys.argv)",
      "calls = [json.loads(line) for line in open(log)] if os.path.exists(log) else []",
      "previous = sum(1 for argv in calls if model_of(argv) == model)",
      'open(log, "a").write(json.dumps(sys.argv[1:]) + "\\n")',
      `if model == ${JSON.stringify(failModel)}: sys.exit("peer failed for " + model)`,
      'epoch = (4.0 if model == "reference" else 12.0) + previous',
      'print(json.dumps({"torch": "9.9", "runs": [{"data": "real_mnist", "train_epoch1_s": 1.5 * epoch,',
      '  "epochs": [{"seconds": 1.5 * epoch}, {"seconds": epoch}],',
      '  "peak_rss_mib": 100.0 if model == "reference" else 200.0,',
      '  "inference": {"batch_1": {"samples_per_s": 50.0},',
      '                "batch_256": {"samples_per_s": 800.0 if model == "reference" else 400.0}}}]}))',
    ].join("\n") + "\n",
  );
  return script;
}

async function peerCalls(dir: string): Promise<string[][]> {
  const text = await Deno.readTextFile(`${dir}/argv.jsonl`);
  return text.trim().split("\n").map((line) => JSON.parse(line));
}

Deno.test("bench: each model in its own process, the peer for both, one JSON line", async () => {
  const dir = await Deno.makeTempDir({ prefix: "bench_cli_" });
  try {
    const script = await fakePeer(dir);
    await setupBackend();
    const before = tf.memory().numTensors;
    let code = -1;
    const out = await captureLog(async () => {
      code = await main([...TINY, "--peer", "--peer-runs", "2", "--peer-script", script]);
    }, { quietErrors: true });
    assertEquals(code, 0);
    assertEquals(tf.memory().numTensors, before, "the models are built in the children");
    assertStringIncludes(out, "ours / PyTorch");
    assertStringIncludes(out, "PyTorch 9.9");
    assertStringIncludes(out, "│ reference CNN");
    assertStringIncludes(out, "│ strong CNN");
    assertStringIncludes(out, "median of 2 runs");
    const json = JSON.parse(out.trim().split("\n").at(-1)!);
    for (const key of BENCH_FIGURES) {
      assert(json[key] > 0 && Number.isFinite(json[key]), `${key} = ${json[key]}`);
      assertEquals(json[`strong_${key}`], json.models.strong[key]);
      for (const name of ["reference", "strong"]) {
        const v = json.models[name][key];
        assert(v > 0 && Number.isFinite(v), `models.${name}.${key} = ${v}`);
      }
    }
    // One process per model, neither of them this one.
    const pids = [json.model_pids.reference, json.model_pids.strong];
    assert(pids.every((p) => Number.isInteger(p) && p !== Deno.pid), pids.join());
    assert(pids[0] !== pids[1], pids.join());
    assertEquals([json.tensor_leak, json.strong_tensor_leak], [0, 0]);
    assertEquals(json.train_samples_per_s, json.models.reference.train_samples_per_s);
    assertEquals([json.models.reference.params, json.models.strong.params], [34826, 198762]);
    assertEquals([json.params, json.strong_params], [34826, 198762]);
    assertEquals(json.repeats, 1);
    assertEquals(json.train_epoch_s_runs, [json.train_epoch_s]);
    // The peer ran twice for each model, the reference first, with --model.
    const calls = await peerCalls(dir);
    const models = calls.map((argv) => argv[argv.indexOf("--model") + 1]);
    assertEquals(models, ["reference", "reference", "strong", "strong"]);
    assert(calls.every((argv) => argv.join(" ").includes("--threads 2 --epochs 2")));
    // Reference: epochs 4 then 5, median 4.5; strong: 12 then 13, median 12.5.
    assertEquals([json.peer_runs, json.peer_train_epoch_s_runs], [2, [4, 5]]);
    assertEquals(json.peer_train_epoch_s, 4.5);
    assertEquals(json.peer_train_epoch1_s, 6.75);
    assertEquals(json.peer_infer_b1_per_s, 50);
    assertAlmostEquals(json.train_ratio, json.train_epoch_s / 4.5);
    assertAlmostEquals(json.train_ratio_epoch1, json.train_epoch_s / 6.75);
    assertAlmostEquals(json.infer_b256_ratio, json.infer_b256_per_s / 800);
    assertAlmostEquals(json.peak_rss_ratio, json.peak_rss_mib / 100);
    assertEquals([json.strong_peer_runs, json.strong_peer_train_epoch_s_runs], [2, [12, 13]]);
    assertAlmostEquals(json.strong_train_ratio, json.models.strong.train_epoch_s / 12.5);
    assertAlmostEquals(json.strong_infer_b256_ratio, json.models.strong.infer_b256_per_s / 400);
    assertAlmostEquals(json.strong_peak_rss_ratio, json.models.strong.peak_rss_mib / 200);
    assertEquals(json.strong_e2e_p50_ms, json.models.strong.e2e_p50_ms);
    assertStringIncludes(out, "vs PyTorch's first epoch");
    assertStringIncludes(out, "4.5 (4.0–5.0)", "the peer's spread is in its table");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("bench: --rounds pairs each model with its peer every round; ratios are the rounds' median", async () => {
  const dir = await Deno.makeTempDir({ prefix: "bench_cli_" });
  try {
    const script = await fakePeer(dir);
    let code = -1;
    const out = await captureLog(async () => {
      code = await main([...TINY, "--peer", "--rounds", "2", "--peer-script", script]);
    }, { quietErrors: true });
    assertEquals(code, 0);
    const calls = await peerCalls(dir);
    const models = calls.map((argv) => argv[argv.indexOf("--model") + 1]);
    assertEquals(
      models,
      ["reference", "strong", "reference", "strong"],
      "model then peer, per round",
    );
    const json = JSON.parse(out.trim().split("\n").at(-1)!);
    assertEquals(json.rounds, 2);
    for (const [prefix, epochs] of [["", [4, 5]], ["strong_", [12, 13]]] as const) {
      // With one repeat per round, each round's own epoch is its run.
      const ours: number[] = json[`${prefix}train_epoch_s_runs`];
      assertEquals(ours.length, 2);
      assertEquals(json[`${prefix}peer_train_epoch_s_runs`], epochs);
      const ratios: number[] = json[`${prefix}train_ratio_rounds`];
      assertEquals(ratios.length, 2);
      ratios.forEach((r, k) => assertAlmostEquals(r, ours[k] / epochs[k]));
      assertAlmostEquals(json[`${prefix}train_ratio`], (ratios[0] + ratios[1]) / 2);
      assertEquals(json[`${prefix}infer_b256_ratio_rounds`].length, 2);
      assertEquals(json[`${prefix}peer_runs`], 2);
    }
    assertStringIncludes(out, "2 rounds of ours then PyTorch's");
    const range = (v: number[]) => `(${Math.min(...v).toFixed(2)}–${Math.max(...v).toFixed(2)})`;
    assertStringIncludes(out, `${json.train_ratio.toFixed(2)}x ${range(json.train_ratio_rounds)}`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("bench: without --peer, no peer keys; --repeats gives each repeat's epoch", async () => {
  let code = -1;
  const out = await captureLog(async () => {
    code = await main(TINY.map((arg, i) => TINY[i - 1] === "--repeats" ? "2" : arg));
  }, { quietErrors: true });
  assertEquals(code, 0);
  assert(!out.includes("PyTorch"), out);
  const json = JSON.parse(out.trim().split("\n").at(-1)!);
  assertEquals(json.repeats, 2);
  for (const prefix of ["", "strong_"]) {
    assertEquals(json[`${prefix}train_epoch_s_runs`].length, 2);
    assertEquals(json[`${prefix}infer_b256_per_s_runs`].length, 2);
    assertEquals(json[`${prefix}train_ratio`], undefined);
  }
  assert(json.strong_e2e_p50_ms > 0);
});

Deno.test("bench: a failing peer is an error (exit code 2), named with its stderr", async () => {
  const dir = await Deno.makeTempDir({ prefix: "bench_cli_" });
  try {
    const script = await fakePeer(dir, "reference");
    const e = await assertRejects(
      () =>
        captureLog(() => main([...TINY, "--peer", "--peer-script", script]), { quietErrors: true }),
      DigitLabError,
      "peer failed for reference",
    );
    assertStringIncludes(e.message, "--model reference");
    assertEquals((await peerCalls(dir)).length, 1, "it stops at the first failure");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("bench: bad flags and a missing peer script fail before measuring", async () => {
  const t0 = performance.now();
  await assertRejects(() => main(["--batches", "0"]), InvalidArgumentError, "--batches");
  await assertRejects(() => main(["--repeats", "1.5"]), InvalidArgumentError, "1.5");
  await assertRejects(() => main(["--fast"]), InvalidArgumentError, "unknown option --fast");
  await assertRejects(
    () => main(["--peer-runs", "2"]),
    InvalidArgumentError,
    "--peer-runs needs --peer",
  );
  await assertRejects(() => main(["--rounds", "0"]), InvalidArgumentError, "--rounds");
  await assertRejects(
    () => main(["--peer", "--peer-runs", "0"]),
    InvalidArgumentError,
    "--peer-runs must be at least 1, got 0",
  );
  await assertRejects(
    () => main(["--peer", "--peer-script", "/nonexistent/torch_bench.py"]),
    InvalidArgumentError,
    "/nonexistent/torch_bench.py cannot be read",
  );
  await assertRejects(
    () => main(["--weights", "/nonexistent/model"]),
    ModelLoadError,
    "/nonexistent/model",
  );
  assert(performance.now() - t0 < 2000, "the errors come before any measurement");
});
