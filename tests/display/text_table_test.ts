import { assert, assertEquals, assertThrows } from "@std/assert";
import { formatClassMetrics, formatTable } from "../../lib/display/text_table.ts";
import { InvalidArgumentError } from "../../lib/core/errors.ts";

Deno.test("formatTable draws a box table with a header, numbers right-aligned", () => {
  const out = formatTable([["zero", 0.5], ["one", 12.25]], { header: ["class", "f1"] });
  assertEquals(out.split("\n"), [
    "┌───────┬───────┐",
    "│ class │    f1 │",
    "├───────┼───────┤",
    "│ zero  │   0.5 │",
    "│ one   │ 12.25 │",
    "└───────┴───────┘",
  ]);
});

Deno.test("formatTable honours explicit alignment and the ascii style", () => {
  const out = formatTable([["a", "bb"], ["ccc", "d"]], {
    align: ["right", "left"],
    style: "ascii",
  });
  assertEquals(out.split("\n"), [
    "+-----+----+",
    "|   a | bb |",
    "| ccc | d  |",
    "+-----+----+",
  ]);
});

Deno.test("formatTable pads by code points, so every line has the same width", () => {
  const out = formatTable([["é", 1], ["ab", 100]], { header: ["naïve", "n"] });
  const widths = out.split("\n").map((l) => [...l].length);
  assertEquals(new Set(widths).size, 1);
});

Deno.test("formatTable rejects ragged rows and line breaks, naming the row", () => {
  assertThrows(() => formatTable([["a", 1], ["b"]]), InvalidArgumentError, "row 1 has 1 cells");
  assertThrows(
    () => formatTable([["a"]], { header: ["x", "y"] }),
    InvalidArgumentError,
    "row 1 has 1 cells, expected 2",
  );
  assertThrows(() => formatTable([["a\nb"]]), InvalidArgumentError, "line break");
});

Deno.test("formatClassMetrics: one row per class, three decimals", () => {
  const text = formatClassMetrics([
    { label: 0, precision: 1, recall: 0.5, f1: 2 / 3, support: 2 },
    { label: 1, precision: 0, recall: 0, f1: 0, support: 0 },
  ]);
  const lines = text.split("\n").filter((l) => /\d\.\d{3}/.test(l));
  assertEquals(lines.length, 2);
  assert(lines[0].includes("1.000") && lines[0].includes("0.500") && lines[0].includes("0.667"));
  assert(text.includes("precision") && text.includes("support"));
});
