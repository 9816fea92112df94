/**
 * Images that hold no digit, made in code, to measure how a reader treats
 * what it should not read with confidence: letters (rendered from the
 * installed fonts through sharp's SVG renderer, or drawn from stroke paths
 * when no font renders), shapes (crossed circles, squares, stars, arrows,
 * ...) and random scribbles. Everything random comes from a seeded `Rng`.
 *
 * Left out on purpose: glyphs that people write the same way as a digit,
 * which no reader can tell apart without context (O o and a plain ring as
 * 0, I l i and a single bar as 1, Z z as 2, S s as 5). Every other letter
 * stays in, including the ones a model may mistake for a digit (A for 4,
 * b for 6, q and g for 9, B for 8): telling those apart is the point.
 *
 * @module
 */

import { InvalidArgumentError, randomInt, type Rng } from "../../core/mod.ts";
import { decodeWithSharp, type GrayImage } from "../mod.ts";
import { drawStrokes, type Point, type Stroke } from "./pen_strokes.ts";
import { inkToGray, placeOnCanvas } from "./scenes.ts";

/**
 * The letters {@link makeNonDigits} uses: A–Z and a–z without the digit
 * look-alikes O o I l i Z z S s.
 *
 * @example
 * ```ts
 * import { assert, assertEquals } from "@std/assert";
 * import { NON_DIGIT_LETTERS } from "./non_digits.ts";
 * assertEquals(NON_DIGIT_LETTERS.length, 52 - 9);
 * assert(NON_DIGIT_LETTERS.includes("A") && !NON_DIGIT_LETTERS.includes("O"));
 * ```
 */
export const NON_DIGIT_LETTERS: string = "ABCDEFGHJKLMNPQRTUVWXY" + "abcdefghjkmnpqrtuvwxy";

/** The shapes {@link shapeStrokes} draws. */
export const SHAPES = [
  "crossed circle",
  "circle with X",
  "square",
  "crossed square",
  "triangle",
  "star",
  "arrow",
  "double arrow",
  "plus",
  "asterisk",
  "hash",
  "check mark",
  "heart",
  "spiral",
  "wave",
  "zigzag",
] as const;

/** One of {@link SHAPES}. */
export type ShapeName = typeof SHAPES[number];

/** What a non-digit image shows. */
export type NonDigitKind = "letter" | "shape" | "scribble";

/** One image of {@link makeNonDigits}. */
export interface NonDigitImage {
  /** Letter, shape or scribble. */
  kind: NonDigitKind;
  /** What it is, e.g. `letter A (serif bold)`, `letter k (strokes)`, `star`, `scribble`. */
  name: string;
  /** The picture, photo convention (1 = white paper, dark ink). */
  image: GrayImage;
}

function arc(cx: number, cy: number, rx: number, ry: number, from: number, to: number): Point[] {
  const steps = Math.max(8, Math.ceil(Math.abs(to - from) / 12));
  return Array.from({ length: steps + 1 }, (_, i) => {
    const a = ((from + ((to - from) * i) / steps) * Math.PI) / 180;
    return [cx + rx * Math.cos(a), cy + ry * Math.sin(a)] as Point;
  });
}

