import { assert, assertEquals, assertThrows } from "@std/assert";
import { lineChartSvg } from "../../lib/display/svg_chart.ts";
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
