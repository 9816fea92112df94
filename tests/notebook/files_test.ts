import { assert, assertEquals } from "@std/assert";
import { join } from "@std/path";
import { encodePng } from "../../lib/image/encode.ts";
import { drawDigit, inkToGray, sideBySide } from "../../lib/image/synth/scenes.ts";
import {
  digitFileView,
  exampleImages,
  expectedDigits,
  numberFileView,
} from "../../lib/notebook/files.ts";

Deno.test("expectedDigits reads the digits after the last _ or -", () => {
  assertEquals(expectedDigits("/x/photo_4.jpg"), "4");
  assertEquals(expectedDigits("scan-7.PNG"), "7");
  assertEquals(expectedDigits("number_2024.png"), "2024");
  assertEquals(expectedDigits("digit.png"), undefined);
  assertEquals(expectedDigits("v2_x.png"), undefined);
});

Deno.test("exampleImages lists image files by name and kind, none for a missing folder", async () => {
  const dir = await Deno.makeTempDir();
  try {
    for (const name of ["b_7.jpg", "a.png", "notes.txt", "c_12.WEBP"]) {
      await Deno.writeTextFile(join(dir, name), "");
    }
    await Deno.mkdir(join(dir, "d.png"));
    const all = await exampleImages({ dir });
    assertEquals(all.map((e) => [e.name, e.expected]), [["a.png", undefined], ["b_7.jpg", "7"], [
      "c_12.WEBP",
      "12",
    ]]);
    assertEquals(all[0].path, join(dir, "a.png"));
    assertEquals((await exampleImages({ dir, kind: "single" })).map((e) => e.name), [
      "a.png",
      "b_7.jpg",
    ]);
    assertEquals((await exampleImages({ dir, kind: "multi" })).map((e) => e.name), ["c_12.WEBP"]);
    assertEquals(await exampleImages({ dir: join(dir, "missing") }), []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("digitFileView reads an image file with readDigit, titled and labelled by its name", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "drawn_7.png");
    await Deno.writeFile(path, await encodePng(inkToGray(drawDigit(7, { size: 120 }))));
    let seen: Float32Array | undefined;
    const classify = (pixels: Float32Array) => {
      seen = pixels;
      return [0, 0, 0, 0, 0, 0, 0, 1, 0, 0];
    };
    const view = await digitFileView(path, classify, { steps: true });
    assertEquals(view.title, "drawn_7.png");
    assertEquals(view.label, 7);
    assertEquals(view.original?.width, 120);
    assertEquals(view.input, seen);
    assertEquals(seen?.length, 784);
    assert(seen!.some((v) => v > 0.5), "the normalised digit has ink");
    assertEquals(view.steps?.at(-1)?.width, 28);
    assertEquals((await digitFileView(path, classify)).steps, undefined);
    // A blank file is no digit, never a guess: the classifier is not asked.
    const blankPath = join(dir, "blank.png");
    const white = { width: 50, height: 50, data: new Float32Array(2500).fill(1) };
    await Deno.writeFile(blankPath, await encodePng(white));
    seen = undefined;
    const blank = await digitFileView(blankPath, classify);
    assertEquals([blank.probabilities, blank.label, seen], [null, undefined, undefined]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("numberFileView reads a number file with readNumber, left to right", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "number_307.png");
    const row = sideBySide([3, 0, 7].map((d) => drawDigit(d, { size: 80 })), {
      gap: 12,
      padding: 16,
    });
    await Deno.writeFile(path, await encodePng(inkToGray(row)));
    // The number reader weighs alternative cuts, so it may classify more
    // crops than digits: a classifier sure of a 5 whatever it sees.
    const inputs: Float32Array[] = [];
    const classify = (pixels: Float32Array) => {
      inputs.push(pixels);
      return Array.from({ length: 10 }, (_, i) => (i === 5 ? 0.991 : 0.001));
    };
    const view = await numberFileView(path, classify);
    assertEquals(view.title, "number_307.png");
    assertEquals(view.expected, "307");
    assertEquals(view.original.width, row.width);
    assertEquals(view.digits.length, 3);
    assert(inputs.length >= 3, `${inputs.length} crops classified`);
    const xs = view.digits.map((d) => d.box.x);
    assert(xs[0] < xs[1] && xs[1] < xs[2], `boxes left to right: ${xs}`);
    for (const d of view.digits) {
      assert(inputs.includes(d.input), "each digit's input is one the classifier saw");
      assertEquals(Array.from(d.probabilities).indexOf(0.991), 5);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
