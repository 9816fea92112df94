/**
 * A live training view: in a notebook one output, updated in place (a
 * Jupyter display id and `update_display_data`), shows the progress, the
 * latest figures and loss / accuracy curves; elsewhere a progress bar per
 * epoch is printed, as `deno task train` does. The bar and the curves are
 * one SVG picture (an `<img>` in the HTML, and `image/svg+xml`), so they
 * draw in every frontend, trusted or not.
 *
 * @module
 */

import {
  type BatchLog,
  type EpochLog,
  InvalidArgumentError,
  type TrainingHistory,
} from "../core/mod.ts";
import { createProgressBar, type ProgressBar, type ProgressWriter } from "./progress_bar.ts";
import { defaultTarget, type DisplayTarget, escapeHtml, type MediaBundle } from "./jupyter.ts";
import { type ChartSeries, lineChartSvg } from "./svg_chart.ts";
import { placeSvg, svgImageTag, svgSize } from "./svg_image.ts";

/**
 * Options of {@linkcode createLiveTrainingView}.
 */
export interface LiveTrainingViewOptions {
  /** Epochs planned. */
  epochs: number;
  /** Heading of the view (default `"Training"`). */
  title?: string;
  /** Least milliseconds between two updates after a batch (default 1000); epochs always update. */
  intervalMs?: number;
  /** Most points drawn per curve; batches are averaged into buckets beyond it (default 200). */
  maxPoints?: number;
  /** Where the view goes (default: the notebook, else the terminal). */
  target?: DisplayTarget;
  /** Where the text progress bars go when the target is not rich (default `Deno.stdout`). */
  writer?: ProgressWriter;
  /** Clock in milliseconds (default `performance.now`). */
  now?: () => number;
}

/**
 * The callbacks to pass to `trainModel`, and the end of the view.
 */
export interface LiveTrainingView {
  /** Records a batch; redraws when `intervalMs` has passed since the last redraw. */
  onBatchEnd(log: BatchLog): Promise<void>;
  /** Records an epoch and redraws. */
  onEpochEnd(log: EpochLog): Promise<void>;
  /** Redraws a last time, saying training is over (with the history's total time). */
  finish(history?: TrainingHistory): Promise<void>;
  /** How many times the view was drawn (the first display and its updates). */
  readonly renders: number;
}

const pct = (v: number) => `${(v * 100).toFixed(2)}%`; // as the terminal prints them

/** Width of each of the two charts; the progress bar spans both. */
const CHART_WIDTH = 320;
/** Height of the band holding the progress bar above the charts. */
const BAR_BAND = 22;

/**
 * The progress bar (a filled share of `2 * CHART_WIDTH`, the percentage
 * written on it) above the loss and accuracy charts, as one SVG document.
 */
function liveSvg(progress: number, loss: string, accuracy: string): string {
  const width = 2 * CHART_WIDTH;
  const height = BAR_BAND + svgSize(loss).height;
  const done = Math.min(1, Math.max(0, progress));
  const fill = ((width - 2) * done).toFixed(1);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" ` +
    `viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="10">` +
    `<rect width="100%" height="100%" fill="white"/>` +
    `<rect x="1" y="3" width="${width - 2}" height="14" rx="3" fill="#e6e6e6"/>` +
    `<rect class="progress" data-progress="${done.toFixed(4)}" x="1" y="3" width="${fill}" ` +
    `height="14" rx="3" fill="${done >= 1 ? "#2a9d55" : "#3366cc"}"/>` +
    `<text x="${width / 2}" y="14" text-anchor="middle">${(done * 100).toFixed(0)}%</text>` +
    placeSvg(loss, 0, BAR_BAND) + placeSvg(accuracy, CHART_WIDTH, BAR_BAND) + `</svg>`;
}

