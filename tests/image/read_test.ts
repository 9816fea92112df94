import { assert, assertEquals, assertRejects } from "@std/assert";
import { InvalidArgumentError } from "../../lib/core/errors.ts";
import { readDigit, readNumber } from "../../lib/image/read.ts";
import { drawDigit, inkToGray, placeOnCanvas, sideBySide } from "../../lib/image/synth/scenes.ts";
import { createRng, type Rng } from "../../lib/core/random.ts";
import type { GrayImage } from "../../lib/image/raster.ts";
import { comparePipelines } from "../_helpers/compare_pipelines.ts";
import { templateClassify } from "./_templates.ts";
import { addDust, eraseBand, layoutRow, pencilTexture, penDigit } from "./_numbers.ts";

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
  // The classifier also saw the other groupings it was weighed against.
  assert(seen.length > 3, `${seen.length} hypotheses`);
  for (const d of r.digits) {
    assert(seen.includes(d.input), "each digit's input is one the classifier saw");
    assertEquals(d.probabilities, templateClassify(d.input));
  }
  const xs = r.digits.map((d) => d.box.x);
  assert(xs[0] < xs[1] && xs[1] < xs[2], `boxes left to right: ${xs}`);
  assertEquals(r.steps, undefined);
  const blank = await readNumber(
    { width: 40, height: 30, data: new Float32Array(1200).fill(1) },
    () => {
      throw new Error("a blank page is never classified");
    },
  );
  assertEquals(blank, { text: "", digits: [] });
});

Deno.test("readNumber keeps the pieces and the digits as steps when asked", async () => {
  const img = inkToGray(sideBySide([4, 7].map((d) => drawDigit(d, { size: 60 }))));
  const r = await readNumber(img, templateClassify, { returnSteps: true });
  assertEquals(r.text, "47");
  const names = r.steps!.map((s) => s.name);
  assert(names.includes("pieces"), names.join(", "));
  assertEquals(names.slice(-2), ["digit 1", "digit 2"]);
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

// Written numbers with the troubles of real ones (touching, broken, textured, a thin short 1,
// wide gaps, an uneven baseline, dust, leading zeros, ten digits), made here from this
// project's pen-stroke digits and read exactly with the template classifier.

/** Gray paper and pen, stored in 8 bits as a decoded file is. */
function toFile(ink: GrayImage, pen = 0.1): GrayImage {
  const gray = inkToGray(ink, { paper: 0.94, pen });
  return { ...gray, data: gray.data.map((v) => Math.round(v * 255) / 255) };
}

const digits = (text: string, size: number, rng: Rng) =>
  [...text].map((c) => penDigit(Number(c), size, { rng }));

async function read(image: GrayImage): Promise<string> {
  return (await readNumber(image, templateClassify)).text;
}

Deno.test("readNumber cuts touching digits apart, and only them", async () => {
  const rng = createRng(7);
  // 2 and 3 touch: the segmentation used to read this as 1223.
  const row = layoutRow(digits("123", 60, rng), { gaps: [14, -2] });
  assertEquals(await read(toFile(row)), "123");
  const other = layoutRow(digits("245", 60, rng), { gaps: [14, -2] });
  assertEquals(await read(toFile(other)), "245");
});

Deno.test("readNumber reads a 5 broken in two pieces as one digit", async () => {
  const rng = createRng(12);
  const inks = digits("356", 60, rng);
  inks[1] = eraseBand(inks[1], "y", 0.12, 0.22); // the top bar comes off
  assertEquals(await read(toFile(layoutRow(inks, { gaps: [14, 14] }))), "356");
});

Deno.test("readNumber reads a thin short 1 close to its neighbour", async () => {
  const rng = createRng(13);
  const one = penDigit(1, 40, { rng, penWidth: 2 });
  const inks = [one, ...digits("27", 60, rng)];
  const row = layoutRow(inks, { gaps: [4, 12], offsets: [8, 0, 0] });
  assertEquals(await read(toFile(row)), "127");
});

Deno.test("readNumber reads ten digits with leading zeros", async () => {
  const rng = createRng(14);
  const row = layoutRow(digits("0071942853", 50, rng), { gaps: new Array(9).fill(10) });
  assertEquals(await read(toFile(row)), "0071942853");
});

Deno.test("readNumber reads digits far apart and on an uneven baseline", async () => {
  const rng = createRng(15);
  const wide = layoutRow(digits("408", 60, rng), { gaps: [90, 70] });
  assertEquals(await read(toFile(wide)), "408");
  const uneven = layoutRow(digits("6193", 60, rng), {
    gaps: [14, 14, 14],
    offsets: [-14, 10, -6, 15],
  });
  assertEquals(await read(toFile(uneven)), "6193");
});

Deno.test("readNumber reads a grainy pencil stroke as whole digits", async () => {
  const rng = createRng(16);
  const row = pencilTexture(layoutRow(digits("2580", 70, rng), { gaps: [16, 16, 16] }), rng, 0.4);
  assertEquals(await read(toFile(row, 0.35)), "2580");
});

Deno.test("readNumber leaves dust out", async () => {
  const rng = createRng(17);
  const row = addDust(layoutRow(digits("731", 60, rng), { gaps: [20, 20] }), rng, 8, 2);
  assertEquals(await read(toFile(row)), "731");
});
