/**
 * Tables for notebooks: an HTML table, with the ruled text table of
 * `lib/table.ts` as its plain-text form.
 *
 * @module
 */

import { formatTable } from "./text_table.ts";
import { escapeHtml, type MediaBundle, showBundle } from "./jupyter.ts";

/**
 * Options of {@linkcode tableBundle} and {@linkcode showTable}.
 */
export interface ShowTableOptions {
  /** Column titles. */
  header?: string[];
  /** A caption above the table. */
  caption?: string;
  /** Digits after the point for non-integer numbers (default 4). */
  digits?: number;
}

function cell(value: string | number, digits: number): string {
  return typeof value === "number" && !Number.isInteger(value)
    ? value.toFixed(digits)
    : String(value);
}

/**
 * Builds the bundle of a table: `text/html` and `text/plain`. Numbers are
 * right-aligned.
 *
 * @throws {InvalidArgumentError} (from `formatTable`) when rows differ in length.
 *
 * @example
 * ```ts
 * import { assertEquals, assertMatch } from "@std/assert";
 * import { tableBundle } from "./show_table.ts";
 * const b = tableBundle([["train", 8000], ["test", 1000]], { header: ["split", "examples"] });
 * assertMatch(b["text/html"] as string, /<th>split<\/th>/);
 * const lines = (b["text/plain"] as string).split("\n");
 * assertEquals(lines[3], "│ train │     8000 │"); // numbers are right-aligned
 * ```
 */
export function tableBundle(
  rows: (string | number)[][],
  options: ShowTableOptions = {},
): MediaBundle {
  const { header, caption, digits = 4 } = options;
  const texts = rows.map((row) => row.map((v) => cell(v, digits)));
  const align = (rows[0] ?? header ?? []).map((_, c) =>
    rows.length > 0 && rows.every((r) => typeof r[c] === "number") ? "right" : "left"
  ) as ("left" | "right")[];
  const plain = formatTable(texts, { header, align });
  const head = header
    ? `<thead><tr>${header.map((h) => `<th>${escapeHtml(h)}</th>`).join("")}</tr></thead>`
    : "";
  const body = texts.map((row) =>
    `<tr>${
      row.map((v, c) => `<td style="text-align:${align[c]}">${escapeHtml(v)}</td>`).join("")
    }</tr>`
  ).join("");
  const cap = caption ? `<caption>${escapeHtml(caption)}</caption>` : "";
  return {
    "text/html": `<table class="digit-lab-table">${cap}${head}<tbody>${body}</tbody></table>`,
    "text/plain": caption ? `${caption}\n${plain}` : plain,
  };
}

/**
 * Shows a table: HTML in a notebook, a ruled text table elsewhere.
 *
 * @example
 * ```ts
 * import { assertMatch } from "@std/assert";
 * import { showTable, tableBundle } from "./show_table.ts";
 * const rows = [["0", 0.991], ["1", 0.962]];
 * assertMatch(tableBundle(rows, { digits: 2 })["text/plain"] as string, /│ 0 │ 0.99 │/);
 * await showTable(rows, { digits: 2 }); // an HTML table in a notebook; here that text is printed
 * ```
 */
export function showTable(
  rows: (string | number)[][],
  options: ShowTableOptions = {},
): Promise<void> {
  return showBundle(tableBundle(rows, options));
}