/** Stroke paths of capital letters in a unit box (y down), for machines without fonts. */
const LETTER_STROKES: Readonly<Record<string, Stroke[]>> = {
  A: [[[0.15, 0.95], [0.5, 0.05], [0.85, 0.95]], [[0.28, 0.62], [0.72, 0.62]]],
  B: [
    [[0.25, 0.05], [0.25, 0.95]],
    [[0.25, 0.05], [0.55, 0.05], ...arc(0.55, 0.27, 0.2, 0.22, -90, 90), [0.25, 0.49]],
    [[0.25, 0.49], [0.58, 0.49], ...arc(0.58, 0.72, 0.22, 0.23, -90, 90), [0.25, 0.95]],
  ],
  C: [arc(0.55, 0.5, 0.35, 0.45, 45, 315)],
  D: [[[0.25, 0.05], [0.25, 0.95]], [[0.25, 0.05], ...arc(0.4, 0.5, 0.38, 0.45, -90, 90), [
    0.25,
    0.95,
  ]]],
  E: [[[0.75, 0.05], [0.25, 0.05], [0.25, 0.95], [0.75, 0.95]], [[0.25, 0.5], [0.65, 0.5]]],
  F: [[[0.75, 0.05], [0.25, 0.05], [0.25, 0.95]], [[0.25, 0.5], [0.65, 0.5]]],
  G: [[...arc(0.52, 0.5, 0.35, 0.45, -40, -320), [0.87, 0.55], [0.6, 0.55]]],
  H: [[[0.2, 0.05], [0.2, 0.95]], [[0.8, 0.05], [0.8, 0.95]], [[0.2, 0.5], [0.8, 0.5]]],
  J: [[[0.7, 0.05], ...arc(0.45, 0.7, 0.25, 0.25, 0, 160)]],
  K: [[[0.25, 0.05], [0.25, 0.95]], [[0.78, 0.05], [0.25, 0.58]], [[0.4, 0.45], [0.8, 0.95]]],
  L: [[[0.28, 0.05], [0.28, 0.95], [0.78, 0.95]]],
  M: [[[0.12, 0.95], [0.18, 0.05], [0.5, 0.7], [0.82, 0.05], [0.88, 0.95]]],
  N: [[[0.2, 0.95], [0.2, 0.05], [0.8, 0.95], [0.8, 0.05]]],
  P: [[[0.25, 0.95], [0.25, 0.05], [0.55, 0.05], ...arc(0.55, 0.28, 0.22, 0.23, -90, 90), [
    0.25,
    0.51,
  ]]],
  Q: [arc(0.5, 0.48, 0.35, 0.43, 0, 360), [[0.55, 0.7], [0.85, 0.98]]],
  R: [
    [[0.25, 0.95], [0.25, 0.05], [0.55, 0.05], ...arc(0.55, 0.28, 0.22, 0.23, -90, 90), [
      0.25,
      0.51,
    ]],
    [[0.5, 0.51], [0.8, 0.95]],
  ],
  T: [[[0.12, 0.05], [0.88, 0.05]], [[0.5, 0.05], [0.5, 0.95]]],
  U: [[[0.2, 0.05], [0.2, 0.65], ...arc(0.5, 0.65, 0.3, 0.3, 180, 0), [0.8, 0.05]]],
  V: [[[0.15, 0.05], [0.5, 0.95], [0.85, 0.05]]],
  W: [[[0.08, 0.05], [0.28, 0.95], [0.5, 0.35], [0.72, 0.95], [0.92, 0.05]]],
  X: [[[0.18, 0.05], [0.82, 0.95]], [[0.82, 0.05], [0.18, 0.95]]],
  Y: [[[0.15, 0.05], [0.5, 0.5], [0.85, 0.05]], [[0.5, 0.5], [0.5, 0.95]]],
};

/**
 * The capital letters {@link letterStrokes} can draw (the fallback when no
 * font renders): the capitals of {@link NON_DIGIT_LETTERS}.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { STROKE_LETTERS } from "./non_digits.ts";
 * assertEquals(STROKE_LETTERS.length, 22);
 * ```
 */
export const STROKE_LETTERS: string = Object.keys(LETTER_STROKES).join("");

/**
 * The stroke paths of a capital letter in a unit box (y down), like
 * `digitStrokes` for digits.
 *
 * @throws {InvalidArgumentError} for a letter outside {@link STROKE_LETTERS}.
 *
 * @example
 * ```ts
 * import { assertEquals, assertThrows } from "@std/assert";
 * import { letterStrokes } from "./non_digits.ts";
 * import { InvalidArgumentError } from "../../core/errors.ts";
 * assertEquals(letterStrokes("T"), [[[0.12, 0.05], [0.88, 0.05]], [[0.5, 0.05], [0.5, 0.95]]]);
 * assertThrows(() => letterStrokes("O"), InvalidArgumentError, '"O"');
 * ```
 */
export function letterStrokes(letter: string): Stroke[] {
  const strokes = LETTER_STROKES[letter];
  if (strokes === undefined) {
    throw new InvalidArgumentError(
      `no stroke paths for ${JSON.stringify(letter)}: use one of ${STROKE_LETTERS}`,
    );
  }
  return strokes.map((s) => s.map(([x, y]) => [x, y] as Point));
}

function star(points: number, inner: number): Point[] {
  return Array.from({ length: 2 * points + 1 }, (_, i) => {
    const a = -Math.PI / 2 + (i * Math.PI) / points;
    const r = i % 2 === 0 ? 0.45 : 0.45 * inner;
    return [0.5 + r * Math.cos(a), 0.5 + r * Math.sin(a)] as Point;
  });
}

