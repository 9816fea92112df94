import { CLASS_NAMES } from "../../lib/data/class_names.ts";
import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { figureSvg, figureTitle } from "../../lib/display/figure_svg.ts";
import {
  confusionMatrixFigure,
  type Figure,
  perClassFigure,
  trainingCurvesFigure,
} from "../../lib/display/plotly_figures.ts";
import { svgSize } from "../../lib/display/svg_image.ts";

const epochs = [1, 2, 3].map((epoch) => ({
  epoch,
  epochs: 3,
  loss: 0.6 / epoch,
  accuracy: 0.8 + epoch / 100,
  valLoss: 0.5 / epoch,
  valAccuracy: 0.85 + epoch / 100,
  seconds: 2,
}));

Deno.test("figureSvg draws one line chart per x axis, dashed and dotted as the traces ask", () => {
  const svg = figureSvg(trainingCurvesFigure(epochs), 320);
  assertEquals(svgSize(svg), { width: 940, height: 320 }, "the title band plus 296 px charts");
  const charts = svg.match(/<svg x="\d+" y="24" /g) ?? [];
  assertEquals(charts.length, 2, "loss (x) and accuracy (x2) side by side");
  assertStringIncludes(svg, ">loss</text>");
  assertStringIncludes(svg, ">accuracy</text>");
  assertEquals(svg.match(/<polyline /g)?.length, 4);
  // The two validation traces are dashed; every trace has a dot per epoch.
  assertEquals(svg.match(/<polyline [^>]*stroke-dasharray/g)?.length, 2);
  assertEquals(svg.match(/<circle /g)?.length, 4 * 3);
  assertStringIncludes(svg, ">val accuracy</text>");
});

Deno.test("figureSvg keeps a bar chart's y range and a reversed heatmap's row order", () => {
  const perClass = [3, 4].map((label) => ({
    label,
    precision: 0.9,
    recall: 0.95,
    f1: 0.92,
    support: 10,
  }));
  const bars = figureSvg(perClassFigure(perClass), 300);
  assertEquals(bars.match(/<rect class="bar"/g)?.length, 2 * 3);
  // perClassFigure starts the axis at 0.8: the tick labels start there, not at 0.
  assertStringIncludes(bars, ">0.8</text>");
  assert(!bars.includes(">0</text>"), "the axis does not start at 0");

  const confusion = figureSvg(confusionMatrixFigure([[7, 1], [2, 9]]), 300);
  const cells = [...confusion.matchAll(/class="cell"[^>]*>(\d+)</g)].map((m) => m[1]);
  assertEquals(cells, ["7", "1", "2", "9"], "true class 0 on top, as plotly draws it reversed");
  const upright: Figure = {
    data: [{ type: "heatmap", z: [[1, 2], [3, 4]] }],
    layout: { title: "upright" },
  };
  const flipped = [...figureSvg(upright, 300).matchAll(/class="cell"[^>]*>(\d+)</g)];
  assertEquals(flipped.map((m) => m[1]), ["3", "4", "1", "2"], "plotly puts row 0 at the bottom");
});

Deno.test("figureSvg names what it cannot draw instead of failing", () => {
  const pie: Figure = { data: [{ type: "pie", values: [1, 2] }], layout: { title: "Shares" } };
  const svg = figureSvg(pie, 200);
  assertStringIncludes(svg, ">Shares</text>");
  assertStringIncludes(svg, "no static picture for trace type(s) pie");
  const negative: Figure = { data: [{ type: "heatmap", z: [[-1]] }], layout: {} };
  assertStringIncludes(figureSvg(negative, 200), "no static picture for trace type(s) heatmap (");
  assertEquals(figureTitle(negative), "Figure");
});

Deno.test("figureSvg draws a Fashion-MNIST confusion matrix with its class names", () => {
  const fashion = CLASS_NAMES["fashion-mnist"];
  const confusion = fashion.map((_, i) => fashion.map((_, j) => (i === j ? 50 : (i * j) % 4)));
  const svg = figureSvg(confusionMatrixFigure(confusion, { classNames: fashion }), 520);
  const labels = [...svg.matchAll(/<text [^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
  // Each name twice: beside its row and under its column.
  for (const name of fashion) assertEquals(labels.filter((l) => l === name).length, 2, name);
  assert(svg.includes("<title>true class Shirt, predicted class T-shirt/top: 0</title>"));
  const cells = [...svg.matchAll(/class="cell"[^>]*>(\d+)</g)].map((m) => Number(m[1]));
  assertEquals(cells, confusion.flat(), "true T-shirt/top on top, as plotly draws it");
});
