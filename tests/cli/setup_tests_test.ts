import { assert, assertEquals, assertRejects, assertStringIncludes } from "@std/assert";
import {
  main,
  planSetup,
  type SetupDeps,
  SetupError,
  TEST_TOOLS,
  type TestTool,
} from "../../lib/cli/setup_tests.ts";
import { DigitLabError, InvalidArgumentError } from "../../lib/core/errors.ts";

const byName = (...names: string[]): TestTool[] =>
  names.map((n) => TEST_TOOLS.find((t) => t.name === n)!);

/**
 * A fake machine: `missing` tools (by name) are absent until apt-get installs
 * their package (unless `aptFixes` is false); the Deno kernel is absent
 * until `deno jupyter --install` runs when `kernel` is false.
 */
function fakeMachine(options: {
  missing?: string[];
  kernel?: boolean;
  root?: boolean;
  aptGet?: boolean;
  aptFixes?: boolean;
  failing?: string;
}) {
  const absent = new Set(options.missing ?? []);
  let kernel = options.kernel ?? true;
  const ran: string[] = [];
  const logged: string[] = [];
  const errors: string[] = [];
  const deps: SetupDeps = {
    hasTool: (tool) => Promise.resolve(!absent.has(tool.name)),
    hasDenoKernel: () => Promise.resolve(kernel),
    system: () => Promise.resolve({ root: options.root ?? true, aptGet: options.aptGet ?? true }),
    run(program, args, runOptions) {
      const line = [program, ...args].join(" ");
      ran.push(line);
      if (options.failing && line.includes(options.failing)) {
        return Promise.resolve({ code: 100, output: "E: Unable to locate package" });
      }
      if (program === "apt-get" && args.includes("install") && options.aptFixes !== false) {
        for (const tool of TEST_TOOLS) {
          if (args.includes(tool.debianPackage)) absent.delete(tool.name);
        }
      }
      if (program === "apt-get") assertEquals(runOptions?.env?.DEBIAN_FRONTEND, "noninteractive");
      if (args.join(" ") === "jupyter --install") kernel = true;
      return Promise.resolve({ code: 0, output: "" });
    },
    log: (line) => logged.push(line),
    error: (line) => errors.push(line),
  };
  return { deps, ran, logged, errors };
}

const DENO = Deno.execPath();

Deno.test("planSetup: nothing missing, nothing to do", () => {
  assertEquals(planSetup([], { root: true, aptGet: true }), { action: "none" });
  assertEquals(planSetup([], { root: false, aptGet: false }), { action: "none" });
});

Deno.test("planSetup installs each missing package once as root with apt-get", () => {
  const missing = byName("chromium", "python3 with nbclient", "wasm-ld-19");
  assertEquals(planSetup(missing, { root: true, aptGet: true }), {
    action: "install",
    packages: ["chromium", "python3-nbclient", "lld-19"],
  });
  const twice = [...byName("clang-19"), { ...byName("wasm-ld-19")[0], debianPackage: "clang-19" }];
  assertEquals(planSetup(twice, { root: true, aptGet: true }), {
    action: "install",
    packages: ["clang-19"],
  });
});

Deno.test("planSetup names the tools and the exact command when it cannot install", () => {
  const missing = byName("clang-19", "wasm-ld-19");
  assertEquals(planSetup(missing, { root: false, aptGet: true }), {
    action: "tell",
    line: "the tests need clang-19, wasm-ld-19; install them with: " +
      "sudo sh -c 'apt-get update && apt-get install -y --no-install-recommends clang-19 lld-19'",
  });
  const other = planSetup(missing, { root: true, aptGet: false });
  assertEquals(other.action, "tell");
  const line = other.action === "tell" ? other.line : "";
  assertStringIncludes(line, "the tests need clang-19, wasm-ld-19");
  assertStringIncludes(line, "on Debian/Ubuntu: apt-get update && apt-get install");
  assert(!line.includes("\n"), "one line");
});

