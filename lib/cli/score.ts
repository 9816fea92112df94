/**
 * `deno task score [--model DIR] [--json] [--html FILE] DIR`: scores a
 * labelled folder tree of real images (`<group>/<label>/<image>` for single
 * digits, `multi/<number>__<name>` for written numbers) with the same
 * reading `deno task predict` does, and prints accuracy per group, the
 * confusion pairs, the numbers read exactly and the calibration of the
 * confidence (by band, with the expected calibration error); `--html`
 * writes a page of every misread image with the pipeline's steps.
 *
 * @module
 */

import { InvalidArgumentError } from "../core/mod.ts";
import {
  assertLabelled,
  listLabelledTree,
  readImageFile,
  scoreListing,
  type TreeScore,
} from "../eval/mod.ts";
import { createProgressBar, formatTable, scorePageHtml } from "../display/mod.ts";
import { percent } from "./flags.ts";
import { parseFlags, runCli } from "./run.ts";
import { loadReadingModel } from "./reading_model.ts";

const HELP = `Usage: deno task score [--model DIR] [--json] [--html FILE] DIR

Reads every labelled image of a folder tree the way \`deno task predict\`
does and scores the readings:
  <group>/<label>/<image>       one digit; <label> is a folder 0-9, and the
                                folder above it is the group reported
  multi/<number>__<name>        a written number (read with --multi); the
                                number is the part before "__"
Files of other kinds are listed as skipped; an image that cannot be decoded
is reported and counts as wrong.

Prints accuracy per group and overall, confusion pairs (true -> read), the
numbers read exactly, and calibration: accuracy by confidence band and the
expected calibration error (ECE, 10 equal-width bins), with the count of
wrong readings at confidence >= 0.9.

Options:
  --model DIR   model directory (default data/models/default, the shipped model)
  --json        print one JSON object (every figure and every reading) instead
                of the tables
  --html FILE   also write a page (no script, images embedded) of every
                misread image with the pipeline's steps
  -h, --help    show this help

Exit code: 0 when every image could be read, 1 when any could not be read or
decoded, 2 on bad usage.
`;

/**
 * Runs the score command and returns the exit code.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { main } from "./score.ts";
 * const root = await Deno.makeTempDir();
 * await Deno.mkdir(`${root}/scans/7`, { recursive: true });
 * await Deno.copyFile("data/examples/scan_7.png", `${root}/scans/7/scan.png`);
 * // Prints the tables: scans 1 of 1 right, no confusion, calibration.
 * assertEquals(await main([root]), 0);
 * await Deno.remove(root, { recursive: true });
 * ```
 */
export async function main(args: string[]): Promise<number> {
  const flags = parseFlags(args, {
    string: ["model", "html"],
    boolean: ["json"],
    positional: 1,
  });
  if (flags.help) {
    console.log(HELP);
    return 0;
  }
  const root = flags._[0];
  if (root === undefined) {
    throw new InvalidArgumentError("no folder given: pass the root of a labelled tree");
  }
  // The tree is checked before the model loads: a wrong folder fails at once.
  const listing = await listLabelledTree(root);
  assertLabelled(root, listing);
  // Calibrated when the model directory has a calibration.json.
  const { model, dir, classify } = await loadReadingModel(flags.model);
  try {
    let bar: ReturnType<typeof createProgressBar> | undefined;
    const score = await scoreListing(
      root,
      listing,
      // Exactly what `predict` does per file, so the score is what it would say.
      (file, options) => readImageFile(file, classify, options),
      {
        onProgress: (done, total) => {
          if (!Deno.stderr.isTerminal()) return;
          bar ??= createProgressBar({ total, label: "reading", writer: Deno.stderr });
          bar.update(done);
          if (done === total) bar.done();
        },
      },
    );
    // As predict does: one stderr line per file that could not be read, naming it once.
    for (const f of score.failures) {
      console.error(f.error.includes(f.file) ? f.error : `${f.file}: ${f.error}`);
    }
    if (flags.json) console.log(JSON.stringify({ model: dir, ...score }));
    else console.log(formatScore(score));
    if (flags.html !== undefined) {
      const html = await scorePageHtml(score, { classify });
      await Deno.writeTextFile(flags.html, html);
      const kb = Math.round(new TextEncoder().encode(html).length / 1024);
      (flags.json ? console.error : console.log)(`wrote ${flags.html} (${kb} kB)`);
    }
    return score.failures.length > 0 ? 1 : 0;
  } finally {
    model.dispose();
  }
}

