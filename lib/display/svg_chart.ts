/**
 * Small charts as SVG strings: line charts, a heatmap with a number in each
 * cell, grouped bars. No script, so they draw in every notebook frontend
 * (trusted or not), can be replaced many times a second by a live output,
 * and keep the HTML report small and offline.
 *
 * @module
 */

import { InvalidArgumentError } from "../core/mod.ts";
import { escapeHtml } from "./jupyter.ts";

/**
 * One line of a {@linkcode lineChartSvg}.
 */
export interface ChartSeries {
  /** Legend text. */
  name: string;
  /** CSS colour. */
  color: string;
  /** Points `[x, y]` in data units; non-finite values are skipped. */
  points: readonly (readonly [number, number])[];
  /** Draw a dot at each point (for sparse series). */
  markers?: boolean;
  /** Dashed line. */
  dashed?: boolean;
}

/**
 * Options of {@linkcode lineChartSvg}.
 */
export interface LineChartOptions {
  /** Title above the plot. */
  title: string;
  /** The lines. */
  series: readonly ChartSeries[];
  /** `[min, max]` of the x axis. */
  xRange: [number, number];
  /** `[min, max]` of the y axis; from the data when absent. */
  yRange?: [number, number];
  /** Width in pixels (default 320). */
  width?: number;
  /** Height in pixels (default 200). */
  height?: number;
  /** Label of the x axis (default `"epoch"`). */
  xLabel?: string;
}

const PAD = { left: 44, right: 10, top: 24, bottom: 44 };

/** Legend entries' x positions: each after the previous name (about 6 px a character at 10 px). */
function legendOffsets(names: readonly string[]): number[] {
  let x = PAD.left;
  return names.map((name) => {
    const at = x;
    x += 30 + name.length * 6;
    return at;
  });
}

/** Tick values: about `count` round numbers covering [min, max]. */
function ticks(min: number, max: number, count: number): number[] {
  const span = max - min || 1;
  const raw = span / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) {
    out.push(Number(v.toPrecision(12)));
  }
  return out;
}

function dataRange(series: readonly ChartSeries[]): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of series) {
    for (const [, y] of s.points) {
      if (Number.isFinite(y)) [lo, hi] = [Math.min(lo, y), Math.max(hi, y)];
    }
  }
  if (lo === Infinity) return [0, 1];
  if (lo === hi) return [lo - 0.5, hi + 0.5];
  return [Math.min(0, lo), hi * 1.05];
}

/**
 * Renders lines on shared axes with ticks, a title and a legend.
 *
 * @throws {InvalidArgumentError} when a range is empty or reversed, or a size is not positive.
 *
 * @example
 * ```ts
 * import { assert, assertThrows } from "@std/assert";
 * import { InvalidArgumentError } from "../core/mod.ts";
 * import { lineChartSvg } from "./svg_chart.ts";
 * const points = [[0.5, 1.2], [1, 0.6], [2, 0.3]] as const;
 * const series = [{ name: "train", color: "#36c", points }];
 * const svg = lineChartSvg({ title: "loss", xRange: [0, 2], series });
 * assert(svg.startsWith("<svg") && svg.includes("<polyline") && svg.includes(">train</text>"));
 * const reversed = () => lineChartSvg({ title: "loss", xRange: [2, 0], series });
 * assertThrows(reversed, InvalidArgumentError, "xRange");
 * ```
 */
