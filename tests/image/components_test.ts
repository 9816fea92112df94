import { assertEquals, assertThrows } from "@std/assert";
import { InvalidArgumentError } from "../../lib/core/errors.ts";
import {
  dropSpecks,
  labelComponents,
  scaleBox,
  selectDigit,
  unionBox,
} from "../../lib/image/components.ts";

function maskFrom(rows: string[]): { mask: Uint8Array; width: number; height: number } {
  const width = rows[0].length, height = rows.length;
  const mask = new Uint8Array(width * height);
  rows.forEach((r, y) => [...r].forEach((c, x) => (mask[y * width + x] = c === "#" ? 1 : 0)));
  return { mask, width, height };
}

Deno.test("labelComponents joins 8-neighbours and reports areas, boxes and centres", () => {
  const { mask, width, height } = maskFrom([
    "##....#",
    ".#....#",
    "..#...#",
    ".......",
    "....##.",
  ]);
  const { labels, components } = labelComponents(mask, { width, height });
  assertEquals(components.map((c) => c.area), [4, 3, 2]);
  assertEquals(components[0].box, { x: 0, y: 0, width: 3, height: 3 });
  assertEquals(components[1].box, { x: 6, y: 0, width: 1, height: 3 });
  assertEquals(components[2].center, { x: 4.5, y: 4 });
  assertEquals(labels[2 * width + 2], components[0].label);
  assertEquals(labels[3 * width + 3], 0);
  assertThrows(
    () => labelComponents(mask, { width: 2, height: 2 }),
    InvalidArgumentError,
    "35 values, expected 2x2",
  );
});

Deno.test("dropSpecks keeps the digit and a nearby broken piece, drops far and tiny specks", () => {
  const c = (label: number, x: number, y: number, w: number, h: number, area: number) => ({
    label,
    area,
    box: { x, y, width: w, height: h },
    center: { x: x + w / 2, y: y + h / 2 },
  });
  const kept = dropSpecks([
    c(1, 100, 100, 60, 100, 1500), // the digit
    c(2, 165, 95, 10, 8, 50), // broken-off tip, close by
    c(3, 400, 20, 3, 3, 9), // dust far away
    c(4, 400, 300, 9, 9, 60), // a larger smudge, but far away
    c(5, 130, 150, 2, 2, 4), // tiny dot inside the digit's box
  ]);
  assertEquals(kept.map((k) => k.label), [1, 2]);
  assertEquals(dropSpecks([]), []);
});

Deno.test("unionBox and scaleBox", () => {
  assertEquals(
    unionBox([{ x: 2, y: 3, width: 4, height: 1 }, { x: 0, y: 5, width: 1, height: 1 }]),
    { x: 0, y: 3, width: 6, height: 3 },
  );
  assertThrows(() => unionBox([]), InvalidArgumentError);
  assertEquals(scaleBox({ x: 1, y: 1, width: 3, height: 3 }, 0.5), {
    x: 0,
    y: 0,
    width: 2,
    height: 2,
  });
  assertEquals(scaleBox({ x: 10, y: 20, width: 5, height: 5 }, 2.5), {
    x: 25,
    y: 50,
    width: 13,
    height: 13,
  });
});

Deno.test("labelComponents gives the same labelling whatever was labelled before", () => {
  const small = new Uint8Array([1, 1, 0, 0, 0, 1, 1, 0, 1]); // 3x3
  const first = labelComponents(small, { width: 3, height: 3 });
  const big = new Uint8Array(300 * 200).map((_, i) => (i % 7 === 0 || i % 301 === 0 ? 1 : 0));
  const bigFirst = labelComponents(big, { width: 300, height: 200 });
  assertEquals(labelComponents(small, { width: 3, height: 3 }), first);
  assertEquals(labelComponents(big, { width: 300, height: 200 }), bigFirst);
  assertEquals(first.components.map((c) => c.area), [4, 1]);
});

Deno.test("selectDigit keeps the digit and its near pieces, not a page edge, far dots or grid marks", () => {
  // 60 x 16: a page edge along the bottom (touching three borders, solid and
  // four times the digit's area), a 9 with a broken-off bar above it, a far
  // ink dot and a grid crossing.
  const { mask, width, height } = maskFrom([
    "...............................#####........................",
    "..##........................................................",
    "..##..........................#######.......................",
    "..............................#.....#.......................",
    "..............................#######.......................",
    "....................................#.......................",
    "....................................#.......................",
    "....................................#.......................",
    "....................................#.......................",
    "...............................######.......................",
    "................................................#...........",
    "...............................................###..........",
    "................................................#...........",
    "............................................................",
    "############################################################",
    "############################################################",
  ]);
  const { components } = labelComponents(mask, { width, height });
  const kept = selectDigit(components, { width, height });
  const boxes = kept.map((c) => c.box);
  assertEquals(boxes, [{ x: 30, y: 2, width: 7, height: 8 }, { x: 31, y: 0, width: 5, height: 1 }]);
  assertEquals(selectDigit([], { width, height }), []);
});

Deno.test("selectDigit keeps a tight crop's digit that touches the border", () => {
  const { mask, width, height } = maskFrom([
    "#####",
    "....#",
    "...#.",
    "..#..",
    ".#...",
  ]);
  const { components } = labelComponents(mask, { width, height });
  assertEquals(selectDigit(components, { width, height }).map((c) => c.area), [9]);
});

Deno.test("selectDigit lets a big piece join from farther than a small one", () => {
  const box = (x: number, y: number, width: number, height: number) => ({ x, y, width, height });
  const piece = (label: number, area: number, b: ReturnType<typeof box>) => ({
    label,
    area,
    box: b,
    center: { x: b.x + b.width / 2, y: b.y + b.height / 2 },
  });
  const top = piece(1, 400, box(100, 100, 60, 20)); // a 7's top stroke
  const bar = piece(2, 150, box(105, 140, 50, 10)); // its bar, 20 px below: farther than 0.3 x 60
  const dot = piece(3, 30, box(120, 140, 6, 6)); // a small dot as far
  const size = { width: 400, height: 400 };
  assertEquals(selectDigit([top, bar], size).map((c) => c.label), [1, 2]);
  assertEquals(selectDigit([top, dot], size).map((c) => c.label), [1]);
});
