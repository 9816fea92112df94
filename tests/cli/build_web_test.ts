import { assertEquals, assertStringIncludes } from "@std/assert";
import { bundleWebPreprocess, main, WEB_PREPROCESS_OUTPUT } from "../../lib/cli/build_web.ts";
import { captureLog } from "../_helpers/cli.ts";

Deno.test("build_web --check: the committed preprocess bundle matches a fresh deno bundle", async () => {
  const out = await captureLog(async () => assertEquals(await main(["--check"]), 0));
  assertStringIncludes(out, `${WEB_PREPROCESS_OUTPUT.pathname} matches a fresh bundle`);
});

Deno.test("build_web: the bundle is one browser module, exporting normalizeImage, importing nothing", async () => {
  const js = await bundleWebPreprocess();
  assertEquals(js.match(/^\s*import\b/gm), null);
  assertEquals(js.match(/\bnode:/g), null);
  assertEquals(js.match(/\bDeno\.(?!build)/g), null); // @std/path only reads Deno?.build?.os
  assertEquals([...js.matchAll(/^export \{\n([^}]*)\};/gm)].map((m) => m[1].trim()), [
    "normalizeImage",
  ]);
});
