/**
 * A self-contained HTML report of a trained model: results, training curves,
 * confusion matrix, per-class metrics, worst mistakes, run facts and model
 * summary. The charts are inline SVG (no script at all), so the page works
 * offline from disk, in any browser, and stays small (tens of kilobytes,
 * where inlining plotly.js cost 11 MB).
 *
 * @module
 */

import { dirname } from "node:path";
import {
  type ClassMetrics,
  DigitLabError,
  type EpochLog,
  type EvaluationResult,
  type ModelMetrics,
} from "../core/mod.ts";
import { classLabel, classLabels } from "./class_labels.ts";
import { barChartSvg, heatmapSvg, lineChartSvg } from "./svg_chart.ts";

/** Accuracy, loss and size of one split, as evaluated after training. */
export type SplitScore = Pick<EvaluationResult, "accuracy" | "loss" | "count">;

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
  /**
   * Evaluation of the training split after training (dropout off), as the
   * terminal shows it; without it the train loss is shown as unknown.
   */
  train?: SplitScore;
  /** Evaluation of the validation split after training, likewise. */
  validation?: SplitScore;
  /** Per-epoch history (no curves are drawn when empty). */
  history: EpochLog[];
  /** Text of `model.summary()`, shown as is. */
  modelSummary?: string;
  /** Most confident mistakes to list (default 20). */
  mistakes?: number;
  /**
   * Names of the classes, in class order, for the confusion matrix, the
   * per-class chart and tables and the mistakes (default: the class numbers).
   */
  classNames?: readonly string[];
}

const TRAIN_COLOR = "#1f77b4";
const VAL_COLOR = "#ff7f0e";

/**
 * Renders the report as one HTML page with its charts drawn as inline SVG.
 *
 * The results table holds the figures evaluated after training (the same as
 * the terminal and `metrics.json`); the last epoch's running training loss
 * and accuracy (averaged over its batches, dropout on) are shown apart and
 * labelled as such, and are what the training curves plot.
 *
 * @example
 * ```ts
 * import { assertEquals, assertMatch } from "@std/assert";
 * import type { EvaluationResult } from "../core/mod.ts";
 * import { renderReport } from "./report.ts";
 * const metrics = JSON.parse(await Deno.readTextFile("data/models/default/metrics.json"));
 * const evaluation: EvaluationResult = {
 *   accuracy: 1, loss: 0.01, count: 2, confusion: [[1, 0], [0, 1]], perClass: [], macroF1: 1,
 *   worstMistakes: [],
 * };
 * const html = renderReport({ title: "CNN", metrics, evaluation, history: metrics.history });
 * assertMatch(html, /<h1>CNN<\/h1>/);
 * assertMatch(html, /<h2>Most confident mistakes<\/h2>\n<p>None\.<\/p>/);
 * assertEquals(html.includes("<script"), false); // charts are SVG
 * ```
 */
