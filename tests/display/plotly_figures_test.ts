import { CLASS_NAMES } from "../../lib/data/class_names.ts";
import { assert, assertEquals, assertThrows } from "@std/assert";
import {
  confusionMatrixFigure,
  perClassFigure,
  trainingCurvesFigure,
} from "../../lib/display/plotly_figures.ts";
import { InvalidArgumentError } from "../../lib/core/errors.ts";
import type { ClassMetrics, EpochLog } from "../../lib/core/records.ts";

const axisTitle = (layout: Record<string, unknown>, axis: string) =>
  (layout[axis] as { title: { text: string } }).title.text;

Deno.test("trainingCurvesFigure plots loss and accuracy curves on two subplots", () => {
  const history: EpochLog[] = Array.from({ length: 3 }, (_, i) => ({
    epoch: i + 1,
    epochs: 3,
    loss: 1 / (i + 1),
    accuracy: 0.8 + i * 0.05,
    valLoss: 1.2 / (i + 1),
    valAccuracy: 0.78 + i * 0.06,
    seconds: 10 + i,
  }));
  const fig = trainingCurvesFigure(history);
  assertEquals(fig.data.map((t) => t.name), [
    "running train loss",
    "val loss",
    "running train accuracy",
    "val accuracy",
  ]);
  for (const t of fig.data) assertEquals(t.x, [1, 2, 3]);
  assertEquals(fig.data[1].y, history.map((e) => e.valLoss));
  assertEquals(fig.data[3].y, history.map((e) => e.valAccuracy));
  assertEquals(fig.data.map((t) => t.yaxis), ["y", "y", "y2", "y2"]);
  assertEquals(axisTitle(fig.layout, "yaxis"), "loss");
  assertEquals(axisTitle(fig.layout, "yaxis2"), "accuracy");
  assertEquals(axisTitle(fig.layout, "xaxis2"), "epoch");
  // Plain JSON: survives a round trip unchanged.
  assertEquals(JSON.parse(JSON.stringify(fig)), fig);
});

Deno.test("confusionMatrixFigure draws a heatmap with every count annotated", () => {
  const confusion = [[7, 1, 0], [2, 9, 1], [0, 0, 5]];
  const fig = confusionMatrixFigure(confusion);
  assertEquals(fig.data.length, 1);
  assertEquals(fig.data[0].type, "heatmap");
  assertEquals(fig.data[0].z, confusion);
  assertEquals(fig.data[0].x, ["0", "1", "2"]);
  const notes = fig.layout.annotations as { x: string; y: string; text: string }[];
  assertEquals(notes.length, 9);
  const note = notes.find((a) => a.y === "1" && a.x === "0")!;
  assertEquals(note.text, String(confusion[1][0]));
  assertEquals(axisTitle(fig.layout, "xaxis"), "predicted class");
  assertEquals(axisTitle(fig.layout, "yaxis"), "true class");
});

Deno.test("confusionMatrixFigure uses given labels and rejects bad shapes", () => {
  const fig = confusionMatrixFigure([[1, 0], [0, 1]], { labels: ["odd", "even"] });
  assertEquals(fig.data[0].y, ["odd", "even"]);
  assertThrows(
    () => confusionMatrixFigure([[1, 2], [3]]),
    InvalidArgumentError,
    "row 1 has 1 entries",
  );
  assertThrows(
    () => confusionMatrixFigure([[1, 2], [3, 4]], { labels: ["a"] }),
    InvalidArgumentError,
    "2 classes but 1 labels",
  );
});

Deno.test("perClassFigure groups precision, recall and F1 bars per class", () => {
  const perClass: ClassMetrics[] = [0, 1, 2, 3].map((label) => {
    const precision = 0.9 + label * 0.02;
    const recall = 0.75 + label * 0.05;
    return {
      label,
      precision,
      recall,
      f1: (2 * precision * recall) / (precision + recall),
      support: 10 + label,
    };
  });
  const fig = perClassFigure(perClass);
  assertEquals(fig.data.map((t) => t.name), ["precision", "recall", "F1"]);
  for (const t of fig.data) {
    assertEquals(t.type, "bar");
    assertEquals(t.x, ["0", "1", "2", "3"]);
  }
  assertEquals(fig.data[1].y, perClass.map((c) => c.recall));
  assertEquals(fig.layout.barmode, "group");
  const range = (fig.layout.yaxis as { range: number[] }).range;
  assert(range[0] <= 0.75 && range[0] >= 0, `axis starts at ${range[0]}`);
  assertEquals(range[1], 1);
});

const FASHION = CLASS_NAMES["fashion-mnist"];

Deno.test("confusionMatrixFigure labels both axes and every cell with the class names", () => {
  const confusion = FASHION.map((_, i) => FASHION.map((_, j) => (i === j ? 90 : i + j)));
  const fig = confusionMatrixFigure(confusion, { classNames: FASHION });
  assertEquals(fig.data[0].x, FASHION);
  assertEquals(fig.data[0].y, FASHION);
  const cells = fig.layout.annotations as { x: string; y: string; text: string }[];
  // Row 6 (Shirt), column 0 (T-shirt/top): the cell where shirts are read as T-shirts.
  assertEquals(cells[6 * 10 + 0], {
    ...cells[6 * 10 + 0],
    x: "T-shirt/top",
    y: "Shirt",
    text: "6",
  });
  // The earlier option name still works; classNames wins over it.
  assertEquals(confusionMatrixFigure([[1, 0], [0, 1]], { labels: ["a", "b"] }).data[0].x, [
    "a",
    "b",
  ]);
  assertEquals(
    confusionMatrixFigure([[1, 0], [0, 1]], { labels: ["a", "b"], classNames: ["c", "d"] })
      .data[0].x,
    ["c", "d"],
  );
  assertThrows(
    () => confusionMatrixFigure(confusion, { classNames: FASHION.slice(0, 9) }),
    InvalidArgumentError,
    "10 classes but 9 labels",
  );
});

Deno.test("perClassFigure names its categories with the class names", () => {
  const perClass: ClassMetrics[] = [
    { label: 6, precision: 0.6, recall: 0.5, f1: 0.55, support: 100 },
    { label: 9, precision: 0.95, recall: 0.97, f1: 0.96, support: 100 },
  ];
  const fig = perClassFigure(perClass, { classNames: FASHION });
  for (const trace of fig.data) assertEquals(trace.x, ["Shirt", "Ankle boot"]);
  assertEquals(perClassFigure(perClass).data[0].x, ["6", "9"]);
  assertThrows(
    () => perClassFigure(perClass, { classNames: ["a", "b"] }),
    InvalidArgumentError,
    "class 6 has no name",
  );
});
