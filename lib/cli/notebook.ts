/**
 * `deno task notebook`: opens the walk-through notebooks. Installs the Deno
 * Jupyter kernel when `jupyter kernelspec list` lacks it, then starts
 * JupyterLab (or the classic Notebook) at the project root, so that the
 * notebooks' `../lib/` imports and the plotly.js file the figures load are
 * where they expect them; as root it adds `--allow-root`, which Jupyter
 * demands there, and `--quick` starts it in quick mode. Without Jupyter it
 * says how to install it.
 *
 * `deno task notebooks:clear` (`clear`): removes the outputs of the
 * notebooks in `notebooks/` (they are committed without outputs);
 * `clear --check` only reports notebooks that have outputs.
 *
 * @module
 */

import { join } from "@std/path";
import { DigitLabError, InvalidArgumentError, projectRoot } from "../core/mod.ts";
import { parseFlags, runCli } from "./run.ts";

const HELP = `Usage:
  deno task notebook [--lab | --classic] [--quick] [--dry-run] [-- JUPYTER_ARGS...]
  deno task notebooks:clear [--check]

notebook         installs the Deno Jupyter kernel (and the npm packages) if
                 missing, then starts Jupyter at the project root (JupyterLab
                 when installed, else the classic Notebook); open the URL
                 Jupyter prints, then notebooks/01_load_data.ipynb.
                 As root it adds --allow-root, which Jupyter otherwise demands.
  --lab          use JupyterLab
  --classic      use the classic Notebook
  --quick        quick runs in every notebook (sets DIGIT_LAB_QUICK=1)
  --dry-run      say what would be done, do nothing
  Arguments after -- go to Jupyter (e.g. -- --no-browser --port 8899).
  Environment: DIGIT_LAB_QUICK=1 (quick runs), DIGIT_LAB_DATA=DIR (full IDX data).

clear            removes all outputs from notebooks/*.ipynb
  --check        only list notebooks with outputs (exit 1 if any)
`;

const INSTALL_HINT = `Jupyter is not installed. Install it with one of:
  pipx install jupyterlab            (or: pip install --user jupyterlab)
  apt-get install jupyter-notebook   (Debian / Ubuntu, the classic Notebook)
then run "deno task notebook" again. Or open the notebooks in VS Code with the
Jupyter extension and pick the "Deno" kernel (run "deno jupyter --install" once).`;

/** The result of running a command. */
export interface CommandResult {
  /** Exit code (127 when the program was not found). */
  code: number;
  /** Standard output as text. */
  stdout: string;
}

/** Runs a program to completion (in `cwd` when given); used to probe Jupyter. */
export type RunCommand = (
  program: string,
  args: string[],
  options?: { cwd?: string },
) => Promise<CommandResult>;

/**
 * Runs a program and captures its output; a missing program gives code 127.
 *
 * @example
 * ```ts
 * import { assertEquals, assertStringIncludes } from "@std/assert";
 * import { runCommand } from "./notebook.ts";
 * const deno = await runCommand(Deno.execPath(), ["--version"]);
 * assertEquals(deno.code, 0);
 * assertStringIncludes(deno.stdout, "deno");
 * assertEquals(await runCommand("no-such-program-here", []), { code: 127, stdout: "" });
 * ```
 */
export async function runCommand(
  program: string,
  args: string[],
  options: { cwd?: string } = {},
): Promise<CommandResult> {
  try {
    const out = await new Deno.Command(program, {
      args,
      cwd: options.cwd,
      stdout: "piped",
      stderr: "null",
    }).output();
    return { code: out.code, stdout: new TextDecoder().decode(out.stdout) };
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return { code: 127, stdout: "" };
    throw e;
  }
}

/** What {@linkcode probeJupyter} found. */
export interface JupyterStatus {
  /** `jupyter` runs. */
  jupyter: boolean;
  /** `jupyter lab` is available. */
  lab: boolean;
  /** `jupyter notebook` (classic) is available. */
  classic: boolean;
  /** A kernelspec named `deno` is installed. */
  denoKernel: boolean;
}

