import { assert, assertEquals, assertRejects, assertThrows } from "@std/assert";
import {
  clearNotebook,
  type CommandResult,
  jupyterArgs,
  main,
  type NotebookDeps,
  notebookProblems,
  probeJupyter,
} from "../../lib/cli/notebook.ts";
import { DigitLabError, InvalidArgumentError } from "../../lib/core/errors.ts";
import { projectRoot } from "../../lib/core/paths.ts";

/** A fake system where the given `jupyter` subcommands succeed. */
function fakeSystem(
  installed: {
    lab?: boolean;
    classic?: boolean;
    deno?: boolean;
    jupyter?: boolean;
    plotly?: boolean;
    root?: boolean;
  },
) {
  const calls: string[] = [];
  const started: { program: string; args: string[]; env: Record<string, string> }[] = [];
  const logged: string[] = [];
  const ok = (stdout = ""): CommandResult => ({ code: 0, stdout });
  const deps: NotebookDeps = {
    run(program, args, options) {
      calls.push([program, ...args].join(" ") + (options?.cwd ? ` (in ${options.cwd})` : ""));
      if (program !== "jupyter") return Promise.resolve(ok());
      if (installed.jupyter === false) return Promise.resolve({ code: 127, stdout: "" });
      if (args[0] === "lab") {
        return Promise.resolve(installed.lab ? ok("4.0") : { code: 1, stdout: "" });
      }
      if (args[0] === "notebook") {
        return Promise.resolve(installed.classic ? ok("6.4") : { code: 1, stdout: "" });
      }
      if (args[0] === "kernelspec") {
        const specs = installed.deno ? { deno: { spec: {} }, python3: {} } : { python3: {} };
        return Promise.resolve(ok(JSON.stringify({ kernelspecs: specs })));
      }
      return Promise.resolve(ok("jupyter core 5"));
    },
    start(program, args, env) {
      started.push({ program, args, env });
      return Promise.resolve(0);
    },
    log: (line) => logged.push(line),
    exists: (path) => Promise.resolve(installed.plotly !== false && path.endsWith("plotly.js")),
    isRoot: () => installed.root ?? false,
  };
  return { deps, calls, started, logged };
}

Deno.test("probeJupyter reports frontends and the Deno kernel", async () => {
  assertEquals(await probeJupyter(fakeSystem({ lab: true, deno: true }).deps.run), {
    jupyter: true,
    lab: true,
    classic: false,
    denoKernel: true,
  });
  assertEquals(await probeJupyter(fakeSystem({ classic: true }).deps.run), {
    jupyter: true,
    lab: false,
    classic: true,
    denoKernel: false,
  });
  assertEquals((await probeJupyter(fakeSystem({ jupyter: false }).deps.run)).jupyter, false);
  const garbled = (_: string, args: string[]) =>
    Promise.resolve({ code: 0, stdout: args[0] === "kernelspec" ? "not json" : "" });
  assertEquals((await probeJupyter(garbled)).denoKernel, false);
});

Deno.test("jupyterArgs prefers JupyterLab and serves the project root", () => {
  const both = { jupyter: true, lab: true, classic: true, denoKernel: true };
  assertEquals(jupyterArgs(both, { root: "/p", extra: ["--no-browser"] }), [
    "lab",
    "--ServerApp.root_dir=/p",
    "--no-browser",
  ]);
  assertEquals(jupyterArgs(both, { root: "/p", frontend: "classic" }), [
    "notebook",
    "--notebook-dir=/p",
  ]);
  const classicOnly = { ...both, lab: false };
  assertEquals(jupyterArgs(classicOnly, { root: "/p" })[0], "notebook");
  assertThrows(
    () => jupyterArgs(classicOnly, { root: "/p", frontend: "lab" }),
    DigitLabError,
    "JupyterLab",
  );
  assertThrows(
    () => jupyterArgs({ ...both, classic: false }, { root: "/p", frontend: "classic" }),
    DigitLabError,
    "classic",
  );
});

Deno.test("main installs the Deno kernel when it is missing, then starts Jupyter at the root", async () => {
  const sys = fakeSystem({ classic: true, deno: false });
  assertEquals(await main(["--", "--no-browser"], sys.deps), 0);
  assert(sys.calls.includes(`${Deno.execPath()} jupyter --install`), sys.calls.join("\n"));
  assertEquals(sys.started.length, 1);
  assertEquals(sys.started[0].program, "jupyter");
  assertEquals(sys.started[0].args, [
    "notebook",
    `--notebook-dir=${projectRoot()}`,
    "--no-browser",
  ]);
  assertEquals(sys.started[0].env.NO_COLOR !== undefined, true);
  assert(!sys.calls.some((c) => c.includes(" install (in")), "plotly.js is there: no deno install");
});

Deno.test("main adds --allow-root as root, once, and says where to open", async () => {
  const root = fakeSystem({ classic: true, deno: true, root: true });
  assertEquals(await main(["--", "--no-browser"], root.deps), 0);
  assertEquals(root.started[0].args, [
    "notebook",
    `--notebook-dir=${projectRoot()}`,
    "--no-browser",
    "--allow-root",
  ]);
  assertEquals(root.started[0].env.DIGIT_LAB_QUICK, undefined);
  const said = root.logged.at(-1) ?? "";
  assert(said.includes("open the URL Jupyter prints below"), said);
  assert(said.includes("notebooks/01_load_data.ipynb"), said);

  const given = fakeSystem({ lab: true, deno: true, root: true });
  await main(["--", "--allow-root"], given.deps);
  assertEquals(given.started[0].args.filter((a) => a === "--allow-root").length, 1);

  const user = fakeSystem({ lab: true, deno: true, root: false });
  await main([], user.deps);
  assert(!user.started[0].args.includes("--allow-root"));
});