function shapeGlyph(name: ShapeName, rng: Rng): Stroke[] {
  const ring = arc(0.5, 0.5, 0.42, 0.42, 0, 360);
  const box: Stroke = [[0.1, 0.1], [0.9, 0.1], [0.9, 0.9], [0.1, 0.9], [0.1, 0.1]];
  switch (name) {
    case "crossed circle":
      return [ring, [[0.5, 0.02], [0.5, 0.98]], [[0.02, 0.5], [0.98, 0.5]]];
    case "circle with X":
      return [ring, [[0.2, 0.2], [0.8, 0.8]], [[0.8, 0.2], [0.2, 0.8]]];
    case "square":
      return [box];
    case "crossed square":
      return [box, [[0.1, 0.1], [0.9, 0.9]], [[0.9, 0.1], [0.1, 0.9]]];
    case "triangle":
      return [[[0.5, 0.08], [0.92, 0.88], [0.08, 0.88], [0.5, 0.08]]];
    case "star":
      return [star(5, 0.4 + 0.15 * rng())];
    case "arrow":
      return [[[0.05, 0.5], [0.95, 0.5]], [[0.65, 0.22], [0.95, 0.5], [0.65, 0.78]]];
    case "double arrow":
      return [
        [[0.05, 0.5], [0.95, 0.5]],
        [[0.3, 0.25], [0.05, 0.5], [0.3, 0.75]],
        [[0.7, 0.25], [0.95, 0.5], [0.7, 0.75]],
      ];
    case "plus":
      return [[[0.5, 0.1], [0.5, 0.9]], [[0.1, 0.5], [0.9, 0.5]]];
    case "asterisk":
      return [0, 60, 120].map((deg) => {
        const a = (deg * Math.PI) / 180, dx = 0.42 * Math.sin(a), dy = 0.42 * Math.cos(a);
        return [[0.5 - dx, 0.5 - dy], [0.5 + dx, 0.5 + dy]] as Stroke;
      });
    case "hash":
      return [
        [[0.35, 0.08], [0.3, 0.92]],
        [[0.7, 0.08], [0.65, 0.92]],
        [[0.1, 0.35], [0.9, 0.35]],
        [[0.1, 0.65], [0.9, 0.65]],
      ];
    case "check mark":
      return [[[0.08, 0.55], [0.35, 0.85], [0.92, 0.12]]];
    case "heart":
      return [[
        [0.5, 0.92],
        [0.12, 0.5],
        ...arc(0.3, 0.32, 0.2, 0.2, 150, 360),
        ...arc(0.7, 0.32, 0.2, 0.2, 180, 390),
        [0.88, 0.5],
        [0.5, 0.92],
      ]];
    case "spiral":
      return [
        Array.from({ length: 60 }, (_, i) => {
          const a = (i / 59) * 5 * Math.PI, r = 0.04 + 0.4 * (i / 59);
          return [0.5 + r * Math.cos(a), 0.5 + r * Math.sin(a)] as Point;
        }),
      ];
    case "wave":
      return [
        Array.from({ length: 40 }, (_, i) => {
          const x = 0.05 + 0.9 * (i / 39);
          return [x, 0.5 + 0.25 * Math.sin(x * 4 * Math.PI)] as Point;
        }),
      ];
    case "zigzag":
      return [[[0.05, 0.3], [0.25, 0.7], [0.45, 0.3], [0.65, 0.7], [0.85, 0.3], [0.95, 0.55]]];
  }
}

/**
 * The stroke paths of a shape in a unit box (y down), turned by a random
 * angle of up to `maxTurn` degrees either way.
 *
 * @throws {InvalidArgumentError} for a name outside {@link SHAPES}.
 *
 * @example
 * ```ts
 * import { assertEquals, assertThrows } from "@std/assert";
 * import { shapeStrokes } from "./non_digits.ts";
 * import { createRng } from "../../core/random.ts";
 * import { InvalidArgumentError } from "../../core/errors.ts";
 * assertEquals(shapeStrokes("plus", createRng(1), 0), [[[0.5, 0.1], [0.5, 0.9]], [[0.1, 0.5], [0.9, 0.5]]]);
 * assertThrows(() => shapeStrokes("ring" as never, createRng(1)), InvalidArgumentError, '"ring"');
 * ```
 */
export function shapeStrokes(name: ShapeName, rng: Rng, maxTurn = 20): Stroke[] {
  if (!(SHAPES as readonly string[]).includes(name)) {
    throw new InvalidArgumentError(
      `unknown shape ${JSON.stringify(name)}: use one of ${SHAPES.join(", ")}`,
    );
  }
  return turn(shapeGlyph(name, rng), ((rng() * 2 - 1) * maxTurn * Math.PI) / 180);
}

function turn(strokes: Stroke[], angle: number): Stroke[] {
  if (angle === 0) return strokes;
  const c = Math.cos(angle), s = Math.sin(angle);
  return strokes.map((stroke) =>
    stroke.map(([x, y]) => {
      const dx = x - 0.5, dy = y - 0.5;
      return [0.5 + c * dx - s * dy, 0.5 + s * dx + c * dy] as Point;
    })
  );
}

