import { assert, assertEquals, assertThrows } from "@std/assert";
import { InvalidArgumentError } from "../../lib/core/errors.ts";
import { lineMaskOrNull, longLineMask, longLineMasks } from "../../lib/image/lines.ts";
import { drawDigit, placeOnCanvas, synthPhoto } from "../../lib/image/synth/scenes.ts";
import { rgbToGray } from "../_helpers/images.ts";
import { createRng } from "../../lib/core/random.ts";

Deno.test("longLineMask with a ceiling finds tilted squared-paper rules but not the digit on them", () => {
  const rng = createRng(3);
  const digit = placeOnCanvas(drawDigit(4, { size: 140, penWidth: 8 }), {
    width: 240,
    height: 200,
    x: 50,
    y: 30,
  });
  const photo = rgbToGray(
    synthPhoto(digit, { rng, ruling: { spacing: 20, angle: 3 }, pen: [0.1, 0.1, 0.1] }),
  );
  const ink = { ...photo, data: photo.data.map((v) => 1 - v / 0.95) };
  const lines = longLineMask(ink, { threshold: 0.1, ceiling: 0.5 });
  let rulePixels = 0, digitOnLines = 0, digitPixels = 0;
  for (let i = 0; i < lines.length; i++) {
    if (digit.data[i] > 0.9) {
      digitPixels++;
      if (lines[i]) digitOnLines++;
    } else if (digit.data[i] === 0 && lines[i]) {
      rulePixels++;
    }
  }
  // About 10 horizontal rules of 240 px and 12 vertical ones of 200 px.
  assert(rulePixels > 15 * 220, `only ${rulePixels} rule pixels found`);
  assert(
    digitOnLines < 0.15 * digitPixels,
    `${digitOnLines} of ${digitPixels} digit pixels taken for rules`,
  );
});

Deno.test("longLineMask ignores short strokes and respects minLength", () => {
  const w = 100, h = 60, data = new Float32Array(w * h);
  for (let x = 10; x < 50; x++) data[30 * w + x] = 1; // 40% of the width
  assertEquals(
    longLineMask({ width: w, height: h, data }, { threshold: 0.1 }).some((v) => v === 1),
    false,
  );
  assert(
    longLineMask({ width: w, height: h, data }, {
      threshold: 0.1,
      minLength: 0.35,
    })[30 * w + 20] === 1,
  );
  assertThrows(
    () => longLineMask({ width: w, height: h, data }, { threshold: 0.1, minLength: 0 }),
    InvalidArgumentError,
    "got 0",
  );
  assertThrows(
    () => longLineMask({ width: w, height: h, data }, { threshold: 0.1, smooth: -1 }),
    InvalidArgumentError,
    "got -1",
  );
});

Deno.test("longLineMask finds a vertical rule", () => {
  const w = 40, h = 80, data = new Float32Array(w * h);
  for (let y = 0; y < h; y++) data[y * w + 17 + (y > 40 ? 1 : 0)] = 0.5; // slightly bent
  const lines = longLineMask({ width: w, height: h, data }, { threshold: 0.05 });
  assertEquals(lines[10 * w + 17], 1);
  assertEquals(lines[70 * w + 18], 1);
  assertEquals(lines[10 * w + 30], 0);
});

