import { assert, assertEquals, assertThrows } from "@std/assert";
import {
  barChartSvg,
  heatmapSvg,
  lineChartSvg,
  MAX_BARS,
  MAX_HEATMAP_SIDE,
} from "../../lib/display/svg_chart.ts";
import { InvalidArgumentError } from "../../lib/core/errors.ts";

function polylines(svg: string): [number, number][][] {
  return [...svg.matchAll(/<polyline[^>]* points="([^"]*)"/g)].map((m) =>
    m[1].split(" ").map((p) => p.split(",").map(Number) as [number, number])
  );
}

Deno.test("lineChartSvg maps points into the plot area, y upwards", () => {
  const svg = lineChartSvg({
    title: "loss <train>",
    xRange: [0, 2],
    yRange: [0, 1],
    width: 254,
    height: 168,
    series: [{ name: "train", color: "#36c", points: [[0, 0], [1, 0.5], [2, 1], [1.5, NaN]] }],
  });
  // plot area: x from 44 to 244 (200 px), y from 24 (top) to 124 (100 px).
  assertEquals(polylines(svg), [[[44, 124], [144, 74], [244, 24]]]);
  assert(svg.includes(">loss &lt;train&gt;</text>"));
  assert(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg" width="254" height="168"'));
  assert(svg.endsWith("</svg>"));
});

Deno.test("lineChartSvg clamps to the y range, marks sparse series and dashes", () => {
  const svg = lineChartSvg({
    title: "t",
    xRange: [0, 1],
    yRange: [0, 1],
    series: [
      { name: "a", color: "red", points: [[0, -5], [1, 5]], dashed: true },
      { name: "b", color: "blue", points: [[0.5, 0.5]] },
    ],
  });
  const [line] = polylines(svg);
  assertEquals(line[0][1], 200 - 44, "clamped to the bottom");
  assertEquals(line[1][1], 24, "clamped to the top");
  assert(svg.includes('stroke-dasharray="4 3" points='));
  assertEquals(svg.match(/<circle /g)?.length, 1, "a single point gets a marker");
});

Deno.test("lineChartSvg takes the y range from the data when none is given", () => {
  const svg = lineChartSvg({
    title: "t",
    xRange: [0, 1],
    series: [{ name: "a", color: "red", points: [[0, 2], [1, 4]] }],
  });
  // range [0, 4.2]: the lowest tick is 0, the highest 4.
  assert(svg.includes('text-anchor="end">0</text>'));
  assert(svg.includes('text-anchor="end">4</text>'));
  assert(!svg.includes('text-anchor="end">5</text>'));
});

Deno.test("lineChartSvg rejects empty ranges and tiny sizes", () => {
  assertThrows(
    () => lineChartSvg({ title: "t", xRange: [1, 1], series: [] }),
    InvalidArgumentError,
    "xRange",
  );
  assertThrows(
    () => lineChartSvg({ title: "t", xRange: [0, 1], yRange: [2, 1], series: [] }),
    InvalidArgumentError,
    "yRange",
  );
  assertThrows(
    () => lineChartSvg({ title: "t", xRange: [0, 1], series: [], width: 40 }),
    InvalidArgumentError,
    "too small",
  );
});

Deno.test("lineChartSvg spaces legend entries by the length of their names", () => {
  const svg = lineChartSvg({
    title: "t",
    xRange: [0, 1],
    series: [
      { name: "running train loss", color: "red", points: [[0, 1]] },
      { name: "val loss", color: "blue", points: [[0, 1]] },
    ],
  });
  const xs = [...svg.matchAll(/<text x="([\d.]+)"[^>]*>(running train loss|val loss)</g)]
    .map((m) => Number(m[1]));
  assert(xs[1] - xs[0] >= "running train loss".length * 6, `legend overlaps: ${xs}`);
});

Deno.test("heatmapSvg colours cells by value, writes each value and labels the axes", () => {
  const svg = heatmapSvg({
    title: "confusion <test>",
    values: [[8, 0], [2, 4]],
    rowLabels: ["cat", "dog"],
    columnLabels: ["cat", "dog"],
    xLabel: "predicted",
    yLabel: "true",
    cellSize: 20,
  });
  const cells = [
    ...svg.matchAll(/<rect [^>]*fill="([^"]+)"[^>]*\/><text class="cell"[^>]*fill="(\w+)">(\d+)</g),
  ];
  assertEquals(cells.map((c) => c[3]), ["8", "0", "2", "4"]);
  assertEquals(cells[0][1], "rgb(8,48,107)", "the largest value is darkest");
  assertEquals(cells[1][1], "rgb(247,251,255)", "zero is lightest");
  assertEquals(cells.map((c) => c[2]), ["white", "black", "black", "black"]);
  assert(svg.includes("<title>true dog, predicted cat: 2</title>"));
  assert(svg.includes(">confusion &lt;test&gt;</text>"));
});

