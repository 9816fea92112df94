/**
 * Connected components (8-connected) of a binary ink mask, and dropping
 * the specks among them.
 *
 * @module
 */

import { InvalidArgumentError } from "../core/mod.ts";
import type { Box } from "./raster.ts";
import { Scratch } from "./scratch.ts";

/**
 * One connected component of a mask.
 */
export interface Component {
  /** Label in the label image (1-based; 0 is background). */
  label: number;
  /** Number of pixels. */
  area: number;
  /** Bounding box. */
  box: Box;
  /** Mean column and row of its pixels. */
  center: { x: number; y: number };
}

/**
 * Result of {@link labelComponents}.
 */
export interface Labelling {
  /** Per-pixel label: 0 = background, k = `components[k - 1]`. */
  labels: Int32Array;
  /** Components in label order (scan order of their first pixel). */
  components: Component[];
}

/** Pixels still to visit in {@link labelComponents} and their coordinates (see `scratch.ts`). */
const stackScratch = new Scratch((n) => new Int32Array(n)),
  stackXScratch = new Scratch((n) => new Int32Array(n)),
  stackYScratch = new Scratch((n) => new Int32Array(n));

/** Labels every component of `mask` in `labels` (scan order) and describes it in `components`. */
function fill(
  mask: Uint8Array,
  w: number,
  h: number,
  labels: Int32Array,
  components: Component[],
): void {
  // Each mask pixel is pushed at most once.
  const stack = stackScratch.take(w * h),
    stackX = stackXScratch.take(w * h),
    stackY = stackYScratch.take(w * h);
  for (let start = 0, sy0 = 0, sx0 = 0; start < w * h; start++, sx0++) {
    if (sx0 === w) {
      sx0 = 0;
      sy0++;
    }
    if (!mask[start] || labels[start]) continue;
    const label = components.length + 1;
    let top = 0, area = 0, sx = 0, sy = 0;
    let x0 = w, y0 = h, x1 = -1, y1 = -1;
    stack[top] = start;
    stackX[top] = sx0;
    stackY[top++] = sy0;
    labels[start] = label;
    while (top > 0) {
      const p = stack[--top], x = stackX[top], y = stackY[top];
      area++;
      sx += x;
      sy += y;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
      for (let dy = -1; dy <= 1; dy++) {
        const yy = y + dy;
        if (yy < 0 || yy >= h) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const xx = x + dx;
          if (xx < 0 || xx >= w) continue;
          const q = p + dy * w + dx;
          if (mask[q] && !labels[q]) {
            labels[q] = label;
            stack[top] = q;
            stackX[top] = xx;
            stackY[top++] = yy;
          }
        }
      }
    }
    components.push({
      label,
      area,
      box: { x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 },
      center: { x: sx / area, y: sy / area },
    });
  }
}

/**
 * Labels the 8-connected components of a mask (non-zero = ink).
 *
 * @throws {InvalidArgumentError} when the mask length is not `width * height`.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { labelComponents } from "./components.ts";
 * // 4x2: (0,0) and (1,1) touch diagonally; (3,0) is alone
 * const mask = new Uint8Array([1, 0, 0, 1, 0, 1, 0, 0]);
 * const { labels, components } = labelComponents(mask, { width: 4, height: 2 });
 * assertEquals(Array.from(labels), [1, 0, 0, 2, 0, 1, 0, 0]);
 * assertEquals(components.map((c) => c.area), [2, 1]);
 * ```
 */
export function labelComponents(
  mask: Uint8Array,
  size: { width: number; height: number },
): Labelling {
  const { width: w, height: h } = size;
  if (mask.length !== w * h) {
    throw new InvalidArgumentError(`mask has ${mask.length} values, expected ${w}x${h}`);
  }
  const labels = new Int32Array(w * h);
  const components: Component[] = [];
  fill(mask, w, h, labels, components);
  return { labels, components };
}

/**
 * Options of {@link dropSpecks}.
 */
export interface SpeckOptions {
  /** Components with less than this fraction of the largest one's area are specks. Default 0.1. */
  minFraction?: number;
  /**
   * Smaller pieces (down to `minFraction / 5` of the largest) are kept when
   * they lie within this fraction of the main ink's size from its bounding
   * box: they are likely a broken-off part of the digit. Default 0.15.
   */
  nearFraction?: number;
}

