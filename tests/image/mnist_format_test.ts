import { assert, assertAlmostEquals, assertEquals, assertThrows } from "@std/assert";
import { InvalidArgumentError } from "../../lib/core/errors.ts";
import {
  centerOfMass,
  crop,
  inkBox,
  MNIST_BOX,
  placeCentered,
  toMnistLayout,
} from "../../lib/image/mnist_format.ts";
import { drawDigit, placeOnCanvas } from "../../lib/image/synth/scenes.ts";
import { createRng } from "../../lib/core/random.ts";

const asImage = (pixels: Float32Array) => ({ width: 28, height: 28, data: pixels });

Deno.test("inkBox, crop and centerOfMass", () => {
  const data = new Float32Array(6 * 4);
  data[1 * 6 + 2] = 1;
  data[2 * 6 + 4] = 3;
  const img = { width: 6, height: 4, data };
  assertEquals(inkBox(img), { x: 2, y: 1, width: 3, height: 2 });
  assertEquals(inkBox(img, 2), { x: 4, y: 2, width: 1, height: 1 });
  assertEquals(inkBox({ width: 2, height: 2, data: new Float32Array(4) }), null);
  assertEquals(Array.from(crop(img, { x: 4, y: 2, width: 3, height: 1 }).data), [3, 0, 0]);
  assertThrows(() => crop(img, { x: 0, y: 0, width: 0, height: 1 }), InvalidArgumentError, "0x1");
  assertEquals(centerOfMass(img), { x: 3.5, y: 1.75 });
  assertEquals(centerOfMass({ width: 1, height: 1, data: new Float32Array(1) }), null);
});

Deno.test("placeCentered puts the centre of mass within half a pixel of (14, 14)", () => {
  const rng = createRng(6);
  for (let k = 0; k < 20; k++) {
    const w = 3 + Math.floor(rng() * 18), h = 3 + Math.floor(rng() * 18);
    const data = Float32Array.from({ length: w * h }, () => (rng() < 0.3 ? rng() : 0));
    data[0] = 1;
    const com = centerOfMass(placeCentered({ width: w, height: h, data }))!;
    assert(
      Math.abs(com.x - 14) <= 0.5 && Math.abs(com.y - 14) <= 0.5,
      `${w}x${h}: ${com.x}, ${com.y}`,
    );
  }
});

Deno.test("toMnistLayout: longer side 20, centre of mass at (14, 14), strongest ink 1", () => {
  const rng = createRng(12);
  for (const digit of [1, 4, 7, 0]) {
    for (const [size, pen] of [[60, 6], [300, 4], [24, 3]]) {
      const ink = placeOnCanvas(drawDigit(digit, { size, penWidth: pen, rng }), {
        width: size + 40,
        height: size + 10,
        x: 30,
        y: 5,
      });
      const { pixels } = toMnistLayout(ink);
      const out = asImage(pixels);
      const box = inkBox(out, 0.01)!;
      assertEquals(Math.max(box.width, box.height), MNIST_BOX, `digit ${digit} size ${size}`);
      const com = centerOfMass(out)!;
      assert(Math.abs(com.x - 14) <= 0.5 && Math.abs(com.y - 14) <= 0.5, `com ${com.x}, ${com.y}`);
      assertAlmostEquals(Math.max(...pixels), 1, 1e-6);
    }
  }
});

Deno.test("toMnistLayout keeps the aspect ratio and keeps anti-aliased gray levels", () => {
  const bar = { width: 50, height: 200, data: new Float32Array(50 * 200) };
  for (let y = 0; y < 200; y++) for (let x = 0; x < 50; x++) bar.data[y * 50 + x] = 1;
  const out = asImage(toMnistLayout(bar, { strokeWidth: false }).pixels);
  assertEquals(inkBox(out), { x: 12, y: 5, width: 5, height: 20 }); // centre (2, 9.5) moves by (12, 5)
  const drawn = toMnistLayout(drawDigit(3, { size: 200, penWidth: 18 })).pixels;
  const gray = drawn.filter((v) => v > 0.05 && v < 0.95).length;
  assert(gray > 20, `only ${gray} anti-aliased pixels`);
});

Deno.test("toMnistLayout thickens a hairline from a big photo to MNIST-like strokes", () => {
  const hair = drawDigit(2, { size: 600, penWidth: 3 });
  const plain = toMnistLayout(hair, { strokeWidth: false }).pixels;
  const fixed = toMnistLayout(hair).pixels;
  const strong = (p: Float32Array) => p.filter((v) => v > 0.5).length;
  assert(strong(fixed) > 1.5 * strong(plain), `${strong(fixed)} vs ${strong(plain)} strong pixels`);
});

Deno.test("toMnistLayout returns zeros for an image without ink", () => {
  const { pixels } = toMnistLayout({ width: 10, height: 10, data: new Float32Array(100) });
  assertEquals(pixels.length, 784);
  assert(pixels.every((v) => v === 0));
});
