import { fromFileUrl } from "@std/path";
import { assertEquals, assertStringIncludes, assertThrows } from "@std/assert";
import { InvalidArgumentError } from "../../lib/core/errors.ts";
import { parseFlags } from "../../lib/cli/run.ts";

Deno.test("parseFlags: values, booleans, help and positionals", () => {
  const f = parseFlags(["--epochs", "3", "a.png", "--json", "-h", "b.png"], {
    string: ["epochs", "out"],
    boolean: ["json"],
  });
  assertEquals([f.epochs, f.out, f.json, f.help], ["3", undefined, true, true]);
  assertEquals(f._, ["a.png", "b.png"]);
});

Deno.test("parseFlags: positional arguments can be refused", () => {
  const e = assertThrows(() => parseFlags(["x"], { positional: false }), InvalidArgumentError);
  assertStringIncludes(e.message, "unknown argument x");
});

Deno.test("parseFlags: an unknown option is an error naming it", () => {
  const e = assertThrows(
    () => parseFlags(["--epocs", "3"], { string: ["epochs"] }),
    InvalidArgumentError,
  );
  assertStringIncludes(e.message, "--epocs");
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
