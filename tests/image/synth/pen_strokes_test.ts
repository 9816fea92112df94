import { assert, assertEquals, assertNotEquals, assertThrows } from "@std/assert";
import { InvalidArgumentError } from "../../../lib/core/errors.ts";
import { digitStrokes, drawStrokes } from "../../../lib/image/synth/pen_strokes.ts";
import { createRng } from "../../../lib/core/random.ts";

Deno.test("digitStrokes gives every digit a glyph inside the unit box, varied by a seed", () => {
  for (let d = 0; d < 10; d++) {
    const points = digitStrokes(d).flat();
    assert(points.length >= 3, `digit ${d}`);
    assert(
      points.every(([x, y]) => x >= 0 && x <= 1 && y >= 0 && y <= 1),
      `digit ${d} leaves the box`,
    );
  }
  assertEquals(digitStrokes(6, { rng: createRng(1) }), digitStrokes(6, { rng: createRng(1) }));
  assertNotEquals(digitStrokes(6, { rng: createRng(1) }), digitStrokes(6, { rng: createRng(2) }));
  assertEquals(digitStrokes(6, { rng: createRng(1), variation: 0 }), digitStrokes(6));
  assertThrows(() => digitStrokes(10), InvalidArgumentError, "got 10");
});

Deno.test("drawStrokes draws round-capped lines with anti-aliased edges", () => {
  const img = drawStrokes([[[0.25, 20.5 / 40], [0.75, 20.5 / 40]]], {
    width: 40,
    height: 40,
    penWidth: 4,
  });
  assertEquals(img.data[20 * 40 + 20], 1); // on the line
  assertEquals(img.data[5 * 40 + 20], 0); // far away
  const edge = img.data[22 * 40 + 20]; // centre 2 px from the line, on the pen's edge: half covered
  assert(edge > 0.2 && edge < 0.8, `edge ${edge}`);
  assert(img.data[20 * 40 + 9] > 0.5, "round cap extends past the end point");
  assertThrows(
    () => drawStrokes([], { width: 0, height: 4, penWidth: 1 }),
    InvalidArgumentError,
    "0x4",
  );
  assertThrows(
    () => drawStrokes([], { width: 4, height: 4, penWidth: 0 }),
    InvalidArgumentError,
    "got 0",
  );
});
