/**
 * The drawing page: one self-contained HTML file (`page.html`, styles and
 * script inline, nothing loaded from elsewhere) where a user draws a digit
 * and sees what the model reads, live. Its styles start with those it
 * shares with the exported static page (`sharedPageStyle`).
 *
 * @module
 */

import { sharedPageStyle, withSharedStyle } from "../export/mod.ts";

let page: Promise<string> | undefined;

/**
 * The page's HTML, read once from `page.html` next to this module, with
 * the shared styles in place.
 *
 * @example
 * ```ts
 * import { assertMatch, assertStrictEquals } from "@std/assert";
 * import { readPage } from "./page.ts";
 * const html = await readPage();
 * assertMatch(html, /<canvas/);
 * assertStrictEquals(await readPage(), html); // read once
 * ```
 */
export function readPage(): Promise<string> {
  page ??= Promise.all([
    Deno.readTextFile(new URL("./page.html", import.meta.url)),
    sharedPageStyle(),
  ]).then(([template, style]) => withSharedStyle(template, style)).catch((e) => {
    page = undefined;
    throw e;
  });
  return page;
}