/** Skipped files listed one per line in the terminal; more are counted by reason. */
const SKIPPED_SHOWN = 20;

/**
 * The terminal report of a score: the tables and closing lines.
 *
 * @example
 * ```ts
 * import { assertStringIncludes } from "@std/assert";
 * import { scoreItem, summarizeScores } from "../eval/mod.ts";
 * import { formatScore } from "./score.ts";
 * const item = { file: "set/s/7/a.png", path: "s/7/a.png", kind: "digit" as const, truth: "7", group: "s" };
 * const reading = {
 *   status: "ok", digit: 1, number: null, confidence: 0.95, error: null,
 *   alternatives: [{ digit: 1, probability: 0.95 }], digits: [{ digit: 1, confidence: 0.95 }],
 * };
 * const text = formatScore(summarizeScores("set", [scoreItem(item, reading)], []));
 * assertStringIncludes(text, "wrong readings with confidence ≥ 0.9: 1");
 * ```
 */
export function formatScore(score: TreeScore): string {
  const out: string[] = [];
  const groups = [...score.groups, score.overall].map((g) => [
    g.group,
    g.images,
    g.correct,
    g.images === 0 ? "-" : percent(g.accuracy),
    g.noDigit,
    g.failed,
  ]);
  out.push(
    `single digits: ${score.overall.correct} of ${score.overall.images} right`,
    formatTable(groups, {
      header: ["group", "images", "right", "accuracy", "no digit", "failed"],
      align: ["left", "right", "right", "right", "right", "right"],
    }),
  );
  out.push(`\nconfusion pairs (true -> read), most frequent first:`);
  out.push(
    score.confusions.length === 0 ? "none" : formatTable(
      score.confusions.map((c) => [c.truth, c.read, c.count]),
      { header: ["true", "read", "count"], align: ["right", "left", "right"] },
    ),
  );
  const { numbers } = score;
  out.push(
    numbers.count === 0
      ? "\nnumbers: none (no multi/<number>__<name> files)"
      : `\nnumbers: ${numbers.exact} of ${numbers.count} exact`,
  );
  if (numbers.count > 0) {
    out.push(formatTable(
      numbers.items.map((n) => [
        n.path,
        n.truth,
        n.read ?? "-",
        n.correct ? "yes" : "no",
        n.confidence === null ? "-" : percent(n.confidence),
        n.status,
      ]),
      {
        header: ["file", "true", "read", "exact", "confidence", "status"],
        align: ["left", "right", "right", "left", "right", "left"],
      },
    ));
  }
  const cal = score.calibration;
  out.push(`\ncalibration (${cal.count} single digits with a confidence):`);
  out.push(formatTable(
    cal.bands.map((b) => [
      b.label,
      b.count,
      b.correct,
      b.accuracy === null ? "-" : percent(b.accuracy),
      b.meanConfidence === null ? "-" : b.meanConfidence.toFixed(3),
    ]),
    {
      header: ["confidence", "readings", "right", "accuracy", "mean confidence"],
      align: ["left", "right", "right", "right", "right"],
    },
  ));
  out.push(
    `expected calibration error (10 bins): ${cal.ece === null ? "-" : cal.ece.toFixed(4)}`,
    `wrong readings with confidence ≥ ${cal.confidentAt}: ${cal.confidentWrong}`,
  );
  out.push(`\nstatuses (single digits):`);
  out.push(formatTable(
    score.statuses.map((s) => [s.status, s.count, s.correct]),
    { header: ["status", "readings", "right"] },
  ));
  if (score.failures.length > 0) {
    out.push(`\n${score.failures.length} could not be read (counted wrong):`);
    for (const f of score.failures) out.push(`  ${f.path}: ${f.error}`);
  }
  if (score.skipped.length > 0) {
    out.push(`\n${score.skipped.length} skipped:`);
    for (const s of score.skipped.slice(0, SKIPPED_SHOWN)) out.push(`  ${s.path}: ${s.reason}`);
    const rest = score.skipped.slice(SKIPPED_SHOWN);
    if (rest.length > 0) {
      const byReason = new Map<string, number>();
      for (const s of rest) byReason.set(s.reason, (byReason.get(s.reason) ?? 0) + 1);
      for (const [reason, n] of byReason) out.push(`  and ${n} more: ${reason}`);
    }
  }
  return out.join("\n");
}

if (import.meta.main) await runCli(main);
