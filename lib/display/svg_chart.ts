/**
 * A small line chart as an SVG string: no script, so it draws in every
 * notebook frontend (trusted or not) and can be replaced many times a
 * second by a live output.
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
    const lx = PAD.left + i * 90;
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
