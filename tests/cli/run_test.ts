import { fromFileUrl } from "@std/path";
import { assertEquals, assertRejects, assertThrows } from "@std/assert";
import { InvalidArgumentError } from "../../lib/core/errors.ts";
import { parseFlags } from "../../lib/cli/run.ts";
import { main as bench } from "../../lib/cli/bench.ts";
import { main as buildSimd } from "../../lib/cli/build_simd.ts";
import { main as data } from "../../lib/cli/data.ts";
import { main as evaluate } from "../../lib/cli/evaluate.ts";
import { main as examples } from "../../lib/cli/examples.ts";
import { main as external } from "../../lib/cli/external.ts";
import { main as notebook } from "../../lib/cli/notebook.ts";
import { main as predict } from "../../lib/cli/predict.ts";
import { main as profile } from "../../lib/cli/profile.ts";
import { main as serve } from "../../lib/cli/serve.ts";
import { main as train } from "../../lib/cli/train.ts";

Deno.test("parseFlags: values, booleans, help and positionals", () => {
  const f = parseFlags(["--epochs", "3", "a.png", "--json", "-h", "b.png"], {
    string: ["epochs", "out"],
    boolean: ["json"],
  });
  assertEquals([f.epochs, f.out, f.json, f.help], ["3", undefined, true, true]);
  assertEquals(f._, ["a.png", "b.png"]);
  assertEquals(f["--"], []);
  // Positional arguments stay as given, numbers included.
  assertEquals(parseFlags(["007", "1e3", "--", "08"], {})._, ["007", "1e3", "08"]);
});

Deno.test("parseFlags: positional arguments can be refused or limited", () => {
  const e = assertThrows(() => parseFlags(["x"], { positional: false }), InvalidArgumentError);
  assertEquals(e.message, 'unexpected argument "x" (see --help)');
  assertEquals(parseFlags(["a"], { positional: 1 })._, ["a"]);
  assertThrows(
    () => parseFlags(["a", "b"], { positional: 1 }),
    InvalidArgumentError,
    'unexpected argument "b"',
  );
  // Arguments after "--" count as positional unless passed through.
  assertThrows(() => parseFlags(["--", "x"], { positional: false }), InvalidArgumentError, '"x"');
});

Deno.test("parseFlags: arguments after -- can be passed through untouched", () => {
  const f = parseFlags(["clear", "--", "--port", "8899"], { positional: 1, passThrough: true });
  assertEquals(f._, ["clear"]);
  assertEquals(f["--"], ["--port", "8899"]);
});

Deno.test("parseFlags: an unknown option or a value flag without value is an error naming it", () => {
  const e = assertThrows(
    () => parseFlags(["--epocs", "3"], { string: ["epochs"] }),
    InvalidArgumentError,
  );
  assertEquals(e.message, "unknown option --epocs (see --help)");
  for (const args of [["--out"], ["--out="], ["--out", "--json"]]) {
    const missing = assertThrows(
      () => parseFlags(args, { string: ["out"], boolean: ["json"] }),
      InvalidArgumentError,
    );
    assertEquals(missing.message, "--out needs a value (see --help)");
  }
});

Deno.test("parseFlags: a negative number after a value flag is its value, not an option", () => {
  const f = parseFlags(["--epochs", "-1", "--lr", "-0.5", "--seed", "-1e-3", "--port", "-.5"], {
    string: ["epochs", "lr", "seed", "port"],
  });
  assertEquals([f.epochs, f.lr, f.seed, f.port], ["-1", "-0.5", "-1e-3", "-.5"]);
  // Only after a flag that takes a value: alone, or after a boolean flag, it is still an option.
  assertThrows(() => parseFlags(["-1"], {}), InvalidArgumentError, "unknown option -1");
  assertThrows(
    () => parseFlags(["--json", "-1"], { boolean: ["json"] }),
    InvalidArgumentError,
    "unknown option -1",
  );
  // Something that only starts like a number is no value.
  assertThrows(
    () => parseFlags(["--out", "-1x"], { string: ["out"] }),
    InvalidArgumentError,
    "unknown option -1x",
  );
  // After "--" nothing is touched.
  const rest = parseFlags(["--", "--epochs", "-1"], { string: ["epochs"], passThrough: true });
  assertEquals([rest.epochs, rest["--"]], [undefined, ["--epochs", "-1"]]);
});

