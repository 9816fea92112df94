import { assertEquals, assertStringIncludes, assertThrows } from "@std/assert";
import { InvalidArgumentError } from "../../lib/core/errors.ts";
import { placeSvg, svgDataUri, svgImageTag, svgSize } from "../../lib/display/svg_image.ts";
import { lineChartSvg } from "../../lib/display/svg_chart.ts";
import { svgImages } from "../_helpers/svg_images.ts";

const chart = lineChartSvg({
  title: "loss – “curly” ünïcode",
  series: [{ name: "train", color: "#36c", points: [[0, 1], [1, 0.5]] }],
  xRange: [0, 1],
  width: 300,
  height: 150,
});

Deno.test("svgImageTag embeds an SVG, non-ASCII text included, at the SVG's size", () => {
  const tag = svgImageTag(chart, { alt: "loss", className: "c" });
  assertStringIncludes(tag, '<img class="c" src="data:image/svg+xml;base64,');
  assertStringIncludes(tag, 'width="300" height="150" alt="loss">');
  assertEquals(svgImages(tag), [chart], "decodes back to the same UTF-8 text");
  assertEquals(svgDataUri(chart), tag.match(/src="([^"]+)"/)![1]);
});

Deno.test("svgSize and placeSvg reject what is not an SVG with a size", () => {
  assertEquals(svgSize(`  ${chart}`), { width: 300, height: 150 });
  assertThrows(() => svgSize('<svg width="0" height="5"/>'), InvalidArgumentError, "positive");
  assertThrows(() => svgSize('<svg height="5"/>'), InvalidArgumentError, "<svg");
  assertThrows(() => svgImageTag("<p>hi</p>", { alt: "" }), InvalidArgumentError, "<p>hi");
  assertThrows(() => placeSvg("<g/>", 0, 0), InvalidArgumentError, "<g/>");
  assertStringIncludes(placeSvg(chart, 3, 4), '<svg x="3" y="4" xmlns=');
});
