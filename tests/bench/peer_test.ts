import {
  assert,
  assertEquals,
  assertRejects,
  assertStringIncludes,
  assertThrows,
} from "@std/assert";
import {
  checkPeerScript,
  combinePeerRuns,
  compareWithPeer,
  parsePeerOutput,
  type PeerModel,
  type PeerResult,
  runPeer,
} from "../../lib/bench/peer.ts";
import { DataFormatError, DigitLabError, InvalidArgumentError } from "../../lib/core/errors.ts";

const PEER_JSON = {
  torch: "1.13.1",
  runs: [{
    data: "real_mnist",
    train_epoch1_s: 19,
    // The steady epoch is the fastest after the first.
    epochs: [{ seconds: 19 }, { seconds: 13 }, { seconds: 12.5 }],
    peak_rss_mib: 640,
    inference: { batch_1: { samples_per_s: 2500 }, batch_256: { samples_per_s: 40000 } },
  }],
};

/** Writes a Python script that records its arguments, logs, and prints `lastLine`. */
async function fakePeer(
  dir: string,
  lastLine: string,
  exitCode = 0,
  stderr = "progress",
): Promise<string> {
  const script = `${dir}/peer.py`;
  await Deno.writeTextFile(
    script,
    [
      "import json, sys",
      `open(${JSON.stringify(`${dir}/argv.json`)}, "w").write(json.dumps(sys.argv[1:]))`,
      `print(${JSON.stringify(stderr)}, file=sys.stderr)`,
      'print("not the result")',
      `print(${JSON.stringify(lastLine)})`,
      `sys.exit(${exitCode})`,
    ].join("\n"),
  );
  return script;
}

Deno.test("parsePeerOutput reads the figures of the last line", () => {
  const peer = parsePeerOutput(`log line\n${JSON.stringify(PEER_JSON)}\n`);
  assertEquals(peer, {
    train_epoch_s: 12.5,
    train_epoch1_s: 19,
    infer_b1_per_s: 2500,
    infer_b256_per_s: 40000,
    peak_rss_mib: 640,
    data: "real_mnist",
    torch: "1.13.1",
  });
  assertThrows(() => parsePeerOutput("Traceback"), DataFormatError, "Traceback");
  assertThrows(() => parsePeerOutput("{}"), DataFormatError, "no runs[0]");
  const zero = structuredClone(PEER_JSON);
  zero.runs[0].inference.batch_256.samples_per_s = 0;
  assertThrows(
    () => parsePeerOutput(JSON.stringify(zero)),
    DataFormatError,
    "runs[0].inference.batch_256.samples_per_s is 0",
  );
  const oneEpoch = structuredClone(PEER_JSON);
  oneEpoch.runs[0].epochs = [{ seconds: 19 }];
  assertThrows(
    () => parsePeerOutput(JSON.stringify(oneEpoch)),
    DataFormatError,
    "needs a second epoch",
  );
});

Deno.test("compareWithPeer divides ours by PyTorch's", () => {
  const c = compareWithPeer(
    { train_epoch_s: 25, infer_b1_per_s: 1000, infer_b256_per_s: 10000, peak_rss_mib: 320 },
    parsePeerOutput(JSON.stringify(PEER_JSON)),
  );
  assertEquals(c.train_ratio, 2);
  assertEquals(c.train_ratio_epoch1, 25 / 19);
  assertEquals(c.infer_b1_ratio, 0.4);
  assertEquals(c.infer_b256_ratio, 0.25);
  assertEquals(c.peak_rss_ratio, 0.5);
  assertEquals([c.peer_train_epoch_s, c.peer_data, c.peer_torch], [12.5, "real_mnist", "1.13.1"]);
  // One run is its own median, and its own spread.
  assertEquals([c.peer_runs, c.peer_train_epoch_s_runs, c.peer_infer_b256_per_s_runs], [
    1,
    [12.5],
    [40000],
  ]);
  // One comparison is one round.
  assertEquals(
    [c.train_ratio_rounds, c.infer_b256_ratio_rounds, c.peak_rss_ratio_rounds],
    [[2], [0.25], [0.5]],
  );
});