Deno.test("heatmapSvg rejects bad matrices before drawing, naming the problem", () => {
  const bad: [string, Parameters<typeof heatmapSvg>[0]][] = [
    ["got 0x0", { title: "t", values: [] }],
    ["row 1 has 1 values", { title: "t", values: [[1, 2], [3]] }],
    ["[0][1] must be finite and >= 0, got -1", { title: "t", values: [[1, -1]] }],
    ["[0][0] must be finite and >= 0, got NaN", { title: "t", values: [[NaN]] }],
    ["2 row labels", { title: "t", values: [[1]], rowLabels: ["a", "b"] }],
    ["cellSize must be at least 8 pixels, got 2", { title: "t", values: [[1]], cellSize: 2 }],
  ];
  for (const [message, options] of bad) {
    assertThrows(() => heatmapSvg(options), InvalidArgumentError, message);
  }
  // The side is checked on the row count first: a huge matrix is refused before it is scanned.
  const rows = new Proxy([] as number[][], {
    get: (target, key) =>
      key === "length" ? MAX_HEATMAP_SIDE + 1 : key === "0" ? [1] : Reflect.get(target, key),
  });
  assertThrows(
    () => heatmapSvg({ title: "t", values: rows }),
    InvalidArgumentError,
    `1 to ${MAX_HEATMAP_SIDE} rows and columns, got ${MAX_HEATMAP_SIDE + 1}x1`,
  );
});

Deno.test("barChartSvg draws one bar per value, rising from the bottom of the y range", () => {
  const svg = barChartSvg({
    title: "scores",
    categories: ["0", "1"],
    series: [
      { name: "precision", color: "red", values: [1, 0.5] },
      { name: "recall", color: "blue", values: [0, 2] },
    ],
    yRange: [0, 1],
    width: 254,
    height: 168,
  });
  // plot area: y from 24 (top) to 124 (100 px); values are clamped to the range.
  const bars = [...svg.matchAll(/<rect class="bar" [^>]*y="([\d.]+)"[^>]*height="([\d.]+)"/g)]
    .map((m) => [Number(m[1]), Number(m[2])]);
  assertEquals(bars, [[24, 100], [124, 0], [74, 50], [24, 100]]);
  assert(svg.includes("<title>1 recall: 2</title>"), "the tooltip keeps the true value");
  assert(svg.includes(">precision</text>") && svg.includes(">recall</text>"));
});

Deno.test("barChartSvg rejects mismatched series, bad ranges and too many bars", () => {
  const series = [{ name: "F1", color: "green", values: [1] }];
  assertThrows(
    () => barChartSvg({ title: "t", categories: ["a", "b"], series }),
    InvalidArgumentError,
    '"F1" has 1 values for 2 categories',
  );
  assertThrows(
    () => barChartSvg({ title: "t", categories: ["a"], series, yRange: [1, 1] }),
    InvalidArgumentError,
    "yRange",
  );
  const many = Array.from({ length: MAX_BARS + 1 }, (_, i) => String(i));
  assertThrows(
    () => barChartSvg({ title: "t", categories: many, series }),
    InvalidArgumentError,
    `at most ${MAX_BARS} bars, got ${MAX_BARS + 1} categories x 1 series`,
  );
});

/** Where each label text of a heatmap is drawn: [text, attributes]. */
function labelTexts(svg: string): { text: string; attrs: string }[] {
  return [...svg.matchAll(/<text ([^>]*)>([^<]*)<\/text>/g)]
    .filter((m) => !m[1].includes('class="cell"'))
    .map((m) => ({ attrs: m[1], text: m[2] }));
}

Deno.test("heatmapSvg makes room for long class names and turns wide column labels", () => {
  const fashion = ["T-shirt/top", "Trouser", "Pullover"];
  const values = [[5, 1, 0], [0, 6, 1], [2, 0, 7]];
  const named = heatmapSvg({ title: "", values, rowLabels: fashion, columnLabels: fashion });
  const digits = heatmapSvg({ title: "", values });
  // "T-shirt/top" is 11 characters, about 66 px at font size 10: the grid moves right to 96 px.
  assert(named.includes('<rect x="96" y="28"'), "first cell after the widened margin");
  assert(digits.includes('<rect x="64" y="28"'), "digits keep the 64 px margin");
  const columns = labelTexts(named).filter((t) =>
    fashion.includes(t.text) && t.attrs.includes("rotate")
  );
  assertEquals(columns.map((c) => c.text), fashion, "every column label turned");
  assert(columns[0].attrs.includes('text-anchor="end" transform="rotate(-45 114 146)"'));
  // The turned labels need about 66 × 0.71 = 47 px more height below the grid.
  const height = (svg: string) => Number(svg.match(/height="(\d+)"/)![1]);
  assertEquals(height(digits), 28 + 3 * 36 + 44);
  assertEquals(height(named), 28 + 3 * 36 + Math.ceil(66 * Math.SQRT1_2) + 12 + 32);
  assert(!digits.includes("rotate(-45"), "digit labels stay level");
  // Hiragana are about 10 px wide: KMNIST's "お (o)" is about 34 px, level in a 40 px cell
  // (notebook 05's figure has 42 px cells), turned in a 36 px one (2 px to spare each side).
  const kana = (cellSize: number) =>
    heatmapSvg({
      title: "",
      values: [[1]],
      rowLabels: ["お (o)"],
      columnLabels: ["お (o)"],
      cellSize,
    });
  assert(!kana(40).includes("rotate(-45"));
  assert(kana(36).includes("rotate(-45"));
  assert(kana(40).includes('<rect x="64" y="28"'), "34 px beside the y label fit in 64 px");
});
