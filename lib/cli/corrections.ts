/**
 * `deno task corrections [--dir DIR] list|export|remove`: looks after the
 * corrections users recorded (on the draw page, with `deno task predict
 * --correct`, in a notebook) in the store of `data/feedback/`: lists them,
 * exports them as a labelled folder tree (what `deno task score` reads) or
 * as MNIST-style IDX files, removes some.
 *
 * @module
 */

import { join } from "@std/path";
import { dataPath, DigitLabError, InvalidArgumentError, resolvePath } from "../core/mod.ts";
import { formatTable } from "../display/mod.ts";
import {
  type Correction,
  CorrectionStore,
  exportIdx,
  exportTree,
  STORE_FILE,
} from "../feedback/mod.ts";
import { parseFlags, runCli } from "./run.ts";

const HELP = `Usage: deno task corrections [--dir DIR] list [--json] [--limit N]
       deno task corrections [--dir DIR] export --out DIR [--format tree|idx] [--original]
       deno task corrections [--dir DIR] remove ID...

The corrections users recorded: on the draw page (deno task serve), with
deno task predict --correct LABEL FILE, or in a notebook.

Commands:
  list          one line per correction: id, time (UTC), file name, the
                model's reading, the correct label, confidence, where made
  export        write the corrections to a new or empty directory:
                  --format tree (default): <label>/<id>__<name>.png, the
                    28x28 the model read, in the layout deno task score
                    reads (deno task score DIR); --original writes the
                    recorded image files instead
                  --format idx: corrections-images-idx3-ubyte.gz and
                    corrections-labels-idx1-ubyte.gz, laid out like MNIST's
  remove        delete the corrections with these ids

Options:
  --dir DIR     the store's directory (default data/feedback)
  --json        list: one JSON object per line (id, createdAt, fileName,
                reading, confidence, label, modelId, origin)
  --limit N     list: only the N most recent
  --out DIR     export: where to write
  --format F    export: tree or idx
  --original    export --format tree: the recorded image files, not the 28x28
  -h, --help    show this help

Exit code: 0 on success, 1 when the store cannot be read or written, an id
is unknown or the export directory is not empty, 2 on bad usage.
`;

/** What failed for a reason the user can fix about the data, not the command line: exit code 1. */
class CorrectionsError extends DigitLabError {}

/** The time of a correction as listed: UTC to the second. */
function shortTime(iso: string): string {
  return iso.replace(/\.\d+Z$/, "Z");
}

function listLines(corrections: Correction[], json: boolean): string[] {
  if (json) {
    return corrections.map((c) =>
      JSON.stringify({
        id: c.id,
        createdAt: c.createdAt,
        fileName: c.fileName,
        reading: c.reading,
        confidence: c.confidence,
        label: c.label,
        modelId: c.modelId,
        origin: c.origin,
      })
    );
  }
  const rows = corrections.map((c) => [
    String(c.id),
    shortTime(c.createdAt),
    c.fileName,
    c.reading === "" ? "-" : c.reading,
    String(c.label),
    `${(c.confidence * 100).toFixed(1)}%`,
    c.origin,
  ]);
  return formatTable(rows, {
    header: ["id", "time", "file", "reading", "label", "confidence", "origin"],
    align: ["right", "left", "left", "right", "right", "right", "left"],
  }).split("\n");
}

function positiveInt(text: string, what: string): number {
  const value = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(Number.isSafeInteger(value) && value > 0)) {
    throw new InvalidArgumentError(
      `${what} must be a positive integer, got ${JSON.stringify(text)}`,
    );
  }
  return value;
}