Deno.test("a negative number reaches the flag's own check in every command taking one", async () => {
  const cases: [(args: string[]) => Promise<number>, string[], string][] = [
    [train, ["--epochs", "-1"], "--epochs must be at least 1, got -1"],
    [train, ["--lr", "-1"], "--lr must be greater than 0, got -1"],
    [train, ["--threads", "-2"], "--threads must be at least 1, got -2"],
    [serve, ["--port", "-1"], "--port must be at least 0, got -1"],
    [bench, ["--threads", "-1"], "--threads must be at least 1, got -1"],
    [profile, ["--threads", "-1"], "--threads must be at least 1, got -1"],
  ];
  for (const [main, args, message] of cases) {
    const e = await assertRejects(() => main(args), InvalidArgumentError, undefined, args[0]);
    assertEquals(e.message, message);
  }
});

Deno.test("a thread count beyond what the machine can use is refused before any work", async () => {
  const cores = navigator.hardwareConcurrency;
  const message = `--threads must be at most ${
    Math.min(64, 4 * cores)
  } with ${cores} cores, got 999`;
  for (const [name, main] of Object.entries({ bench, profile, train })) {
    const e = await assertRejects(
      () => main(["--threads", "999"]),
      InvalidArgumentError,
      undefined,
      name,
    );
    assertEquals(e.message, message, name);
  }
});

Deno.test("every command that takes no positional argument refuses a stray one", async () => {
  const commands = { bench, buildSimd, evaluate, external, profile, serve, train };
  for (const [name, main] of Object.entries(commands)) {
    const e = await assertRejects(() => main(["stray"]), InvalidArgumentError, undefined, name);
    assertEquals(e.message, 'unexpected argument "stray" (see --help)', name);
  }
});

Deno.test("every command rejects an unknown option with the same one-line error", async () => {
  const commands = {
    bench,
    buildSimd,
    data,
    evaluate,
    examples,
    external,
    notebook,
    predict,
    profile,
    serve,
    train,
  };
  for (const [name, main] of Object.entries(commands)) {
    const e = await assertRejects(() => main(["--nope"]), InvalidArgumentError, undefined, name);
    assertEquals(e.message, "unknown option --nope (see --help)", name);
  }
});

Deno.test("runCli: exit code of main; a Digit Lab error is one line and exit code 2", async () => {
  const dir = await Deno.makeTempDir({ prefix: "run_cli_" });
  try {
    const runUrl = new URL("../../lib/cli/run.ts", import.meta.url).href;
    const errorsUrl = new URL("../../lib/core/errors.ts", import.meta.url).href;
    const config = fromFileUrl(new URL("../../deno.json", import.meta.url));
    const script = `${dir}/cmd.ts`;
    await Deno.writeTextFile(
      script,
      `import { runCli } from "${runUrl}";
import { InvalidArgumentError } from "${errorsUrl}";
await runCli(async (args) => {
  if (args[0] === "bad") throw new InvalidArgumentError("--x must be positive, got -1");
  console.log("ran", args.join(","));
  return Number(args[0]);
});
`,
    );
    const run = async (...args: string[]) => {
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["run", "--no-check", "--allow-read", "--config", config, script, ...args],
        env: { NO_COLOR: "1" },
      }).output();
      const text = (b: Uint8Array) => new TextDecoder().decode(b);
      return { code: out.code, stdout: text(out.stdout), stderr: text(out.stderr) };
    };
    const ok = await run("3", "y");
    assertEquals([ok.code, ok.stdout.trim()], [3, "ran 3,y"]);
    const bad = await run("bad");
    assertEquals(bad.code, 2);
    assertEquals(bad.stderr.trim(), "error: --x must be positive, got -1");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a command run as a program prints a bad flag as one line and exits 2", async () => {
  const script = fromFileUrl(new URL("../../lib/cli/data.ts", import.meta.url));
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-check", "--allow-read", "--allow-env", script, "mnist", "--dri", "x"],
    env: { NO_COLOR: "1" },
  }).output();
  assertEquals(out.code, 2);
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  assertEquals(text(out.stderr).trim(), "error: unknown option --dri (see --help)");
  assertEquals(text(out.stdout), "");
});
