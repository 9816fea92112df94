import { assert, assertEquals } from "@std/assert";
import { dataPath, projectRoot, resolvePath } from "../../lib/core/paths.ts";

Deno.test("projectRoot: is the folder holding deno.json", async () => {
  const root = projectRoot();
  assert(root.startsWith("/"));
  const stat = await Deno.stat(`${root}/deno.json`);
  assert(stat.isFile);
});

Deno.test("dataPath and resolvePath", () => {
  assertEquals(dataPath("models", "x"), `${projectRoot()}/data/models/x`);
  assertEquals(resolvePath("/abs/p"), "/abs/p");
  assertEquals(resolvePath("rel/p"), `${Deno.cwd()}/rel/p`);
});