export function lineChartSvg(options: LineChartOptions): string {
  const { title, series, xRange, width = 320, height = 200, xLabel = "epoch" } = options;
  const yRange = options.yRange ?? dataRange(series);
  for (const [name, [lo, hi]] of [["xRange", xRange], ["yRange", yRange]] as const) {
    if (!(Number.isFinite(lo) && Number.isFinite(hi) && lo < hi)) {
      throw new InvalidArgumentError(
        `${name} must be [min, max] with min < max, got [${lo}, ${hi}]`,
      );
    }
  }
  if (!(width > PAD.left + PAD.right && height > PAD.top + PAD.bottom)) {
    throw new InvalidArgumentError(`chart size ${width}x${height} is too small`);
  }
  const plotW = width - PAD.left - PAD.right;
  const plotH = height - PAD.top - PAD.bottom;
  const sx = (x: number) => PAD.left + ((x - xRange[0]) / (xRange[1] - xRange[0])) * plotW;
  const sy = (y: number) =>
    PAD.top + plotH - ((Math.min(Math.max(y, yRange[0]), yRange[1]) - yRange[0]) /
        (yRange[1] - yRange[0])) * plotH;
  const f = (v: number) => v.toFixed(1);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" ` +
    `viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="10">`,
    `<text x="${width / 2}" y="14" text-anchor="middle" font-size="12">${escapeHtml(title)}</text>`,
    `<rect x="${PAD.left}" y="${PAD.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#999"/>`,
  ];
  for (const t of ticks(yRange[0], yRange[1], 4)) {
    parts.push(
      `<line x1="${PAD.left}" x2="${PAD.left + plotW}" y1="${f(sy(t))}" y2="${
        f(sy(t))
      }" stroke="#eee"/>`,
      `<text x="${PAD.left - 4}" y="${f(sy(t) + 3)}" text-anchor="end">${t}</text>`,
    );
  }
  const xTicks = ticks(xRange[0], xRange[1], Math.min(10, Math.max(1, xRange[1] - xRange[0])));
  for (const t of xTicks) {
    parts.push(
      `<text x="${f(sx(t))}" y="${PAD.top + plotH + 12}" text-anchor="middle">${t}</text>`,
    );
  }
  parts.push(
    `<text x="${PAD.left + plotW / 2}" y="${PAD.top + plotH + 24}" text-anchor="middle">${
      escapeHtml(xLabel)
    }</text>`,
  );
  const legendX = legendOffsets(series.map((s) => s.name));
  series.forEach((s, i) => {
    const pts = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
    const coords = pts.map(([x, y]) => `${f(sx(x))},${f(sy(y))}`).join(" ");
    if (pts.length > 1) {
      parts.push(
        `<polyline fill="none" stroke="${escapeHtml(s.color)}" stroke-width="1.5"${
          s.dashed ? ' stroke-dasharray="4 3"' : ""
        } points="${coords}"/>`,
      );
    }
    if (s.markers || pts.length === 1) {
      for (const [x, y] of pts) {
        parts.push(
          `<circle cx="${f(sx(x))}" cy="${f(sy(y))}" r="2.5" fill="${escapeHtml(s.color)}"/>`,
        );
      }
    }
    const lx = legendX[i];
    const ly = height - 6;
    parts.push(
      `<line x1="${lx}" x2="${lx + 14}" y1="${ly - 3}" y2="${ly - 3}" stroke="${
        escapeHtml(s.color)
      }" stroke-width="2"${s.dashed ? ' stroke-dasharray="4 3"' : ""}/>`,
      `<text x="${lx + 18}" y="${ly}">${escapeHtml(s.name)}</text>`,
    );
  });
  parts.push("</svg>");
  return parts.join("");
}

/** The most rows or columns {@linkcode heatmapSvg} draws (checked before any drawing). */
export const MAX_HEATMAP_SIDE = 100;

/**
 * Options of {@linkcode heatmapSvg}.
 */
export interface HeatmapOptions {
  /** Title above the grid. */
  title: string;
  /** `values[row][column]`, finite and not negative; every row as long as the first. */
  values: readonly (readonly number[])[];
  /** Row names, top to bottom (default `"0"`, `"1"`, ...). */
  rowLabels?: readonly string[];
  /** Column names, left to right (default `"0"`, `"1"`, ...). */
  columnLabels?: readonly string[];
  /** Label under the columns (default `"column"`). */
  xLabel?: string;
  /** Label beside the rows (default `"row"`). */
  yLabel?: string;
  /** Side of a cell in pixels (default 36). */
  cellSize?: number;
}

/** Stops of the "Blues" colour scale, light to dark. */
const BLUES = [
  [247, 251, 255],
  [222, 235, 247],
  [198, 219, 239],
  [158, 202, 225],
  [107, 174, 214],
  [66, 146, 198],
  [33, 113, 181],
  [8, 81, 156],
  [8, 48, 107],
];

