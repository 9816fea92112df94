/**
 * Plotly figure builders. They return plain JSON figures (`{ data, layout }`)
 * for `Plotly.newPlot` in the notebooks; nothing here imports plotly. (The
 * HTML report draws the same charts as inline SVG, see `svg_chart.ts`.)
 *
 * @module
 */

import { type ClassMetrics, type EpochLog, InvalidArgumentError } from "../core/mod.ts";
import { classLabel } from "./class_labels.ts";

/**
 * A plotly figure as plain JSON.
 */
export interface Figure {
  /** The traces. */
  data: Record<string, unknown>[];
  /** The layout (titles, axes, annotations). */
  layout: Record<string, unknown>;
}

const title = (text: string) => ({ text });

/**
 * Training curves: loss and validation loss (left), accuracy and validation
 * accuracy (right), against the epoch number. The training figures are each
 * epoch's running means over its batches (dropout on) and are named so, apart
 * from the evaluation after training.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { trainingCurvesFigure } from "./plotly_figures.ts";
 * const fig = trainingCurvesFigure([
 *   { epoch: 1, epochs: 2, loss: 0.5, accuracy: 0.85, valLoss: 0.3, valAccuracy: 0.9, seconds: 9 },
 *   { epoch: 2, epochs: 2, loss: 0.2, accuracy: 0.94, valLoss: 0.2, valAccuracy: 0.95, seconds: 9 },
 * ]);
 * assertEquals(fig.data.map((t) => t.name), ["running train loss", "val loss", "running train accuracy", "val accuracy"]);
 * assertEquals(fig.data[0].y, [0.5, 0.2]);
 * ```
 */
export function trainingCurvesFigure(history: EpochLog[]): Figure {
  const x = history.map((e) => e.epoch);
  const line = (name: string, y: number[], axis: 1 | 2, dash: boolean) => ({
    type: "scatter",
    mode: "lines+markers",
    name,
    x,
    y,
    xaxis: axis === 1 ? "x" : "x2",
    yaxis: axis === 1 ? "y" : "y2",
    line: dash ? { dash: "dash" } : {},
  });
  return {
    data: [
      line("running train loss", history.map((e) => e.loss), 1, false),
      line("val loss", history.map((e) => e.valLoss), 1, true),
      line("running train accuracy", history.map((e) => e.accuracy), 2, false),
      line("val accuracy", history.map((e) => e.valAccuracy), 2, true),
    ],
    layout: {
      title: title("Training curves"),
      grid: { rows: 1, columns: 2, pattern: "independent" },
      xaxis: { title: title("epoch"), dtick: 1 },
      yaxis: { title: title("loss") },
      xaxis2: { title: title("epoch"), dtick: 1 },
      yaxis2: { title: title("accuracy") },
      legend: { orientation: "h", y: -0.25 },
    },
  };
}

/**
 * Options of {@linkcode confusionMatrixFigure}.
 */
export interface ConfusionMatrixFigureOptions {
  /** Class names, in class order (default `"0"`, `"1"`, ...). */
  classNames?: readonly string[];
  /** The same as `classNames` (its earlier name); `classNames` wins when both are given. */
  labels?: readonly string[];
}

/**
 * A heatmap of `confusion[trueClass][predictedClass]` with each count
 * written in its cell; true classes run top to bottom.
 *
 * @throws {InvalidArgumentError} when the matrix is not square or the labels
 *   do not match its size.
 *
 * @example
 * ```ts
 * import { assertEquals, assertThrows } from "@std/assert";
 * import { InvalidArgumentError } from "../core/mod.ts";
 * import { confusionMatrixFigure } from "./plotly_figures.ts";
 * const fig = confusionMatrixFigure([[5, 1], [0, 6]], { classNames: ["Sandal", "Sneaker"] });
 * const annotations = fig.layout.annotations as { text: string }[];
 * assertEquals(annotations.map((a) => a.text), ["5", "1", "0", "6"]); // one per cell
 * assertEquals(fig.data[0].y, ["Sandal", "Sneaker"]); // true classes, by name
 * assertThrows(() => confusionMatrixFigure([[1, 2]]), InvalidArgumentError, "square");
 * ```
 */
