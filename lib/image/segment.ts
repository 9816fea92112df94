/**
 * Splitting an image of a written number (one row of digits) into
 * per-digit MNIST images, left to right.
 *
 * Ink is found as for a single digit (`extractInk`). Its connected strokes
 * are then grouped into digits:
 * - strokes whose column ranges overlap strongly (at least half of the
 *   narrower one) belong to one digit — a broken 5 or 4;
 * - small pieces (much smaller than a typical stroke, or much shorter than
 *   the typical digit height) join the nearest digit when close, and are
 *   dropped as specks otherwise;
 * - a group much wider than the row's typical digit height (touching
 *   digits) is cut into as many pieces as typical digit widths fit in it,
 *   at the columns with the least ink near the expected cut points.
 *
 * @module
 */

import { InvalidArgumentError } from "../core/mod.ts";
import { type Component, scaleBox } from "./components.ts";
import { extractInk, type InkOptions } from "./ink.ts";
import { type MnistLayoutOptions, toMnistLayout } from "./mnist_format.ts";
import type { Box, GrayImage, PipelineStep } from "./raster.ts";

/**
 * Options of {@link segmentDigits}.
 */
export interface SegmentOptions extends Omit<InkOptions, "mainOnly" | "returnSteps"> {
  /** Target stroke width at the 20 px scale, or `false` to keep it. Default 1.9. */
  strokeWidth?: MnistLayoutOptions["strokeWidth"];
  /** Cut groups wider than this many times their (or the row's median) height. Default 1.3. */
  splitAspect?: number;
  /** Record intermediate images. Default false. */
  returnSteps?: boolean;
}

/**
 * One digit found by {@link segmentDigits}.
 */
export interface SegmentedDigit {
  /** 784 values, 28x28 row-major, ink = 1. */
  pixels: Float32Array;
  /** Where the digit is, in the input image's pixels. */
  box: Box;
}

/**
 * Result of {@link segmentDigits}.
 */
export interface Segmentation {
  /** The digits, left to right (empty when no ink was found). */
  digits: SegmentedDigit[];
  /** Intermediate images, when asked for. */
  steps?: PipelineStep[];
}

/** A digit candidate: labels of its strokes and its box at working size. */
interface Group {
  labels: number[];
  box: Box;
  area: number;
}

function merge(a: Group, b: Group): Group {
  const x = Math.min(a.box.x, b.box.x), y = Math.min(a.box.y, b.box.y);
  const x1 = Math.max(a.box.x + a.box.width, b.box.x + b.box.width);
  const y1 = Math.max(a.box.y + a.box.height, b.box.y + b.box.height);
  return {
    labels: [...a.labels, ...b.labels],
    box: { x, y, width: x1 - x, height: y1 - y },
    area: a.area + b.area,
  };
}

function xOverlap(a: Box, b: Box): number {
  return Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
}

function boxGap(a: Box, b: Box): number {
  const dx = Math.max(0, Math.max(a.x, b.x) - Math.min(a.x + a.width, b.x + b.width));
  const dy = Math.max(0, Math.max(a.y, b.y) - Math.min(a.y + a.height, b.y + b.height));
  return Math.hypot(dx, dy);
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[s.length >> 1];
}

/**
 * Groups connected strokes into digits (see the module documentation).
 * Returns groups ordered left to right.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { groupStrokes } from "./segment.ts";
 * const c = (label: number, x: number, y: number, width: number, height: number, area: number) => (
 *   { label, area, box: { x, y, width, height }, center: { x: x + width / 2, y: y + height / 2 } }
 * );
 * // a "1", a "5" broken into bar + body, and a speck far below
 * const strokes = [c(1, 0, 0, 4, 40, 120), c(2, 30, 0, 20, 6, 80), c(3, 28, 8, 22, 32, 300)];
 * const groups = groupStrokes([...strokes, c(4, 70, 90, 2, 2, 4)]);
 * assertEquals(groups.map((g) => [...g.labels].sort()), [[1], [2, 3]]);
 * ```
 */
export function groupStrokes(components: Component[]): Group[] {
  if (components.length === 0) return [];
  const largest = Math.max(...components.map((c) => c.area));
  const major = components.filter((c) => c.area >= 0.15 * largest);
  const digitHeight = median(major.map((c) => c.box.height));
  const isSmall = (g: Group) => g.area < 0.15 * largest || g.box.height < 0.45 * digitHeight;
  let groups: Group[] = components.map((c) => ({ labels: [c.label], box: c.box, area: c.area }));
  // Strong overlap of column ranges: one digit.
  for (let changed = true; changed;) {
    changed = false;
    outer: for (let i = 0; i < groups.length; i++) {
      for (let j = i + 1; j < groups.length; j++) {
        const a = groups[i].box, b = groups[j].box;
        if (xOverlap(a, b) >= 0.5 * Math.min(a.width, b.width) && boxGap(a, b) < digitHeight / 2) {
          groups[i] = merge(groups[i], groups[j]);
          groups.splice(j, 1);
          changed = true;
          break outer;
        }
      }
    }
  }
  // Small pieces join the nearest real digit when close; otherwise they are specks.
  const big = groups.filter((g) => !isSmall(g));
  for (const piece of groups.filter(isSmall)) {
    let best = -1, bestGap = Infinity;
    big.forEach((g, k) => {
      const gap = boxGap(g.box, piece.box);
      if (gap < bestGap) [best, bestGap] = [k, gap];
    });
    if (best >= 0 && bestGap <= 0.3 * digitHeight && piece.area >= 0.01 * largest) {
      big[best] = merge(big[best], piece);
    }
  }
  groups = big;
  return groups.sort((a, b) => a.box.x + a.box.width / 2 - (b.box.x + b.box.width / 2));
}

