import { assert, assertEquals, assertThrows } from "@std/assert";
import { InvalidArgumentError } from "../../lib/core/errors.ts";
import { createRng } from "../../lib/core/random.ts";
import { atomsInk, overSegment, weightedMedian } from "../../lib/image/oversegment.ts";
import { inkToGray } from "../../lib/image/synth/scenes.ts";
import { addDust, eraseBand, layoutRow, pencilTexture, penDigit } from "./_numbers.ts";
import { labelComponents } from "../../lib/image/components.ts";
import type { GrayImage } from "../../lib/image/raster.ts";

const toFile = (ink: GrayImage): GrayImage => {
  const gray = inkToGray(ink, { paper: 0.94, pen: 0.2 });
  return { ...gray, data: gray.data.map((v) => Math.round(v * 255) / 255) };
};

Deno.test("weightedMedian is the value below which half the weight lies", () => {
  assertEquals(weightedMedian([10, 60, 62], [1, 1, 1]), 60);
  assertEquals(weightedMedian([3, 60, 62, 4, 5], [1, 300, 280, 1, 1]), 60, "specks weigh little");
  assertEquals(weightedMedian([], []), 0);
});

Deno.test("overSegment gathers a grainy pencil stroke into whole digits", () => {
  const rng = createRng(21);
  const row = layoutRow([4, 8].map((d) => penDigit(d, 70, { rng })), { gaps: [20] });
  const grainy = pencilTexture(row, rng, 0.4);
  const specks = labelComponents(Uint8Array.from(grainy.data, (v) => (v > 0 ? 1 : 0)), grainy);
  assert(specks.components.length > 10, `the grain breaks it: ${specks.components.length} pieces`);
  const seg = overSegment(toFile(grainy));
  assertEquals(new Set(seg.atoms.map((a) => a.cluster)).size, 2, "two clusters");
  assert(Math.abs(seg.digitHeight - 70) <= 6, `digit height ${seg.digitHeight}`);
  assert(seg.strokeWidth > 1, `stroke width ${seg.strokeWidth}`);
});

Deno.test("overSegment drops dust and takes the digit height from the big pieces", () => {
  const rng = createRng(22);
  const inks = [7, 3, 9].map((d) => penDigit(d, 60, { rng }));
  inks[1] = eraseBand(inks[1], "y", 0.4, 0.6); // a broken 3: two pieces, each under half the height
  const row = addDust(layoutRow(inks, { gaps: [16, 16], padding: 30 }), rng, 6, 2);
  const seg = overSegment(toFile(row));
  assert(Math.abs(seg.digitHeight - 60) <= 5, `digit height ${seg.digitHeight}, not a piece's`);
  for (const cluster of new Set(seg.atoms.map((a) => a.cluster))) {
    const { box } = atomsInk(seg.ink, seg.atoms.filter((a) => a.cluster === cluster));
    assert(Math.max(box.width, box.height) >= 12, `dust kept: ${JSON.stringify(box)}`);
  }
  assertEquals(new Set(seg.atoms.map((a) => a.cluster)).size, 4, "7, the 3's two pieces, 9");
  // Atoms are left to right, and their ink is the kept ink.
  const centres = seg.atoms.map((a) => a.box.x + a.box.width / 2);
  assertEquals(centres, [...centres].sort((a, b) => a - b));
  const three = seg.atoms.filter((a) => a.cluster === 1 || a.cluster === 2);
  const both = atomsInk(seg.ink, three);
  assert(both.box.height > 0.9 * seg.digitHeight, "the 3's pieces make a whole 3");
  assertThrows(() => atomsInk(seg.ink, []), InvalidArgumentError, "at least one");
});

Deno.test("overSegment cuts touching digits at a seam and reports the strokes it crosses", () => {
  const rng = createRng(23);
  const inks = [2, 3].map((d) => penDigit(d, 60, { rng }));
  const contact = 20 + inks[0].width - 1; // layoutRow's padding is 20
  const seg = overSegment(toFile(layoutRow(inks, { gaps: [-2] })), { returnSteps: true });
  assertEquals(new Set(seg.atoms.map((a) => a.cluster)).size, 1, "one connected cluster");
  const at = (c: { left: number }) => {
    const box = seg.atoms[c.left].box;
    return (box.x + box.width + seg.origin.x) / seg.scale;
  };
  const join = seg.cuts.find((c) => Math.abs(at(c) - contact) < 8);
  assert(join !== undefined, `a cut near where the digits touch: ${seg.cuts.map(at)}`);
  assert(join!.strokes < 3, `strokes ${join!.strokes}`);
  assert(seg.steps!.some((s) => s.name === "pieces"));
  const blank = overSegment({ width: 30, height: 20, data: new Float32Array(600).fill(1) });
  assertEquals([blank.atoms, blank.digitHeight], [[], 0]);
});
