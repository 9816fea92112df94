/**
 * `deno task data <name> [--dir <path>]`: downloads a catalog dataset and
 * verifies every file's SHA-256, with a progress bar per file. EMNIST's
 * 562 MB archive is resumed where a broken-off download stopped.
 *
 * @module
 */

import {
  CATALOG,
  type CatalogFile,
  type DatasetFileOutcome,
  downloadDataset,
  type DownloadProgress,
  type FailureReason,
  failureReasons,
  partPath,
} from "../data/mod.ts";
import { DownloadError, InvalidArgumentError } from "../core/mod.ts";
import { createProgressBar, type ProgressBar, type ProgressWriter } from "../display/mod.ts";
import { parseFlags, runCli } from "./run.ts";

/** What {@linkcode main} talks to, replaceable in tests. */
export interface DataCliIo {
  /** The fetch implementation (default `globalThis.fetch`). */
  fetch?: typeof fetch;
  /** Prints a line of normal output (default `console.log`). */
  log?: (line: string) => void;
  /** Prints a line of error output (default `console.error`). */
  error?: (line: string) => void;
  /** Where the progress bars go (default `Deno.stdout`). */
  progress?: ProgressWriter;
}

function usage(): string {
  const names = Object.values(CATALOG).map((e) => `  ${e.name.padEnd(14)} ${e.description}`);
  return [
    "usage: deno task data <dataset> [--dir <path>] [--verbose]",
    "",
    "Downloads the files of <dataset> (four IDX files; for emnist one 562 MB archive)",
    "into --dir (default data/<dataset>), skipping files already present with the",
    "right SHA-256. A broken-off archive download is kept (<file>.part) and resumed",
    "by the next run. When downloads fail it prints one line saying why; --verbose",
    "prints each file's and mirror's error too. Train on emnist with",
    "`deno task train --data emnist-digits` or `--data emnist-letters`.",
    "",
    "datasets:",
    ...names,
  ].join("\n");
}

function datasetNames(): string {
  return Object.keys(CATALOG).join(", ");
}

function describe(o: DatasetFileOutcome): string {
  switch (o.status) {
    case "skipped":
      return `skipped    ${o.dest} (already present, SHA-256 ok)`;
    case "downloaded":
      return `downloaded ${o.dest} (${o.file.bytes} bytes from ${o.url}` +
        (o.kept ? `, resumed after the ${o.kept} bytes kept from before)` : ")");
    case "failed":
      return `failed     ${o.dest}: ${o.error?.message}`;
  }
}

/**
 * The one line printed when files failed: how many, why in a few words, what
 * was left on disk and what to do. Offline, every mirror is unreachable, and
 * the line says so instead of repeating four URLs per file.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { failureLine } from "./data.ts";
 * const offline = [{ reason: "connection refused", unreachable: true }];
 * assertEquals(
 *   failureLine("mnist", "data/mnist", { failed: 4, total: 4, reasons: offline }),
 *   "error: could not download mnist: no mirror could be reached (connection refused); are you " +
 *     "offline? Nothing was written. Rerun `deno task data mnist` when connected " +
 *     "(--verbose: every mirror's error).",
 * );
 * const cut = [{ reason: "connection reset", unreachable: true }];
 * const partial = [{ path: "data/emnist/gzip.zip.part", bytes: 123_400_000 }];
 * assertEquals(
 *   failureLine("emnist", "data/emnist", { failed: 1, total: 1, reasons: cut, partial }),
 *   "error: could not download emnist: no mirror could be reached (connection reset); are you " +
 *     "offline? The partial download is kept in data/emnist/gzip.zip.part (123.4 MB); a rerun " +
 *     "resumes it. Rerun `deno task data emnist` when connected " +
 *     "(--verbose: every mirror's error).",
 * );
 * ```
 */
