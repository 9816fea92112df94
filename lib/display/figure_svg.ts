/**
 * A static SVG picture of a plotly figure, drawn in the kernel with the
 * charts of `svg_chart.ts`. The notebooks send it beside the interactive
 * figure so that a frontend that cannot run plotly.js (an untrusted
 * notebook, a viewer without JavaScript) still shows the chart. It covers
 * the trace types the builders of `plotly_figures.ts` make: line charts
 * (`scatter`, one chart per x axis), grouped `bar`s and a `heatmap`.
 *
 * @module
 */

import { InvalidArgumentError } from "../core/mod.ts";
import { barChartSvg, type ChartSeries, heatmapSvg, lineChartSvg } from "./svg_chart.ts";
import { escapeHtml } from "./jupyter.ts";
import type { Figure } from "./plotly_figures.ts";
import { placeSvg } from "./svg_image.ts";

/** plotly's default trace colours, in order. */
const PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2"];
/** Height of the figure title band above the charts. */
const TITLE_BAND = 24;
/** Width of the picture (plotly's default figure width in a notebook is about 700). */
const WIDTH = 940;

type Trace = Record<string, unknown>;

/** A plotly title (`"text"` or `{ text }`) as text, or `fallback`. */
function textOfTitle(title: unknown, fallback: string): string {
  if (typeof title === "string") return title;
  if (title && typeof title === "object" && "text" in title) return String(title.text);
  return fallback;
}

/**
 * A figure's title: `layout.title` as a string or `{ text }`, else `"Figure"`.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { figureTitle } from "./figure_svg.ts";
 * assertEquals(figureTitle({ data: [], layout: { title: { text: "Curves" } } }), "Curves");
 * assertEquals(figureTitle({ data: [], layout: {} }), "Figure");
 * ```
 */
export function figureTitle(figure: Figure): string {
  return textOfTitle(figure.layout.title, "Figure");
}

function axisTitle(figure: Figure, axis: string, fallback: string): string {
  const layoutAxis = figure.layout[axis] as { title?: unknown } | undefined;
  return textOfTitle(layoutAxis?.title, fallback);
}

const numbers = (v: unknown): number[] => Array.isArray(v) ? v.map(Number) : [];
const strings = (v: unknown): string[] => Array.isArray(v) ? v.map(String) : [];

/** Wraps charts placed side by side under the figure's title. */
function frame(title: string, charts: string[], widths: number[], height: number): string {
  let x = 0;
  const placed = charts.map((chart, i) => {
    const at = x;
    x += widths[i];
    return placeSvg(chart, at, TITLE_BAND);
  });
  const width = Math.max(x, 200);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${
    height + TITLE_BAND
  }" viewBox="0 0 ${width} ${height + TITLE_BAND}" font-family="sans-serif" font-size="10">` +
    `<rect width="100%" height="100%" fill="white"/>` +
    `<text x="${width / 2}" y="16" text-anchor="middle" font-size="14">${escapeHtml(title)}</text>${
      placed.join("")
    }</svg>`;
}

function lineCharts(figure: Figure, traces: Trace[], height: number): string {
  const axes = [...new Set(traces.map((t) => String(t.xaxis ?? "x")))];
  const width = Math.floor(WIDTH / axes.length);
  const charts = axes.map((axis) => {
    const group = traces.filter((t) => String(t.xaxis ?? "x") === axis);
    const series: ChartSeries[] = group.map((t) => {
      const xs = numbers(t.x);
      const ys = numbers(t.y);
      const line = t.line as { dash?: string; color?: string } | undefined;
      return {
        name: String(t.name ?? "trace"),
        color: line?.color ?? PALETTE[traces.indexOf(t) % PALETTE.length],
        points: ys.map((y, i) => [xs[i] ?? i, y] as [number, number]),
        markers: String(t.mode ?? "").includes("markers"),
        dashed: line?.dash !== undefined && line.dash !== "solid",
      };
    });
    const xs = series.flatMap((s) => s.points.map(([x]) => x)).filter(Number.isFinite);
    const lo = xs.length ? Math.min(...xs) : 0;
    const hi = xs.length ? Math.max(...xs) : 1;
    const yAxis = String(group[0].yaxis ?? "y").replace(/^y/, "yaxis");
    return lineChartSvg({
      title: axisTitle(figure, yAxis, ""),
      series,
      xRange: lo < hi ? [lo, hi] : [lo - 1, lo],
      width,
      height,
      xLabel: axisTitle(figure, axis.replace(/^x/, "xaxis"), "x"),
    });
  });
  return frame(figureTitle(figure), charts, charts.map(() => width), height);
}

function barChart(figure: Figure, traces: Trace[], height: number): string {
  const categories = strings(traces[0].x);
  const series = traces.map((t, i) => ({
    name: String(t.name ?? `trace ${i}`),
    color: PALETTE[i % PALETTE.length],
    values: categories.map((_, c) => numbers(t.y)[c] ?? NaN),
  }));
  const values = series.flatMap((s) => s.values).filter(Number.isFinite);
  const range = (figure.layout.yaxis as { range?: unknown } | undefined)?.range;
  const [lo, hi] = numbers(range);
  const top = Math.max(0, ...values);
  const yRange: [number, number] = Number.isFinite(lo) && Number.isFinite(hi) && lo < hi
    ? [lo, hi]
    : [Math.min(0, ...values), top > 0 ? top * 1.05 : 1];
  const chart = barChartSvg({
    title: axisTitle(figure, "yaxis", ""),
    categories,
    series,
    yRange,
    width: WIDTH,
    height,
    xLabel: axisTitle(figure, "xaxis", "category"),
  });
  return frame(figureTitle(figure), [chart], [WIDTH], height);
}

