/**
 * Digits drawn in handwriting styles that MNIST (American writers) lacks,
 * from stroke paths like `pen_strokes.ts`: the European 1 with a long
 * up-stroke (a flag reaching 35–50% of the digit's height back down to the
 * left), which a model trained on MNIST reads as a 7, and the crossed 7.
 * They make the corrections of a systematic mistake that fine-tuning
 * (`train/finetune.ts`) is shown to fix.
 *
 * @module
 */

import { InvalidArgumentError, type Rng } from "../../core/mod.ts";
import type { GrayImage } from "../mod.ts";
import { digitStrokes, drawStrokes, type Point, type Stroke } from "./pen_strokes.ts";
import { inkToGray } from "./scenes.ts";

/** The styles {@linkcode styledDigitStrokes} draws. */
export type DigitStyle = "flagged-1" | "crossed-7";

/** What each style is: the digit it is, and a line saying how it is drawn. */
export const DIGIT_STYLES: Readonly<Record<DigitStyle, { digit: number; description: string }>> =
  Object.freeze({
    "flagged-1": {
      digit: 1,
      description: "a 1 with a long up-stroke (35-50% of its height, 25-40° below the horizontal)",
    },
    "crossed-7": { digit: 7, description: "a 7 with a bar across the middle of its stem" },
  });

/**
 * The style names, checked: `name` itself when it is one.
 *
 * @throws {InvalidArgumentError} naming the value and the styles there are.
 *
 * @example
 * ```ts
 * import { assertEquals, assertThrows } from "@std/assert";
 * import { digitStyle } from "./digit_styles.ts";
 * assertEquals(digitStyle("flagged-1"), "flagged-1");
 * assertThrows(() => digitStyle("curly-9"), Error, '"curly-9"');
 * ```
 */
export function digitStyle(name: string): DigitStyle {
  if (!Object.hasOwn(DIGIT_STYLES, name)) {
    throw new InvalidArgumentError(
      `unknown digit style ${JSON.stringify(name)}; the styles are ${
        Object.keys(DIGIT_STYLES).join(", ")
      }`,
    );
  }
  return name as DigitStyle;
}

/**
 * The stroke paths (unit box, y down) of a digit in `style`, varied by
 * `rng`. A flagged 1 is a vertical stem (slanted up to ±0.1 of the box per
 * unit of height) with a flag from its top, 0.35–0.5 of the box long at
 * 25–40° below the horizontal: the range in which the shipped model reads
 * most of them as 7 (measured: at 30°, flags 0.4 long and longer are read
 * as 7 every time; at 50° and more, as 1). A crossed 7 is `digitStrokes(7)`
 * with a bar 0.3–0.45 long across its stem at 45–60% of the stem's length.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { styledDigitStrokes } from "./digit_styles.ts";
 * import { createRng } from "../../core/random.ts";
 * const [one] = styledDigitStrokes("flagged-1", createRng(1));
 * assertEquals(one.length, 3); // flag end, top, foot
 * const [flag, top] = one;
 * assertEquals(flag[0] < top[0] - 0.2 && flag[1] > top[1] + 0.1, true); // left of and below the top
 * assertEquals(styledDigitStrokes("crossed-7", createRng(1)).length, 2); // the 7 and its bar
 * ```
 */
export function styledDigitStrokes(style: DigitStyle, rng: Rng): Stroke[] {
  digitStyle(style);
  if (style === "crossed-7") {
    const seven = digitStrokes(7, { rng, variation: 0.6 });
    const [, corner, foot] = seven[0];
    const at = 0.45 + 0.15 * rng();
    const half = 0.15 + 0.075 * rng();
    const x = corner[0] + (foot[0] - corner[0]) * at;
    const y = corner[1] + (foot[1] - corner[1]) * at;
    return [...seven, [[x - half, y], [x + half, y]]];
  }
  const length = 0.35 + 0.15 * rng();
  const angle = (25 + 15 * rng()) * Math.PI / 180;
  const slant = (2 * rng() - 1) * 0.1;
  const x = 0.55 + 0.1 * (rng() - 0.5);
  const lean = ([px, py]: Point): Point => [px + slant * (0.5 - py), py];
  return [[
    lean([x - length * Math.cos(angle), 0.05 + length * Math.sin(angle)]),
    lean([x, 0.05]),
    lean([x, 0.95]),
  ]];
}

/** Options of {@linkcode drawStyledDigit}. */
export interface DrawStyledDigitOptions {
  /** The variation of the shape and of the pen's width. */
  rng: Rng;
  /** Side of the square image in pixels, 28 to 1024 (default 112). */
  size?: number;
}

/**
 * Draws a digit in `style` as a user would on the draw page: dark ink on
 * white paper (photo convention, 1 = white), a round pen 5–10% of the image
 * wide, the glyph in the middle 80%.
 *
 * @throws {InvalidArgumentError} for an unknown style or a size out of range.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { drawStyledDigit } from "./digit_styles.ts";
 * import { createRng } from "../../core/random.ts";
 * const img = drawStyledDigit("flagged-1", { rng: createRng(2), size: 56 });
 * assertEquals([img.width, img.height, img.data[0]], [56, 56, 1]); // white paper in the corner
 * assertEquals(img.data.some((v) => v < 0.1), true); // and dark ink
 * ```
 */
export function drawStyledDigit(style: DigitStyle, options: DrawStyledDigitOptions): GrayImage {
  const { rng, size = 112 } = options;
  if (!Number.isInteger(size) || size < 28 || size > 1024) {
    throw new InvalidArgumentError(`size must be an integer from 28 to 1024, got ${size}`);
  }
  const strokes = styledDigitStrokes(style, rng);
  const penWidth = size * (0.05 + 0.05 * rng());
  const margin = 0.1 * size;
  const ink = drawStrokes(strokes, {
    width: size,
    height: size,
    penWidth,
    frame: { x: margin, y: margin, size: size - 2 * margin },
  });
  return inkToGray(ink);
}
