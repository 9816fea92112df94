import { assert, assertAlmostEquals, assertEquals } from "@std/assert";
import { chooseLevels, paperFloor, pixelNoise } from "../../lib/image/threshold.ts";
import { estimateBackground, inkStrength } from "../../lib/image/background.ts";
import { addNoise, drawDigit, placeOnCanvas, synthPhoto } from "../../lib/image/synth/scenes.ts";
import { rgbToGray } from "../_helpers/images.ts";
import { createRng } from "../../lib/core/random.ts";
import type { GrayImage } from "../../lib/image/raster.ts";

function strengthOf(photo: GrayImage): GrayImage {
  return inkStrength(photo, estimateBackground(photo));
}

Deno.test("pixelNoise recovers the noise level and ignores smooth structure", () => {
  const rng = createRng(8);
  const ramp = {
    width: 120,
    height: 80,
    data: Float32Array.from({ length: 9600 }, (_, i) => 0.3 + 0.4 * ((i % 120) / 120)),
  };
  assertAlmostEquals(pixelNoise(ramp), 0, 1e-3);
  assertAlmostEquals(pixelNoise(addNoise(ramp, { rng, sigma: 0.05 })), 0.05, 0.006);
});

Deno.test("chooseLevels on a clean drawing: no rules, threshold well between paper and ink", () => {
  const ink = placeOnCanvas(drawDigit(8, { size: 100 }), { width: 140, height: 140, x: 20, y: 20 });
  const levels = chooseLevels(ink);
  assertEquals(levels.rules, null);
  assertAlmostEquals(levels.ink, 1, 0.01);
  assert(levels.threshold > 0.3 && levels.threshold < 0.6, `threshold ${levels.threshold}`);
  assert(levels.low < levels.threshold && levels.high > levels.threshold);
});

Deno.test("chooseLevels finds squared-paper rules and puts the threshold above them", () => {
  const rng = createRng(21);
  const digit = placeOnCanvas(drawDigit(6, { size: 150, penWidth: 6 }), {
    width: 260,
    height: 220,
    x: 60,
    y: 30,
  });
  for (const color of [[0.62, 0.7, 0.8], [0.35, 0.45, 0.6]] as [number, number, number][]) {
    const photo = rgbToGray(
      synthPhoto(digit, { rng, ruling: { spacing: 16, angle: 2, color }, noise: 0.015 }),
    );
    const strength = strengthOf(photo);
    const levels = chooseLevels(strength);
    assert(levels.rules !== null, `rules of colour ${color} not found`);
    // Every pixel away from the digit is below the threshold: the rules are not ink.
    let aboveOffDigit = 0;
    for (let i = 0; i < strength.data.length; i++) {
      if (digit.data[i] === 0 && strength.data[i] > levels.threshold) aboveOffDigit++;
    }
    assert(
      aboveOffDigit < 20,
      `${aboveOffDigit} rule pixels above the threshold (colour ${color})`,
    );
    assert(levels.threshold < 0.9 * levels.ink);
  }
});

Deno.test("chooseLevels on blank paper: the ink level stays at noise level", () => {
  const rng = createRng(4);
  const blank = addNoise({ width: 100, height: 100, data: new Float32Array(10000).fill(0.85) }, {
    rng,
    sigma: 0.02,
  });
  const levels = chooseLevels(strengthOf(blank));
  assert(levels.ink < 0.15, `ink level ${levels.ink} on a blank page`);
});

Deno.test("paperFloor sits above noisy paper; chooseLevels can skip the rule search", () => {
  const rng = createRng(9);
  const paper = addNoise({ width: 80, height: 60, data: new Float32Array(4800).fill(0.05) }, {
    sigma: 0.01,
    rng,
  });
  const { noise, paper: level, floor } = paperFloor(paper);
  assertAlmostEquals(level, 0.05, 0.005);
  assertAlmostEquals(noise, 0.01, 0.003);
  assert(floor > level + 3 * noise && floor < level + 0.1);
  // Faint rules below the ink: found, and the threshold set above them, unless told not to look.
  const data = new Float32Array(120 * 120);
  for (let y = 5; y < 120; y += 12) data.fill(0.3, y * 120, (y + 1) * 120);
  for (let y = 30; y < 90; y++) data.fill(0.9, y * 120 + 50, y * 120 + 56);
  const ruled = { width: 120, height: 120, data };
  assert(chooseLevels(ruled).rules !== null);
  assertEquals(chooseLevels(ruled, { findRules: false }).rules, null);
});