export function confusionMatrixFigure(
  confusion: number[][],
  options: ConfusionMatrixFigureOptions = {},
): Figure {
  const n = confusion.length;
  confusion.forEach((row, i) => {
    if (row.length !== n) {
      throw new InvalidArgumentError(
        `confusion matrix must be square: row ${i} has ${row.length} entries, expected ${n}`,
      );
    }
  });
  const labels = [...(options.classNames ?? options.labels ?? confusion.map((_, i) => String(i)))];
  if (labels.length !== n) {
    throw new InvalidArgumentError(
      `confusion matrix has ${n} classes but ${labels.length} labels were given: ${
        JSON.stringify(labels)
      }`,
    );
  }
  const max = Math.max(0, ...confusion.flat());
  const annotations = confusion.flatMap((row, i) =>
    row.map((count, j) => ({
      x: labels[j],
      y: labels[i],
      text: String(count),
      showarrow: false,
      font: { color: count > max / 2 ? "white" : "black" },
    }))
  );
  return {
    data: [{
      type: "heatmap",
      z: confusion,
      x: labels,
      y: labels,
      colorscale: "Blues",
      reversescale: true, // plotly's "Blues" runs dark to light; high counts dark
      hovertemplate: "true %{y}, predicted %{x}: %{z}<extra></extra>",
    }],
    layout: {
      title: title("Confusion matrix"),
      xaxis: { title: title("predicted class"), type: "category", side: "bottom" },
      yaxis: { title: title("true class"), type: "category", autorange: "reversed" },
      annotations,
    },
  };
}

/**
 * Options of {@linkcode perClassFigure}.
 */
export interface PerClassFigureOptions {
  /** Class names, in class order: the bars' categories (default `"0"`, `"1"`, ...). */
  classNames?: readonly string[];
}

/**
 * Grouped bars of precision, recall and F1 per class, each class named by
 * `options.classNames` or by its number.
 *
 * @throws {InvalidArgumentError} when names are given and a class has none.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { perClassFigure } from "./plotly_figures.ts";
 * const fig = perClassFigure([
 *   { label: 0, precision: 0.99, recall: 0.98, f1: 0.985, support: 980 },
 *   { label: 1, precision: 0.97, recall: 0.99, f1: 0.98, support: 1135 },
 * ]);
 * assertEquals(fig.data.map((t) => t.name), ["precision", "recall", "F1"]);
 * assertEquals(fig.data[0].x, ["0", "1"]);
 * const trousers = { label: 1, precision: 0.9, recall: 0.8, f1: 0.85, support: 100 };
 * const named = perClassFigure([trousers], { classNames: ["T-shirt/top", "Trouser"] });
 * assertEquals(named.data[0].x, ["Trouser"]);
 * ```
 */
export function perClassFigure(
  perClass: readonly ClassMetrics[],
  options: PerClassFigureOptions = {},
): Figure {
  const x = perClass.map((c) => classLabel(c.label, options.classNames));
  const bars = (name: string, y: number[]) => ({ type: "bar", name, x, y });
  // Start the axis a little below the lowest score so that small differences show.
  const low = Math.min(1, ...perClass.flatMap((c) => [c.precision, c.recall, c.f1]));
  const floor = Math.max(0, Math.floor(low * 10) / 10 - 0.1);
  return {
    data: [
      bars("precision", perClass.map((c) => c.precision)),
      bars("recall", perClass.map((c) => c.recall)),
      bars("F1", perClass.map((c) => c.f1)),
    ],
    layout: {
      title: title("Per-class precision, recall and F1"),
      barmode: "group",
      xaxis: { title: title("class"), type: "category" },
      yaxis: { title: title("score"), range: [floor, 1] },
    },
  };
}
