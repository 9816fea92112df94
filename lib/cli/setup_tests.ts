/**
 * `deno task setup:test`: makes a machine ready for the test suite, and is
 * the first step of `deno task test`. The tests drive real tools (headless
 * Chromium; Jupyter, nbclient and ONNX's checker through Debian's
 * `/usr/bin/python3`; the Deno kernel, clang-19 and wasm-ld-19), and a missing tool must fail
 * the test command before it starts, never turn into a skipped test.
 *
 * It checks every tool; installs the Debian packages that provide the
 * missing ones when it runs as root with `apt-get` (else prints one line
 * naming the command to run, and fails); installs the Deno Jupyter kernel
 * when missing; and installs the npm packages of `deno.lock`.
 *
 * @module
 */

import { DigitLabError, projectRoot } from "../core/mod.ts";
import { parseFlags, runCli } from "./run.ts";

const HELP = `Usage:
  deno task setup:test [--dry-run]

Makes this machine ready for "deno task test" (which runs it first): checks for
chromium, python3 with nbclient and jupyter_client, jupyter-notebook, clang-19,
wasm-ld-19 (lld-19), python3 with onnx (python3-onnx) and the
Deno Jupyter kernel. As root with apt-get it installs the missing Debian
packages; otherwise it prints the command to run and exits 1. It installs the Deno kernel (deno jupyter
--install) when missing, and the npm packages of deno.lock (deno install).
  --dry-run      say what is missing and what would be done, do nothing
`;

/** Debian's Python: the notebook tests run nbclient and jupyter_client with it. */
const PYTHON = "/usr/bin/python3";

/** A tool the tests need, how to tell it is there, and the Debian package that has it. */
export interface TestTool {
  /** What the user knows it as. */
  name: string;
  /** The Debian package that provides it. */
  debianPackage: string;
  /** A command that exits 0 when the tool is there, or a file that must exist. */
  probe: { program: string; args: string[] } | { file: string };
}

/**
 * The tools the test suite runs, in the order they are reported.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { TEST_TOOLS } from "./setup_tests.ts";
 * assertEquals(TEST_TOOLS.map((t) => t.debianPackage), [
 *   "chromium", "python3-nbclient", "jupyter-client", "jupyter-notebook", "clang-19", "lld-19",
 *   "python3-onnx",
 * ]);
 * ```
 */
export const TEST_TOOLS: readonly TestTool[] = [
  { name: "chromium", debianPackage: "chromium", probe: { file: "/usr/bin/chromium" } },
  {
    name: "python3 with nbclient",
    debianPackage: "python3-nbclient",
    probe: { program: PYTHON, args: ["-c", "import nbclient, nbformat"] },
  },
  {
    name: "python3 with jupyter_client",
    debianPackage: "jupyter-client",
    probe: { program: PYTHON, args: ["-c", "import jupyter_client"] },
  },
  {
    name: "jupyter-notebook",
    debianPackage: "jupyter-notebook",
    probe: { program: "jupyter", args: ["notebook", "--version"] },
  },
  {
    name: "clang-19",
    debianPackage: "clang-19",
    probe: { program: "clang-19", args: ["--version"] },
  },
  {
    name: "wasm-ld-19",
    debianPackage: "lld-19",
    probe: { program: "wasm-ld-19", args: ["--version"] },
  },
  {
    name: "python3 with onnx (the ONNX export's checker)",
    debianPackage: "python3-onnx",
    probe: { program: PYTHON, args: ["-c", "import onnx.checker"] },
  },
];

/**
 * The one-line `apt-get` command that installs `packages`.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { aptInstallCommand } from "./setup_tests.ts";
 * assertEquals(
 *   aptInstallCommand(["clang", "lld"]),
 *   "apt-get update && apt-get install -y --no-install-recommends clang lld",
 * );
 * ```
 */
export function aptInstallCommand(packages: readonly string[]): string {
  return `apt-get update && apt-get install -y --no-install-recommends ${packages.join(" ")}`;
}