/**
 * Finds out which Jupyter frontends and kernels are installed.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { probeJupyter } from "./notebook.ts";
 * // A system with the classic Notebook only, and the Deno kernel.
 * const status = await probeJupyter((_program, args) =>
 *   Promise.resolve({
 *     code: args[0] === "lab" ? 1 : 0,
 *     stdout: args[0] === "kernelspec" ? '{"kernelspecs": {"deno": {}}}' : "",
 *   })
 * );
 * assertEquals(status, { jupyter: true, lab: false, classic: true, denoKernel: true });
 * ```
 */
export async function probeJupyter(run: RunCommand = runCommand): Promise<JupyterStatus> {
  const version = await run("jupyter", ["--version"]);
  if (version.code !== 0) return { jupyter: false, lab: false, classic: false, denoKernel: false };
  const [lab, classic, specs] = await Promise.all([
    run("jupyter", ["lab", "--version"]),
    run("jupyter", ["notebook", "--version"]),
    run("jupyter", ["kernelspec", "list", "--json"]),
  ]);
  let denoKernel = false;
  try {
    const parsed = JSON.parse(specs.stdout) as { kernelspecs?: Record<string, unknown> };
    denoKernel = specs.code === 0 && parsed.kernelspecs?.deno !== undefined;
  } catch {
    denoKernel = false;
  }
  return { jupyter: true, lab: lab.code === 0, classic: classic.code === 0, denoKernel };
}

/** Options of {@linkcode jupyterArgs}. */
export interface JupyterArgsOptions {
  /** `"lab"`, `"classic"`, or `undefined` to prefer JupyterLab when installed. */
  frontend?: "lab" | "classic";
  /** The directory Jupyter serves (the project root). */
  root: string;
  /** More arguments for Jupyter. */
  extra?: string[];
}

/**
 * The `jupyter` arguments that start the chosen frontend serving `root`.
 *
 * @throws {DigitLabError} when the requested (or any) frontend is not installed.
 *
 * @example
 * ```ts
 * import { assertEquals, assertThrows } from "@std/assert";
 * import { jupyterArgs } from "./notebook.ts";
 * const status = { jupyter: true, lab: false, classic: true, denoKernel: true };
 * assertEquals(jupyterArgs(status, { root: "/p" }), ["notebook", "--notebook-dir=/p"]);
 * assertThrows(() => jupyterArgs(status, { root: "/p", frontend: "lab" }), Error, "JupyterLab");
 * ```
 */
export function jupyterArgs(status: JupyterStatus, options: JupyterArgsOptions): string[] {
  const { frontend, root, extra = [] } = options;
  const lab = frontend === "lab" || (frontend === undefined && status.lab);
  if (lab && !status.lab) {
    throw new DigitLabError(
      `JupyterLab is not installed (try --classic, or: pipx install jupyterlab)`,
    );
  }
  if (!lab && !status.classic) {
    throw new DigitLabError(
      `the classic Jupyter Notebook is not installed (try --lab, or: apt-get install jupyter-notebook)`,
    );
  }
  return lab
    ? ["lab", `--ServerApp.root_dir=${root}`, ...extra]
    : ["notebook", `--notebook-dir=${root}`, ...extra];
}

/** A notebook file as far as clearing and checking it goes. */
interface NotebookJson {
  cells: {
    cell_type: string;
    outputs?: unknown[];
    execution_count?: number | null;
    metadata?: Record<string, unknown>;
  }[];
  metadata?: Record<string, unknown>;
}

function parseNotebook(text: string, name: string): NotebookJson {
  let nb: NotebookJson;
  try {
    nb = JSON.parse(text);
  } catch (e) {
    throw new InvalidArgumentError(`${name} is not valid JSON: ${(e as Error).message}`);
  }
  if (!nb || !Array.isArray(nb.cells)) {
    throw new InvalidArgumentError(`${name} is not a Jupyter notebook (no "cells" array)`);
  }
  return nb;
}

/**
 * A notebook's text with every output and execution count removed (and
 * the per-cell execution timings frontends store), in Jupyter's layout.
 *
 * @throws {InvalidArgumentError} when the text is not a notebook.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { clearNotebook } from "./notebook.ts";
 * const text = JSON.stringify({
 *   cells: [{ cell_type: "code", execution_count: 3, metadata: {}, outputs: [{}], source: [] }],
 *   metadata: {}, nbformat: 4, nbformat_minor: 5,
 * });
 * const cell = JSON.parse(clearNotebook(text)).cells[0];
 * assertEquals([cell.outputs, cell.execution_count], [[], null]);
 * ```
 */
