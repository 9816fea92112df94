/**
 * Rounds of the bench, combined. A round measures one model in a process
 * of its own, then runs the PyTorch peer on the same model, so the two
 * sides of the round's ratios are minutes apart. This machine's speed
 * drifts by up to 1.7x within minutes (the same 64-image reference shard
 * took 19 to 35 ms), and it does not drift the same way for both sides:
 * over three runs of one commit, our reference epoch / PyTorch's ranged
 * 0.54x to 0.62x. So a figure of several rounds is the median of the
 * rounds' figures, and a ratio is the median of the rounds' own ratios,
 * never a ratio of two medians taken at different minutes.
 *
 * @module
 */

import { InvalidArgumentError } from "../core/mod.ts";
import { BENCH_FIGURES, type ModelBench } from "./measure.ts";
import { PEER_RATIOS, type PeerComparison } from "./peer.ts";
import { median } from "./timing.ts";

/** The arrays of each round, end to end. */
function joined(rounds: readonly Record<string, unknown>[], key: string): number[] {
  return rounds.flatMap((r) => r[key] as number[]);
}

function checkRounds(rounds: readonly unknown[], what: string): void {
  if (rounds.length === 0) throw new InvalidArgumentError(`no rounds of ${what} to combine`);
}

/**
 * One model's figures over several rounds: each of
 * {@linkcode BENCH_FIGURES} is the median of the rounds', the `_runs`
 * arrays hold every repeat of every round in the order run, and
 * `tensor_leak` is the largest leak of any round.
 *
 * @throws {InvalidArgumentError} when `rounds` is empty, or the rounds
 *   measured different models or threads (named with both values).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { combineModelBenches } from "./rounds.ts";
 * import type { ModelBench } from "./measure.ts";
 * const round = (epoch: number, leak = 0): ModelBench => ({
 *   params: 10, weights: "trained", train_samples_per_s: 60000 / epoch, train_epoch_s: epoch,
 *   train_epoch_s_runs: [epoch], train_threads: 2, infer_b1_per_s: 1000,
 *   infer_b256_per_s: 5000, infer_b1_per_s_runs: [1000], infer_b256_per_s_runs: [5000],
 *   infer_threads: 2, e2e_p50_ms: 1, e2e_p95_ms: 2, peak_rss_mib: 500, tensor_leak: leak,
 * });
 * const all = combineModelBenches([round(12), round(20, 3), round(11)]);
 * assertEquals([all.train_epoch_s, all.train_epoch_s_runs], [12, [12, 20, 11]]);
 * assertEquals(all.tensor_leak, 3); // a leak in any round shows
 * ```
 */
export function combineModelBenches(rounds: readonly ModelBench[]): ModelBench {
  checkRounds(rounds, "a model's bench");
  const [first] = rounds;
  for (const key of ["params", "weights", "train_threads", "infer_threads"] as const) {
    const other = rounds.find((r) => r[key] !== first[key]);
    if (other !== undefined) {
      throw new InvalidArgumentError(
        `the rounds differ in ${key}: ${JSON.stringify(first[key])} and ${
          JSON.stringify(other[key])
        }`,
      );
    }
  }
  const figures = Object.fromEntries(
    BENCH_FIGURES.map((key) => [key, median(rounds.map((r) => r[key]))]),
  ) as Record<typeof BENCH_FIGURES[number], number>;
  const records = rounds as unknown as Record<string, unknown>[];
  return {
    ...first,
    ...figures,
    train_epoch_s_runs: joined(records, "train_epoch_s_runs"),
    infer_b1_per_s_runs: joined(records, "infer_b1_per_s_runs"),
    infer_b256_per_s_runs: joined(records, "infer_b256_per_s_runs"),
    tensor_leak: rounds.reduce(
      (worst, r) => Math.abs(r.tensor_leak) > Math.abs(worst) ? r.tensor_leak : worst,
      0,
    ),
  };
}

/**
 * One model's comparisons with the peer over several rounds: each ratio is
 * the median of the rounds' own ratios (the `_rounds` arrays hold them in
 * the order run), each PyTorch figure the median of the rounds', and
 * `peer_runs` counts every peer run.
 *
 * @throws {InvalidArgumentError} when `rounds` is empty.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { combineComparisons } from "./rounds.ts";
 * import { compareWithPeer } from "./peer.ts";
 * const peer = (epoch: number) => ({
 *   train_epoch_s: epoch, train_epoch1_s: epoch, infer_b1_per_s: 100, infer_b256_per_s: 1000,
 *   peak_rss_mib: 800, data: "real_mnist", torch: "1.13",
 * });
 * const ours = (epoch: number) => ({
 *   train_epoch_s: epoch, infer_b1_per_s: 500, infer_b256_per_s: 3000, peak_rss_mib: 600,
 * });
 * // The machine was slower in round 2, for both sides.
 * const c = combineComparisons([
 *   compareWithPeer(ours(10), peer(25)),
 *   compareWithPeer(ours(16), peer(32)),
 *   compareWithPeer(ours(11), peer(24)),
 * ]);
 * assertEquals(c.train_ratio_rounds, [0.4, 0.5, 11 / 24]);
 * assertEquals(c.train_ratio, 11 / 24); // not median(ours) / median(peer) = 11 / 25
 * assertEquals([c.peer_train_epoch_s, c.peer_runs], [25, 3]);
 * ```
 */
export function combineComparisons(rounds: readonly PeerComparison[]): PeerComparison {
  checkRounds(rounds, "peer comparisons");
  const mid = (key: keyof PeerComparison) => median(rounds.map((r) => r[key] as number));
  const records = rounds as unknown as Record<string, unknown>[];
  return {
    peer_train_epoch_s: mid("peer_train_epoch_s"),
    peer_train_epoch1_s: mid("peer_train_epoch1_s"),
    peer_infer_b1_per_s: mid("peer_infer_b1_per_s"),
    peer_infer_b256_per_s: mid("peer_infer_b256_per_s"),
    peer_peak_rss_mib: mid("peer_peak_rss_mib"),
    peer_data: rounds[0].peer_data,
    peer_torch: rounds[0].peer_torch,
    peer_runs: rounds.reduce((n, r) => n + r.peer_runs, 0),
    peer_train_epoch_s_runs: joined(records, "peer_train_epoch_s_runs"),
    peer_infer_b256_per_s_runs: joined(records, "peer_infer_b256_per_s_runs"),
    ...Object.fromEntries(PEER_RATIOS.map((key) => [key, mid(key)])) as Record<
      typeof PEER_RATIOS[number],
      number
    >,
    train_ratio_rounds: joined(records, "train_ratio_rounds"),
    infer_b256_ratio_rounds: joined(records, "infer_b256_ratio_rounds"),
    peak_rss_ratio_rounds: joined(records, "peak_rss_ratio_rounds"),
  };
}