/** What the machine allows {@linkcode planSetup} to do. */
export interface SetupSystem {
  /** The process runs as root (uid 0). */
  root: boolean;
  /** `apt-get` is there (a Debian or Ubuntu machine). */
  aptGet: boolean;
}

/**
 * What {@linkcode planSetup} decided about the Debian packages: nothing to
 * do, install them, or stop with one line telling the user what to run.
 */
export type SetupPlan =
  | { action: "none" }
  | { action: "install"; packages: string[] }
  | { action: "tell"; line: string };

/**
 * Decides what to do about the missing tools: as root with `apt-get`,
 * install their packages; otherwise one line that names them and the exact
 * command to run.
 *
 * @example
 * ```ts
 * import { assertEquals, assertStringIncludes } from "@std/assert";
 * import { planSetup, TEST_TOOLS } from "./setup_tests.ts";
 * const clang = TEST_TOOLS.filter((t) => t.name === "clang-19");
 * assertEquals(planSetup([], { root: false, aptGet: false }), { action: "none" });
 * assertEquals(planSetup(clang, { root: true, aptGet: true }), {
 *   action: "install",
 *   packages: ["clang-19"],
 * });
 * const plan = planSetup(clang, { root: false, aptGet: true });
 * assertStringIncludes(plan.action === "tell" ? plan.line : "", "sudo sh -c");
 * ```
 */
export function planSetup(missing: readonly TestTool[], system: SetupSystem): SetupPlan {
  if (missing.length === 0) return { action: "none" };
  // Two tools can come from one package; install it once.
  const packages = [...new Set(missing.map((t) => t.debianPackage))];
  if (system.root && system.aptGet) return { action: "install", packages };
  const names = missing.map((t) => t.name).join(", ");
  const command = aptInstallCommand(packages);
  const line = system.aptGet
    ? `the tests need ${names}; install them with: sudo sh -c '${command}'`
    : `the tests need ${names}; install them (on Debian/Ubuntu: ${command}), then run "deno task test" again`;
  return { action: "tell", line };
}

/** Raised when a setup step that should have worked did not. */
export class SetupError extends DigitLabError {}

/** How {@linkcode SetupDeps.run} runs a program. */
export interface RunOptions {
  /** More environment variables. */
  env?: Record<string, string>;
  /** The working directory (default: the current one). */
  cwd?: string;
  /** Keep the output (returned, for an error message) instead of showing it. */
  quiet?: boolean;
}

/** What {@linkcode main} uses from the system; tests replace it. */
export interface SetupDeps {
  /** Whether a tool is there. */
  hasTool: (tool: TestTool) => Promise<boolean>;
  /** Whether the Deno Jupyter kernel is installed. */
  hasDenoKernel: () => Promise<boolean>;
  /** What the machine allows. */
  system: () => Promise<SetupSystem>;
  /** Runs a program to completion and returns its exit code (and quiet output). */
  run: (
    program: string,
    args: string[],
    options?: RunOptions,
  ) => Promise<{ code: number; output: string }>;
  /** Prints a line of progress. */
  log: (line: string) => void;
  /** Prints a line about a problem. */
  error: (line: string) => void;
}

