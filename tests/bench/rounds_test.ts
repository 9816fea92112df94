import { assertEquals, assertThrows } from "@std/assert";
import { combineComparisons, combineModelBenches } from "../../lib/bench/rounds.ts";
import { BENCH_FIGURES, type ModelBench } from "../../lib/bench/measure.ts";
import { compareWithPeer, PEER_RATIOS, type PeerResult } from "../../lib/bench/peer.ts";
import { InvalidArgumentError } from "../../lib/core/errors.ts";

/** A round whose figures all follow from `speed` (2: everything twice as fast). */
function round(speed: number, overrides: Partial<ModelBench> = {}): ModelBench {
  return {
    params: 34826,
    weights: "trained",
    train_samples_per_s: 5000 * speed,
    train_epoch_s: 12 / speed,
    train_epoch_s_runs: [12 / speed, 13 / speed],
    train_threads: 2,
    infer_b1_per_s: 4000 * speed,
    infer_b256_per_s: 16000 * speed,
    infer_b1_per_s_runs: [4000 * speed],
    infer_b256_per_s_runs: [16000 * speed, 15000 * speed],
    infer_threads: 2,
    e2e_p50_ms: 0.6 / speed,
    e2e_p95_ms: 0.8 / speed,
    peak_rss_mib: 500 + speed,
    tensor_leak: 0,
    ...overrides,
  };
}

Deno.test("combineModelBenches: each figure's median over the rounds, every repeat kept", () => {
  const all = combineModelBenches([round(1), round(2), round(0.5), round(4)]);
  for (const key of BENCH_FIGURES) {
    // The speeds' median is 1.5 (the mean of the middle two), figure by figure.
    const middle = [round(1)[key], round(2)[key]].sort((a, b) => a - b);
    assertEquals(all[key], (middle[0] + middle[1]) / 2, key);
  }
  assertEquals(all.train_epoch_s_runs, [12, 13, 6, 6.5, 24, 26, 3, 3.25], "in the order run");
  assertEquals(all.infer_b1_per_s_runs, [4000, 8000, 2000, 16000]);
  assertEquals(all.infer_b256_per_s_runs.length, 8);
  assertEquals([all.params, all.weights, all.train_threads, all.tensor_leak], [
    34826,
    "trained",
    2,
    0,
  ]);
  assertEquals(combineModelBenches([round(3)]), round(3), "one round is itself");
});

Deno.test("combineModelBenches: a leak in any round shows; mixed rounds are refused", () => {
  assertEquals(
    combineModelBenches([round(1), round(1, { tensor_leak: -2 }), round(1)]).tensor_leak,
    -2,
  );
  assertEquals(
    combineModelBenches([round(1, { tensor_leak: 1 }), round(1, { tensor_leak: 4 })]).tensor_leak,
    4,
  );
  assertThrows(() => combineModelBenches([]), InvalidArgumentError, "no rounds");
  assertThrows(
    () => combineModelBenches([round(1), round(1, { train_threads: 1 })]),
    InvalidArgumentError,
    "the rounds differ in train_threads: 2 and 1",
  );
  assertThrows(
    () => combineModelBenches([round(1), round(1, { weights: "data/models/default" })]),
    InvalidArgumentError,
    'weights: "trained" and "data/models/default"',
  );
});

function peer(epoch: number, b256: number): PeerResult {
  return {
    train_epoch_s: epoch,
    train_epoch1_s: epoch + 1,
    infer_b1_per_s: 700,
    infer_b256_per_s: b256,
    peak_rss_mib: 730,
    data: "real_mnist",
    torch: "1.13.0",
  };
}

Deno.test("combineComparisons: each ratio is the median of the rounds' own ratios", () => {
  // The machine drifts: round 2 is slow for us, round 3 slow for PyTorch.
  const rounds = [
    compareWithPeer(round(1), peer(27, 4000)),
    compareWithPeer(round(0.6), peer(28, 3600)),
    compareWithPeer(round(1.1), peer(36, 2800)),
  ];
  const c = combineComparisons(rounds);
  assertEquals(c.train_ratio_rounds, rounds.map((r) => r.train_ratio));
  assertEquals(c.infer_b256_ratio_rounds, rounds.map((r) => r.infer_b256_ratio));
  assertEquals(c.peak_rss_ratio_rounds, rounds.map((r) => r.peak_rss_ratio));
  for (const key of PEER_RATIOS) {
    const sorted = rounds.map((r) => r[key]).sort((a, b) => a - b);
    assertEquals(c[key], sorted[1], key);
  }
  // A ratio of the medians would be 12 / 28 = 0.43; the rounds' ratios are
  // 12/27, 20/28 and 10.9/36, whose median is 12/27.
  assertEquals(c.train_ratio, 12 / 27);
  assertEquals([c.peer_train_epoch_s, c.peer_infer_b256_per_s, c.peer_runs], [28, 3600, 3]);
  assertEquals(c.peer_train_epoch_s_runs, [27, 28, 36]);
  assertEquals(c.peer_infer_b256_per_s_runs, [4000, 3600, 2800]);
  assertEquals([c.peer_data, c.peer_torch], ["real_mnist", "1.13.0"]);
  assertEquals(combineComparisons([rounds[2]]), rounds[2], "one round is itself");
  assertThrows(() => combineComparisons([]), InvalidArgumentError, "no rounds of peer comparisons");
});