function heatmap(figure: Figure, trace: Trace, height: number): string {
  const values = Array.isArray(trace.z) ? (trace.z as unknown[]).map(numbers) : [];
  const reversed = (figure.layout.yaxis as { autorange?: unknown } | undefined)?.autorange ===
    "reversed";
  // plotly draws row 0 at the bottom unless the y axis is reversed; the SVG draws it on top.
  const rows = reversed ? values : [...values].reverse();
  const rowLabels = strings(trace.y).length === values.length
    ? strings(trace.y)
    : values.map((_, i) => String(i));
  const cols = values[0]?.length ?? 0;
  const cellSize = Math.max(8, Math.min(48, Math.floor((height - 72) / Math.max(1, rows.length))));
  const chart = heatmapSvg({
    title: "",
    values: rows,
    rowLabels: reversed ? rowLabels : [...rowLabels].reverse(),
    columnLabels: strings(trace.x).length === cols
      ? strings(trace.x)
      : Array.from({ length: cols }, (_, i) => String(i)),
    xLabel: axisTitle(figure, "xaxis", "column"),
    yLabel: axisTitle(figure, "yaxis", "row"),
    cellSize,
  });
  const svgHeight = Number(chart.match(/height="(\d+(?:\.\d+)?)"/)?.[1] ?? height);
  const svgWidth = Number(chart.match(/width="(\d+(?:\.\d+)?)"/)?.[1] ?? WIDTH);
  return frame(figureTitle(figure), [chart], [svgWidth], svgHeight);
}

/** A picture that says which traces could not be drawn, so nothing is silently missing. */
function unsupported(figure: Figure, types: string, height: number): string {
  const note = `no static picture for trace type(s) ${types}: ` +
    `open the notebook trusted, with plotly.js, to see it`;
  const chart = `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}">` +
    `<rect x="0.5" y="0.5" width="${WIDTH - 1}" height="${
      height - 1
    }" fill="none" stroke="#999"/>` +
    `<text x="${WIDTH / 2}" y="${height / 2}" text-anchor="middle">${
      escapeHtml(note)
    }</text></svg>`;
  return frame(figureTitle(figure), [chart], [WIDTH], height);
}

/**
 * Draws a plotly figure as one SVG document: its title, then one line chart
 * per x axis (`scatter` traces; dashed where `line.dash` is set, dots where
 * `mode` has markers), grouped bars (`bar` traces, the y axis's `range`
 * kept) or a heatmap with its counts (`heatmap`). Other trace types, or a
 * mix, give a picture that names them instead of a chart.
 *
 * @param height Height of the charts in pixels, without the title (the
 *   figure's height is a good choice).
 *
 * @example
 * ```ts
 * import { assert, assertEquals } from "@std/assert";
 * import { figureSvg } from "./figure_svg.ts";
 * import { confusionMatrixFigure, trainingCurvesFigure } from "./plotly_figures.ts";
 * const epochs = [1, 2].map((epoch) => ({
 *   epoch, epochs: 2, loss: 0.5 / epoch, accuracy: 0.9, valLoss: 0.4 / epoch,
 *   valAccuracy: 0.92, seconds: 1,
 * }));
 * const curves = figureSvg(trainingCurvesFigure(epochs), 300);
 * assertEquals(curves.match(/<polyline/g)?.length, 4); // loss and accuracy, train and validation
 * assert(curves.includes(">Training curves</text>"));
 * const confusion = figureSvg(confusionMatrixFigure([[5, 1], [0, 6]]), 300);
 * const cells = [...confusion.matchAll(/class="cell"[^>]*>(\d+)</g)].map((m) => m[1]);
 * assertEquals(cells, ["5", "1", "0", "6"]); // true classes top to bottom, as plotly shows them
 * ```
 */
export function figureSvg(figure: Figure, height: number): string {
  const traces = figure.data as Trace[];
  const types = [...new Set(traces.map((t) => String(t.type ?? "scatter")))];
  const chartHeight = Math.max(120, Math.round(height) - TITLE_BAND);
  try {
    if (types.length === 1 && types[0] === "scatter") {
      return lineCharts(figure, traces, chartHeight);
    }
    if (types.length === 1 && types[0] === "bar") return barChart(figure, traces, chartHeight);
    if (types.length === 1 && types[0] === "heatmap" && traces.length === 1) {
      return heatmap(figure, traces[0], chartHeight);
    }
  } catch (e) {
    // Data the static charts refuse (a negative heatmap value, 3000 bars): say so in the picture.
    if (!(e instanceof InvalidArgumentError)) throw e;
    return unsupported(figure, `${types.join(", ")} (${e.message})`, chartHeight);
  }
  return unsupported(figure, types.length ? types.join(", ") : "(none)", chartHeight);
}