export function clearNotebook(text: string, name = "notebook"): string {
  const nb = parseNotebook(text, name);
  for (const cell of nb.cells) {
    if (cell.cell_type !== "code") continue;
    cell.outputs = [];
    cell.execution_count = null;
    if (cell.metadata) {
      delete cell.metadata.execution;
      delete cell.metadata.ExecuteTime;
    }
  }
  delete nb.metadata?.widgets;
  return JSON.stringify(nb, null, 1) + "\n";
}

/**
 * Largest size of a committed notebook.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { MAX_NOTEBOOK_BYTES } from "./notebook.ts";
 * assertEquals(MAX_NOTEBOOK_BYTES, 1_000_000);
 * ```
 */
export const MAX_NOTEBOOK_BYTES = 1_000_000;

/** Paths that tie a notebook to one machine. */
const MACHINE_PATH = /(\/home\/|\/root\/|\/Users\/|\/tmp\/|\/work\/|[A-Za-z]:\\\\|file:\/\/\/)/;

/**
 * What is wrong with a notebook meant to be committed: outputs, execution
 * counts, machine-specific paths, a size of 1 MB or more, or a kernel other
 * than Deno.
 *
 * @returns One sentence per problem; empty when the notebook is fine.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { notebookProblems } from "./notebook.ts";
 * const nb = {
 *   cells: [{ cell_type: "code", execution_count: 1, metadata: {}, outputs: [], source: ["1"] }],
 *   metadata: { kernelspec: { name: "deno" } },
 * };
 * assertEquals(notebookProblems(JSON.stringify(nb), "a.ipynb"), [
 *   "a.ipynb: cell 0 has an execution count",
 * ]);
 * ```
 */
export function notebookProblems(text: string, name: string): string[] {
  const problems: string[] = [];
  const bytes = new TextEncoder().encode(text).length;
  if (bytes >= MAX_NOTEBOOK_BYTES) problems.push(`${name}: ${bytes} bytes, not under 1 MB`);
  const nb = parseNotebook(text, name);
  const kernel = (nb.metadata?.kernelspec as { name?: string } | undefined)?.name;
  if (kernel !== "deno") {
    problems.push(`${name}: kernelspec is ${JSON.stringify(kernel)}, not "deno"`);
  }
  nb.cells.forEach((cell, i) => {
    if ((cell.outputs?.length ?? 0) > 0) problems.push(`${name}: cell ${i} has outputs`);
    if (cell.execution_count != null) problems.push(`${name}: cell ${i} has an execution count`);
  });
  const path = text.match(MACHINE_PATH);
  if (path) {
    problems.push(`${name}: contains a machine-specific path (${JSON.stringify(path[0])}…)`);
  }
  return problems;
}

/**
 * The notebooks in `dir`, sorted by name.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { listNotebooks } from "./notebook.ts";
 * const dir = await Deno.makeTempDir();
 * for (const name of ["b.ipynb", "a.ipynb", "notes.txt"]) {
 *   await Deno.writeTextFile(`${dir}/${name}`, "{}");
 * }
 * assertEquals(await listNotebooks(dir), [`${dir}/a.ipynb`, `${dir}/b.ipynb`]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function listNotebooks(dir: string): Promise<string[]> {
  const found: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (entry.isFile && entry.name.endsWith(".ipynb")) found.push(join(dir, entry.name));
  }
  return found.sort();
}

async function clear(check: boolean, dir: string): Promise<number> {
  let bad = 0;
  for (const path of await listNotebooks(dir)) {
    const text = await Deno.readTextFile(path);
    const cleared = clearNotebook(text, path);
    if (check) {
      const problems = notebookProblems(text, path);
      for (const p of problems) console.error(p);
      if (problems.length) bad++;
    } else if (cleared !== text) {
      await Deno.writeTextFile(path, cleared);
      console.log(`cleared ${path}`);
    }
  }
  if (check && bad) {
    console.error(`${bad} notebook(s) need "deno task notebooks:clear" or a fix`);
    return 1;
  }
  return 0;
}

/** What {@linkcode main} uses from the system; tests replace it. */
export interface NotebookDeps {
  /** Runs a program to completion. */
  run: RunCommand;
  /** Runs a program with the terminal attached and returns its exit code. */
  start: (program: string, args: string[], env: Record<string, string>) => Promise<number>;
  /** Prints a line. */
  log: (line: string) => void;
  /** Whether a file exists. */
  exists: (path: string) => Promise<boolean>;
  /** Whether this process runs as root (Jupyter refuses root without `--allow-root`). */
  isRoot: () => boolean;
}