Deno.test("longLineMask finds rules in one direction or both, and nothing at the threshold itself", () => {
  const w = 60, h = 40;
  const image = (draw: (x: number, y: number) => number) => ({
    width: w,
    height: h,
    data: Float32Array.from({ length: w * h }, (_, i) => draw(i % w, Math.floor(i / w))),
  });
  const rows = longLineMask(image((_, y) => (y === 10 ? 0.5 : 0)), { threshold: 0.1 });
  assertEquals([rows[10 * w + 30], rows[11 * w + 30], rows[20 * w + 30]], [1, 0, 0]);
  const cols = longLineMask(image((x) => (x === 45 ? 0.5 : 0)), { threshold: 0.1 });
  assertEquals([cols[20 * w + 45], cols[20 * w + 44]], [1, 0]);
  const both = longLineMask(image((x, y) => (x === 45 || y === 10 ? 0.5 : 0)), {
    threshold: 0.1,
  });
  assertEquals([both[10 * w + 5], both[30 * w + 45], both[30 * w + 5]], [1, 1, 0]);
  // A rule exactly at the threshold is not above it, however it is smoothed.
  const level = longLineMask(image((_, y) => (y === 10 ? 0.25 : 0)), { threshold: 0.25 });
  assertEquals(level.reduce((a, b) => a + b, 0), 0);
  // Too short in both directions: nothing, whatever the strength.
  const short = longLineMask(image((x, y) => (y === 10 && x < 30 ? 1 : 0)), { threshold: 0.1 });
  assertEquals(short.reduce((a, b) => a + b, 0), 0);
});

Deno.test("longLineMask finds only the direction asked for", () => {
  const w = 60, h = 40, data = new Float32Array(w * h);
  data.fill(0.5, 10 * w, 11 * w); // a row
  for (let y = 0; y < h; y++) data[y * w + 30] = 0.5; // a column
  const image = { width: w, height: h, data };
  const rows = longLineMask(image, { threshold: 0.1, direction: "horizontal" });
  const cols = longLineMask(image, { threshold: 0.1, direction: "vertical" });
  assertEquals([rows[10 * w + 5], rows[25 * w + 30]], [1, 0]);
  assertEquals([cols[10 * w + 5], cols[25 * w + 30]], [0, 1]);
});

Deno.test("longLineMasks gives each direction's lines as longLineMask does, from one survey", () => {
  const rng = createRng(3);
  const w = 90, h = 70, data = Float32Array.from({ length: w * h }, () => 0.05 * rng());
  for (let x = 0; x < w; x++) data[(20 + Math.floor(x / 30)) * w + x] = 0.4; // a tilted rule
  for (let y = 0; y < h; y++) data[y * w + 61] = 0.35; // a vertical one
  for (let y = 30; y < 50; y++) data[y * w + 15] = 0.9; // a short stroke
  const img = { width: w, height: h, data };
  const options = { threshold: 0.2, minLength: 0.6 };
  const both = longLineMasks(img, options);
  assertEquals(both.horizontal, longLineMask(img, { ...options, direction: "horizontal" }));
  assertEquals(both.vertical, longLineMask(img, { ...options, direction: "vertical" }));
  assertEquals([both.horizontal[21 * w + 40], both.vertical[10 * w + 61]], [1, 1]);
  assertEquals([both.horizontal[40 * w + 15], both.vertical[40 * w + 15]], [0, 0]);
  const blank = longLineMasks({ width: w, height: h, data: new Float32Array(w * h) }, options);
  assertEquals([blank.horizontal.length, blank.vertical.some((v) => v > 0)], [w * h, false]);
});

Deno.test("lineMaskOrNull is null only when no line can be, and otherwise equals longLineMask", () => {
  const w = 40, h = 30, data = new Float32Array(w * h);
  for (let y = 5; y < 25; y++) data[y * w + 20] = 1; // a stroke, shorter than 85% of the height
  const options = { threshold: 0.1, minLength: 0.85 };
  assertEquals(lineMaskOrNull({ width: w, height: h, data }, options), null);
  assertEquals(longLineMask({ width: w, height: h, data }, options), new Uint8Array(w * h));
  data.fill(0.4, 12 * w, 13 * w); // a rule across the image
  const ink = { width: w, height: h, data };
  const mask = lineMaskOrNull(ink, options);
  assert(mask !== null && mask[12 * w + 3] === 1 && mask[7 * w + 20] === 0);
  assertEquals(mask, longLineMask(ink, options));
  assertThrows(() => lineMaskOrNull(ink, { threshold: 0.1, minLength: 0 }), InvalidArgumentError);
});
