/**
 * `deno task data <name> [--dir <path>]`: downloads a catalog dataset and
 * verifies every file's SHA-256.
 *
 * @module
 */

import {
  CATALOG,
  type DatasetFileOutcome,
  downloadDataset,
  type FailureReason,
  failureReasons,
} from "../data/mod.ts";
import { DownloadError, InvalidArgumentError } from "../core/mod.ts";
import { parseFlags, runCli } from "./run.ts";

/** What {@linkcode main} talks to, replaceable in tests. */
export interface DataCliIo {
  /** The fetch implementation (default `globalThis.fetch`). */
  fetch?: typeof fetch;
  /** Prints a line of normal output (default `console.log`). */
  log?: (line: string) => void;
  /** Prints a line of error output (default `console.error`). */
  error?: (line: string) => void;
}

function usage(): string {
  const names = Object.values(CATALOG).map((e) => `  ${e.name.padEnd(14)} ${e.description}`);
  return [
    "usage: deno task data <dataset> [--dir <path>] [--verbose]",
    "",
    "Downloads the four IDX files of <dataset> into --dir (default data/<dataset>),",
    "skipping files already present with the right SHA-256. When downloads fail it",
    "prints one line saying why; --verbose prints each file's and mirror's error too.",
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
      return `downloaded ${o.dest} (${o.file.bytes} bytes from ${o.url})`;
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
 * ```
 */
export function failureLine(
  name: string,
  dir: string,
  outcome: { failed: number; total: number; reasons: readonly FailureReason[] },
): string {
  const { failed, total, reasons } = outcome;
  const why = reasons.map((r) => r.reason).join("; ") || "unknown error";
  const left = total - failed;
  const kept = left === 0
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
  const onFile = (o: DatasetFileOutcome) => {
    if (o.status === "failed") failures.push(o);
    if (o.status !== "failed" || flags.verbose) log(describe(o));
  };
  try {
    await downloadDataset(name, { dir, fetch: io.fetch, onFile });
  } catch (e) {
    if (!(e instanceof DownloadError)) throw e;
    const reasons = new Map<string, FailureReason>();
    for (const r of failures.flatMap((f) => failureReasons(f.error))) reasons.set(r.reason, r);
    error(failureLine(name, dir, {
      failed: failures.length,
      total: CATALOG[name].files.length,
      reasons: [...reasons.values()],
    }));
    return 1;
  }
  log(`${name} is ready in ${dir}`);
  return 0;
}

if (import.meta.main) await runCli(main);