/**
 * Keeps the components that are not specks: those at least `minFraction`
 * of the largest component's area, plus moderately small pieces close to
 * them. Returns the kept components, largest first.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { dropSpecks } from "./components.ts";
 * const box = (x: number, y: number, width: number, height: number) => ({ x, y, width, height });
 * const big = { label: 1, area: 400, box: box(10, 10, 20, 40), center: { x: 20, y: 30 } };
 * const dot = { label: 2, area: 3, box: box(90, 90, 2, 2), center: { x: 91, y: 91 } };
 * assertEquals(dropSpecks([dot, big]).map((c) => c.label), [1]);
 * ```
 */
export function dropSpecks(components: Component[], options: SpeckOptions = {}): Component[] {
  const minFraction = options.minFraction ?? 0.1;
  const nearFraction = options.nearFraction ?? 0.15;
  if (components.length === 0) return [];
  const sorted = [...components].sort((a, b) => b.area - a.area);
  const largest = sorted[0].area;
  const main = sorted.filter((c) => c.area >= minFraction * largest);
  const box = unionBox(main.map((c) => c.box));
  const reach = nearFraction * Math.max(box.width, box.height);
  const near = sorted.filter((c) =>
    c.area < minFraction * largest && c.area >= (minFraction / 5) * largest &&
    c.box.x + c.box.width > box.x - reach && c.box.x < box.x + box.width + reach &&
    c.box.y + c.box.height > box.y - reach && c.box.y < box.y + box.height + reach
  );
  return [...main, ...near];
}

/**
 * Options of {@link selectDigit}.
 */
export interface DigitGroupOptions {
  /** Width and height of the image the components come from. */
  width: number;
  /** Height of the image. */
  height: number;
  /** Pieces smaller than this fraction of the main stroke are specks wherever they are. Default 0.02. */
  minFraction?: number;
  /** How far from the group's box (fraction of its longer side) a piece may be to join. Default 0.3. */
  reach?: number;
}

/**
 * A piece of ink that touches the image border counts a fifth of its area
 * when the main stroke is chosen: page edges, shadows and a table's edge
 * come in from the border, while a photographed digit lies inside the
 * frame. In a tight crop the digit touches the border too, but then it is
 * nearly all of the ink (MNIST-like crops: 80-100% of the ink pixels).
 */
const BORDER_WEIGHT = 0.2;

/**
 * How much of its box a piece leaves empty, at least 0.05: written strokes
 * cover 10-50% of their box (MNIST digits about 20% of theirs, a bold 1
 * up to 90%), while the solid regions that photos add (the dark table past
 * the page edge, a shadow, an ink blot) fill most of theirs. The 0.05
 * floor keeps a solid piece from weighing nothing, so a blob still wins
 * over mere specks.
 */
function openness(c: Component): number {
  return Math.max(0.05, 1 - c.area / (c.box.width * c.box.height));
}

/** Pieces at least this fraction of the main stroke's area may join from a whole digit's size away. */
const BIG = 0.25;

function touchesBorder(c: Component, width: number, height: number): boolean {
  const { x, y, width: w, height: h } = c.box;
  return x === 0 || y === 0 || x + w === width || y + h === height;
}

/**
 * The most digit-like piece of ink: the largest, weighed by how much of its
 * box it leaves empty (strokes, not solid regions) and by a fifth when it
 * touches the image border. Null when there is none.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { mainPiece } from "./components.ts";
 * const box = (x: number, y: number, width: number, height: number) => ({ x, y, width, height });
 * const ring = { label: 1, area: 300, box: box(40, 40, 30, 40), center: { x: 55, y: 60 } };
 * const shadow = { label: 2, area: 2000, box: box(0, 100, 100, 20), center: { x: 50, y: 110 } };
 * assertEquals(mainPiece([shadow, ring], { width: 100, height: 120 })?.label, 1);
 * assertEquals(mainPiece([], { width: 100, height: 120 }), null);
 * ```
 */
export function mainPiece(
  components: Component[],
  size: { width: number; height: number },
): Component | null {
  if (components.length === 0) return null;
  const weight = (c: Component) =>
    c.area * openness(c) * (touchesBorder(c, size.width, size.height) ? BORDER_WEIGHT : 1);
  return components.reduce((a, b) => (weight(b) > weight(a) ? b : a));
}

