import { assert, assertEquals, assertStrictEquals } from "@std/assert";
import { removeCropLines } from "../../lib/image/crop_lines.ts";
import type { GrayImage } from "../../lib/image/raster.ts";

const S = 48;

/** A crop with a ring (a 0) in the middle, from x 14 to 33 and y 10 to 37, 3 px thick. */
function ring(): GrayImage {
  const data = new Float32Array(S * S);
  for (let y = 0; y < S; y++) {
    for (let x = 0; x < S; x++) {
      const d = Math.hypot((x - 23.5) / 10, (y - 23.5) / 14);
      if (d <= 1 && d >= 0.75) data[y * S + x] = 1;
    }
  }
  return { width: S, height: S, data };
}

function count(img: GrayImage, box?: { x0: number; x1: number; y0: number; y1: number }) {
  let n = 0;
  for (let y = box?.y0 ?? 0; y <= (box?.y1 ?? S - 1); y++) {
    for (let x = box?.x0 ?? 0; x <= (box?.x1 ?? S - 1); x++) if (img.data[y * S + x] > 0.5) n++;
  }
  return n;
}

const hline = (img: GrayImage, y: number, thick = 2) => {
  for (let t = 0; t < thick; t++) img.data.fill(1, (y + t) * S, (y + t + 1) * S);
  return img;
};
const vline = (img: GrayImage, x: number, thick = 2) => {
  for (let y = 0; y < S; y++) for (let t = 0; t < thick; t++) img.data[y * S + x + t] = 1;
  return img;
};

Deno.test("removeCropLines removes a cell border below the digit and keeps the digit", () => {
  const digit = ring();
  const { ink, horizontal, vertical } = removeCropLines(hline(ring(), 43), 0.5);
  assertEquals([horizontal, vertical], [1, 0]);
  assertEquals(count(ink), count(digit));
  assertEquals(count(ink, { x0: 0, x1: S - 1, y0: 42, y1: 45 }), 0);
});

Deno.test("removeCropLines removes a border the digit touches, keeping the digit above it", () => {
  const digit = ring();
  const { ink, horizontal } = removeCropLines(hline(ring(), 36), 0.5);
  assertEquals(horizontal, 1);
  // Only the ring's own pixels on the line's rows and their edges can go.
  const above = { x0: 0, x1: S - 1, y0: 0, y1: 34 };
  assertEquals(count(ink, above), count(digit, above));
  assertEquals(count(ink, { x0: 0, x1: 12, y0: 35, y1: 38 }), 0, "no line left beside the digit");
});

Deno.test("removeCropLines keeps a stroke that crosses the line", () => {
  const crossed = hline(ring(), 22); // through the middle of the 0: both sides go on past it
  const { ink } = removeCropLines(crossed, 0.5);
  // The ring's sides cross rows 21-24: their pixels stay, the line between them goes.
  assert(ink.data[22 * S + 14] === 1 && ink.data[22 * S + 33] === 1, "the crossing strokes stay");
  assertEquals(ink.data[22 * S + 4], 0);
  assertEquals(ink.data[22 * S + 23], 0);
});

Deno.test("removeCropLines removes the corner of a cell (two lines)", () => {
  const { ink, horizontal, vertical } = removeCropLines(vline(hline(ring(), 44), 2), 0.5);
  assertEquals([horizontal, vertical], [1, 1]);
  assertEquals(count(ink), count(ring()));
});

Deno.test("removeCropLines keeps a digit's own bar in a tight crop", () => {
  // A 7 cropped tight: its thin bar runs the full width, and its stem
  // reaches the right-hand edge of the crop, so the bar is not a border.
  const data = new Float32Array(S * S);
  data.fill(1, 2 * S, 4 * S); // the bar, rows 2-3
  for (let y = 4; y < S; y++) {
    const x = Math.round(S - 1 - (y - 4) * 0.6);
    data[y * S + x] = data[y * S + x - 1] = 1;
  }
  const seven = { width: S, height: S, data };
  const result = removeCropLines(seven, 0.5);
  assertStrictEquals(result.ink, seven);
  assertEquals([result.horizontal, result.vertical], [0, 0]);
});

Deno.test("removeCropLines leaves a crop without lines, or with nothing but lines, as it is", () => {
  const digit = ring();
  assertStrictEquals(removeCropLines(digit, 0.5).ink, digit);
  const onlyLine = hline({ width: S, height: S, data: new Float32Array(S * S) }, 20);
  assertStrictEquals(removeCropLines(onlyLine, 0.5).ink, onlyLine);
  // A thick band is not a printed line (a digit filling a tight crop).
  const thick = hline(ring(), 40, 7);
  assertStrictEquals(removeCropLines(thick, 0.5).ink, thick);
});

Deno.test("removeCropLines counts rows and columns of a crop that is not square", () => {
  // 30 wide, 50 tall: a short stroke, a line down the right side (a column
  // 90% covered: a 5-pixel gap in 50) and one across the top (rows).
  const w = 30, h = 50, data = new Float32Array(w * h);
  for (let y = 15; y < 35; y++) data[y * w + 12] = 1;
  for (let y = 5; y < h; y++) data[y * w + 27] = 1;
  data.fill(1, 2 * w, 3 * w);
  const { ink, horizontal, vertical } = removeCropLines({ width: w, height: h, data }, 0.5);
  assertEquals([horizontal, vertical], [1, 1]);
  let left = 0;
  for (let i = 0; i < w * h; i++) if (ink.data[i] > 0.5) left++;
  assertEquals(left, 20); // only the stroke
  // Two more gaps: the column is covered 44 of 50 (88%, the top line's pixel included): no line.
  data[5 * w + 27] = 0;
  data[6 * w + 27] = 0;
  assertEquals(removeCropLines({ width: w, height: h, data }, 0.5).vertical, 0);
});
