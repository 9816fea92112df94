import { captureLog } from "../_helpers/cli.ts";
import { assertEquals, assertRejects, assertStringIncludes } from "@std/assert";
import { main } from "../../lib/cli/build_simd.ts";
import { InvalidArgumentError } from "../../lib/core/errors.ts";

Deno.test("build:simd --help says what it needs", async () => {
  const out = await captureLog(async () => assertEquals(await main(["--help"]), 0));
  assertStringIncludes(out, "clang-19 lld-19");
});

// Needs clang-19 and lld-19 (Debian packages; setup:test installs them).
Deno.test("build:simd --check finds the committed module up to date, and writes nothing", async () => {
  const path = new URL("../../lib/kernels/simd/kernels_wasm.ts", import.meta.url);
  const before = await Deno.stat(path);
  const out = await captureLog(async () => assertEquals(await main(["--check"]), 0));
  assertStringIncludes(out, "matches a fresh build");
  assertEquals((await Deno.stat(path)).mtime, before.mtime);
});

Deno.test("build:simd rejects unknown options and arguments", async () => {
  await assertRejects(() => main(["--fast"]), InvalidArgumentError, "--fast");
  await assertRejects(() => main(["out.wasm"]), InvalidArgumentError, "out.wasm");
});
