import { assert, assertAlmostEquals, assertEquals } from "@std/assert";
import { encodePng } from "../../lib/image/encode.ts";
import { drawDigit, inkToGray, placeOnCanvas, sideBySide } from "../../lib/image/synth/scenes.ts";
import type { Classify, GrayImage } from "../../lib/image/raster.ts";
import { renderLetter } from "../../lib/image/synth/non_digits.ts";
import {
  countDigitsInRow,
  digitsSideBySide,
  readImageFile,
  topK,
  UNSURE_BELOW,
} from "../../lib/eval/read_file.ts";

/** A stand-in classifier: puts most mass on `digit`, some on `digit + 1`. */
const fixed = (digit: number): Classify => () =>
  Array.from({ length: 10 }, (_, i) => i === digit ? 0.7 : i === (digit + 1) % 10 ? 0.2 : 0.1 / 8);

async function writeImage(path: string, img: GrayImage): Promise<void> {
  await Deno.writeFile(path, await encodePng(img));
}

Deno.test("topK: best first", () => {
  assertEquals(topK([0.1, 0.5, 0.2, 0.2], 3).map((a) => a.digit), [1, 2, 3]);
  assertEquals(topK([1], 3).length, 1);
});

Deno.test("readImageFile: digit with confidence and top-3; blank is 'no digit'; bad files fail", async () => {
  const dir = await Deno.makeTempDir({ prefix: "predict_" });
  try {
    const digit = placeOnCanvas(drawDigit(3, { size: 80 }), {
      width: 200,
      height: 160,
      x: 50,
      y: 30,
    });
    await writeImage(`${dir}/three.png`, inkToGray(digit));
    await writeImage(`${dir}/blank.png`, {
      width: 64,
      height: 64,
      data: new Float32Array(64 * 64).fill(1),
    });
    await Deno.writeTextFile(`${dir}/notes.png`, "this is not an image\n");
    await Deno.writeFile(`${dir}/empty.png`, new Uint8Array());

    const ok = await readImageFile(`${dir}/three.png`, fixed(3));
    assertEquals([ok.status, ok.digit, ok.error, ok.hint], ["ok", 3, null, null]);
    assertAlmostEquals(ok.confidence!, 0.7, 1e-9);
    assertEquals(ok.alternatives.map((a) => a.digit), [3, 4, ok.alternatives[2].digit]);
    assertEquals(ok.digits.length, 1);
    assert(ok.digits[0].box !== null);

    const blank = await readImageFile(`${dir}/blank.png`, fixed(3));
    assertEquals([blank.status, blank.digit, blank.confidence, blank.error], [
      "no-digit",
      null,
      null,
      "no digit found",
    ]);

    for (const name of ["notes.png", "empty.png", "missing.png"]) {
      const bad = await readImageFile(`${dir}/${name}`, fixed(3));
      assertEquals(bad.status, "failed", name);
      assert(bad.error?.includes(name), `error should name the file: ${bad.error}`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("readImageFile multi: reads a number left to right", async () => {
  const dir = await Deno.makeTempDir({ prefix: "predict_multi_" });
  try {
    const canvas = sideBySide([1, 4, 7].map((d) => drawDigit(d, { size: 60 })));
    await writeImage(`${dir}/n.png`, inkToGray(canvas));
    // A stand-in classifier that reads the digit from the horizontal position is
    // not possible from 28x28 crops, so check the segmentation count and order.
    const r = await readImageFile(`${dir}/n.png`, fixed(5), { multi: true });
    assertEquals(r.status, "unsure"); // three digits at 0.7: all right with 0.343 < 0.5
    assertEquals(r.number, "555");
    assertEquals(r.digits.length, 3);
    const xs = r.digits.map((d) => d.box!.x);
    assertEquals([...xs].sort((a, b) => a - b), xs);
    assertAlmostEquals(r.confidence!, 0.7 ** 3, 1e-9);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("readImageFile: a number read as one digit is 'several-digits' with a --multi hint; one digit is not", async () => {
  const dir = await Deno.makeTempDir({ prefix: "predict_hint_" });
  try {
    const number = sideBySide([1, 4, 7].map((d) => drawDigit(d, { size: 60 })));
    await writeImage(`${dir}/n.png`, inkToGray(number));
    const single = placeOnCanvas(drawDigit(8, { size: 80 }), {
      width: 300,
      height: 120,
      x: 110,
      y: 20,
    });
    await writeImage(`${dir}/one.png`, inkToGray(single));

    const r = await readImageFile(`${dir}/n.png`, fixed(5));
    assertEquals([r.status, r.digit, r.error], ["several-digits", 5, null]);
    assertEquals(r.hint, "3 digits found side by side: use --multi to read the number");
    assertEquals(r.number, "555"); // read as --multi would
    // With multi the number is read, so there is nothing to hint.
    assertEquals((await readImageFile(`${dir}/n.png`, fixed(5), { multi: true })).hint, null);
    // A single digit on a wide canvas is not a number.
    const one = await readImageFile(`${dir}/one.png`, fixed(8));
    assertEquals([one.status, one.hint, one.number], ["ok", null, null]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("countDigitsInRow: digits in a row count; a diagonal pair and a blank do not", () => {
  const [a, b] = [drawDigit(2, { size: 60 }), drawDigit(5, { size: 60 })];
  assertEquals(countDigitsInRow(inkToGray(sideBySide([a, b]))), 2);
  // The second digit below and right of the first: two pieces, but not in one row.
  const width = a.width * 2, height = a.height * 2;
  const diagonal = new Float32Array(width * height);
  for (let y = 0; y < a.height; y++) {
    for (let x = 0; x < a.width; x++) {
      diagonal[y * width + x] = a.data[y * a.width + x];
      diagonal[(y + a.height) * width + x + a.width] = b.data[y * b.width + x];
    }
  }
  assertEquals(countDigitsInRow(inkToGray({ width, height, data: diagonal })), 1);
  const blank = { width: 40, height: 40, data: new Float32Array(1600).fill(1) };
  assertEquals(countDigitsInRow(blank), 1);
});

Deno.test("digitsSideBySide: pieces that touch or overlap in x are one broken digit, not a number", () => {
  const box = (x: number, width = 10) => ({ x, y: 0, width, height: 20 });
  assertEquals(digitsSideBySide([box(0), box(12)]), 2);
  assertEquals(digitsSideBySide([box(12), box(0), box(24)]), 3); // any order
  assertEquals(digitsSideBySide([box(0), box(10)]), 1); // adjacent columns
  assertEquals(digitsSideBySide([box(0), box(4)]), 1); // overlapping
  assertEquals(digitsSideBySide([box(0), box(12), box(21)]), 1); // one pair overlaps
  assertEquals(digitsSideBySide([box(0)]), 1);
});

Deno.test("readImageFile: below even odds a reading is 'unsure' but still the best one", async () => {
  const dir = await Deno.makeTempDir({ prefix: "predict_unsure_" });
  try {
    const digit = placeOnCanvas(drawDigit(6, { size: 80 }), {
      width: 160,
      height: 120,
      x: 40,
      y: 20,
    });
    await writeImage(`${dir}/six.png`, inkToGray(digit));
    const at = (top: number): Classify => () =>
      Array.from({ length: 10 }, (_, i) => i === 6 ? top : i === 5 ? top * 0.9 : 0);
    const sure = await readImageFile(`${dir}/six.png`, at(UNSURE_BELOW));
    assertEquals([sure.status, sure.digit], ["ok", 6]); // at the threshold: not unsure
    const r = await readImageFile(`${dir}/six.png`, at(0.3));
    assertEquals([r.status, r.digit, r.confidence, r.error], ["unsure", 6, 0.3, null]);
    assertEquals(r.alternatives.map((a) => a.digit).slice(0, 2), [6, 5]);
    // A calibrated classifier's probabilities sum to P(a digit): 0.3 + 0.27 here.
    assertAlmostEquals(r.alternatives[1].probability, 0.27, 1e-9);
    // A number is unsure when the product of its digits' confidences is.
    const number = sideBySide([2, 7].map((d) => drawDigit(d, { size: 60 })));
    await writeImage(`${dir}/n.png`, inkToGray(number));
    const m = await readImageFile(`${dir}/n.png`, at(0.6), { multi: true });
    assertEquals([m.status, m.number], ["unsure", "66"]); // 0.36 < 0.5
    assertEquals((await readImageFile(`${dir}/n.png`, at(0.8), { multi: true })).status, "ok");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("readImageFile: '315' written in a font or with a pen is several digits, not one", async () => {
  const dir = await Deno.makeTempDir({ prefix: "predict_315_" });
  try {
    const pen = sideBySide([3, 1, 5].map((d) => drawDigit(d, { size: 70 })));
    await writeImage(`${dir}/pen.png`, inkToGray(pen));
    const files = [`${dir}/pen.png`];
    const style = { family: "sans-serif", weight: "normal", style: "normal" } as const;
    const font = await renderLetter("315", { ...style, size: 80, width: 200 });
    if (font !== null) { // null only on a machine without any font
      await writeImage(`${dir}/font.png`, font);
      files.push(`${dir}/font.png`);
    }
    for (const file of files) {
      const r = await readImageFile(file, fixed(2));
      assertEquals(r.status, "several-digits", file);
      assertEquals(r.hint, "3 digits found side by side: use --multi to read the number");
      assertEquals(r.number, "222"); // the stand-in reads every digit as 2
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
