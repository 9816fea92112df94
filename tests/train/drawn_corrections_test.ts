import { assert, assertEquals, assertRejects } from "@std/assert";
import { InvalidArgumentError } from "../../lib/core/errors.ts";
import { imageFormatOf } from "../../lib/feedback/mod.ts";
import { decodeImage } from "../../lib/image/mod.ts";
import {
  drawnCorrections,
  readsStyleRight,
  readsStyleRightLine,
} from "../../lib/train/drawn_corrections.ts";

const reads = (digit: number) => () =>
  Array.from({ length: 10 }, (_, d) => (d === digit ? 0.8 : 0.2 / 9));
const ID = "0".repeat(64);

Deno.test("drawnCorrections: misread drawings become complete corrections", async () => {
  const made = await drawnCorrections({
    style: "crossed-7",
    count: 3,
    seed: 4,
    classify: reads(1),
    modelId: ID,
    origin: "notebook",
  });
  assertEquals([made.drawn, made.readRight, made.corrections.length], [3, 0, 3]);
  for (const c of made.corrections) {
    assertEquals([c.label, c.reading, c.modelId, c.origin], [7, "1", ID, "notebook"]);
    assertEquals(imageFormatOf(c.imageBytes), "png");
    assert(c.fileName.startsWith("crossed-7-") && c.fileName.endsWith(".png"));
    assert(c.pixels.some((v) => v > 0.9) && c.pixels.every((v) => v >= 0 && v <= 1));
    const image = await decodeImage(c.imageBytes);
    assertEquals([image.width, image.height], [112, 112]);
  }
  // The same seed draws the same digits.
  const again = await drawnCorrections({
    style: "crossed-7",
    count: 3,
    seed: 4,
    classify: reads(1),
    modelId: ID,
  });
  assertEquals(again.corrections.map((c) => c.pixels), made.corrections.map((c) => c.pixels));
});

Deno.test("drawnCorrections: a model that reads the style right gives none", async () => {
  const right = await drawnCorrections({
    style: "flagged-1",
    count: 2,
    seed: 1,
    classify: reads(1),
    modelId: ID,
    maxDrawings: 10,
  });
  assertEquals([right.drawn, right.readRight, right.corrections.length], [10, 10, 0]);
  const all = await drawnCorrections({
    style: "flagged-1",
    count: 2,
    seed: 1,
    classify: reads(1),
    modelId: ID,
    misreadOnly: false,
  });
  assertEquals(all.corrections.map((c) => c.reading), ["1", "1"]);
});

Deno.test("drawnCorrections: bad options are refused", async () => {
  const base = { style: "flagged-1" as const, count: 1, seed: 1, classify: reads(7), modelId: ID };
  await assertRejects(() => drawnCorrections({ ...base, count: 0 }), InvalidArgumentError, "got 0");
  await assertRejects(
    () => drawnCorrections({ ...base, maxDrawings: 0 }),
    InvalidArgumentError,
    "got 0",
  );
  await assertRejects(
    // deno-lint-ignore no-explicit-any
    () => drawnCorrections({ ...base, style: "gothic-4" as any }),
    InvalidArgumentError,
    '"gothic-4"',
  );
});

Deno.test("readsStyleRight: more than half of the drawings read right; the line says how many", async () => {
  const right = await drawnCorrections({
    style: "flagged-1",
    count: 4,
    seed: 3,
    classify: reads(1),
    modelId: ID,
    maxDrawings: 12,
  });
  assertEquals(readsStyleRight(right), true);
  assertEquals(
    readsStyleRightLine("flagged-1", right),
    "The model reads 12 of 12 drawn flagged-1 right: nothing to correct",
  );
  const wrong = await drawnCorrections({
    style: "flagged-1",
    count: 4,
    seed: 3,
    classify: reads(7),
    modelId: ID,
  });
  assertEquals([readsStyleRight(wrong), wrong.drawn, wrong.readRight], [false, 4, 0]);
  // Exactly half is no majority: still a systematic mistake worth correcting.
  assertEquals(readsStyleRight({ drawn: 10, readRight: 5 }), false);
  assertEquals(readsStyleRight({ drawn: 10, readRight: 6 }), true);
  assertEquals(readsStyleRight({ drawn: 0, readRight: 0 }), false);
});