async function exitsZero(program: string, args: string[]): Promise<boolean> {
  try {
    const out = await new Deno.Command(program, { args, stdout: "null", stderr: "null" })
      .output();
    return out.success;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

const DEFAULT_DEPS: SetupDeps = {
  hasTool: ({ probe }) =>
    "file" in probe
      ? Deno.stat(probe.file).then((s) => s.isFile, () => false)
      : exitsZero(probe.program, probe.args),
  // The way the notebook tests look for it: Debian's jupyter_client.
  hasDenoKernel: () =>
    exitsZero(PYTHON, [
      "-c",
      "import sys; from jupyter_client.kernelspec import KernelSpecManager as K; " +
      "sys.exit(0 if 'deno' in K().find_kernel_specs() else 1)",
    ]),
  system: async () => ({
    root: Deno.uid() === 0,
    aptGet: await exitsZero("apt-get", ["--version"]),
  }),
  async run(program, args, options = {}) {
    const quiet = options.quiet ?? false;
    const out = await new Deno.Command(program, {
      args,
      env: options.env,
      cwd: options.cwd,
      stdout: quiet ? "piped" : "inherit",
      stderr: quiet ? "piped" : "inherit",
    }).output();
    const decoder = new TextDecoder();
    const output = quiet ? decoder.decode(out.stdout) + decoder.decode(out.stderr) : "";
    return { code: out.code, output };
  },
  log: (line) => console.log(line),
  error: (line) => console.error(line),
};

async function missingTools(deps: SetupDeps): Promise<TestTool[]> {
  const found = await Promise.all(TEST_TOOLS.map((tool) => deps.hasTool(tool)));
  return TEST_TOOLS.filter((_, i) => !found[i]);
}

async function runStep(
  deps: SetupDeps,
  program: string,
  args: string[],
  options: RunOptions = {},
): Promise<void> {
  const { code, output } = await deps.run(program, args, options);
  if (code !== 0) {
    const shown = [program, ...args].join(" ");
    const tail = output.trim() ? `:\n${output.trim().slice(-2000)}` : "";
    throw new SetupError(`"${shown}" failed with exit code ${code}${tail}`);
  }
}

/**
 * Runs the command with the given arguments and returns the exit code: 0
 * when the machine is ready for the tests, 1 when the user must install
 * something (one line on stderr says what to run).
 *
 * @throws {InvalidArgumentError} for an unknown option or an argument.
 * @throws {SetupError} when an install step fails, or a tool is still
 *   missing after its package was installed.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { main } from "./setup_tests.ts";
 * assertEquals(await main(["--help"], { log: () => {} }), 0);
 * ```
 */
export async function main(args: string[], deps: Partial<SetupDeps> = {}): Promise<number> {
  const use: SetupDeps = { ...DEFAULT_DEPS, ...deps };
  const flags = parseFlags(args, { boolean: ["dry-run"], positional: false });
  if (flags.help) {
    use.log(HELP);
    return 0;
  }
  const dry = flags["dry-run"];
  const missing = await missingTools(use);
  const plan = planSetup(missing, await use.system());
  if (plan.action === "tell") {
    use.error(plan.line);
    return 1;
  }
  if (plan.action === "install") {
    const names = missing.map((t) => t.name).join(", ");
    const aptArgs = ["install", "-y", "--no-install-recommends", ...plan.packages];
    if (dry) {
      use.log(`missing ${names}; would run: ${aptInstallCommand(plan.packages)}`);
    } else {
      use.log(`The tests need ${names}: installing ${plan.packages.join(" ")} with apt-get…`);
      const env = { DEBIAN_FRONTEND: "noninteractive" };
      await runStep(use, "apt-get", ["update", "-qq"], { env });
      await runStep(use, "apt-get", ["-qq", ...aptArgs], { env });
      const still = await missingTools(use);
      if (still.length) {
        throw new SetupError(
          `still missing after apt-get install: ${still.map((t) => t.name).join(", ")}`,
        );
      }
    }
  }
  const install = [Deno.execPath(), "jupyter", "--install"];
  if (!(await use.hasDenoKernel())) {
    if (dry) use.log(`Deno Jupyter kernel missing; would run: ${install.join(" ")}`);
    else {
      use.log(`Installing the Deno Jupyter kernel (${install.join(" ")})…`);
      await runStep(use, install[0], install.slice(1), { quiet: true });
      if (!(await use.hasDenoKernel())) {
        throw new SetupError(
          `the Deno Jupyter kernel is still missing after "${install.join(" ")}"`,
        );
      }
    }
  }
  // The npm packages, exactly as deno.lock pins them (it fails when the
  // lock is out of date); quiet, as its output matters only when it fails.
  const npm = [Deno.execPath(), "install", "--frozen"];
  const root = projectRoot();
  if (dry) use.log(`would run: ${npm.join(" ")}  (in ${root})`);
  else await runStep(use, npm[0], npm.slice(1), { quiet: true, cwd: root });
  use.log(
    dry ? "Dry run: nothing done." : "Test setup: every tool the tests need is installed.",
  );
  return 0;
}

if (import.meta.main) await runCli(main);
