/**
 * Plain-text tables for terminal output (per-class metrics, run summaries).
 *
 * @module
 */

import { type ClassMetrics, InvalidArgumentError } from "../core/mod.ts";

/**
 * Options of {@linkcode formatTable}.
 */
export interface FormatTableOptions {
  /** Column titles, printed above a rule. */
  header?: string[];
  /** Alignment per column; by default numbers are right-aligned, text left-aligned. */
  align?: ("left" | "right")[];
  /** `"box"` draws with Unicode box characters (the default), `"ascii"` with `+-|`. */
  style?: "box" | "ascii";
}

const RULES = {
  box: {
    h: "─",
    v: "│",
    tl: "┌",
    tm: "┬",
    tr: "┐",
    ml: "├",
    mm: "┼",
    mr: "┤",
    bl: "└",
    bm: "┴",
    br: "┘",
  },
  ascii: {
    h: "-",
    v: "|",
    tl: "+",
    tm: "+",
    tr: "+",
    ml: "+",
    mm: "+",
    mr: "+",
    bl: "+",
    bm: "+",
    br: "+",
  },
};

/**
 * Formats rows as a ruled plain-text table, one line per row, columns padded
 * to their widest cell.
 *
 * @throws {InvalidArgumentError} when rows (or the header) differ in length,
 *   or a cell holds a newline.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { formatTable } from "./text_table.ts";
 * const text = formatTable([["0", 0.99], ["1", 0.98]], { header: ["class", "recall"] });
 * assertEquals(text.split("\n"), [
 *   "┌───────┬────────┐",
 *   "│ class │ recall │",
 *   "├───────┼────────┤",
 *   "│ 0     │   0.99 │",
 *   "│ 1     │   0.98 │",
 *   "└───────┴────────┘",
 * ]);
 * ```
 */
export function formatTable(
  rows: (string | number)[][],
  options: FormatTableOptions = {},
): string {
  const { header, align, style = "box" } = options;
  const all = header ? [header, ...rows] : rows;
  const columns = all[0]?.length ?? 0;
  all.forEach((row, i) => {
    if (row.length !== columns) {
      throw new InvalidArgumentError(
        `table row ${i} has ${row.length} cells, expected ${columns}: ${JSON.stringify(row)}`,
      );
    }
  });
  const cells = all.map((row) =>
    row.map((cell) => {
      const text = String(cell);
      if (/[\r\n]/.test(text)) {
        throw new InvalidArgumentError(`table cell contains a line break: ${JSON.stringify(text)}`);
      }
      return text;
    })
  );
  const widths = Array.from(
    { length: columns },
    (_, c) => Math.max(...cells.map((row) => [...row[c]].length)),
  );
  const alignOf = (c: number): "left" | "right" =>
    align?.[c] ??
      (rows.length > 0 && rows.every((r) => typeof r[c] === "number") ? "right" : "left");
  const r = RULES[style];
  const rule = (left: string, mid: string, right: string) =>
    left + widths.map((w) => r.h.repeat(w + 2)).join(mid) + right;
  const line = (row: string[]) =>
    r.v + row.map((text, c) => {
      const pad = " ".repeat(widths[c] - [...text].length);
      return " " + (alignOf(c) === "right" ? pad + text : text + pad) + " ";
    }).join(r.v) + r.v;
  const out = [rule(r.tl, r.tm, r.tr)];
  if (header) out.push(line(cells[0]), rule(r.ml, r.mm, r.mr));
  for (const row of header ? cells.slice(1) : cells) out.push(line(row));
  out.push(rule(r.bl, r.bm, r.br));
  return out.join("\n");
}

/**
 * The per-class precision / recall / F1 / support table of an evaluation.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { formatClassMetrics } from "./text_table.ts";
 * const text = formatClassMetrics([{ label: 0, precision: 1, recall: 0.5, f1: 2 / 3, support: 2 }]);
 * assertEquals(text.split("\n")[3], "│     0 │     1.000 │  0.500 │ 0.667 │       2 │");
 * ```
 */
export function formatClassMetrics(perClass: ClassMetrics[]): string {
  return formatTable(
    perClass.map((c) => [
      String(c.label),
      c.precision.toFixed(3),
      c.recall.toFixed(3),
      c.f1.toFixed(3),
      String(c.support),
    ]),
    {
      header: ["digit", "precision", "recall", "F1", "support"],
      align: ["right", "right", "right", "right", "right"],
    },
  );
}
