/**
 * A stand-in classifier for tests: cosine similarity to the normalised
 * canonical glyph of each digit (this project's stroke paths), as softmax
 * probabilities. Good enough to tell our own glyphs apart, so tests can
 * check that a pipeline kept a digit recognisable.
 */

import { normalizeImage } from "../../lib/image/normalize.ts";
import { drawDigit, inkToGray } from "../../lib/image/synth/scenes.ts";
import type { Classify } from "../../lib/image/raster.ts";

const templates = Array.from(
  { length: 10 },
  (_, d) => normalizeImage(inkToGray(drawDigit(d, { size: 120, penWidth: 10 }))).pixels,
);

function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let ab = 0, aa = 0, bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return aa === 0 || bb === 0 ? 0 : ab / Math.sqrt(aa * bb);
}

/** Softmax over scaled cosine similarities to the 10 templates. */
export const templateClassify: Classify = (pixels) => {
  const scores = templates.map((t) => Math.exp(20 * cosine(pixels, t)));
  const total = scores.reduce((a, b) => a + b, 0);
  return scores.map((s) => s / total);
};

/** The digit whose template is most similar. */
export function templateDigit(pixels: ArrayLike<number>): number {
  const p = templateClassify(Float32Array.from(pixels)) as number[];
  return p.indexOf(Math.max(...p));
}
