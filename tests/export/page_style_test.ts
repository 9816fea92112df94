import { assert, assertEquals, assertStringIncludes, assertThrows } from "@std/assert";
import { DataFormatError } from "../../lib/core/errors.ts";
import {
  SHARED_STYLE_MARK,
  sharedPageStyle,
  withSharedStyle,
} from "../../lib/export/page_style.ts";
import { readPage } from "../../lib/web/page.ts";

const count = (text: string, part: string) => text.split(part).length - 1;

Deno.test("both page templates take the shared styles in once, inside their <style>", async () => {
  for (const url of ["../../lib/web/page.html", "../../lib/export/web_page.html"]) {
    const template = await Deno.readTextFile(new URL(url, import.meta.url));
    assertEquals(count(template, SHARED_STYLE_MARK), 1, url);
    const at = template.indexOf(SHARED_STYLE_MARK);
    assert(template.lastIndexOf("<style>", at) > template.lastIndexOf("</style>", at), url);
  }
});

Deno.test("the draw page serves the shared styles and its own, with no mark left", async () => {
  const html = await readPage();
  const shared = await sharedPageStyle();
  assertEquals(count(html, shared), 1);
  assertEquals(count(html, SHARED_STYLE_MARK), 0);
  assertStringIncludes(html, ".switch input"); // the draw page's own rules follow
});

Deno.test("withSharedStyle refuses a template without the mark, or with two", () => {
  const e = assertThrows(() => withSharedStyle("<style></style>", "b {}"), DataFormatError);
  assertStringIncludes(e.message, "found it 0 times");
  assertThrows(
    () => withSharedStyle(`${SHARED_STYLE_MARK}${SHARED_STYLE_MARK}`, "b {}"),
    DataFormatError,
    "found it 2 times",
  );
});
