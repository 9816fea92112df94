/**
 * The styles the two drawing pages share (`page_style.css`): the draw page
 * of `deno task serve` and the static page of `deno task export --format
 * web` look alike, so their common rules live once, here, and each page's
 * `<style>` takes them in where it says {@link SHARED_STYLE_MARK}.
 *
 * @module
 */

import { DataFormatError } from "../core/mod.ts";

/** Where a page's `<style>` takes in the shared rules. */
export const SHARED_STYLE_MARK = "/* SHARED_STYLE */";

let style: Promise<string> | undefined;

/**
 * The shared rules, read once from `page_style.css` next to this module.
 *
 * @example
 * ```ts
 * import { assertStringIncludes } from "@std/assert";
 * import { sharedPageStyle } from "./page_style.ts";
 * assertStringIncludes(await sharedPageStyle(), "--accent:");
 * ```
 */
export function sharedPageStyle(): Promise<string> {
  style ??= Deno.readTextFile(new URL("./page_style.css", import.meta.url)).catch((e) => {
    style = undefined;
    throw e;
  });
  return style;
}

/**
 * A page's HTML with the shared rules in place of its one
 * {@link SHARED_STYLE_MARK}.
 *
 * @throws {DataFormatError} when the template has no mark, or several.
 *
 * @example
 * ```ts
 * import { assertEquals, assertThrows } from "@std/assert";
 * import { SHARED_STYLE_MARK, withSharedStyle } from "./page_style.ts";
 * const page = `<style>${SHARED_STYLE_MARK} p { margin: 0; }</style>`;
 * assertEquals(withSharedStyle(page, "b {}"), "<style>b {} p { margin: 0; }</style>");
 * assertThrows(() => withSharedStyle("<style></style>", ""));
 * ```
 */
export function withSharedStyle(template: string, shared: string): string {
  const parts = template.split(SHARED_STYLE_MARK);
  if (parts.length !== 2) {
    throw new DataFormatError(
      `a page template must hold ${SHARED_STYLE_MARK} once, found it ${parts.length - 1} times`,
    );
  }
  return parts[0] + shared + parts[1];
}