Deno.test("main on a ready machine only installs the npm packages from the lock", async () => {
  const m = fakeMachine({});
  assertEquals(await main([], m.deps), 0);
  assertEquals(m.ran, [`${DENO} install --frozen`]);
  assertEquals(m.errors, []);
  assertEquals(m.logged, ["Test setup: every tool the tests need is installed."]);
});

Deno.test("main as root installs the missing Debian packages, then the Deno kernel", async () => {
  const m = fakeMachine({ missing: ["chromium", "wasm-ld-19"], kernel: false });
  assertEquals(await main([], m.deps), 0);
  assertEquals(m.ran, [
    "apt-get update -qq",
    "apt-get -qq install -y --no-install-recommends chromium lld-19",
    `${DENO} jupyter --install`,
    `${DENO} install --frozen`,
  ]);
  assertStringIncludes(m.logged[0], "chromium, wasm-ld-19");
  assertEquals(m.errors, []);
});

Deno.test("main without root prints one line naming the command, exits 1, installs nothing", async () => {
  const m = fakeMachine({ missing: ["jupyter-notebook"], kernel: false, root: false });
  assertEquals(await main([], m.deps), 1);
  assertEquals(m.ran, []);
  assertEquals(m.errors, [
    "the tests need jupyter-notebook; install them with: " +
    "sudo sh -c 'apt-get update && apt-get install -y --no-install-recommends jupyter-notebook'",
  ]);
});

Deno.test("main installs only the kernel when the packages are there", async () => {
  const m = fakeMachine({ kernel: false, root: false, aptGet: false });
  assertEquals(await main([], m.deps), 0);
  assertEquals(m.ran, [`${DENO} jupyter --install`, `${DENO} install --frozen`]);
});

Deno.test("main fails with a SetupError when a step fails or leaves a tool missing", async () => {
  const failing = fakeMachine({ missing: ["clang-19"], failing: "install -y" });
  const e = await assertRejects(() => main([], failing.deps), SetupError);
  assert(e instanceof DigitLabError);
  assertStringIncludes(e.message, "apt-get -qq install -y --no-install-recommends clang-19");
  assertStringIncludes(e.message, "exit code 100");
  assertStringIncludes(e.message, "Unable to locate package");

  const useless = fakeMachine({ missing: ["clang-19"], aptFixes: false });
  await assertRejects(() => main([], useless.deps), SetupError, "still missing after apt-get");

  const noKernel = fakeMachine({ failing: "jupyter --install", kernel: false });
  await assertRejects(() => main([], noKernel.deps), SetupError, "jupyter --install");
});

Deno.test("main --dry-run says what it would do and does nothing", async () => {
  const m = fakeMachine({ missing: ["clang-19"], kernel: false });
  assertEquals(await main(["--dry-run"], m.deps), 0);
  assertEquals(m.ran, []);
  assertEquals(m.logged.length, 4);
  assertStringIncludes(m.logged[0], "would run: apt-get update && apt-get install");
  assertStringIncludes(m.logged[1], "would run: ");
  assertStringIncludes(m.logged[1], "jupyter --install");
  assertStringIncludes(m.logged[2], "install --frozen");
});

Deno.test("main rejects unknown options and arguments", async () => {
  const m = fakeMachine({});
  await assertRejects(() => main(["--fast"], m.deps), InvalidArgumentError, "--fast");
  await assertRejects(() => main(["now"], m.deps), InvalidArgumentError, '"now"');
  assertEquals(m.ran, []);
});

Deno.test("the real checks find this machine's tools (the test command ran setup first)", async () => {
  // `deno task test` runs `deno task setup:test` before the tests, so a tool
  // missing here is a failure, never a skip.
  const said: string[] = [];
  const log = (line: string) => said.push(line);
  assertEquals(await main(["--dry-run"], { log, error: log }), 0);
  // Only the npm install step and the closing line: no package, no kernel to install.
  assertEquals(said.length, 2, said.join("\n"));
  assertStringIncludes(said[0], "install --frozen");
});