/** Ink image of one group's pixels only. */
function groupInk(ink: GrayImage, labels: Int32Array, group: Group): GrayImage {
  const wanted = new Set(group.labels);
  const data = new Float32Array(ink.data.length);
  for (let i = 0; i < data.length; i++) if (wanted.has(labels[i])) data[i] = ink.data[i];
  return { ...ink, data };
}

/**
 * Cuts an ink image (one group) into `parts` pieces at the columns with the
 * least ink near each expected cut point (with a penalty for straying from
 * it). Returns the pieces' column ranges.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { splitColumns } from "./segment.ts";
 * const w = 20, h = 10, data = new Float32Array(w * h).fill(1);
 * for (let y = 0; y < h; y++) data[y * w + 9] = 0.1; // a thin waist at column 9
 * const ranges = splitColumns({ width: w, height: h, data }, { x: 0, width: 20 }, 2);
 * assertEquals(ranges, [[0, 9], [9, 20]]);
 * ```
 */
export function splitColumns(
  ink: GrayImage,
  span: { x: number; width: number },
  parts: number,
): [number, number][] {
  const profile = new Float32Array(span.width);
  for (let y = 0; y < ink.height; y++) {
    for (let x = 0; x < span.width; x++) profile[x] += ink.data[y * ink.width + span.x + x];
  }
  let mean = 0;
  for (const v of profile) mean += v / span.width;
  const cuts = [span.x];
  for (let k = 1; k < parts; k++) {
    const expected = (k * span.width) / parts;
    const radius = span.width / parts / 3;
    // Least ink, but where touching round digits leave similar amounts of
    // ink everywhere, the column nearest the expected cut wins.
    const cost = (x: number) => profile[x] + (mean * Math.abs(x - expected)) / radius;
    let best = Math.round(expected);
    for (let x = Math.ceil(expected - radius); x <= Math.floor(expected + radius); x++) {
      if (x > 0 && x < span.width && cost(x) < cost(best)) best = x;
    }
    cuts.push(span.x + best);
  }
  cuts.push(span.x + span.width);
  return cuts.slice(0, -1).map((c, k) => [c, cuts[k + 1]] as [number, number]);
}

/**
 * Finds the digits of a written number (one row, photo convention: 1 =
 * white) and normalises each to MNIST format, left to right.
 *
 * @throws {InvalidArgumentError} when `splitAspect` is not above 1.
 *
 * @example
 * ```ts
 * import { assert, assertEquals } from "@std/assert";
 * import { readImage } from "./decode.ts";
 * import { segmentDigits } from "./segment.ts";
 * const { digits } = segmentDigits(await readImage("data/examples/number_2024.png"));
 * assertEquals(digits.map((d) => d.pixels.length), [784, 784, 784, 784]);
 * assert(digits.every((d, i) => i === 0 || d.box.x > digits[i - 1].box.x)); // left to right
 * ```
 */
export function segmentDigits(img: GrayImage, options: SegmentOptions = {}): Segmentation {
  const splitAspect = options.splitAspect ?? 1.3;
  if (!(splitAspect > 1)) {
    throw new InvalidArgumentError(`splitAspect must be above 1, got ${splitAspect}`);
  }
  const found = extractInk(img, {
    ...options,
    mainOnly: false,
    speckFraction: options.speckFraction ?? 0.01,
  });
  const steps = found.steps;
  if (!found.inkFound) return { digits: [], ...(steps ? { steps } : {}) };
  const groups = groupStrokes(found.components);
  const rowHeight = median(groups.map((g) => g.box.height));
  // Typical digit width: from the groups that are single digits, else 0.7 of the height.
  const singles = groups.filter((g) =>
    g.box.width <= splitAspect * Math.max(g.box.height, rowHeight)
  );
  const digitWidth = singles.length > 0 ? median(singles.map((g) => g.box.width)) : 0.7 * rowHeight;
  const digits: SegmentedDigit[] = [];
  for (const group of groups) {
    const ink = groupInk(found.ink, found.labels, group);
    const { box } = group;
    const height = Math.max(box.height, rowHeight);
    const parts = box.width > splitAspect * height
      ? Math.max(2, Math.round(box.width / Math.max(digitWidth, 0.5 * height)))
      : 1;
    const ranges = parts === 1 ? [[box.x, box.x + box.width]] : splitColumns(ink, box, parts);
    for (const [x0, x1] of ranges) {
      const piece = parts === 1 ? ink : {
        ...ink,
        data: ink.data.map((v, i) => {
          const x = i % ink.width;
          return x >= x0 && x < x1 ? v : 0;
        }),
      };
      const layout = toMnistLayout(piece, { strokeWidth: options.strokeWidth });
      digits.push({
        pixels: layout.pixels,
        box: scaleBox({ x: x0, y: box.y, width: x1 - x0, height: box.height }, 1 / found.scale),
      });
      steps?.push({ name: `digit ${digits.length}`, width: 28, height: 28, data: layout.pixels });
    }
  }
  return { digits, ...(steps ? { steps } : {}) };
}