/** A peer result whose figures all come from `epoch`, so each run differs. */
function peerRun(epoch: number, rss = 600): PeerResult {
  return {
    train_epoch_s: epoch,
    train_epoch1_s: epoch + 5,
    infer_b1_per_s: 1000 * epoch,
    infer_b256_per_s: 100_000 / epoch,
    peak_rss_mib: rss,
    data: "real_mnist",
    torch: "1.13.1",
  };
}

Deno.test("combinePeerRuns takes each figure's median and keeps the runs", () => {
  const s = combinePeerRuns([peerRun(20, 610), peerRun(10, 640), peerRun(16, 600), peerRun(12)]);
  assertEquals(s.runs, 4);
  assertEquals(s.train_epoch_s, 14, "the mean of the middle two of 10, 12, 16, 20");
  assertEquals(s.train_epoch1_s, 19);
  assertEquals(s.infer_b1_per_s, 14000);
  assertEquals(s.infer_b256_per_s, (100_000 / 12 + 100_000 / 16) / 2);
  assertEquals(s.peak_rss_mib, 605);
  assertEquals(s.train_epoch_s_runs, [20, 10, 16, 12], "in the order run");
  assertEquals(s.infer_b256_per_s_runs, [5000, 10000, 6250, 100_000 / 12]);
  assertThrows(() => combinePeerRuns([]), InvalidArgumentError, "no PyTorch peer runs");
  // The comparison is with the medians, and carries the spread.
  const c = compareWithPeer(
    { train_epoch_s: 7, infer_b1_per_s: 7000, infer_b256_per_s: 1000, peak_rss_mib: 302.5 },
    s,
  );
  assertEquals([c.train_ratio, c.infer_b1_ratio, c.peak_rss_ratio], [0.5, 0.5, 0.5]);
  assertEquals([c.peer_runs, c.peer_train_epoch_s_runs], [4, [20, 10, 16, 12]]);
});

Deno.test("runPeer spawns the script with the peer flags and parses its output", async () => {
  const dir = await Deno.makeTempDir({ prefix: "peer_" });
  try {
    const script = await fakePeer(dir, JSON.stringify(PEER_JSON));
    const peer = await runPeer({ script, dataDir: "/some/mnist" });
    assertEquals(peer.train_epoch_s, 12.5);
    assertEquals(
      JSON.parse(await Deno.readTextFile(`${dir}/argv.json`)),
      [
        "--model",
        "reference",
        "--threads",
        "2",
        "--epochs",
        "2",
        "--wait-quiet",
        "0",
        "--data-dir",
        "/some/mnist",
      ],
    );
    await runPeer({ script, model: "strong", threads: 1 });
    assertEquals(
      JSON.parse(await Deno.readTextFile(`${dir}/argv.json`)),
      ["--model", "strong", "--threads", "1", "--epochs", "2", "--wait-quiet", "0"],
    );
    await assertRejects(
      () => runPeer({ script, model: "resnet" as PeerModel }),
      InvalidArgumentError,
      'no model "resnet"; it has reference, strong',
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("runPeer fails clearly: missing script, missing torch, missing python", async () => {
  const dir = await Deno.makeTempDir({ prefix: "peer_" });
  try {
    await assertRejects(() => checkPeerScript(dir), InvalidArgumentError, "is not a file");
    await assertRejects(
      () => runPeer({ script: `${dir}/nope.py` }),
      InvalidArgumentError,
      `${dir}/nope.py cannot be read`,
    );
    const script = await fakePeer(dir, "", 1, "ModuleNotFoundError: No module named 'torch'");
    const e = await assertRejects(() => runPeer({ script }), DigitLabError);
    assertStringIncludes(e.message, "exit code 1");
    assertStringIncludes(e.message, "No module named 'torch'");
    assertStringIncludes(e.message, "apt-get install python3-torch");
    const p = await assertRejects(
      () => runPeer({ script, python: `${dir}/no-python` }),
      DigitLabError,
      "python3-torch",
    );
    assert(p.message.includes(`${dir}/no-python`), p.message);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