export function failureLine(
  name: string,
  dir: string,
  outcome: {
    failed: number;
    total: number;
    reasons: readonly FailureReason[];
    /** Partial downloads kept for the next run to resume: their paths and sizes. */
    partial?: readonly { path: string; bytes: number }[];
  },
): string {
  const { failed, total, reasons, partial = [] } = outcome;
  const why = reasons.map((r) => r.reason).join("; ") || "unknown error";
  const left = total - failed;
  const parts = partial.map((p) => `${p.path} (${megabytes(p.bytes)})`).join(", ");
  const kept = partial.length > 0
    ? `The partial download is kept in ${parts}; a rerun resumes it.`
    : left === 0
    ? "Nothing was written."
    : `The other ${left} file(s) are in ${dir}; a rerun downloads only what is missing.`;
  const rerun = `Rerun \`deno task data ${name}\``;
  const verbose = "(--verbose: every mirror's error).";
  if (reasons.length > 0 && reasons.every((r) => r.unreachable)) {
    return `error: could not download ${name}: no mirror could be reached (${why}); ` +
      `are you offline? ${kept} ${rerun} when connected ${verbose}`;
  }
  return `error: ${failed} of ${total} files of ${name} failed to download (${why}). ${kept} ` +
    `${rerun} to try again ${verbose}`;
}

/** `123.4 MB`. */
function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

/**
 * A progress bar per file, in megabytes, for `downloadDataset`'s
 * `onProgress`; a file whose size the server does not announce gets none.
 * A download that moves on to another mirror starts a new bar.
 */
function progressBars(writer: ProgressWriter | undefined) {
  let current: { file: CatalogFile; url: string; total: number; bar: ProgressBar } | undefined;
  const finish = () => {
    current?.bar.done();
    current = undefined;
  };
  return {
    onProgress(file: CatalogFile, p: DownloadProgress): void {
      if (p.total === undefined) return;
      if (current?.file !== file || current.url !== p.url) {
        finish();
        const total = Math.max(1, Math.ceil(p.total / 1e6));
        const bar = createProgressBar({ total, label: `${file.name} (MB)`, writer });
        current = { file, url: p.url, total, bar };
      }
      current.bar.update(Math.min(current.total, Math.floor(p.received / 1e6)));
      if (p.received >= p.total) finish();
    },
    finish,
  };
}

/**
 * Runs the command; returns the exit code: 0 on success, 1 when a file failed
 * to download (one line on the error output says why; `--verbose` adds each
 * file's full error).
 *
 * @throws {InvalidArgumentError} on bad usage, before any download: an
 *   unknown option, no dataset name or more than one, a name not in the
 *   catalog, or a `--dir` that is a file or cannot be made.
 *
 * @example
 * ```ts
 * import { assertEquals, assertRejects } from "@std/assert";
 * import { main } from "./data.ts";
 * const lines: string[] = [];
 * assertEquals(await main(["--help"], { log: (line) => lines.push(line) }), 0);
 * assertEquals(lines[0].split("\n")[0], "usage: deno task data <dataset> [--dir <path>] [--verbose]");
 * await assertRejects(() => main(["cifar10"]), Error, 'unknown dataset "cifar10"');
 * ```
 */
export async function main(args: string[], io: DataCliIo = {}): Promise<number> {
  const log = io.log ?? console.log;
  const error = io.error ?? console.error;
  const flags = parseFlags(args, { string: ["dir"], boolean: ["verbose"], positional: 1 });
  if (flags.help) {
    log(usage());
    return 0;
  }
  const [name] = flags._;
  if (name === undefined) {
    throw new InvalidArgumentError(`give a dataset name: one of ${datasetNames()} (see --help)`);
  }
  if (!Object.hasOwn(CATALOG, name)) {
    throw new InvalidArgumentError(
      `unknown dataset ${JSON.stringify(name)}; choose one of ${datasetNames()}`,
    );
  }
  const dir = flags.dir ?? `data/${name}`;
  const failures: DatasetFileOutcome[] = [];
  const bars = progressBars(io.progress);
  const onFile = (o: DatasetFileOutcome) => {
    bars.finish();
    if (o.status === "failed") failures.push(o);
    if (o.status !== "failed" || flags.verbose) log(describe(o));
  };
  try {
    await downloadDataset(name, { dir, fetch: io.fetch, onFile, onProgress: bars.onProgress });
  } catch (e) {
    if (!(e instanceof DownloadError)) throw e;
    const reasons = new Map<string, FailureReason>();
    for (const r of failures.flatMap((f) => failureReasons(f.error))) reasons.set(r.reason, r);
    error(failureLine(name, dir, {
      failed: failures.length,
      total: CATALOG[name].files.length,
      reasons: [...reasons.values()],
      partial: failures.filter((f) => f.kept).map((f) => ({
        path: partPath(f.dest),
        bytes: f.kept!,
      })),
    }));
    return 1;
  }
  log(`${name} is ready in ${dir}`);
  return 0;
}

if (import.meta.main) await runCli(main);
