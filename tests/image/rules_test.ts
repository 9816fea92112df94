import { assert, assertEquals, assertStrictEquals, assertThrows } from "@std/assert";
import { InvalidArgumentError } from "../../lib/core/errors.ts";
import { removeRules } from "../../lib/image/rules.ts";
import { extractInk } from "../../lib/image/ink.ts";
import { estimateBackground, inkStrength } from "../../lib/image/background.ts";
import { maxFilter } from "../../lib/image/filters.ts";
import { drawDigit, placeOnCanvas, synthPhoto } from "../../lib/image/synth/scenes.ts";
import { rgbToGray } from "../_helpers/images.ts";
import { createRng } from "../../lib/core/random.ts";
import type { GrayImage } from "../../lib/image/raster.ts";

const W = 600, H = 800;

/** A pale pencil digit on paper whose printed rules are darker than it (a phone photo). */
function palePencilOnDarkRules(digit: number, seed: number, linedOnly: boolean) {
  const rng = createRng(seed);
  const truth = placeOnCanvas(drawDigit(digit, { size: 300, penWidth: 16, rng }), {
    width: W,
    height: H,
    x: 150,
    y: 250,
  });
  const photo = rgbToGray(synthPhoto(truth, {
    rng,
    paper: [0.93, 0.9, 0.82], // a beige cast
    pen: [0.74, 0.73, 0.72], // pale pencil: about 0.2 of ink strength
    ruling: { spacing: 56, angle: 2, linedOnly, lineWidth: 2.5, color: [0.3, 0.3, 0.36] },
    gradient: 0.35,
    shadow: 0.25,
    blur: 1,
    noise: 0.012,
  }));
  return { truth, photo };
}

/**
 * Share of the digit's solid pixels found as ink, and clear ink (above 0.25)
 * found farther than 4 px from it (the photo's blur and the faint pass's
 * smoothing leave a pale halo of a few pixels).
 */
function coverage(ink: GrayImage, truth: GrayImage): { covered: number; stray: number } {
  const near = maxFilter(truth, 4);
  let solid = 0, found = 0, stray = 0;
  for (let i = 0; i < truth.data.length; i++) {
    if (truth.data[i] > 0.9) {
      solid++;
      if (ink.data[i] > 0) found++;
    }
    if (ink.data[i] > 0.25 && near.data[i] === 0) stray++;
  }
  return { covered: found / solid, stray: stray / solid };
}

Deno.test("removeRules takes out rules darker than a pale digit and keeps the digit whole", () => {
  for (const linedOnly of [true, false]) {
    const { truth, photo } = palePencilOnDarkRules(8, 3, linedOnly);
    const strength = inkStrength(photo, estimateBackground(photo));
    const r = removeRules(strength, { threshold: 0.08 });
    assert(r.horizontal >= 10, `${r.horizontal} horizontal rules`);
    assertEquals(r.vertical > 0, !linedOnly);
    // Off the digit a rule becomes paper; on it, most crossings keep the
    // pencil (where a stroke crosses a rule obliquely a few pixels are lost).
    const near = maxFilter(truth, 6);
    let onRule = 0, kept = 0, rulePixels = 0, left = 0;
    for (let i = 0; i < truth.data.length; i++) {
      if (!r.mask[i]) continue;
      if (truth.data[i] > 0.95) {
        onRule++;
        if (r.ink.data[i] > 0.1) kept++;
      } else if (near.data[i] === 0) {
        rulePixels++;
        if (r.ink.data[i] > 0.1) left++;
      }
    }
    assert(onRule > 100 && kept > 0.55 * onRule, `${kept} of ${onRule} digit pixels on rules kept`);
    assert(left < 0.01 * rulePixels, `${left} of ${rulePixels} rule pixels left`);
  }
});

Deno.test("extractInk finds a pale pencil digit on dark ruled or squared paper", () => {
  for (const [digit, linedOnly] of [[8, true], [9, false], [4, false]] as const) {
    const { truth, photo } = palePencilOnDarkRules(digit, digit, linedOnly);
    const r = extractInk(photo);
    assert(r.inkFound);
    const { covered, stray } = coverage(r.ink, truth);
    assert(covered > 0.9, `digit ${digit}: ${(100 * covered).toFixed(1)}% of the digit found`);
    assert(stray < 0.02, `digit ${digit}: stray ink ${(100 * stray).toFixed(1)}% of the digit`);
  }
});

Deno.test("removeRules leaves digits alone: their straight strokes are not rules", () => {
  for (let d = 0; d <= 9; d++) {
    for (const [size, penWidth] of [[28, 2.5], [120, 8], [400, 10]]) {
      const ink = drawDigit(d, { size, penWidth, rng: createRng(d) });
      const r = removeRules(ink, { threshold: 0.1 });
      assertStrictEquals(r.ink, ink, `digit ${d} at ${size} px`);
      assertEquals([r.horizontal, r.vertical], [0, 0]);
    }
  }
});

Deno.test("removeRules refuses a minimum length outside (0, 1]", () => {
  const ink = { width: 10, height: 10, data: new Float32Array(100) };
  assertThrows(
    () => removeRules(ink, { threshold: 0.1, minLength: 1.5 }),
    InvalidArgumentError,
    "1.5",
  );
});
