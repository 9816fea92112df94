import { assertEquals, assertRejects, assertStringIncludes } from "@std/assert";
import { InvalidArgumentError } from "../../lib/core/mod.ts";
import { main } from "../../lib/cli/fuzz.ts";
import { captureLog } from "../_helpers/cli.ts";

Deno.test("fuzz --help names every target", async () => {
  const out = await captureLog(() => main(["--help"]));
  assertStringIncludes(out, "deno task fuzz");
  assertStringIncludes(out, "idx-gzip");
  assertStringIncludes(out, "weights.bin");
});

Deno.test("fuzz: a short run of two targets prints the table and a JSON line, exit 0", async () => {
  const dir = await Deno.makeTempDir();
  let code = -1;
  const out = await captureLog(async () => {
    code = await main(["--count", "40", "--seed", "3", "--target", "idx,bmp", "--out", dir]);
  }, { quietErrors: true });
  assertEquals(code, 0, out);
  const summary = JSON.parse(out.trim().split("\n").at(-1)!);
  assertEquals(summary.targets.map((t: { target: string }) => t.target), ["idx", "bmp"]);
  assertEquals(summary.targets[0].inputs, 40);
  assertStringIncludes(out, "typed errors");
  await Deno.remove(dir, { recursive: true });
});

Deno.test("fuzz: bad flags are refused naming the value", async () => {
  await assertRejects(() => main(["--target", "pdf"]), InvalidArgumentError, '"pdf"');
  await assertRejects(() => main(["--count", "0"]), InvalidArgumentError, "--count");
  await assertRejects(() => main(["--seconds", "0"]), InvalidArgumentError, "--seconds");
});
