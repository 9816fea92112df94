import { assert, assertAlmostEquals, assertEquals } from "@std/assert";
import { naiveNormalize } from "../../lib/image/naive.ts";

Deno.test("naiveNormalize squashes the whole image and inverts light backgrounds", () => {
  // 56x28: white page, black left half of the top row band.
  const data = new Float32Array(56 * 28).fill(1);
  for (let y = 10; y < 18; y++) for (let x = 0; x < 28; x++) data[y * 56 + x] = 0;
  const out = naiveNormalize({ width: 56, height: 28, data });
  assertEquals(out.length, 784);
  assertAlmostEquals(out[14 * 28 + 5], 1, 1e-6); // ink = 1 after inversion
  assertAlmostEquals(out[14 * 28 + 20], 0, 1e-6);
  assertAlmostEquals(out[2 * 28 + 5], 0, 1e-6);
});

Deno.test("naiveNormalize leaves dark backgrounds as they are (no cropping, no centring)", () => {
  const data = new Float32Array(28 * 28);
  data[0] = 1; // ink in the corner stays in the corner
  const out = naiveNormalize({ width: 28, height: 28, data });
  assertEquals(out[0], 1);
  assert(out.slice(1).every((v) => v === 0));
});