/** The colour of `t` in [0, 1] on {@linkcode BLUES}. */
function blue(t: number): string {
  const at = Math.min(Math.max(t, 0), 1) * (BLUES.length - 1);
  const i = Math.min(Math.floor(at), BLUES.length - 2);
  const mix = (k: number) => Math.round(BLUES[i][k] + (BLUES[i + 1][k] - BLUES[i][k]) * (at - i));
  return `rgb(${mix(0)},${mix(1)},${mix(2)})`;
}

/**
 * Rough width in pixels of `text` at font size 10 in a sans-serif font:
 * about 6 px a Latin character, 10 px a CJK one (kana, kanji), whose glyphs
 * are square. Enough to leave room for labels without measuring them.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { textWidth } from "./svg_chart.ts";
 * assertEquals(textWidth("T-shirt/top"), 66);
 * assertEquals(textWidth("お (o)"), 34);
 * ```
 */
export function textWidth(text: string): number {
  let width = 0;
  for (const ch of text) width += (ch.codePointAt(0) ?? 0) >= 0x2e80 ? 10 : 6;
  return width;
}

/**
 * Renders a matrix as coloured cells (darker is larger) with each value
 * written in its cell and shown on hover, such as a confusion matrix with
 * true classes as rows and predicted classes as columns. Long labels (class
 * names such as "T-shirt/top") widen the left margin, and column labels
 * wider than a cell are turned 45° so that they do not run into each other.
 *
 * @throws {InvalidArgumentError} when the matrix is empty, ragged, larger
 *   than {@linkcode MAX_HEATMAP_SIDE} a side, holds a negative or non-finite
 *   value, or the labels do not match its size.
 *
 * @example
 * ```ts
 * import { assertEquals, assertThrows } from "@std/assert";
 * import { InvalidArgumentError } from "../core/mod.ts";
 * import { heatmapSvg } from "./svg_chart.ts";
 * const svg = heatmapSvg({ title: "confusion", values: [[5, 1], [0, 6]] });
 * const cells = [...svg.matchAll(/<text[^>]*class="cell"[^>]*>(\d+)</g)].map((m) => m[1]);
 * assertEquals(cells, ["5", "1", "0", "6"]);
 * assertThrows(() => heatmapSvg({ title: "t", values: [[1, 2], [3]] }), InvalidArgumentError, "row 1");
 * ```
 */
