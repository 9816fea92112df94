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
 *
 * @example
 * ```ts
 * import type { ShowTableOptions } from "./show_table.ts";
 * const o: ShowTableOptions = { header: ["class", "recall"], caption: "Per class", digits: 3 };
 * ```
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
 * import { tableBundle } from "./show_table.ts";
 * const b = tableBundle([["train", 8000], ["test", 1000]], { header: ["split", "examples"] });
 * console.assert((b["text/html"] as string).includes("<th>split</th>"));
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
 * import { showTable } from "./show_table.ts";
 * await showTable([["0", 0.991], ["1", 0.987]], { header: ["digit", "recall"] });
 * ```
 */
export function showTable(
  rows: (string | number)[][],
  options: ShowTableOptions = {},
): Promise<void> {
  return showBundle(tableBundle(rows, options));
}
