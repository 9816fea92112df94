/**
 * A self-contained HTML report of a trained model: results, training curves,
 * confusion matrix, per-class metrics, worst mistakes, run facts and model
 * summary. plotly.js is inlined, so the page works offline from disk.
 *
 * @module
 */

import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import {
  DigitLabError,
  type EpochLog,
  type EvaluationResult,
  type ModelMetrics,
} from "../core/mod.ts";
import {
  confusionMatrixFigure,
  type Figure,
  perClassFigure,
  trainingCurvesFigure,
} from "./plotly_figures.ts";

/**
 * What {@linkcode renderReport} needs.
 */
export interface ReportOptions {
  /** Page title and heading. */
  title: string;
  /** The model's `metrics.json`. */
  metrics: ModelMetrics;
  /** Evaluation on the test set. */
  evaluation: EvaluationResult;
  /** Per-epoch history (no curves are drawn when empty). */
  history: EpochLog[];
  /** Text of `model.summary()`, shown as is. */
  modelSummary?: string;
  /** Path of `plotly.js` to inline (default: the `plotly.js-dist` package). */
  plotlyPath?: string;
  /** Most confident mistakes to list (default 20). */
  mistakes?: number;
}

/**
 * Renders the report as one HTML page with plotly.js inlined once.
 *
 * @throws {DigitLabError} when the plotly.js file cannot be found or read.
 *
 * @example
 * ```ts
 * import { assertMatch } from "@std/assert";
 * import type { EvaluationResult } from "../core/mod.ts";
 * import { renderReport } from "./report.ts";
 * const metrics = JSON.parse(await Deno.readTextFile("data/models/default/metrics.json"));
 * const evaluation: EvaluationResult = {
 *   accuracy: 1, loss: 0.01, count: 2, confusion: [[1, 0], [0, 1]], perClass: [], macroF1: 1,
 *   worstMistakes: [],
 * };
 * const html = await renderReport({ title: "CNN", metrics, evaluation, history: metrics.history });
 * assertMatch(html, /<h1>CNN<\/h1>/);
 * assertMatch(html, /<h2>Most confident mistakes<\/h2>\n<p>None\.<\/p>/);
 * ```
 */
