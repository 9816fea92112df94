import { assertEquals } from "@std/assert";
import { showTable } from "../../lib/display/mod.ts";

Deno.test("the display helpers print readable text outside a notebook", async () => {
  const logged: string[] = [];
  const original = console.log;
  console.log = (...args: unknown[]) => logged.push(args.join(" "));
  try {
    await showTable([["train", 8000], ["test", 1000]], { header: ["split", "examples"] });
  } finally {
    console.log = original;
  }
  assertEquals(logged.length, 1);
  const lines = logged[0].split("\n");
  assertEquals(lines.length, 6);
  assertEquals(lines[1], "│ split │ examples │");
  assertEquals(lines[3], "│ train │     8000 │");
});
