/**
 * `deno task data <name> [--dir <path>]`: downloads a catalog dataset and
 * verifies every file's SHA-256.
 *
 * @module
 */

import { parseArgs } from "@std/cli/parse-args";
import { CATALOG } from "../data/mod.ts";
import { type DatasetFileOutcome, downloadDataset } from "../data/mod.ts";
import { DownloadError } from "../core/mod.ts";

/**
 * What {@linkcode main} talks to, replaceable in tests.
 *
 * @example
 * ```ts
 * import type { DataCliIo } from "./data.ts";
 * const lines: string[] = [];
 * const io: DataCliIo = { log: (l) => lines.push(l), error: (l) => lines.push(l) };
 * ```
 */
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
 * to download, 2 on bad usage.
 *
 * @example
 * ```ts ignore
 * import { main } from "./data.ts";
 * Deno.exit(await main(["mnist", "--dir", "data/mnist"]));
 * ```
 */
export async function main(args: string[], io: DataCliIo = {}): Promise<number> {
  const log = io.log ?? console.log;
  const error = io.error ?? console.error;
  const flags = parseArgs(args, { string: ["dir"], boolean: ["help"], alias: { h: "help" } });
  if (flags.help) {
    log(usage());
    return 0;
  }
  const names = flags._.map(String);
  if (names.length !== 1 || !Object.hasOwn(CATALOG, names[0])) {
    error(names.length === 1 ? `unknown dataset "${names[0]}"\n` : "give one dataset name\n");
    error(usage());
    return 2;
  }
  const name = names[0];
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

if (import.meta.main) Deno.exit(await main(Deno.args));
