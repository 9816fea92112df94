/**
 * `deno task data <name> [--dir <path>]`: downloads a catalog dataset and
 * verifies every file's SHA-256.
 *
 * @module
 */

import { CATALOG, type DatasetFileOutcome, downloadDataset } from "../data/mod.ts";
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
    "usage: deno task data <dataset> [--dir <path>]",
    "",
    "Downloads the four IDX files of <dataset> into --dir (default data/<dataset>),",
    "skipping files already present with the right SHA-256.",
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
 * Runs the command; returns the exit code: 0 on success, 1 when a file failed
 * to download.
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
 * assertEquals(lines[0].split("\n")[0], "usage: deno task data <dataset> [--dir <path>]");
 * await assertRejects(() => main(["cifar10"]), Error, 'unknown dataset "cifar10"');
 * ```
 */
export async function main(args: string[], io: DataCliIo = {}): Promise<number> {
  const log = io.log ?? console.log;
  const error = io.error ?? console.error;
  const flags = parseFlags(args, { string: ["dir"], positional: 1 });
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
  let failed = 0;
  const onFile = (o: DatasetFileOutcome) => {
    if (o.status === "failed") failed++;
    log(describe(o));
  };
  try {
    await downloadDataset(name, { dir, fetch: io.fetch, onFile });
  } catch (e) {
    if (!(e instanceof DownloadError)) throw e;
    error(`error: ${failed} file(s) of ${name} failed to download into ${dir}`);
    return 1;
  }
  log(`${name} is ready in ${dir}`);
  return 0;
}

if (import.meta.main) await runCli(main);