/**
 * Chooses the one digit among pieces of ink: the main stroke is the
 * largest piece, weighed by how much of its box it leaves empty (strokes,
 * not solid regions) and by a fifth when it touches the border, and the pieces
 * near it join it, one after another, while they lie within `reach` of the
 * group's box (a broken stroke, the bar of a 5, the dot-like end of a 9's
 * tail), or, for pieces a quarter of the main stroke's area or more that do
 * not touch the border, within the group's own size (a 7's bar cut off by
 * a faint stretch of stroke); pieces farther away (grid crossings, a stray
 * ink dot across the
 * page, the edge of the sheet) and specks below `minFraction` of the main
 * stroke are left out. Returns the group, largest first.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { selectDigit } from "./components.ts";
 * const box = (x: number, y: number, width: number, height: number) => ({ x, y, width, height });
 * const digit = { label: 1, area: 400, box: box(40, 40, 20, 40), center: { x: 50, y: 60 } };
 * const bar = { label: 2, area: 60, box: box(42, 30, 18, 4), center: { x: 51, y: 32 } };
 * const dot = { label: 3, area: 50, box: box(5, 90, 6, 6), center: { x: 8, y: 93 } };
 * const edge = { label: 4, area: 1000, box: box(0, 115, 120, 5), center: { x: 60, y: 117 } };
 * const kept = selectDigit([dot, edge, bar, digit], { width: 120, height: 120 });
 * assertEquals(kept.map((c) => c.label), [1, 2]);
 * ```
 */
export function selectDigit(components: Component[], options: DigitGroupOptions): Component[] {
  const main = mainPiece(components, options);
  if (main === null) return [];
  const minFraction = options.minFraction ?? 0.02;
  const reachFraction = options.reach ?? 0.3;
  const group = [main];
  let box = main.box;
  const rest = components.filter((c) => c !== main && c.area >= minFraction * main.area)
    .sort((a, b) => b.area - a.area);
  const within = (c: Component, reach: number) =>
    c.box.x + c.box.width > box.x - reach && c.box.x < box.x + box.width + reach &&
    c.box.y + c.box.height > box.y - reach && c.box.y < box.y + box.height + reach;
  for (let added = true; added;) {
    added = false;
    const side = Math.max(box.width, box.height);
    for (let i = 0; i < rest.length; i++) {
      const c = rest[i];
      // A big piece (a quarter of the main stroke or more) that does not
      // come in from the border may be farther: a 7's bar or a 9's loop cut
      // off by a faint stretch of stroke.
      const big = c.area >= BIG * main.area && !touchesBorder(c, options.width, options.height);
      if (within(c, reachFraction * side) || (big && within(c, side))) {
        group.push(c);
        box = unionBox([box, c.box]);
        rest.splice(i--, 1);
        added = true;
      }
    }
  }
  return group.sort((a, b) => b.area - a.area);
}

/**
 * The smallest box containing all the given boxes.
 *
 * @throws {InvalidArgumentError} when `boxes` is empty.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { unionBox } from "./components.ts";
 * const boxes = [{ x: 0, y: 0, width: 2, height: 2 }, { x: 5, y: 1, width: 1, height: 4 }];
 * assertEquals(unionBox(boxes), { x: 0, y: 0, width: 6, height: 5 });
 * ```
 */
export function unionBox(boxes: Box[]): Box {
  if (boxes.length === 0) throw new InvalidArgumentError("unionBox needs at least one box");
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (const b of boxes) {
    x0 = Math.min(x0, b.x);
    y0 = Math.min(y0, b.y);
    x1 = Math.max(x1, b.x + b.width);
    y1 = Math.max(y1, b.y + b.height);
  }
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

/**
 * Scales a box by `factor` (e.g. from a shrunk working image back to the
 * original), rounding outward so the result still covers the same pixels.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { scaleBox } from "./components.ts";
 * const box = { x: 3, y: 4, width: 5, height: 6 };
 * assertEquals(scaleBox(box, 2), { x: 6, y: 8, width: 10, height: 12 });
 * // Halving rounds outward: x 3..8 becomes 1.5..4, covered by 1..4.
 * assertEquals(scaleBox(box, 0.5), { x: 1, y: 2, width: 3, height: 3 });
 * ```
 */
export function scaleBox(box: Box, factor: number): Box {
  const x = Math.floor(box.x * factor), y = Math.floor(box.y * factor);
  return {
    x,
    y,
    width: Math.ceil((box.x + box.width) * factor) - x,
    height: Math.ceil((box.y + box.height) * factor) - y,
  };
}
