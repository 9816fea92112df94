import { assert, assertEquals, assertThrows } from "@std/assert";
import { InvalidArgumentError } from "../../lib/core/errors.ts";
import { labelComponents } from "../../lib/image/components.ts";
import { readImage } from "../../lib/image/decode.ts";
import { crop, inkBox } from "../../lib/image/mnist_format.ts";
import { groupStrokes, segmentDigits, splitColumns } from "../../lib/image/segment.ts";
import { drawDigit, inkToGray, sideBySide, synthPhoto } from "../../lib/image/synth/scenes.ts";
import { jpegRoundTrip } from "../_helpers/images.ts";
import { createRng } from "../../lib/core/random.ts";
import type { GrayImage } from "../../lib/image/raster.ts";
import { templateDigit } from "./_templates.ts";

/** Connected pieces of ink in an ink image. */
const pieces = (ink: GrayImage) =>
  labelComponents(Uint8Array.from(ink.data, (v) => (v > 0.5 ? 1 : 0)), ink).components.length;

const read = (digits: { pixels: Float32Array }[]) =>
  digits.map((d) => templateDigit(d.pixels)).join("");

/** Erases a horizontal band across an ink image: a pen that skipped. */
function breakAcross(ink: GrayImage, y0: number, y1: number): GrayImage {
  const data = Float32Array.from(ink.data);
  for (let y = y0; y < y1; y++) data.fill(0, y * ink.width, (y + 1) * ink.width);
  return { ...ink, data };
}

Deno.test("segmentDigits reads 4 digits left to right, one of them broken in two", () => {
  const rng = createRng(1);
  const digits = [3, 8, 5, 1].map((d) =>
    drawDigit(d, { size: 90, penWidth: 8, rng, variation: 0.3 })
  );
  digits[2] = breakAcross(digits[2], 24, 30); // the 5's top bar comes off
  const ink = sideBySide(digits, { gap: 6, padding: 20 });
  assertEquals(pieces(ink), 5);
  const { digits: found } = segmentDigits(inkToGray(ink));
  assertEquals(found.length, 4);
  assertEquals(read(found), "3851");
  for (let i = 1; i < 4; i++) {
    assert(found[i].box.x > found[i - 1].box.x + found[i - 1].box.width - 5);
  }
});

Deno.test("segmentDigits works on a photo of squared paper and ignores specks", async () => {
  const rng = createRng(2);
  const ink = sideBySide(
    [2, 0, 7].map((d) => drawDigit(d, { size: 100, penWidth: 6, rng, variation: 0.3 })),
    { gap: 10, padding: 30 },
  );
  for (let k = 0; k < 8; k++) {
    ink.data[Math.floor(rng() * 25) * ink.width + Math.floor(rng() * ink.width)] = 1; // dust in the top margin
  }
  const photo = await jpegRoundTrip(
    synthPhoto(ink, {
      rng,
      ruling: { spacing: 17, angle: 2 },
      gradient: 0.4,
      blur: 1,
      noise: 0.015,
    }),
    80,
  );
  const { digits } = segmentDigits(photo);
  assertEquals(read(digits), "207");
});

Deno.test("segmentDigits cuts touching digits apart", () => {
  const rng = createRng(3);
  const tight = [0, 0, 4].map((d) => {
    const ink = drawDigit(d, { size: 90, penWidth: 9, rng, variation: 0.2 });
    return crop(ink, inkBox(ink)!);
  });
  const ink = sideBySide(tight, { gap: -4, padding: 20 });
  assert(pieces(ink) < 3, "the digits touch");
  const { digits } = segmentDigits(inkToGray(ink));
  assertEquals(read(digits), "004");
});

Deno.test("segmentDigits finds nothing on a blank page and reads the shipped number", async () => {
  assertEquals(
    segmentDigits({ width: 300, height: 100, data: new Float32Array(30000).fill(1) }).digits,
    [],
  );
  const { digits, steps } = segmentDigits(await readImage("data/examples/number_2024.png"), {
    returnSteps: true,
  });
  assertEquals(read(digits), "2024");
  assertEquals(steps!.at(-1)!.name, "digit 4");
  assertThrows(
    () => segmentDigits({ width: 1, height: 1, data: new Float32Array(1) }, { splitAspect: 1 }),
    InvalidArgumentError,
    "got 1",
  );
});

Deno.test("groupStrokes merges overlapping columns and near pieces, drops far specks", () => {
  const c = (label: number, x: number, y: number, width: number, height: number, area: number) => ({
    label,
    area,
    box: { x, y, width, height },
    center: { x: x + width / 2, y: y + height / 2 },
  });
  const groups = groupStrokes([
    c(1, 0, 0, 20, 40, 300), // a digit
    c(2, 40, 0, 20, 8, 60), // bar of a broken 5 ...
    c(3, 38, 12, 22, 28, 250), // ... and its body
    c(4, 62, 2, 3, 3, 8), // a broken-off tip next to the 5
    c(5, 80, 0, 18, 40, 280), // another digit
    c(6, 150, 30, 2, 2, 4), // far dust
  ]);
  assertEquals(groups.map((g) => g.labels.sort((a, b) => a - b)), [[1], [2, 3, 4], [5]]);
  assertEquals(groupStrokes([]), []);
});

Deno.test("splitColumns cuts at the thinnest column near each expected cut", () => {
  const w = 30, h = 10, data = new Float32Array(w * h).fill(1);
  for (let y = 0; y < h; y++) {
    data[y * w + 11] = 0.2;
    data[y * w + 19] = 0.1;
  }
  assertEquals(splitColumns({ width: w, height: h, data }, { x: 0, width: 30 }, 3), [[0, 11], [
    11,
    19,
  ], [19, 30]]);
});
