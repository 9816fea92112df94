import { assert, assertAlmostEquals, assertStrictEquals, assertThrows } from "@std/assert";
import { InvalidArgumentError } from "../../lib/core/errors.ts";
import { adjustStrokeWidth, strokeWidth } from "../../lib/image/stroke_width.ts";
import { digitStrokes, drawStrokes } from "../../lib/image/synth/pen_strokes.ts";

const draw = (pen: number) =>
  drawStrokes(digitStrokes(2), {
    width: 80,
    height: 80,
    penWidth: pen,
    frame: { x: 8, y: 8, size: 64 },
  });

Deno.test("strokeWidth measures the pen width of drawn digits", () => {
  // Exact for axis-aligned strokes; pixel staircases make slanted ones read up to ~25% thinner.
  const bar = { width: 30, height: 30, data: new Float32Array(900) };
  for (let y = 5; y < 25; y++) for (let x = 10; x < 14; x++) bar.data[y * 30 + x] = 1;
  assertAlmostEquals(strokeWidth(bar), (2 * 80) / (2 * 20 + 2 * 4), 1e-9); // ends count too
  const widths = [3, 6, 10].map((pen) => strokeWidth(draw(pen)));
  [3, 6, 10].forEach((pen, i) =>
    assert(widths[i] > 0.75 * pen && widths[i] < 1.05 * pen, `pen ${pen}: ${widths[i]}`)
  );
  assertAlmostEquals(strokeWidth({ width: 4, height: 4, data: new Float32Array(16) }), 0);
});

Deno.test("adjustStrokeWidth thickens hairlines, thins marker strokes, leaves normal ones", () => {
  const thin = adjustStrokeWidth(draw(1.5), { target: 7 });
  assert(strokeWidth(thin) > 5, `thickened to ${strokeWidth(thin)}`);
  const thick = adjustStrokeWidth(draw(16), { target: 7 });
  assert(strokeWidth(thick) < 11, `thinned to ${strokeWidth(thick)}`);
  const normal = draw(7);
  assertStrictEquals(adjustStrokeWidth(normal, { target: 7 }), normal);
});

Deno.test("adjustStrokeWidth grows faint ink that never reaches 0.5", () => {
  const faint = draw(2);
  const dim = { ...faint, data: faint.data.map((v) => v * 0.3) };
  const grown = adjustStrokeWidth(dim, { target: 7 });
  assert(strokeWidth(grown, 0.1) > strokeWidth(dim, 0.1));
});

Deno.test("adjustStrokeWidth rejects bad targets", () => {
  assertThrows(() => adjustStrokeWidth(draw(3), { target: 0 }), InvalidArgumentError, "got 0");
  assertThrows(
    () => adjustStrokeWidth(draw(3), { target: 5, tolerance: 0.5 }),
    InvalidArgumentError,
    "got 0.5",
  );
});

Deno.test("strokeWidth counts the image border as outline", () => {
  // A 2x3 block filling the image: area 6, outline 2 * (2 + 3) = 10.
  assertAlmostEquals(strokeWidth({ width: 2, height: 3, data: new Float32Array(6).fill(1) }), 1.2);
  // NaN is not ink.
  const data = new Float32Array([1, NaN, 1, 1]);
  assertAlmostEquals(strokeWidth({ width: 2, height: 2, data }), 0.75);
});