/**
 * The plotly.js the figures load through Jupyter's `/files/` route (see
 * `lib/display/show_figure.ts`).
 */
const PLOTLY_FILE = ["node_modules", "plotly.js-dist", "plotly.js"];

const DEFAULT_DEPS: NotebookDeps = {
  run: runCommand,
  async start(program, args, env) {
    const child = new Deno.Command(program, { args, env, cwd: projectRoot() }).spawn();
    return (await child.status).code;
  },
  log: (line) => console.log(line),
  exists: (path) => Deno.stat(path).then((s) => s.isFile, () => false),
  isRoot: () => Deno.uid() === 0,
};

/**
 * Runs the command with the given arguments and returns the exit code.
 *
 * @throws {InvalidArgumentError} for an unknown option or command, or both
 *   `--lab` and `--classic`.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { main } from "./notebook.ts";
 * assertEquals(await main(["--help"]), 0);
 * ```
 */
export async function main(args: string[], deps: NotebookDeps = DEFAULT_DEPS): Promise<number> {
  const flags = parseFlags(args, {
    boolean: ["lab", "classic", "quick", "dry-run", "check"],
    positional: 1,
    passThrough: true,
  });
  if (flags.help) {
    deps.log(HELP);
    return 0;
  }
  const [command] = flags._;
  if (command === "clear") return await clear(flags.check, join(projectRoot(), "notebooks"));
  if (command !== undefined) {
    throw new InvalidArgumentError(`unknown command ${JSON.stringify(command)} (see --help)`);
  }
  if (flags.lab && flags.classic) {
    throw new InvalidArgumentError("choose --lab or --classic, not both");
  }

  const status = await probeJupyter(deps.run);
  if (!status.jupyter) {
    deps.log(INSTALL_HINT);
    return 1;
  }
  const root = projectRoot();
  const extra = [...flags["--"]];
  // Containers and notebook servers often run as root, which Jupyter refuses
  // unless told it is meant.
  if (deps.isRoot() && !extra.includes("--allow-root")) extra.push("--allow-root");
  const jupyter = jupyterArgs(status, {
    frontend: flags.lab ? "lab" : flags.classic ? "classic" : undefined,
    root,
    extra,
  });
  // Jupyter passes its environment on to the kernels it starts.
  const env: Record<string, string> = { NO_COLOR: Deno.env.get("NO_COLOR") || "1" };
  if (flags.quick) env.DIGIT_LAB_QUICK = "1";
  const install = [Deno.execPath(), "jupyter", "--install"];
  const npm = [Deno.execPath(), "install"];
  const plotly = await deps.exists(join(root, ...PLOTLY_FILE));
  if (flags["dry-run"]) {
    if (!plotly) deps.log(`would run: ${npm.join(" ")}  (in ${root})`);
    if (!status.denoKernel) deps.log(`would run: ${install.join(" ")}`);
    const quick = flags.quick ? "DIGIT_LAB_QUICK=1 " : "";
    deps.log(`would run: ${quick}jupyter ${jupyter.join(" ")}  (in ${root})`);
    return 0;
  }
  if (!plotly) {
    deps.log("Installing the npm packages of deno.json (deno install) for plotly.js…");
    const installed = await deps.run(npm[0], npm.slice(1), { cwd: root });
    if (installed.code !== 0) {
      deps.log(`"deno install" failed (exit ${installed.code}); figures will try the plotly CDN`);
    }
  }
  if (!status.denoKernel) {
    deps.log("Installing the Deno Jupyter kernel (deno jupyter --install)…");
    const installed = await deps.run(install[0], install.slice(1));
    if (installed.code !== 0) {
      throw new DigitLabError(`"${install.join(" ")}" failed with exit code ${installed.code}`);
    }
  }
  deps.log(
    `Starting Jupyter at ${root}${flags.quick ? " in quick mode" : ""}: open the URL Jupyter ` +
      `prints below (with its token), then notebooks/01_load_data.ipynb. Ctrl+C stops it.`,
  );
  return await deps.start("jupyter", jupyter, env);
}

if (import.meta.main) await runCli(main);