Deno.test("main --quick starts Jupyter (and so its kernels) in quick mode", async () => {
  const sys = fakeSystem({ classic: true, deno: true });
  assertEquals(await main(["--quick"], sys.deps), 0);
  assertEquals(sys.started[0].env.DIGIT_LAB_QUICK, "1");
  assert((sys.logged.at(-1) ?? "").includes("quick mode"));
  const dry = fakeSystem({ classic: true, deno: true, root: true });
  assertEquals(await main(["--quick", "--dry-run"], dry.deps), 0);
  assertEquals(dry.logged, [
    `would run: DIGIT_LAB_QUICK=1 jupyter notebook --notebook-dir=${projectRoot()} --allow-root  (in ${projectRoot()})`,
  ]);
});

Deno.test("main runs deno install at the root when plotly.js is missing from node_modules", async () => {
  const sys = fakeSystem({ classic: true, deno: true, plotly: false });
  assertEquals(await main([], sys.deps), 0);
  assert(
    sys.calls.includes(`${Deno.execPath()} install (in ${projectRoot()})`),
    sys.calls.join("\n"),
  );
  assertEquals(sys.started.length, 1);
});

Deno.test("main leaves an installed kernel alone and --dry-run only says what it would do", async () => {
  const installed = fakeSystem({ lab: true, deno: true });
  await main([], installed.deps);
  assert(!installed.calls.some((c) => c.includes("--install")));
  assertEquals(installed.started[0].args[0], "lab");

  const dry = fakeSystem({ classic: true, deno: false, plotly: false });
  assertEquals(await main(["--dry-run", "--classic"], dry.deps), 0);
  assertEquals(dry.started.length, 0);
  assertEquals(dry.logged, [
    `would run: ${Deno.execPath()} install  (in ${projectRoot()})`,
    `would run: ${Deno.execPath()} jupyter --install`,
    `would run: jupyter notebook --notebook-dir=${projectRoot()}  (in ${projectRoot()})`,
  ]);
});

Deno.test("main says how to install Jupyter when it is missing, and rejects bad arguments", async () => {
  const none = fakeSystem({ jupyter: false });
  assertEquals(await main([], none.deps), 1);
  assert(none.logged[0].includes("pipx install jupyterlab"), none.logged[0]);
  assert(none.logged[0].includes("VS Code"));
  assertEquals(none.started.length, 0);
  await assertRejects(() => main(["--nope"], none.deps), InvalidArgumentError, "--nope");
  await assertRejects(() => main(["open"], none.deps), InvalidArgumentError, '"open"');
  await assertRejects(
    () => main(["--lab", "--classic"], none.deps),
    InvalidArgumentError,
    "not both",
  );
  const help = fakeSystem({});
  assertEquals(await main(["--help"], help.deps), 0);
  assert(help.logged[0].startsWith("Usage:"));
});

const NOTEBOOK = {
  cells: [
    { cell_type: "markdown", id: "a", metadata: {}, source: ["# Title"] },
    {
      cell_type: "code",
      execution_count: 4,
      id: "b",
      metadata: { execution: { "iopub.status.idle": "2024-01-01" }, tags: ["keep"] },
      outputs: [{ output_type: "stream", name: "stdout", text: ["/home/me/x\n"] }],
      source: ["console.log(1)"],
    },
  ],
  metadata: { kernelspec: { name: "deno", display_name: "Deno", language: "typescript" } },
  nbformat: 4,
  nbformat_minor: 5,
};

Deno.test("clearNotebook removes outputs, counts and timings, and keeps the rest", () => {
  const cleared = JSON.parse(clearNotebook(JSON.stringify(NOTEBOOK)));
  assertEquals(cleared.cells[1].outputs, []);
  assertEquals(cleared.cells[1].execution_count, null);
  assertEquals(cleared.cells[1].metadata, { tags: ["keep"] });
  assertEquals(cleared.cells[0], NOTEBOOK.cells[0]);
  assertEquals(cleared.metadata, NOTEBOOK.metadata);
  const text = clearNotebook(JSON.stringify(NOTEBOOK));
  assertEquals(clearNotebook(text), text, "clearing twice changes nothing");
  assert(text.startsWith('{\n "cells": [\n  {\n'), "Jupyter's one-space indentation");
  assertThrows(
    () => clearNotebook("{", "x.ipynb"),
    InvalidArgumentError,
    "x.ipynb is not valid JSON",
  );
  assertThrows(() => clearNotebook("{}", "x.ipynb"), InvalidArgumentError, 'no "cells"');
});

Deno.test("notebookProblems finds outputs, counts, machine paths, size and kernel", () => {
  assertEquals(notebookProblems(JSON.stringify(NOTEBOOK), "n.ipynb"), [
    "n.ipynb: cell 1 has outputs",
    "n.ipynb: cell 1 has an execution count",
    'n.ipynb: contains a machine-specific path ("/home/"…)',
  ]);
  assertEquals(notebookProblems(clearNotebook(JSON.stringify(NOTEBOOK)), "n.ipynb"), []);
  const python = { ...NOTEBOOK, cells: [], metadata: { kernelspec: { name: "python3" } } };
  assertEquals(notebookProblems(JSON.stringify(python), "p.ipynb"), [
    'p.ipynb: kernelspec is "python3", not "deno"',
  ]);
  const big = {
    ...NOTEBOOK,
    cells: [{ cell_type: "markdown", metadata: {}, source: ["x".repeat(1_000_000)] }],
  };
  assertEquals(notebookProblems(JSON.stringify(big), "b.ipynb").length, 1);
  assert(notebookProblems(JSON.stringify(big), "b.ipynb")[0].includes("not under 1 MB"));
});