export function heatmapSvg(options: HeatmapOptions): string {
  const { title, values, xLabel = "column", yLabel = "row", cellSize = 36 } = options;
  const rows = values.length;
  const cols = values[0]?.length ?? 0;
  if (rows === 0 || cols === 0 || rows > MAX_HEATMAP_SIDE || cols > MAX_HEATMAP_SIDE) {
    throw new InvalidArgumentError(
      `a heatmap needs 1 to ${MAX_HEATMAP_SIDE} rows and columns, got ${rows}x${cols}`,
    );
  }
  values.forEach((row, i) => {
    if (row.length !== cols) {
      throw new InvalidArgumentError(
        `heatmap row ${i} has ${row.length} values, expected ${cols} like row 0`,
      );
    }
    row.forEach((v, j) => {
      if (!(Number.isFinite(v) && v >= 0)) {
        throw new InvalidArgumentError(
          `heatmap value [${i}][${j}] must be finite and >= 0, got ${v}`,
        );
      }
    });
  });
  const rowLabels = options.rowLabels ?? values.map((_, i) => String(i));
  const columnLabels = options.columnLabels ?? values[0].map((_, j) => String(j));
  for (
    const [name, labels, n] of [["row", rowLabels, rows], ["column", columnLabels, cols]] as const
  ) {
    if (labels.length !== n) {
      throw new InvalidArgumentError(
        `the heatmap has ${n} ${name}s but ${labels.length} ${name} labels: ${
          JSON.stringify(labels)
        }`,
      );
    }
  }
  if (!(cellSize >= 8)) {
    throw new InvalidArgumentError(`heatmap cellSize must be at least 8 pixels, got ${cellSize}`);
  }
  // 64 px fit the row labels of up to 5 characters beside the turned y label (at x = 12).
  const left = Math.max(64, 30 + Math.max(...rowLabels.map(textWidth)));
  const top = 28;
  const widest = Math.max(...columnLabels.map(textWidth));
  const turned = widest > cellSize - 4;
  // The band of column labels under the grid: one line, or the height of the longest turned one.
  const band = turned ? Math.ceil(widest * Math.SQRT1_2) + 12 : 12;
  const width = left + cols * cellSize + 10;
  const height = top + rows * cellSize + band + 32;
  const max = Math.max(0, ...values.flat());
  const fontSize = Math.min(12, Math.max(7, Math.floor(cellSize / 3)));
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" ` +
    `viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="10">`,
    `<text x="${width / 2}" y="14" text-anchor="middle" font-size="12">${escapeHtml(title)}</text>`,
  ];
  values.forEach((row, i) => {
    const y = top + i * cellSize;
    parts.push(
      `<text x="${left - 6}" y="${y + cellSize / 2 + 3}" text-anchor="end">${
        escapeHtml(rowLabels[i])
      }</text>`,
    );
    row.forEach((v, j) => {
      const x = left + j * cellSize;
      const t = max > 0 ? v / max : 0;
      const tip = `${yLabel} ${rowLabels[i]}, ${xLabel} ${columnLabels[j]}: ${v}`;
      parts.push(
        `<g><title>${escapeHtml(tip)}</title>` +
          `<rect x="${x}" y="${y}" width="${cellSize}" height="${cellSize}" fill="${blue(t)}" ` +
          `stroke="#fff"/><text class="cell" x="${x + cellSize / 2}" y="${
            y + cellSize / 2 + fontSize / 3
          }" text-anchor="middle" font-size="${fontSize}" fill="${
            t > 0.5 ? "white" : "black"
          }">${v}</text></g>`,
      );
    });
  });
  const bottom = top + rows * cellSize;
  columnLabels.forEach((label, j) => {
    const x = left + (j + 0.5) * cellSize;
    parts.push(
      turned
        ? `<text x="${x}" y="${bottom + 10}" text-anchor="end" transform="rotate(-45 ${x} ${
          bottom + 10
        })">${escapeHtml(label)}</text>`
        : `<text x="${x}" y="${bottom + 12}" text-anchor="middle">${escapeHtml(label)}</text>`,
    );
  });
  parts.push(
    `<text x="${left + (cols * cellSize) / 2}" y="${bottom + band + 16}" text-anchor="middle">${
      escapeHtml(xLabel)
    }</text>`,
    `<text x="12" y="${
      top + (rows * cellSize) / 2
    }" text-anchor="middle" transform="rotate(-90 12 ${top + (rows * cellSize) / 2})">${
      escapeHtml(yLabel)
    }</text>`,
    "</svg>",
  );
  return parts.join("");
}

/** The most bars {@linkcode barChartSvg} draws, all series together (checked before drawing). */
export const MAX_BARS = 2000;

/**
 * One group member of a {@linkcode barChartSvg}: a value per category.
 */
export interface BarSeries {
  /** Legend text. */
  name: string;
  /** CSS colour. */
  color: string;
  /** One value per category, in category order. */
  values: readonly number[];
}

/**
 * Options of {@linkcode barChartSvg}.
 */
export interface BarChartOptions {
  /** Title above the plot. */
  title: string;
  /** Names along the x axis. */
  categories: readonly string[];
  /** The bars of each category, side by side. */
  series: readonly BarSeries[];
  /** `[min, max]` of the y axis (default `[0, 1]`); bars rise from min. */
  yRange?: [number, number];
  /** Width in pixels (default 640). */
  width?: number;
  /** Height in pixels (default 300). */
  height?: number;
  /** Label of the x axis (default `"category"`). */
  xLabel?: string;
}

/**
 * Renders grouped bars: for each category, one bar per series, each bar
 * showing its value on hover.
 *
 * @throws {InvalidArgumentError} when there are more than {@linkcode MAX_BARS}
 *   bars, a series has not one value per category, the y range is empty or reversed, or the size is too small.
 *
 * @example
 * ```ts
 * import { assertEquals, assertThrows } from "@std/assert";
 * import { InvalidArgumentError } from "../core/mod.ts";
 * import { barChartSvg } from "./svg_chart.ts";
 * const series = [
 *   { name: "precision", color: "#1f77b4", values: [0.9, 0.8] },
 *   { name: "recall", color: "#ff7f0e", values: [0.7, 1] },
 * ];
 * const svg = barChartSvg({ title: "scores", categories: ["0", "1"], series });
 * assertEquals(svg.match(/<rect class="bar"/g)?.length, 4);
 * const short = [{ name: "F1", color: "green", values: [1] }];
 * assertThrows(() => barChartSvg({ title: "t", categories: ["0", "1"], series: short }), InvalidArgumentError, "F1");
 * ```
 */