/**
 * A random scribble in a unit box: one to three smooth strokes through
 * random points (Catmull–Rom curves), as a pen wandering over the paper.
 *
 * @example
 * ```ts
 * import { assert, assertEquals, assertNotEquals } from "@std/assert";
 * import { scribbleStrokes } from "./non_digits.ts";
 * import { createRng } from "../../core/random.ts";
 * const s = scribbleStrokes(createRng(7));
 * assert(s.length >= 1 && s.length <= 3);
 * assert(s.flat().every(([x, y]) => x >= 0 && x <= 1 && y >= 0 && y <= 1));
 * assertEquals(scribbleStrokes(createRng(7)), s); // seeded
 * assertNotEquals(scribbleStrokes(createRng(8)), s);
 * ```
 */
export function scribbleStrokes(rng: Rng): Stroke[] {
  const strokes = 1 + randomInt(rng, 3);
  return Array.from({ length: strokes }, () => {
    const n = 4 + randomInt(rng, 5);
    const pts: Point[] = Array.from(
      { length: n },
      () => [0.08 + 0.84 * rng(), 0.08 + 0.84 * rng()] as Point,
    );
    return catmullRom(pts, 8);
  });
}

/** A smooth curve through `pts`, `steps` samples per segment, clamped to the unit box. */
function catmullRom(pts: Point[], steps: number): Point[] {
  const out: Point[] = [];
  const at = (i: number) => pts[Math.max(0, Math.min(pts.length - 1, i))];
  for (let i = 0; i < pts.length - 1; i++) {
    const [p0, p1, p2, p3] = [at(i - 1), at(i), at(i + 1), at(i + 2)];
    for (let k = 0; k < steps; k++) {
      const t = k / steps, t2 = t * t, t3 = t2 * t;
      const f = (a: number, b: number, c: number, d: number) =>
        0.5 *
        (2 * b + (-a + c) * t + (2 * a - 5 * b + 4 * c - d) * t2 + (-a + 3 * b - 3 * c + d) * t3);
      const clamp = (v: number) => Math.min(1, Math.max(0, v));
      out.push([clamp(f(p0[0], p1[0], p2[0], p3[0])), clamp(f(p0[1], p1[1], p2[1], p3[1]))]);
    }
  }
  out.push(pts[pts.length - 1]);
  return out;
}

/** The font styles letters are rendered in: a generic family, a weight and a slant. */
export interface FontStyle {
  /** A generic CSS family (`sans-serif`, `serif`, `monospace`), resolved by fontconfig. */
  family: "sans-serif" | "serif" | "monospace";
  /** `normal` or `bold`. */
  weight: "normal" | "bold";
  /** `normal` or `italic`. */
  style: "normal" | "italic";
}

