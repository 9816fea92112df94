import { assert, assertEquals, assertNotEquals, assertThrows } from "@std/assert";
import { createRng } from "../../../lib/core/random.ts";
import { InvalidArgumentError } from "../../../lib/core/errors.ts";
import {
  DIGIT_STYLES,
  digitStyle,
  drawStyledDigit,
  styledDigitStrokes,
} from "../../../lib/image/synth/digit_styles.ts";

Deno.test("styledDigitStrokes: a flagged 1's flag stays within its stated length and angle", () => {
  const rng = createRng(8);
  for (let i = 0; i < 200; i++) {
    const [[flag, top, foot]] = styledDigitStrokes("flagged-1", rng);
    // Undo the slant (x shifted by slant * (0.5 - y)) from the stem's two ends.
    const slant = (top[0] - foot[0]) / (foot[1] - top[1]);
    const fx = flag[0] - slant * (0.5 - flag[1]) - (top[0] - slant * (0.5 - top[1]));
    const fy = flag[1] - top[1];
    const length = Math.hypot(fx, fy), angle = Math.atan2(fy, -fx) * 180 / Math.PI;
    assert(length >= 0.35 - 1e-9 && length <= 0.5 + 1e-9, `length ${length}`);
    assert(angle >= 25 - 1e-6 && angle <= 40 + 1e-6, `angle ${angle}`);
    assert(Math.abs(slant) <= 0.1 + 1e-9, `slant ${slant}`);
  }
});

Deno.test("styledDigitStrokes: a crossed 7 is the 7 with a bar across its stem", () => {
  const [seven, bar] = styledDigitStrokes("crossed-7", createRng(2));
  assertEquals([seven.length, bar.length], [3, 2]);
  const [, corner, foot] = seven;
  const y = bar[0][1];
  assertEquals(bar[1][1], y); // level
  const t = (y - corner[1]) / (foot[1] - corner[1]);
  assert(t >= 0.45 && t <= 0.6, `at ${t} of the stem`);
  const stemX = corner[0] + (foot[0] - corner[0]) * t;
  assert(bar[0][0] < stemX && bar[1][0] > stemX, "across the stem");
});

Deno.test("drawStyledDigit: dark ink on white, varied by the seed, sizes checked", () => {
  for (const style of Object.keys(DIGIT_STYLES) as (keyof typeof DIGIT_STYLES)[]) {
    const a = drawStyledDigit(style, { rng: createRng(1) });
    assertEquals([a.width, a.height, a.data.length], [112, 112, 112 * 112]);
    assert(a.data.every((v) => v >= 0 && v <= 1));
    const ink = a.data.filter((v) => v < 0.5).length;
    assert(ink > 200 && ink < 3000, `${style}: ${ink} ink pixels`);
    assertNotEquals(drawStyledDigit(style, { rng: createRng(2) }).data, a.data);
  }
  assertThrows(
    () => drawStyledDigit("flagged-1", { rng: createRng(1), size: 27 }),
    InvalidArgumentError,
    "got 27",
  );
  assertThrows(
    () => drawStyledDigit("flagged-1", { rng: createRng(1), size: 40.5 }),
    InvalidArgumentError,
    "got 40.5",
  );
  assertThrows(() => digitStyle("toString"), InvalidArgumentError, "flagged-1, crossed-7");
  assertEquals(DIGIT_STYLES["flagged-1"].digit, 1);
});