export function barChartSvg(options: BarChartOptions): string {
  const { title, categories, series, yRange = [0, 1], xLabel = "category" } = options;
  const { width = 640, height = 300 } = options;
  if (categories.length * series.length > MAX_BARS) {
    throw new InvalidArgumentError(
      `a bar chart draws at most ${MAX_BARS} bars, got ${categories.length} categories x ${series.length} series`,
    );
  }
  for (const s of series) {
    if (s.values.length !== categories.length) {
      throw new InvalidArgumentError(
        `bar series ${
          JSON.stringify(s.name)
        } has ${s.values.length} values for ${categories.length} categories`,
      );
    }
  }
  if (!(Number.isFinite(yRange[0]) && Number.isFinite(yRange[1]) && yRange[0] < yRange[1])) {
    throw new InvalidArgumentError(
      `yRange must be [min, max] with min < max, got [${yRange[0]}, ${yRange[1]}]`,
    );
  }
  if (!(width > PAD.left + PAD.right && height > PAD.top + PAD.bottom)) {
    throw new InvalidArgumentError(`chart size ${width}x${height} is too small`);
  }
  const plotW = width - PAD.left - PAD.right;
  const plotH = height - PAD.top - PAD.bottom;
  const sy = (y: number) =>
    PAD.top + plotH - ((Math.min(Math.max(y, yRange[0]), yRange[1]) - yRange[0]) /
        (yRange[1] - yRange[0])) * plotH;
  const f = (v: number) => v.toFixed(1);
  const group = plotW / Math.max(1, categories.length);
  const barW = (group * 0.8) / Math.max(1, series.length);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" ` +
    `viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="10">`,
    `<text x="${width / 2}" y="14" text-anchor="middle" font-size="12">${escapeHtml(title)}</text>`,
  ];
  for (const t of ticks(yRange[0], yRange[1], 4)) {
    parts.push(
      `<line x1="${PAD.left}" x2="${PAD.left + plotW}" y1="${f(sy(t))}" y2="${
        f(sy(t))
      }" stroke="#eee"/>`,
      `<text x="${PAD.left - 4}" y="${f(sy(t) + 3)}" text-anchor="end">${t}</text>`,
    );
  }
  categories.forEach((category, c) => {
    const x0 = PAD.left + c * group + group * 0.1;
    series.forEach((s, k) => {
      const v = s.values[c];
      const top = Number.isFinite(v) ? sy(v) : sy(yRange[0]);
      const tip = `${category} ${s.name}: ${Number.isFinite(v) ? Number(v.toFixed(4)) : v}`;
      parts.push(
        `<rect class="bar" x="${f(x0 + k * barW)}" y="${f(top)}" width="${f(barW)}" height="${
          f(PAD.top + plotH - top)
        }" fill="${escapeHtml(s.color)}"><title>${escapeHtml(tip)}</title></rect>`,
      );
    });
    parts.push(
      `<text x="${f(x0 + group * 0.4)}" y="${PAD.top + plotH + 12}" text-anchor="middle">${
        escapeHtml(category)
      }</text>`,
    );
  });
  parts.push(
    `<rect x="${PAD.left}" y="${PAD.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#999"/>`,
    `<text x="${PAD.left + plotW / 2}" y="${PAD.top + plotH + 24}" text-anchor="middle">${
      escapeHtml(xLabel)
    }</text>`,
  );
  const legendX = legendOffsets(series.map((s) => s.name));
  series.forEach((s, i) => {
    parts.push(
      `<rect x="${legendX[i]}" y="${height - 14}" width="12" height="10" fill="${
        escapeHtml(s.color)
      }"/>`,
      `<text x="${legendX[i] + 18}" y="${height - 6}">${escapeHtml(s.name)}</text>`,
    );
  });
  parts.push("</svg>");
  return parts.join("");
}
