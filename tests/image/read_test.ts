import { assert, assertEquals, assertRejects } from "@std/assert";
import { InvalidArgumentError } from "../../lib/core/errors.ts";
import { readDigit, readNumber } from "../../lib/image/read.ts";
import { drawDigit, inkToGray, placeOnCanvas, sideBySide } from "../../lib/image/synth/scenes.ts";
import { createRng } from "../../lib/core/random.ts";
import { comparePipelines } from "../_helpers/compare_pipelines.ts";
import { templateClassify } from "./_templates.ts";

Deno.test("readDigit classifies the normalised digit and returns null for a blank page", async () => {
  const img = inkToGray(
    placeOnCanvas(drawDigit(6, { size: 120 }), { width: 300, height: 200, x: 160, y: 40 }),
  );
  const seen: Float32Array[] = [];
  const r = await readDigit(img, (p) => {
    seen.push(p);
    return templateClassify(p);
  });
  assertEquals(r.digit, 6);
  assertEquals(r.probabilities!.length, 10);
  assert(r.box!.x >= 160);
  assertEquals(seen, [r.input], "the input is what the classifier saw");
  assertEquals(r.steps, undefined);
  const calls: Float32Array[] = [];
  const blank = await readDigit({
    width: 50,
    height: 50,
    data: new Float32Array(2500).fill(1),
  }, (p) => {
    calls.push(p);
    return templateClassify(p);
  });
  assertEquals(blank, {
    digit: null,
    probabilities: null,
    box: null,
    input: new Float32Array(784),
  });
  assertEquals(calls.length, 0, "a blank page is never classified");
});

Deno.test("readDigit keeps the normalisation's steps when asked", async () => {
  const img = inkToGray(drawDigit(2, { size: 80 }));
  const r = await readDigit(img, templateClassify, { returnSteps: true });
  assertEquals(r.digit, 2);
  assertEquals(r.steps?.at(-1)?.width, 28);
});

Deno.test("readNumber reads digits left to right, each with the input its classifier saw", async () => {
  const rng = createRng(4);
  const img = inkToGray(
    sideBySide([9, 1, 3].map((d) => drawDigit(d, { size: 80, rng, variation: 0.3 }))),
  );
  const seen: Float32Array[] = [];
  const r = await readNumber(img, (p) => {
    seen.push(p);
    return templateClassify(p);
  });
  assertEquals(r.text, "913");
  assertEquals(r.digits.map((d) => d.digit), [9, 1, 3]);
  assertEquals(r.digits.map((d) => d.input), seen);
  const xs = r.digits.map((d) => d.box.x);
  assert(xs[0] < xs[1] && xs[1] < xs[2], `boxes left to right: ${xs}`);
});

Deno.test("normalisation reads off-centre digits that the naive squash misses", async () => {
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
    () => readDigit(img, () => [0.5, 0.5]),
    InvalidArgumentError,
    "got [0.5, 0.5]",
  );
  await assertRejects(
    () => readNumber(img, () => new Array(10).fill(NaN)),
    InvalidArgumentError,
    "10 finite",
  );
});
