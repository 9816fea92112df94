/**
 * The drawing page: one self-contained HTML file (`page.html`, styles and
 * script inline, nothing loaded from elsewhere) where a user draws a digit
 * and sees what the model reads, live.
 *
 * @module
 */

let page: Promise<string> | undefined;

/**
 * The page's HTML, read once from `page.html` next to this module.
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
  page ??= Deno.readTextFile(new URL("./page.html", import.meta.url)).catch((e) => {
    page = undefined;
    throw e;
  });
  return page;
}
