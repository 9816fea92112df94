import { assertEquals } from "@std/assert";
import {
  defaultTarget,
  escapeHtml,
  inJupyter,
  showBundle,
  textTarget,
} from "../../lib/display/jupyter.ts";

Deno.test("inJupyter is false and the default target prints text outside the kernel", () => {
  assertEquals(inJupyter(), false);
  assertEquals(defaultTarget().rich, false);
});

Deno.test("textTarget writes the text/plain part of each bundle and ignores the rest", async () => {
  const lines: string[] = [];
  const target = textTarget((t) => lines.push(t));
  await target.display({ "text/plain": "first", "text/html": "<b>first</b>" });
  await target.display({ "text/html": "<i>html only</i>" });
  await target.display({ "text/plain": "second" }, { displayId: "x", update: true });
  assertEquals(lines, ["first", "second"]);
});

Deno.test("showBundle prints the text outside the kernel", async () => {
  const logged: unknown[] = [];
  const original = console.log;
  console.log = (...args: unknown[]) => logged.push(args.join(" "));
  try {
    await showBundle({ "text/plain": "plain text", "text/html": "<p>rich</p>" });
  } finally {
    console.log = original;
  }
  assertEquals(logged, ["plain text"]);
});

Deno.test("escapeHtml escapes the five HTML special characters", () => {
  assertEquals(
    escapeHtml(`<a href="x" title='y'>&</a>`),
    "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;",
  );
  assertEquals(escapeHtml("plain 7 → 2"), "plain 7 → 2");
});
