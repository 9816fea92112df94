/**
 * Corrections made without a user, for demonstrations and tests of the
 * feedback loop: digits drawn by the stroke renderer in a handwriting style
 * MNIST lacks (`image/synth/digit_styles.ts`), read as the draw page reads a
 * drawing (normalised to MNIST format, classified), and kept when misread,
 * each as the correction a user would record: the drawing's PNG, the 28x28
 * the model read, its reading and confidence, and the right digit.
 *
 * @module
 */

import { createRng, InvalidArgumentError } from "../core/mod.ts";
import type { CorrectionInput, CorrectionOrigin } from "../feedback/mod.ts";
import { type Classify, encodePng, normalizeImage } from "../image/mod.ts";
import { DIGIT_STYLES, type DigitStyle, digitStyle, drawStyledDigit } from "../image/synth/mod.ts";

/** Options of {@linkcode drawnCorrections}. */
export interface DrawnCorrectionsOptions {
  /** The handwriting style to draw. */
  style: DigitStyle;
  /** How many corrections to make, 1 to 10,000. */
  count: number;
  /** Seed of the drawings. */
  seed: number;
  /** The model that reads them (as the draw page would: calibrated or not). */
  classify: Classify;
  /** The model's identity (`modelIdOf`), recorded with each. */
  modelId: string;
  /** Where they are said to come from (default `"cli"`). */
  origin?: CorrectionOrigin;
  /** Keep only drawings the model misreads (default true): a user corrects mistakes. */
  misreadOnly?: boolean;
  /** Drawings to try at most (default 20 x count). */
  maxDrawings?: number;
}

/** What {@linkcode drawnCorrections} made. */
export interface DrawnCorrections {
  /** The corrections, ready for `CorrectionStore.add`. */
  corrections: CorrectionInput[];
  /** Drawings made to find them. */
  drawn: number;
  /** Of the drawings, those the model read right. */
  readRight: number;
}

/**
 * Draws digits in `style` with the seed, has `classify` read each, and
 * returns up to `count` corrections (fewer when `maxDrawings` drawings give
 * fewer misreadings: a style the model reads well gives none).
 *
 * @throws {InvalidArgumentError} for an unknown style or counts out of range.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { drawnCorrections } from "./drawn_corrections.ts";
 * const readsSeven = () => [0, 0, 0, 0, 0, 0, 0, 0.9, 0.1, 0]; // a stand-in model
 * const made = await drawnCorrections({
 *   style: "flagged-1", count: 2, seed: 1, classify: readsSeven, modelId: "ab".repeat(32),
 * });
 * assertEquals(made.corrections.map((c) => [c.label, c.reading, c.confidence]), [
 *   [1, "7", 0.9],
 *   [1, "7", 0.9],
 * ]);
 * assertEquals([made.drawn, made.corrections[0].pixels.length], [2, 784]);
 * ```
 */
export async function drawnCorrections(
  options: DrawnCorrectionsOptions,
): Promise<DrawnCorrections> {
  const { count, seed, classify, modelId, origin = "cli", misreadOnly = true } = options;
  const style = digitStyle(options.style);
  if (!Number.isInteger(count) || count < 1 || count > 10_000) {
    throw new InvalidArgumentError(`count must be an integer from 1 to 10000, got ${count}`);
  }
  const maxDrawings = options.maxDrawings ?? 20 * count;
  if (!Number.isInteger(maxDrawings) || maxDrawings < 1 || maxDrawings > 1_000_000) {
    throw new InvalidArgumentError(
      `maxDrawings must be an integer from 1 to 1000000, got ${maxDrawings}`,
    );
  }
  const label = DIGIT_STYLES[style].digit;
  const rng = createRng(seed);
  const corrections: CorrectionInput[] = [];
  let drawn = 0, readRight = 0;
  while (corrections.length < count && drawn < maxDrawings) {
    const image = drawStyledDigit(style, { rng });
    drawn++;
    const { pixels, inkFound } = normalizeImage(image);
    if (!inkFound) continue;
    const p = Array.from(await classify(pixels));
    let best = 0;
    for (let c = 1; c < p.length; c++) if (p[c] > p[best]) best = c;
    if (best === label) readRight++;
    if (misreadOnly && best === label) continue;
    corrections.push({
      imageBytes: await encodePng(image),
      fileName: `${style}-${drawn}.png`,
      pixels,
      reading: String(best),
      confidence: p[best],
      label,
      modelId,
      origin,
    });
  }
  return { corrections, drawn, readRight };
}

/**
 * Whether the model read most of the drawings right (more than half): then
 * the style is no systematic mistake of that model, and the few drawings it
 * misread make no demonstration of the feedback loop (a model trained with
 * the styles, `deno task train --augment-styles`, reads 196 of 200 flagged
 * 1s right; one trained on MNIST alone, 8 of 200).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { readsStyleRight } from "./drawn_corrections.ts";
 * assertEquals(readsStyleRight({ drawn: 200, readRight: 196 }), true);
 * assertEquals(readsStyleRight({ drawn: 200, readRight: 8 }), false);
 * assertEquals(readsStyleRight({ drawn: 0, readRight: 0 }), false);
 * ```
 */
export function readsStyleRight(made: Pick<DrawnCorrections, "drawn" | "readRight">): boolean {
  return made.drawn > 0 && 2 * made.readRight > made.drawn;
}

/**
 * The line that says a model reads a style right, with the counts:
 * `The model reads 196 of 200 drawn flagged-1 right: nothing to correct`.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { readsStyleRightLine } from "./drawn_corrections.ts";
 * assertEquals(
 *   readsStyleRightLine("flagged-1", { drawn: 200, readRight: 196 }),
 *   "The model reads 196 of 200 drawn flagged-1 right: nothing to correct",
 * );
 * ```
 */
export function readsStyleRightLine(
  style: DigitStyle,
  made: Pick<DrawnCorrections, "drawn" | "readRight">,
): string {
  return `The model reads ${made.readRight} of ${made.drawn} drawn ${style} right: nothing to correct`;
}