export function renderReport(options: ReportOptions): string {
  const { title, metrics: m, evaluation: ev, history, modelSummary, classNames } = options;
  const name = (label: number) => classLabel(label, classNames);
  const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
  const mistakes = ev.worstMistakes.slice(0, options.mistakes ?? 20);
  const last = history.at(-1);
  const score = (name: string, s: SplitScore | undefined, accuracy: number, count: number) => [
    name,
    pct(s?.accuracy ?? accuracy),
    s?.loss.toFixed(4) ?? "–",
    String(s?.count ?? count),
  ];

  const body = [
    `<h1>${esc(title)}</h1>`,
    `<p class="sub">Saved ${esc(m.created_at)} · <code>${esc(m.command)}</code></p>`,
    `<h2>Results</h2>`,
    table(["split", "accuracy", "loss", "examples"], [
      score("train", options.train, m.train_accuracy, m.splits.train),
      score("validation", options.validation, m.val_accuracy, m.splits.validation),
      score("test", ev, ev.accuracy, ev.count),
    ]),
    `<p>Evaluated after training (dropout off). Macro F1 on the test set: <b>${
      ev.macroF1.toFixed(4)
    }</b>.</p>`,
    last
      ? `<p class="note">While training, epoch ${last.epoch} averaged a running loss of ${
        last.loss.toFixed(4)
      } and a running accuracy of ${
        pct(last.accuracy)
      } over its batches (dropout on, weights still changing); the training curves show these running figures.</p>`
      : "",
    history.length > 0 ? `<h2>Training curves</h2>${trainingCurves(history)}` : "",
    `<h2>Confusion matrix</h2><div class="figure">${
      heatmapSvg({
        title: "Confusion matrix (test)",
        values: ev.confusion,
        rowLabels: classLabels(ev.confusion.length, classNames),
        columnLabels: classLabels(ev.confusion.length, classNames),
        xLabel: "predicted class",
        yLabel: "true class",
        cellSize: 40,
      })
    }</div>`,
    `<h2>Per class</h2>${ev.perClass.length > 0 ? perClassChart(ev.perClass, name) : ""}`,
    table(
      ["class", "precision", "recall", "F1", "support"],
      ev.perClass.map((c) => [
        name(c.label),
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
      ) => [String(x.index), name(x.label), name(x.predicted), pct(x.confidence)]),
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
h1 { margin-bottom: 0; } .sub, .note { color: #666; } .sub { margin-top: .2em; }
table { border-collapse: collapse; margin: .5em 0 1em; }
th, td { padding: .25em .8em; border-bottom: 1px solid #ddd; text-align: left; }
td + td, th + th { text-align: right; }
.facts td + td { text-align: left; }
.figure { display: flex; flex-wrap: wrap; gap: 1em; }
.figure svg { max-width: 100%; height: auto; }
pre { background: #f6f6f6; padding: 1em; overflow-x: auto; font-size: 13px; }
</style>
</head>
<body>
${body}
</body>
</html>
`;
}

/** Lowest axis value that still shows small differences between scores near 1. */
function scoreFloor(scores: number[]): number {
  const low = Math.min(1, ...scores.filter(Number.isFinite));
  return Math.max(0, Math.floor(low * 10) / 10 - 0.1);
}

function trainingCurves(history: EpochLog[]): string {
  const epochs = history.length;
  const xRange: [number, number] = [
    epochs > 1 ? history[0].epoch : history[0].epoch - 1,
    history[epochs - 1].epoch,
  ];
  const points = (pick: (e: EpochLog) => number) => history.map((e) => [e.epoch, pick(e)] as const);
  const chart = { xRange, width: 470, height: 280 };
  const loss = lineChartSvg({
    ...chart,
    title: "loss",
    series: [
      {
        name: "running train loss",
        color: TRAIN_COLOR,
        points: points((e) => e.loss),
        markers: true,
      },
      {
        name: "val loss",
        color: VAL_COLOR,
        points: points((e) => e.valLoss),
        markers: true,
        dashed: true,
      },
    ],
  });
  const accuracy = lineChartSvg({
    ...chart,
    title: "accuracy",
    yRange: [scoreFloor(history.flatMap((e) => [e.accuracy, e.valAccuracy])), 1],
    series: [
      {
        name: "running train accuracy",
        color: TRAIN_COLOR,
        points: points((e) => e.accuracy),
        markers: true,
      },
      {
        name: "val accuracy",
        color: VAL_COLOR,
        points: points((e) => e.valAccuracy),
        markers: true,
        dashed: true,
      },
    ],
  });
  return `<div class="figure">${loss}${accuracy}</div>`;
}

function perClassChart(perClass: ClassMetrics[], name: (label: number) => string): string {
  const scores = perClass.flatMap((c) => [c.precision, c.recall, c.f1]);
  return `<div class="figure">${
    barChartSvg({
      title: "Per-class precision, recall and F1 (test)",
      categories: perClass.map((c) => name(c.label)),
      series: [
        { name: "precision", color: TRAIN_COLOR, values: perClass.map((c) => c.precision) },
        { name: "recall", color: VAL_COLOR, values: perClass.map((c) => c.recall) },
        { name: "F1", color: "#2ca02c", values: perClass.map((c) => c.f1) },
      ],
      yRange: [scoreFloor(scores), 1],
      width: 940,
      xLabel: "class",
    })
  }</div>`;
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