async function storeExists(dir: string): Promise<boolean> {
  try {
    return (await Deno.stat(join(dir, STORE_FILE))).isFile;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

/**
 * Runs the corrections command and returns the exit code. Usage errors
 * throw (the runner prints them, exit code 2); a store that cannot be read,
 * an unknown id or an export directory that is not empty print one line
 * `error: ...` and give 1.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { main } from "./corrections.ts";
 * const dir = await Deno.makeTempDir();
 * assertEquals(await main(["--dir", dir, "list"]), 0); // prints "no corrections recorded ..."
 * assertEquals(await main(["--dir", dir, "remove", "4"]), 1); // there is no #4
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function main(args: string[]): Promise<number> {
  const flags = parseFlags(args, {
    string: ["dir", "out", "format", "limit"],
    boolean: ["json", "original"],
  });
  if (flags.help) {
    console.log(HELP);
    return 0;
  }
  const [command, ...rest] = flags._;
  if (command === undefined) {
    throw new InvalidArgumentError("no command given: list, export or remove (see --help)");
  }
  if (!["list", "export", "remove"].includes(command)) {
    throw new InvalidArgumentError(
      `unknown command ${JSON.stringify(command)}: list, export or remove (see --help)`,
    );
  }
  const only = (names: string[], allowed: string) => {
    for (const name of names) {
      const given = (flags as Record<string, unknown>)[name];
      if (given !== undefined && given !== false) {
        throw new InvalidArgumentError(`--${name} is for ${allowed}, not ${command} (see --help)`);
      }
    }
  };
  if (command !== "remove" && rest.length > 0) {
    throw new InvalidArgumentError(
      `unexpected argument ${JSON.stringify(rest[0])} after ${command} (see --help)`,
    );
  }
  if (command !== "list") only(["json", "limit"], "list");
  if (command !== "export") only(["out", "format", "original"], "export");
  const dir = resolvePath(flags.dir ?? dataPath("feedback"));
  try {
    if (command === "list") return await list(dir, flags.json, flags.limit);
    if (command === "export") return await exportCommand(dir, flags);
    return await remove(dir, rest);
  } catch (e) {
    // Usage errors (and bugs) go to the runner; the rest is about the data: exit code 1.
    if (e instanceof InvalidArgumentError || !(e instanceof DigitLabError)) throw e;
    console.error(`error: ${e.message}`);
    return 1;
  }
}

async function list(dir: string, json: boolean, limitFlag: string | undefined): Promise<number> {
  const limit = limitFlag === undefined ? undefined : positiveInt(limitFlag, "--limit");
  if (!(await storeExists(dir))) {
    // Said on stderr with --json, so that stdout stays JSON lines (none here).
    (json ? console.error : console.log)(
      `no corrections recorded (${join(dir, STORE_FILE)} does not exist)`,
    );
    return 0;
  }
  const store = CorrectionStore.open({ dir });
  try {
    const corrections = store.list({ limit });
    const total = store.count();
    for (const line of listLines(corrections, json)) console.log(line);
    const shown = corrections.length < total ? `${corrections.length} of ${total}` : `${total}`;
    (json ? console.error : console.log)(
      `${shown} ${total === 1 ? "correction" : "corrections"}, ` +
        `${(store.totalImageBytes() / 1024).toFixed(1)} KiB of images, in ${store.path}`,
    );
    return 0;
  } finally {
    store.close();
  }
}

async function openExisting(dir: string): Promise<CorrectionStore> {
  if (!(await storeExists(dir))) {
    throw new CorrectionsError(`no corrections recorded: ${join(dir, STORE_FILE)} does not exist`);
  }
  return CorrectionStore.open({ dir });
}

async function exportCommand(
  dir: string,
  flags: { out?: string; format?: string; original: boolean },
): Promise<number> {
  if (flags.out === undefined) {
    throw new InvalidArgumentError("export needs --out DIR, a new or empty directory (see --help)");
  }
  const format = flags.format ?? "tree";
  if (format !== "tree" && format !== "idx") {
    throw new InvalidArgumentError(`--format must be tree or idx, got ${JSON.stringify(format)}`);
  }
  if (format === "idx" && flags.original) {
    throw new InvalidArgumentError("--original is for --format tree: IDX files hold the 28x28s");
  }
  const out = resolvePath(flags.out);
  const store = await openExisting(dir);
  let corrections: Correction[];
  try {
    corrections = store.list({ includeImages: flags.original });
  } finally {
    store.close();
  }
  if (corrections.length === 0) throw new CorrectionsError(`no corrections to export in ${dir}`);
  try {
    if (format === "idx") {
      const [images, labels] = await exportIdx(corrections, out);
      console.log(`exported ${corrections.length} corrections as IDX: ${images}, ${labels}`);
    } else {
      await exportTree(corrections, out, { original: flags.original });
      const what = flags.original ? "recorded images" : "28x28 images";
      console.log(
        `exported ${corrections.length} corrections (${what}) to ${out}/<label>/; ` +
          `score a model on them with: deno task score ${out}`,
      );
    }
  } catch (e) {
    // A directory that is not empty is the user's to fix, not a usage error.
    if (e instanceof InvalidArgumentError) throw new CorrectionsError(e.message, { cause: e });
    throw e;
  }
  return 0;
}

async function remove(dir: string, ids: string[]): Promise<number> {
  if (ids.length === 0) throw new InvalidArgumentError("remove needs one or more ids (see list)");
  const parsed = ids.map((id) => positiveInt(id, "an id"));
  const store = await openExisting(dir);
  let missing = 0;
  try {
    for (const id of parsed) {
      if (store.remove(id)) console.log(`removed correction #${id}`);
      else {
        console.error(`error: no correction #${id} in ${store.path}`);
        missing++;
      }
    }
  } finally {
    store.close();
  }
  return missing > 0 ? 1 : 0;
}

if (import.meta.main) await runCli(main);
