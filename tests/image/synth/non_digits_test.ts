import { assert, assertEquals, assertNotEquals, assertRejects, assertThrows } from "@std/assert";
import { createRng } from "../../../lib/core/random.ts";
import { InvalidArgumentError } from "../../../lib/core/errors.ts";
import { normalizeImage } from "../../../lib/image/normalize.ts";
import {
  letterStrokes,
  makeNonDigits,
  NON_DIGIT_LETTERS,
  renderLetter,
  SHAPES,
  shapeStrokes,
  STROKE_LETTERS,
} from "../../../lib/image/synth/non_digits.ts";
import { drawStrokes } from "../../../lib/image/synth/pen_strokes.ts";

Deno.test("NON_DIGIT_LETTERS leaves out the letters written like digits", () => {
  for (const c of "OoIliZzSs") assert(!NON_DIGIT_LETTERS.includes(c), c);
  for (const c of "AaBbGgqQ") assert(NON_DIGIT_LETTERS.includes(c), c);
  assertEquals(new Set(NON_DIGIT_LETTERS).size, NON_DIGIT_LETTERS.length);
  for (const c of STROKE_LETTERS) assert(NON_DIGIT_LETTERS.includes(c), c);
});

Deno.test("letters and shapes draw inside the unit box with ink", () => {
  for (const c of STROKE_LETTERS) {
    const strokes = letterStrokes(c);
    assert(strokes.flat().every(([x, y]) => x >= 0 && x <= 1 && y >= 0 && y <= 1), c);
    const img = drawStrokes(strokes, { width: 28, height: 28, penWidth: 2 });
    assert(img.data.reduce((a, b) => a + b, 0) > 20, c);
  }
  for (const name of SHAPES) {
    const img = drawStrokes(shapeStrokes(name, createRng(1)), {
      width: 40,
      height: 40,
      penWidth: 3,
    });
    assert(img.data.reduce((a, b) => a + b, 0) > 30, name);
  }
  assertNotEquals(shapeStrokes("square", createRng(1)), shapeStrokes("square", createRng(2))); // turned
});

Deno.test("makeNonDigits: seeded, every kind, each image holds a figure normalizeImage finds", async () => {
  const a = await makeNonDigits({ rng: createRng(5), perKind: 6 });
  const b = await makeNonDigits({ rng: createRng(5), perKind: 6 });
  assertEquals(a.map((x) => x.name), b.map((x) => x.name));
  assertEquals(
    a.map((x) => [...x.image.data.slice(0, 50)]),
    b.map((x) => [...x.image.data.slice(0, 50)]),
  );
  assertEquals(a.filter((x) => x.kind === "letter").length, 6);
  assertEquals(a.filter((x) => x.kind === "shape").length, 6);
  assertEquals(a.filter((x) => x.kind === "scribble").length, 6);
  for (const x of a) {
    assert(x.image.width >= 40 && x.image.width <= 240, `${x.name}: ${x.image.width}`);
    assert(normalizeImage(x.image).inkFound, x.name);
  }
});

Deno.test("makeNonDigits without fonts draws the letters from strokes", async () => {
  const set = await makeNonDigits({ rng: createRng(2), perKind: 4, fonts: false });
  const letters = set.filter((x) => x.kind === "letter");
  assertEquals(letters.length, 4);
  for (const l of letters) assert(/^letter [A-Z] \(strokes\)$/.test(l.name), l.name);
  await assertRejects(
    () => makeNonDigits({ rng: createRng(1), perKind: 0 }),
    InvalidArgumentError,
    "got 0",
  );
});

Deno.test("renderLetter: a glyph from an installed font, or null without fonts", async () => {
  const style = { family: "sans-serif", weight: "bold", style: "normal" } as const;
  const wide = await renderLetter("315", { ...style, size: 40, width: 120 });
  if (wide !== null) {
    assertEquals([wide.width, wide.height], [120, 40]);
    // Ink in the left, middle and right thirds: three glyphs side by side.
    for (const third of [0, 1, 2]) {
      let ink = 0;
      for (let y = 0; y < 40; y++) {
        for (let x = third * 40; x < third * 40 + 40; x++) {
          ink += wide.data[y * 120 + x] < 0.5 ? 1 : 0;
        }
      }
      assert(ink > 20, `third ${third}: ${ink}`);
    }
  }
  await assertRejects(() => renderLetter("A", { ...style, size: 4 }), InvalidArgumentError, "size");
  assertThrows(() => letterStrokes("O"), InvalidArgumentError, "O");
});
