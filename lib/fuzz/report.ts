/**
 * The fuzz run's report: a table (one row per target), the typed errors by
 * class and the failures with their saved inputs, and one JSON line with
 * every figure for scripts.
 *
 * @module
 */

import { formatTable } from "../display/mod.ts";
import type { TargetReport } from "./runner.ts";

/**
 * The number of failures in a report: untyped errors, silently broken
 * results, hangs and memory blow-ups. A clean run has 0.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { failureCount } from "./report.ts";
 * const base = { target: "x", inputs: 1, accepted: 1, typed: {}, untyped: {}, silent: {},
 *   slow: 0, hangs: 0, rssOverLimit: 0, peakRssMib: 1, leakedTensors: 0, slowestMs: 1,
 *   seconds: 1, failures: [] };
 * assertEquals(failureCount([base]), 0);
 * assertEquals(failureCount([{ ...base, untyped: { TypeError: 2 }, hangs: 1 }]), 3);
 * ```
 */
export function failureCount(reports: readonly TargetReport[]): number {
  const sum = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);
  return reports.reduce(
    (n, r) => n + sum(r.untyped) + sum(r.silent) + r.hangs + r.rssOverLimit,
    0,
  );
}

function total(counts: Record<string, number>): number {
  return Object.values(counts).reduce((a, b) => a + b, 0);
}

function byClass(counts: Record<string, number>): string {
  return Object.entries(counts)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${v}`)
    .join(", ");
}

/**
 * The report as text: the table, then per target the typed errors by
 * class, then every failure with the path of its saved input.
 *
 * @example
 * ```ts
 * import { assertStringIncludes } from "@std/assert";
 * import { formatFuzzReport } from "./report.ts";
 * const text = formatFuzzReport([{ target: "png", inputs: 10, accepted: 2,
 *   typed: { ImageError: 8 }, untyped: {}, silent: {}, slow: 0, hangs: 0, rssOverLimit: 0,
 *   peakRssMib: 120, leakedTensors: 0, slowestMs: 12, seconds: 0.5, failures: [] }]);
 * assertStringIncludes(text, "ImageError 8");
 * ```
 */
export function formatFuzzReport(reports: readonly TargetReport[]): string {
  const table = formatTable(
    reports.map((r) => [
      r.target,
      String(r.inputs),
      String(r.accepted),
      String(total(r.typed)),
      String(total(r.untyped)),
      String(total(r.silent)),
      String(r.slow),
      String(r.hangs),
      String(r.peakRssMib),
      String(r.leakedTensors),
      r.slowestMs.toFixed(0),
      (r.inputs / Math.max(r.seconds, 1e-9)).toFixed(0),
    ]),
    {
      header: [
        "what",
        "tried",
        "accepted",
        "typed errors",
        "untyped",
        "silent",
        "slow >2 s",
        "hangs",
        "peak RSS MiB",
        "leaked tensors",
        "slowest ms",
        "inputs/s",
      ],
      align: ["left", ...Array(11).fill("right" as const)],
    },
  );
  const lines = [table, "", "Typed errors by class:"];
  for (const r of reports) lines.push(`  ${r.target}: ${byClass(r.typed) || "none"}`);
  const failures = reports.flatMap((r) => r.failures.map((f) => ({ target: r.target, ...f })));
  if (failures.length > 0) {
    lines.push("", "Failures (input saved):");
    for (const f of failures) {
      lines.push(`  ${f.target} #${f.index} ${f.kind} ${f.label}: ${f.detail}\n    ${f.path}`);
    }
  }
  return lines.join("\n");
}

/**
 * One JSON object with every figure (for the last line of the output).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { fuzzSummary } from "./report.ts";
 * assertEquals(fuzzSummary([], { seed: 1 }), { seed: 1, failures: 0, targets: [] });
 * ```
 */
export function fuzzSummary(
  reports: readonly TargetReport[],
  settings: Record<string, unknown>,
): Record<string, unknown> {
  return {
    ...settings,
    failures: failureCount(reports),
    targets: reports.map((r) => ({
      ...r,
      inputs_per_s: Math.round(r.inputs / Math.max(r.seconds, 1e-9)),
      seconds: Number(r.seconds.toFixed(2)),
      slowestMs: Math.round(r.slowestMs),
    })),
  };
}
