import { assert, assertAlmostEquals, assertEquals, assertThrows } from "@std/assert";
import { InvalidArgumentError } from "../../../lib/core/errors.ts";
import {
  addNoise,
  BLUE_PEN,
  drawDigit,
  inkToGray,
  mnistToInk,
  placeOnCanvas,
  sideBySide,
  synthPhoto,
} from "../../../lib/image/synth/scenes.ts";
import { rgbToGray } from "../../_helpers/images.ts";
import { createRng } from "../../../lib/core/random.ts";

const sum = (a: Float32Array) => a.reduce((s, v) => s + v, 0);

Deno.test("mnistToInk enlarges a 28x28 digit with crisp edges and can thicken or thin it", () => {
  const digit = new Float32Array(784);
  for (let y = 4; y < 24; y++) for (let x = 12; x < 16; x++) digit[y * 28 + x] = 1;
  const big = mnistToInk(digit, { size: 112 });
  assertEquals([big.width, big.height], [112, 112]);
  assertAlmostEquals(sum(big.data) / (112 * 112), sum(digit) / 784, 0.01);
  assert(sum(mnistToInk(digit, { size: 112, thicken: 3 }).data) > sum(big.data) * 1.2);
  assert(sum(mnistToInk(digit, { size: 112, thicken: -3 }).data) < sum(big.data) * 0.8);
  assertThrows(
    () => mnistToInk(new Float32Array(10), { size: 56 }),
    InvalidArgumentError,
    "got 10",
  );
});

Deno.test("drawDigit, placeOnCanvas and sideBySide lay ink out where asked", () => {
  const one = drawDigit(1, { size: 50 });
  const canvas = placeOnCanvas(one, { width: 200, height: 100, x: 120, y: 30 });
  assertAlmostEquals(sum(canvas.data), sum(one.data), 1e-3);
  assertEquals(
    canvas.data.slice(0, 100 * 200).filter((_, i) => i % 200 < 120 && canvas.data[i] > 0).length,
    0,
  );
  const half = placeOnCanvas(one, { width: 60, height: 60, x: 0, y: 0, scale: 0.5 });
  assertAlmostEquals(sum(half.data), sum(one.data) / 4, sum(one.data) * 0.02);
  const row = sideBySide([one, one], { gap: 10, padding: 5 });
  assertEquals([row.width, row.height], [120, 60]);
  assertThrows(() => sideBySide([]), InvalidArgumentError);
});

Deno.test("synthPhoto renders pen colour, ruling, lighting and noise, reproducibly from a seed", () => {
  const ink = placeOnCanvas(drawDigit(4, { size: 80 }), { width: 120, height: 100, x: 20, y: 10 });
  const options = { ruling: { spacing: 12 }, gradient: 0.5, noise: 0.02, pen: BLUE_PEN };
  const a = synthPhoto(ink, { ...options, rng: createRng(9) });
  assertEquals(a.data, synthPhoto(ink, { ...options, rng: createRng(9) }).data);
  const i = ink.data.findIndex((v) => v === 1);
  assert(a.data[i * 3 + 2] > a.data[i * 3] + 0.1, "blue ink is bluer than red");
  const gray = rgbToGray(a);
  const paperLevels = gray.data.filter((_, k) => ink.data[k] === 0);
  const spread = Math.max(...paperLevels) - Math.min(...paperLevels);
  assert(spread > 0.3, "gradient and ruling vary the paper");
  const plain = rgbToGray(synthPhoto(ink, { rng: createRng(9), pen: [0, 0, 0] }));
  assertAlmostEquals(plain.data[i], 0, 1e-6);
});

Deno.test("inkToGray maps ink to pen and paper levels; addNoise adds noise of sigma", () => {
  const ink = { width: 16, height: 16, data: new Float32Array(256).fill(0.5) };
  assertAlmostEquals(inkToGray(ink, { paper: 0.8, pen: 0 }).data[0], 0.4, 1e-6);
  const noisy = addNoise(ink, { rng: createRng(1), sigma: 0.1 });
  const sd = Math.sqrt(noisy.data.reduce((s, v) => s + (v - 0.5) ** 2, 0) / 256);
  assertAlmostEquals(sd, 0.1, 0.02);
  assertEquals(ink.data[0], 0.5, "addNoise leaves its input alone");
});