/** Means of `points` over `buckets` equal runs (all points when there are fewer). */
function bucketed(points: [number, number][], buckets: number): [number, number][] {
  if (points.length <= buckets) return points;
  const out: [number, number][] = [];
  for (let b = 0; b < buckets; b++) {
    const from = Math.floor((b * points.length) / buckets);
    const to = Math.floor(((b + 1) * points.length) / buckets);
    let sx = 0;
    let sy = 0;
    for (let i = from; i < to; i++) [sx, sy] = [sx + points[i][0], sy + points[i][1]];
    out.push([sx / (to - from), sy / (to - from)]);
  }
  return out;
}

/**
 * Creates a live training view. Pass its `onBatchEnd` / `onEpochEnd` to
 * `trainModel`, then call `finish`. The first redraw creates the output;
 * later ones replace it, so a cell shows one output however long training
 * runs.
 *
 * @throws {InvalidArgumentError} when `epochs`, `intervalMs` or `maxPoints` is invalid.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { createLiveTrainingView } from "./live.ts";
 * import { textTarget } from "./jupyter.ts";
 * const shown: string[] = [];
 * const target = { ...textTarget((text) => shown.push(text)), rich: true }; // as in a notebook
 * const view = createLiveTrainingView({ epochs: 1, title: "Demo", target, now: () => 0 });
 * const batch = { epoch: 1, batch: 1, batches: 1, elapsedMs: 5 };
 * await view.onBatchEnd({ ...batch, loss: 0.5, accuracy: 0.8 });
 * const epoch = { epoch: 1, epochs: 1, loss: 0.5, accuracy: 0.8, seconds: 1 };
 * await view.onEpochEnd({ ...epoch, valLoss: 0.4, valAccuracy: 0.85 });
 * await view.finish();
 * assertEquals([view.renders, shown[2].split("\n")[0]], [3, "Demo: done, 1 epoch(s) in 0.0 s"]);
 * ```
 */