/** Options of {@link renderLetter}. */
export interface RenderLetterOptions extends FontStyle {
  /** Canvas height in pixels; the font size is 0.75 of it. */
  size: number;
  /** Canvas width in pixels (default `size`: a square), for longer text. */
  width?: number;
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * Renders `text` in black on white with an installed font (libvips' SVG
 * renderer through `decodeWithSharp`, fonts found by fontconfig), as a photo-convention gray image.
 * Returns null when nothing rendered: no font is installed.
 *
 * @throws {InvalidArgumentError} when `size` is not an integer 8–1024.
 *
 * @example
 * ```ts
 * import { assert, assertEquals } from "@std/assert";
 * import { renderLetter } from "./non_digits.ts";
 * const a = await renderLetter("A", { size: 48, family: "serif", weight: "normal", style: "normal" });
 * if (a !== null) { // null on a machine without fonts
 *   assertEquals([a.width, a.height], [48, 48]);
 *   assert(a.data.some((v) => v < 0.5) && a.data[0] === 1); // dark ink, white corner
 * }
 * ```
 */
export async function renderLetter(
  text: string,
  options: RenderLetterOptions,
): Promise<GrayImage | null> {
  const { size } = options;
  const width = options.width ?? size;
  for (const [name, v] of [["size", size], ["width", width]] as const) {
    if (!Number.isInteger(v) || v < 8 || v > 1024) {
      throw new InvalidArgumentError(`${name} must be an integer 8-1024, got ${v}`);
    }
  }
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${size}">` +
    `<rect width="${width}" height="${size}" fill="#fff"/>` +
    `<text x="${width / 2}" y="${size * 0.72}" font-family="${options.family}" ` +
    `font-weight="${options.weight}" font-style="${options.style}" font-size="${size * 0.75}" ` +
    `text-anchor="middle" fill="#000">${escapeXml(text)}</text></svg>`;
  const gray = await decodeWithSharp(new TextEncoder().encode(svg));
  return gray.data.some((v) => v < 0.5) ? gray : null;
}

/** Options of {@link makeNonDigits}. */
export interface NonDigitOptions {
  /** Random source: picks letters, fonts, shapes, sizes, pens and placements. */
  rng: Rng;
  /** How many images of each kind (letters, shapes, scribbles). */
  perKind: number;
  /**
   * Render letters from installed fonts (default true); when false, or when
   * no font renders, letters are drawn from stroke paths.
   */
  fonts?: boolean;
}

const FAMILIES: FontStyle["family"][] = ["sans-serif", "serif", "monospace"];

/** A pen drawing of `strokes` on a canvas of random size, at a random place, as a photo. */
function penDrawing(strokes: Stroke[], rng: Rng): GrayImage {
  const size = 40 + randomInt(rng, 80);
  const glyph = drawStrokes(strokes, {
    width: size,
    height: size,
    penWidth: size * (0.05 + 0.07 * rng()),
    frame: { x: size * 0.12, y: size * 0.12, size: size * 0.76 },
  });
  return onPaper(glyph, rng);
}

/** Puts an ink image somewhere on a canvas up to twice its size, black on white. */
function onPaper(ink: GrayImage, rng: Rng): GrayImage {
  const width = Math.round(ink.width * (1 + rng())), height = Math.round(ink.height * (1 + rng()));
  const x = rng() * (width - ink.width), y = rng() * (height - ink.height);
  return inkToGray(placeOnCanvas(ink, { width, height, x, y }));
}

function invert(img: GrayImage): GrayImage {
  return { ...img, data: img.data.map((v) => 1 - v) };
}

/**
 * Makes `perKind` letters, `perKind` shapes and `perKind` scribbles, each a
 * photo-convention gray image of its own size (40–240 px) with the figure
 * somewhere on white paper. Letters come from {@link NON_DIGIT_LETTERS} in
 * random installed fonts (sans, serif, mono; bold or not; italic or not),
 * or from {@link letterStrokes} without fonts; shapes from {@link SHAPES},
 * turned up to 20 degrees; pen widths vary from thin to bold.
 *
 * @throws {InvalidArgumentError} when `perKind` is not a positive integer.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { makeNonDigits } from "./non_digits.ts";
 * import { createRng } from "../../core/random.ts";
 * const set = await makeNonDigits({ rng: createRng(1), perKind: 2 });
 * assertEquals(set.map((s) => s.kind), ["letter", "letter", "shape", "shape", "scribble", "scribble"]);
 * assertEquals(set.every((s) => s.image.data.some((v) => v < 0.5)), true); // each has ink
 * ```
 */
export async function makeNonDigits(options: NonDigitOptions): Promise<NonDigitImage[]> {
  const { rng, perKind } = options;
  if (!Number.isInteger(perKind) || perKind < 1) {
    throw new InvalidArgumentError(`perKind must be a positive integer, got ${perKind}`);
  }
  const out: NonDigitImage[] = [];
  let fonts = options.fonts ?? true;
  for (let i = 0; i < perKind; i++) {
    const style: FontStyle = {
      family: FAMILIES[randomInt(rng, FAMILIES.length)],
      weight: rng() < 0.5 ? "normal" : "bold",
      style: rng() < 0.7 ? "normal" : "italic",
    };
    const size = 40 + randomInt(rng, 80);
    const letter = NON_DIGIT_LETTERS[randomInt(rng, NON_DIGIT_LETTERS.length)];
    const rendered = fonts ? await renderLetter(letter, { ...style, size }) : null;
    if (rendered !== null) {
      out.push({
        kind: "letter",
        name: `letter ${letter} (${style.family} ${style.weight} ${style.style})`,
        image: onPaper(invert(rendered), rng),
      });
    } else {
      fonts = false; // no font renders: the rest are drawn too
      const capital = STROKE_LETTERS[randomInt(rng, STROKE_LETTERS.length)];
      out.push({
        kind: "letter",
        name: `letter ${capital} (strokes)`,
        image: penDrawing(letterStrokes(capital), rng),
      });
    }
  }
  for (let i = 0; i < perKind; i++) {
    const name = SHAPES[randomInt(rng, SHAPES.length)];
    out.push({ kind: "shape", name, image: penDrawing(shapeStrokes(name, rng), rng) });
  }
  for (let i = 0; i < perKind; i++) {
    out.push({ kind: "scribble", name: "scribble", image: penDrawing(scribbleStrokes(rng), rng) });
  }
  return out;
}