export async function renderReport(options: ReportOptions): Promise<string> {
  const { title, metrics: m, evaluation: ev, history, modelSummary } = options;
  const plotly = await readPlotly(options.plotlyPath);
  const figures: Record<string, Figure> = {};
  if (history.length > 0) figures["fig-training"] = trainingCurvesFigure(history);
  figures["fig-confusion"] = confusionMatrixFigure(ev.confusion);
  figures["fig-per-class"] = perClassFigure(ev.perClass);

  const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
  const div = (id: string) => id in figures ? `<div id="${id}" class="figure"></div>` : "";
  const mistakes = ev.worstMistakes.slice(0, options.mistakes ?? 20);

  const body = [
    `<h1>${esc(title)}</h1>`,
    `<p class="sub">Saved ${esc(m.created_at)} · <code>${esc(m.command)}</code></p>`,
    `<h2>Results</h2>`,
    table(["", "accuracy", "loss"], [
      [`test (${ev.count} examples)`, pct(ev.accuracy), ev.loss.toFixed(4)],
      ["validation", pct(m.val_accuracy), history.at(-1)?.valLoss.toFixed(4) ?? "–"],
      ["train", pct(m.train_accuracy), history.at(-1)?.loss.toFixed(4) ?? "–"],
    ]),
    `<p>Macro F1 on the test set: <b>${ev.macroF1.toFixed(4)}</b>.</p>`,
    history.length > 0 ? `<h2>Training curves</h2>${div("fig-training")}` : "",
    `<h2>Confusion matrix</h2>${div("fig-confusion")}`,
    `<h2>Per class</h2>${div("fig-per-class")}`,
    table(
      ["class", "precision", "recall", "F1", "support"],
      ev.perClass.map((c) => [
        String(c.label),
        c.precision.toFixed(4),
        c.recall.toFixed(4),
        c.f1.toFixed(4),
        String(c.support),
      ]),
    ),
    `<h2>Most confident mistakes</h2>`,
    mistakes.length === 0 ? "<p>None.</p>" : table(
      ["example", "true class", "predicted", "confidence"],
      mistakes.map((
        x,
      ) => [String(x.index), String(x.label), String(x.predicted), pct(x.confidence)]),
    ),
    `<h2>Run</h2>`,
    table(["", ""], [
      ["data source", m.data_source],
      [
        "examples (train / validation / test)",
        `${m.splits.train} / ${m.splits.validation} / ${m.splits.test}`,
      ],
      ["epochs", String(m.epochs)],
      ["batch size", String(m.batch_size)],
      ["augmentation", m.augment ? "on" : "off"],
      ["seed", String(m.seed)],
      [
        "training time",
        `${m.training_seconds.toFixed(1)} s (${m.seconds_per_epoch.toFixed(1)} s per epoch)`,
      ],
      ["parameters", m.parameters.toLocaleString("en-US")],
      [
        "versions",
        `TensorFlow.js ${m.versions.tfjs} (${m.versions.backend}), Deno ${m.versions.deno}`,
      ],
      ["command", m.command],
      ["saved", m.created_at],
    ]),
    modelSummary ? `<h2>Model</h2><pre>${esc(modelSummary)}</pre>` : "",
  ].filter((s) => s !== "").join("\n");

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>
body { font: 15px/1.5 system-ui, sans-serif; max-width: 1000px; margin: 2em auto; padding: 0 1em; color: #222; }
h1 { margin-bottom: 0; } .sub { color: #666; margin-top: .2em; }
table { border-collapse: collapse; margin: .5em 0 1em; }
th, td { padding: .25em .8em; border-bottom: 1px solid #ddd; text-align: left; }
td + td, th + th { text-align: right; }
.facts td + td { text-align: left; }
.figure { width: 100%; height: 420px; }
pre { background: #f6f6f6; padding: 1em; overflow-x: auto; font-size: 13px; }
</style>
<script>${plotly.replace(/<\/script/gi, "<\\/script")}</script>
</head>
<body>
${body}
<script>
const figures = ${json(figures)};
for (const [id, fig] of Object.entries(figures)) {
  Plotly.newPlot(id, fig.data, fig.layout, { responsive: true, displaylogo: false });
}
</script>
</body>
</html>
`;
}

/**
 * Writes `html` to `path` atomically (a temporary sibling file, synced,
 * then renamed over `path`), creating parent directories.
 *
 * @throws {DigitLabError} when writing fails; an existing file at `path` is kept.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { writeReport } from "./report.ts";
 * const dir = await Deno.makeTempDir();
 * const html = "<!doctype html><p>hello</p>";
 * await writeReport(`${dir}/latest/report.html`, html); // creates latest/
 * assertEquals(await Deno.readTextFile(`${dir}/latest/report.html`), html);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeReport(path: string, html: string): Promise<void> {
  const tmp = `${path}.tmp-${crypto.randomUUID().slice(0, 8)}`;
  try {
    await Deno.mkdir(dirname(path), { recursive: true });
    {
      using file = await Deno.open(tmp, { write: true, createNew: true });
      const bytes = new TextEncoder().encode(html);
      for (let off = 0; off < bytes.length;) off += await file.write(bytes.subarray(off));
      await file.sync();
    }
    await Deno.rename(tmp, path);
  } catch (e) {
    await Deno.remove(tmp).catch(() => {});
    throw new DigitLabError(`could not write the report to ${path}: ${(e as Error).message}`, {
      cause: e,
    });
  }
}

const plotlyCache = new Map<string, string>();

async function readPlotly(path?: string): Promise<string> {
  path ??= plotlyFile();
  let text = plotlyCache.get(path);
  if (text === undefined) {
    try {
      text = await Deno.readTextFile(path);
    } catch (e) {
      throw new DigitLabError(
        `plotly.js not found at ${path} (${(e as Error).message}); ` +
          `install the "plotly.js-dist" package of deno.json (deno install)`,
        { cause: e },
      );
    }
    plotlyCache.set(path, text);
  }
  return text;
}

/** The `plotly.js-dist` file: resolved through the import map, else under node_modules. */
function plotlyFile(): string {
  const resolved = import.meta.resolve("plotly.js-dist");
  if (resolved.startsWith("file:")) return fileURLToPath(resolved);
  return fileURLToPath(new URL("../../node_modules/plotly.js-dist/plotly.js", import.meta.url));
}

const ENTITIES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]);
}

/** JSON safe inside a <script> element. */
function json(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c");
}

function table(header: string[], rows: string[][]): string {
  const cls = header.every((h) => h === "") ? ' class="facts"' : "";
  const head = cls
    ? ""
    : `<thead><tr>${header.map((h) => `<th>${esc(h)}</th>`).join("")}</tr></thead>`;
  const body = rows.map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join("")}</tr>`).join(
    "\n",
  );
  return `<table${cls}>${head}<tbody>\n${body}\n</tbody></table>`;
}
