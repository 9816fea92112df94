import { assert, assertAlmostEquals, assertEquals, assertThrows } from "@std/assert";
import { changeStrokeWidth, morphologyStep } from "../../lib/data/morphology.ts";
import { InvalidArgumentError } from "../../lib/core/errors.ts";

const N = 21;

/** A vertical bar `width` pixels wide through the middle. */
function bar(width: number): Float32Array {
  const img = new Float32Array(N * N);
  const from = 10 - Math.floor(width / 2);
  for (let y = 3; y < 18; y++) for (let x = from; x < from + width; x++) img[y * N + x] = 1;
  return img;
}

const rowWidth = (img: Float32Array, y = 10) =>
  img.subarray(y * N, (y + 1) * N).reduce((s, v) => s + v, 0);

Deno.test("changeStrokeWidth adds or removes about 2 * radius pixels across a stroke", () => {
  for (const radius of [0.5, 1, 1.5, 2, 2.5]) {
    const img = changeStrokeWidth(bar(3), N, N, radius, new Float32Array(2 * N * N));
    assertAlmostEquals(rowWidth(img), 3 + 2 * radius, 1e-6);
  }
  for (const radius of [-0.5, -1]) {
    const img = changeStrokeWidth(bar(5), N, N, radius, new Float32Array(2 * N * N));
    assertAlmostEquals(rowWidth(img), 5 + 2 * radius, 1e-6);
  }
  assertEquals(changeStrokeWidth(bar(3), N, N, 0, new Float32Array(2 * N * N)), bar(3));
});

Deno.test("two steps reach a disc-like octagon, not a diamond", () => {
  const dot = new Float32Array(N * N);
  dot[10 * N + 10] = 1;
  changeStrokeWidth(dot, N, N, 2, new Float32Array(2 * N * N));
  assertEquals(dot[10 * N + 12], 1); // 2 px along an axis
  assertEquals(dot[11 * N + 11], 1); // (1, 1): inside
  assertEquals(dot[12 * N + 11], 1); // (1, 2): inside a disc of radius 2.24, outside a diamond
  assertEquals(dot[12 * N + 12], 0); // (2, 2): outside a disc of radius 2
});

Deno.test("morphologyStep: erosion is the dual of dilation", () => {
  const img = bar(4);
  const inverted = img.map((v) => 1 - v);
  const eroded = new Float32Array(N * N), dilated = new Float32Array(N * N);
  morphologyStep(img, eroded, N, N, false, "square");
  morphologyStep(inverted, dilated, N, N, true, "square");
  // Away from the border (outside counts as 0 for both) min(x) = 1 - max(1 - x).
  for (let y = 1; y < N - 1; y++) {
    for (let x = 1; x < N - 1; x++) assertEquals(eroded[y * N + x], 1 - dilated[y * N + x]);
  }
  assert(rowWidth(eroded) === 2);
});

Deno.test("changeStrokeWidth rejects a radius outside [-3, 3] and a short scratch", () => {
  assertThrows(
    () => changeStrokeWidth(bar(3), N, N, 4, new Float32Array(2 * N * N)),
    InvalidArgumentError,
    "got 4",
  );
  assertThrows(
    () => changeStrokeWidth(bar(3), N, N, 1, new Float32Array(N)),
    InvalidArgumentError,
    "scratch holds 21",
  );
});