export function createLiveTrainingView(options: LiveTrainingViewOptions): LiveTrainingView {
  const { epochs, title = "Training", intervalMs = 1000, maxPoints = 200 } = options;
  if (!Number.isInteger(epochs) || epochs < 1) {
    throw new InvalidArgumentError(`epochs must be a positive integer, got ${epochs}`);
  }
  if (!(intervalMs >= 0)) {
    throw new InvalidArgumentError(`intervalMs must be >= 0, got ${intervalMs}`);
  }
  if (!Number.isInteger(maxPoints) || maxPoints < 2) {
    throw new InvalidArgumentError(`maxPoints must be an integer >= 2, got ${maxPoints}`);
  }
  const target = options.target ?? defaultTarget();
  const now = options.now ?? (() => performance.now());
  const displayId = `digit-lab-training-${crypto.randomUUID()}`;
  const started = now();
  const batchLoss: [number, number][] = [];
  const batchAccuracy: [number, number][] = [];
  const epochLogs: EpochLog[] = [];
  let last: BatchLog | undefined;
  let lastDraw = -Infinity;
  let renders = 0;
  let finished: string | undefined;
  let threads = "";
  let bar: ProgressBar | undefined;

  const status = (): string => {
    const seconds = ((now() - started) / 1000).toFixed(1);
    if (finished !== undefined) {
      return `${title}: done, ${epochLogs.length} epoch(s) in ${finished} s${threads}`;
    }
    if (!last) return `${title}: starting…`;
    return `${title}: epoch ${last.epoch}/${epochs}, batch ${last.batch}/${last.batches}, ` +
      `running loss ${last.loss.toFixed(4)}, running accuracy ${pct(last.accuracy)}, ${seconds} s`;
  };

  const bundle = (): MediaBundle => {
    const done = last ? (last.epoch - 1 + last.batch / last.batches) / epochs : 0;
    const progress = finished !== undefined ? 1 : done;
    const xRange: [number, number] = [0, epochs];
    const val = (pick: (e: EpochLog) => number) =>
      epochLogs.map((e) => [e.epoch, pick(e)] as [number, number]);
    const loss: ChartSeries[] = [
      { name: "train (batches)", color: "#3366cc", points: bucketed(batchLoss, maxPoints) },
      { name: "validation", color: "#dc7633", points: val((e) => e.valLoss), markers: true },
    ];
    const accuracy: ChartSeries[] = [
      { name: "train (batches)", color: "#3366cc", points: bucketed(batchAccuracy, maxPoints) },
      { name: "validation", color: "#dc7633", points: val((e) => e.valAccuracy), markers: true },
    ];
    const rows = epochLogs.map((e) =>
      `<tr><td>${e.epoch}</td><td>${e.loss.toFixed(4)}</td><td>${pct(e.accuracy)}</td><td>${
        e.valLoss.toFixed(4)
      }</td><td>${pct(e.valAccuracy)}</td><td>${e.seconds.toFixed(1)}</td></tr>`
    ).join("");
    const table = rows
      ? `<table style="font-size:12px"><thead><tr><th>epoch</th><th>running loss</th><th>running accuracy</th>` +
        `<th>val loss</th><th>val accuracy</th><th>seconds</th></tr></thead><tbody>${rows}</tbody></table>`
      : "";
    const svg = liveSvg(
      progress,
      lineChartSvg({ title: "loss", series: loss, xRange, width: CHART_WIDTH }),
      lineChartSvg({
        title: "accuracy",
        series: accuracy,
        xRange,
        yRange: [0, 1],
        width: CHART_WIDTH,
      }),
    );
    // The charts and the bar travel as one SVG <img>: sanitised HTML (an untrusted
    // notebook) drops inline <svg> and style, which left raw labels and a bare bar.
    const html = `<div class="digit-lab-live" style="font:12px sans-serif">` +
      `<div style="margin-bottom:4px">${escapeHtml(status())}</div>` +
      svgImageTag(svg, { alt: status(), className: "digit-lab-live-chart" }) +
      `${table}</div>`;
    const lines = [
      status(),
      ...epochLogs.map((e) =>
        `epoch ${e.epoch}: running_loss ${e.loss.toFixed(4)} running_acc ${pct(e.accuracy)} ` +
        `val_loss ${e.valLoss.toFixed(4)} val_acc ${pct(e.valAccuracy)} ${e.seconds.toFixed(1)}s`
      ),
    ];
    return { "text/html": html, "image/svg+xml": svg, "text/plain": lines.join("\n") };
  };

  const draw = async () => {
    lastDraw = now();
    await target.display(bundle(), { displayId, update: renders > 0 });
    renders++;
  };

  return {
    async onBatchEnd(log) {
      last = log;
      const x = log.epoch - 1 + log.batch / log.batches;
      batchLoss.push([x, log.loss]);
      batchAccuracy.push([x, log.accuracy]);
      if (!target.rich) {
        if (log.batch === 1 || !bar) {
          bar = createProgressBar({
            total: log.batches,
            label: `epoch ${log.epoch}/${epochs}`,
            writer: options.writer,
            now,
          });
        }
        bar.update(log.batch, { loss: log.loss, accuracy: log.accuracy });
        return;
      }
      if (renders === 0 || now() - lastDraw >= intervalMs) await draw();
    },
    async onEpochEnd(log) {
      epochLogs.push(log);
      if (!target.rich) {
        bar?.done(
          `val_loss ${log.valLoss.toFixed(4)} val_acc ${pct(log.valAccuracy)} ${
            log.seconds.toFixed(1)
          }s`,
        );
        bar = undefined;
        return;
      }
      await draw();
    },
    async finish(history) {
      finished = (history?.seconds ?? (now() - started) / 1000).toFixed(1);
      if (history?.threads !== undefined) {
        threads = ` on ${history.threads} thread${history.threads === 1 ? "" : "s"}` +
          (history.oneThreadReason ? ` (${history.oneThreadReason})` : "");
      }
      if (!target.rich) {
        await target.display({ "text/plain": status() });
        return;
      }
      await draw();
    },
    get renders() {
      return renders;
    },
  };
}
