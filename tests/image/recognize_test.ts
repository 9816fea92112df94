import { assert, assertEquals, assertRejects } from "@std/assert";
import { InvalidArgumentError } from "../../lib/core/errors.ts";
import { comparePipelines, recognizeDigit, recognizeNumber } from "../../lib/image/recognize.ts";
import { drawDigit, inkToGray, placeOnCanvas, sideBySide } from "../../lib/image/synth/scenes.ts";
import { createRng } from "../../lib/core/random.ts";
import { templateClassify } from "./_templates.ts";

Deno.test("recognizeDigit classifies the normalised digit and returns null for a blank page", async () => {
  const img = inkToGray(
    placeOnCanvas(drawDigit(6, { size: 120 }), { width: 300, height: 200, x: 160, y: 40 }),
  );
  const r = await recognizeDigit(img, templateClassify);
  assertEquals(r.digit, 6);
  assertEquals(r.probabilities!.length, 10);
  assert(r.box!.x >= 160);
  const calls: Float32Array[] = [];
  const blank = await recognizeDigit({
    width: 50,
    height: 50,
    data: new Float32Array(2500).fill(1),
  }, (p) => {
    calls.push(p);
    return templateClassify(p);
  });
  assertEquals(blank, { digit: null, probabilities: null, box: null });
  assertEquals(calls.length, 0, "a blank page is never classified");
});

Deno.test("recognizeNumber reads digits left to right", async () => {
  const rng = createRng(4);
  const img = inkToGray(
    sideBySide([9, 1, 3].map((d) => drawDigit(d, { size: 80, rng, variation: 0.3 }))),
  );
  const r = await recognizeNumber(img, templateClassify);
  assertEquals(r.text, "913");
  assertEquals(r.digits.map((d) => d.digit), [9, 1, 3]);
});

Deno.test("comparePipelines measures both pipelines with the same classifier", async () => {
  const samples = [2, 5, 8].map((d) => ({
    image: inkToGray(
      placeOnCanvas(drawDigit(d, { size: 60 }), { width: 240, height: 240, x: 170, y: 10 }),
    ),
    label: d,
  }));
  const r = await comparePipelines(samples, templateClassify);
  assertEquals(r.count, 3);
  assertEquals(r.normalized, 1);
  assert(r.naive < 1, `naive ${r.naive}`);
  await assertRejects(() => comparePipelines([], templateClassify), InvalidArgumentError);
});

Deno.test("a classifier returning the wrong shape is reported", async () => {
  const img = inkToGray(drawDigit(3, { size: 60 }));
  await assertRejects(
    () => recognizeDigit(img, () => [0.5, 0.5]),
    InvalidArgumentError,
    "got [0.5, 0.5]",
  );
  await assertRejects(
    () => recognizeDigit(img, () => new Array(10).fill(NaN)),
    InvalidArgumentError,
    "10 finite",
  );
});
