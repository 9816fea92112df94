/**
 * Reading a written number as the best path through its over-segmentation
 * (`oversegment.ts`): every run of up to a few consecutive atoms is a
 * hypothesis for one digit, and dynamic programming picks the sequence of
 * hypotheses (each atom used once, or left out as dust) with the highest
 * total score. A hypothesis scores
 *
 * - the log-probability of the classifier's best class for its ink in
 *   MNIST layout: the classifier decides between "two thin 1s" and "one
 *   0 broken in two" by how sure it is of each reading;
 * - a bonus per digit, which balances the product of probabilities that
 *   would otherwise always prefer fewer, merged digits;
 * - the log-prior of its shape for the class read: its aspect ratio
 *   against the spread of that digit's aspect ratios in MNIST (a piece of
 *   a 0 read as a narrow 0 is implausible), its width against the line's
 *   typical digit width (a merged pair is about twice as wide), and its
 *   height against the line's digit height (a fragment, read on its own,
 *   is scaled up by the normalisation and looks like a whole digit: only
 *   its height tells);
 * - penalties for blank space inside it (pieces of one digit lie close),
 *   for cutting connected ink at all (digits touch less often than not),
 *   and for the strokes each of its seams crosses (touching digits touch
 *   at one stroke; a seam through the middle of a 0 crosses two).
 *
 * An atom left out costs in proportion to its ink, so dust is dropped
 * while a real digit never is.
 *
 * @module
 */

import { InvalidArgumentError } from "../core/mod.ts";
import { type MnistLayoutOptions, toMnistLayout } from "./mnist_format.ts";
import { type Atom, atomsInk, type OverSegmentation } from "./oversegment.ts";
import type { Box, Classify } from "./raster.ts";

/**
 * Aspect ratio (width / height of the ink box at threshold 0.5) of each
 * digit in MNIST, as natural logarithms: the 1st and 99th percentiles
 * (`low`, `high`) and the standard deviation (`sd`), measured on the 8,000
 * training digits of the embedded MNIST (`loadSplits`, seed 42). A 1 is
 * from 0.10 to 0.90 as wide as tall, a 0 from 0.55 to 1.43; slanted
 * writing makes them wider.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { MNIST_ASPECT } from "./number_path.ts";
 * const [zero, one] = MNIST_ASPECT;
 * assert(Math.exp(one.high) < Math.exp(zero.high)); // 1s are the narrowest digits
 * ```
 */
export const MNIST_ASPECT: readonly { low: number; high: number; sd: number }[] = [
  { low: -0.598, high: 0.357, sd: 0.214 },
  { low: -2.303, high: -0.105, sd: 0.478 },
  { low: -0.693, high: 0.511, sd: 0.245 },
  { low: -0.916, high: 0.223, sd: 0.227 },
  { low: -0.799, high: 0.223, sd: 0.222 },
  { low: -0.693, high: 0.511, sd: 0.296 },
  { low: -0.916, high: 0.105, sd: 0.232 },
  { low: -0.916, high: 0.236, sd: 0.236 },
  { low: -0.916, high: 0.223, sd: 0.237 },
  { low: -0.916, high: 0.105, sd: 0.209 },
];

/** The weights of the path's score, in nats (natural-log units of probability). */
export interface PathWeights {
  /** Bonus per digit read. */
  digit: number;
  /** Cost per stroke a chosen cut crosses. */
  cut: number;
  /** Cost of reading two digits where the ink is connected (scaled down for cuts crossing under one stroke). */
  touch: number;
  /** Cost per digit height of blank space between the pieces of one digit. */
  gap: number;
  /** Cost of leaving ink unread, per full-height stroke of it. */
  skip: number;
  /** Weight of the shape log-prior (aspect and height). */
  shape: number;
}

/**
 * The default weights (chosen on synthetic numbers drawn from MNIST test
 * digits, never on real images).
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { DEFAULT_PATH_WEIGHTS } from "./number_path.ts";
 * assert(Object.values(DEFAULT_PATH_WEIGHTS).every((w) => w >= 0));
 * ```
 */
export const DEFAULT_PATH_WEIGHTS: Readonly<PathWeights> = {
  digit: 1,
  cut: 1,
  touch: 0.5,
  gap: 4,
  skip: 6,
  shape: 2,
};

/** Options of {@link bestPath}. */
export interface PathOptions {
  /** Weights of the score; missing ones take {@link DEFAULT_PATH_WEIGHTS}. */
  weights?: Partial<PathWeights>;
  /** Most atoms in one digit. Default 6. */
  maxAtoms?: number;
  /** Widest digit, in digit heights. Default 1.6 (MNIST's widest 0.1% of 2s are 2.0 as wide as tall). */
  maxWidth?: number;
  /** Target stroke width of the MNIST layout (see `toMnistLayout`). */
  strokeWidth?: MnistLayoutOptions["strokeWidth"];
}

/** One digit of the best path. */
export interface PathDigit {
  /** The indices of its atoms. */
  atoms: number[];
  /** The classifier's 10 probabilities. */
  probabilities: number[];
  /** The most probable digit. */
  digit: number;
  /** Its box at working size. */
  box: Box;
  /** The 28x28 input the classifier saw (ink = 1). */
  pixels: Float32Array;
}

/** MNIST's median stroke width (1.84 px) over the height of its digits (20 px). */
const MNIST_STROKE = 0.092;
/** Digit heights between which no height penalty applies. */
const HEIGHT_RANGE = [0.6, 1.6];
/** Spread (natural log) of heights outside that range. */
const HEIGHT_SD = 0.25;
/** Below this much probability every reading is equally implausible (the log is floored). */
const MIN_PROBABILITY = 1e-4;

/**
 * Log-prior penalty (nats, ≥ 0) of a box of `width` x `height` being the
 * digit `digit` in a line of digits `digitHeight` high, written with a pen
 * `stroke` wide (default: MNIST's, 0.092 of the height): aspect ratios
 * outside the 1st–99th percentiles of that digit in MNIST (compared at
 * MNIST's pen width, so a hairline 1 is as plausible as a marker one), and
 * heights outside 0.6–1.6 digit heights, cost half the square of the excess
 * in standard deviations (of the log).
 *
 * @throws {InvalidArgumentError} when a size is not positive or `digit` is not 0–9.
 *
 * @example
 * ```ts
 * import { assert, assertEquals } from "@std/assert";
 * import { shapePenalty } from "./number_path.ts";
 * assertEquals(shapePenalty(1, 9, 30, 30), 0); // a tall thin 1
 * assertEquals(shapePenalty(1, 3, 40, 40, 2), 0); // a hairline 1, drawn with a 2 px pen
 * assertEquals(shapePenalty(0, 24, 30, 30), 0); // a round 0
 * assert(shapePenalty(0, 10, 30, 30) > 2); // half of a 0 read as a 0
 * assert(shapePenalty(7, 20, 8, 30) > 8); // a 7's bar, alone
 * ```
 */
export function shapePenalty(
  digit: number,
  width: number,
  height: number,
  digitHeight: number,
  stroke = MNIST_STROKE * height,
): number {
  if (!(width > 0 && height > 0 && digitHeight > 0)) {
    throw new InvalidArgumentError(
      `sizes must be positive, got ${width}x${height} in a line ${digitHeight} high`,
    );
  }
  const prior = MNIST_ASPECT[digit];
  if (!Number.isInteger(digit) || prior === undefined) {
    throw new InvalidArgumentError(`digit must be an integer 0-9, got ${digit}`);
  }
  // A box is one pen width wider than the path drawn: widths are compared at MNIST's pen width.
  const drawn = Math.max(1, width - stroke + MNIST_STROKE * height);
  const logAspect = Math.log(drawn / height);
  const excess = Math.max(0, prior.low - logAspect, logAspect - prior.high) / prior.sd;
  const r = height / digitHeight;
  const off = r < HEIGHT_RANGE[0]
    ? Math.log(HEIGHT_RANGE[0] / r)
    : r > HEIGHT_RANGE[1]
    ? Math.log(r / HEIGHT_RANGE[1])
    : 0;
  return (excess ** 2 + (off / HEIGHT_SD) ** 2) / 2;
}

/**
 * Widths up to this many times the line's typical digit width cost nothing
 * (chosen on synthetic numbers from MNIST digits: 1.3 split wide 4s and 0s
 * into two digits; above 1.5 merged touching pairs get through).
 */
const WIDTH_FREE = 1.5;
/** Spread (natural log) of wider ones: one writer's digits vary less than MNIST's (0.22). */
const WIDTH_SD = 0.2;

/**
 * Log-prior penalty (nats, ≥ 0) of a digit `width` wide in a line whose
 * digits other than 1s are typically `digitWidth` wide: none up to 1.5
 * times that, then half the square of the excess in standard deviations
 * (0.2 in the log). Two digits read as one are about twice as wide.
 *
 * @throws {InvalidArgumentError} when a width is not positive.
 *
 * @example
 * ```ts
 * import { assert, assertEquals } from "@std/assert";
 * import { widthPenalty } from "./number_path.ts";
 * assertEquals(widthPenalty(36, 30), 0);
 * assert(widthPenalty(66, 30) > 1); // two digits' worth, with the shape weight of 2: over 2 nats
 * ```
 */
export function widthPenalty(width: number, digitWidth: number): number {
  if (!(width > 0 && digitWidth > 0)) {
    throw new InvalidArgumentError(`widths must be positive, got ${width} and ${digitWidth}`);
  }
  const excess = Math.max(0, Math.log(width / (WIDTH_FREE * digitWidth)));
  return (excess / WIDTH_SD) ** 2 / 2;
}

function boxGap(a: Box, b: Box): number {
  const dx = Math.max(0, Math.max(a.x, b.x) - Math.min(a.x + a.width, b.x + b.width));
  const dy = Math.max(0, Math.max(a.y, b.y) - Math.min(a.y + a.height, b.y + b.height));
  return Math.hypot(dx, dy);
}

function union(a: Box, b: Box): Box {
  const x = Math.min(a.x, b.x), y = Math.min(a.y, b.y);
  return {
    x,
    y,
    width: Math.max(a.x + a.width, b.x + b.width) - x,
    height: Math.max(a.y + a.height, b.y + b.height) - y,
  };
}

/** Blank space between the pieces of a group, joined nearest first, in pixels. */
function innerGap(atoms: Atom[]): number {
  const joined = [atoms[0].box];
  const rest = atoms.slice(1).map((a) => a.box);
  let total = 0;
  while (rest.length > 0) {
    let best = 0, bestGap = Infinity;
    rest.forEach((b, k) => {
      for (const a of joined) {
        const g = boxGap(a, b);
        if (g < bestGap) [best, bestGap] = [k, g];
      }
    });
    total += bestGap;
    joined.push(rest.splice(best, 1)[0]);
  }
  return total;
}

function argmax(p: number[]): number {
  let best = 0;
  for (let i = 1; i < p.length; i++) if (p[i] > p[best]) best = i;
  return best;
}

async function classifyChecked(classify: Classify, pixels: Float32Array): Promise<number[]> {
  const p = Array.from(await classify(pixels));
  if (p.length !== 10 || p.some((v) => !Number.isFinite(v))) {
    throw new InvalidArgumentError(
      `classify must return 10 finite probabilities, got [${p.slice(0, 12).join(", ")}]`,
    );
  }
  return p;
}

/** One hypothesis: a run of consecutive atoms read as one digit. */
export interface Hypothesis {
  /** Its first atom. */
  first: number;
  /** One past its last atom. */
  end: number;
  /** Its box in the segmentation's ink. */
  box: Box;
  /** The 28x28 input the classifier saw (ink = 1); all 0 when it was not classified. */
  pixels: Float32Array;
  /** The classifier's 10 probabilities, or null when its shape alone rules it out. */
  probabilities: number[] | null;
  /** The most probable digit (0 when not classified). */
  digit: number;
  /** Blank space between its pieces, in digit heights. */
  gap: number;
  /** Strokes crossed by the seams that cut it from its neighbours (half of each). */
  cut: number;
  /** Seams that cut it from its neighbours, each counted up to one stroke (half of each). */
  touch: number;
  /**
   * {@link shapePenalty} for `digit` plus {@link widthPenalty} (the smallest
   * over all digits when not classified).
   */
  shape: number;
}

/**
 * Hypotheses whose shape, gaps and cuts alone cost more than this (nats),
 * and more than leaving their ink out, are not classified: a chance below
 * 1 in 20,000, and dropping the ink would be the better reading anyway.
 */
const HOPELESS = 10;

function resolveWeights(options: PathOptions): PathWeights {
  const weights = { ...DEFAULT_PATH_WEIGHTS, ...options.weights };
  for (const [name, value] of Object.entries(weights)) {
    if (!(value >= 0)) throw new InvalidArgumentError(`weight ${name} must be ≥ 0, got ${value}`);
  }
  return weights;
}

/**
 * Every hypothesis of an over-segmented number, classified: runs of up to
 * `maxAtoms` consecutive atoms no wider than `maxWidth` digit heights. Those
 * ruled out by their shape, gaps and cuts alone (more than 10 nats, a
 * chance below 1 in 20,000, and more than leaving their ink out) are not
 * shown to the classifier.
 *
 * @throws {InvalidArgumentError} when `classify` does not return 10 finite
 * numbers, or an option is out of range.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { overSegment } from "./oversegment.ts";
 * import { scoreHypotheses } from "./number_path.ts";
 * // two bars 30 px apart: each alone, or both as one (too wide a digit is not tried)
 * const w = 60, h = 50, data = new Float32Array(w * h).fill(1);
 * for (let y = 10; y < 40; y++) for (const x of [10, 11, 12, 30, 31, 32]) data[y * w + x] = 0;
 * const classify = () => [0.02, 0.9, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01];
 * const hs = await scoreHypotheses(overSegment({ width: w, height: h, data }), classify);
 * assertEquals(hs.map((x) => [x.first, x.end, x.digit]), [[0, 1, 1], [0, 2, 1], [1, 2, 1]]);
 * ```
 */
export async function scoreHypotheses(
  seg: OverSegmentation,
  classify: Classify,
  options: PathOptions = {},
): Promise<Hypothesis[]> {
  const weights = resolveWeights(options);
  const maxAtoms = options.maxAtoms ?? 6;
  const maxWidth = options.maxWidth ?? 1.6;
  if (!(Number.isInteger(maxAtoms) && maxAtoms >= 1)) {
    throw new InvalidArgumentError(`maxAtoms must be a positive integer, got ${maxAtoms}`);
  }
  if (!(maxWidth > 0)) throw new InvalidArgumentError(`maxWidth must be positive, got ${maxWidth}`);
  const { atoms, digitHeight: height } = seg;
  const cutsOf = atoms.map((): { other: number; strokes: number }[] => []);
  for (const c of seg.cuts) {
    cutsOf[c.left].push({ other: c.right, strokes: c.strokes });
    cutsOf[c.right].push({ other: c.left, strokes: c.strokes });
  }
  const strokeInk = height * Math.max(1, seg.strokeWidth);
  const hypotheses: Hypothesis[] = [];
  for (let first = 0; first < atoms.length; first++) {
    let box = atoms[first].box;
    for (let end = first + 1; end <= Math.min(atoms.length, first + maxAtoms); end++) {
      box = union(box, atoms[end - 1].box);
      if (box.width > maxWidth * height) break;
      const group = atoms.slice(first, end);
      let cut = 0, touch = 0;
      for (let a = first; a < end; a++) {
        for (const c of cutsOf[a]) {
          if (c.other >= first && c.other < end) continue;
          cut += c.strokes / 2;
          touch += Math.min(1, c.strokes) / 2;
        }
      }
      const gap = innerGap(group) / height;
      const wide = seg.digitWidth > 0 ? widthPenalty(box.width, seg.digitWidth) : 0;
      const shapes = MNIST_ASPECT.map((_, d) =>
        shapePenalty(d, box.width, box.height, height, seg.strokeWidth) + wide
      );
      const fixed = weights.gap * gap + weights.cut * cut + weights.touch * touch - weights.digit;
      const base = { first, end, box, gap, cut, touch };
      const dropped = weights.skip * group.reduce((m, a) => m + a.mass, 0) / strokeInk;
      if (fixed + weights.shape * Math.min(...shapes) > Math.max(HOPELESS, dropped)) {
        const shape = Math.min(...shapes);
        hypotheses.push({
          ...base,
          pixels: new Float32Array(784),
          probabilities: null,
          digit: 0,
          shape,
        });
        continue;
      }
      const { ink } = atomsInk(seg.ink, group);
      const pixels = toMnistLayout(ink, { strokeWidth: options.strokeWidth }).pixels;
      const probabilities = await classifyChecked(classify, pixels);
      const digit = argmax(probabilities);
      hypotheses.push({ ...base, pixels, probabilities, digit, shape: shapes[digit] });
    }
  }
  return hypotheses;
}

/**
 * The highest-scoring path through classified hypotheses (see the module
 * documentation): the digits, left to right. Hypotheses that were not
 * classified are never chosen; atoms may be left out as dust.
 *
 * @throws {InvalidArgumentError} when a weight is negative.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { choosePath, type Hypothesis } from "./number_path.ts";
 * const seg = {
 *   atoms: [0, 1].map((k) => ({
 *     pixels: new Int32Array(0), box: { x: 20 * k, y: 0, width: 8, height: 30 }, mass: 60, cluster: k,
 *   })),
 *   digitHeight: 30, strokeWidth: 2,
 * };
 * const h = (first: number, end: number, p: number): Hypothesis => ({
 *   first, end, box: seg.atoms[first].box, pixels: new Float32Array(784), digit: 1, gap: 0,
 *   cut: 0, touch: 0, shape: 0, probabilities: [0, p, 1 - p, 0, 0, 0, 0, 0, 0, 0],
 * });
 * // Two sure 1s beat one unsure merged digit.
 * const path = choosePath(seg, [h(0, 1, 0.99), h(0, 2, 0.6), h(1, 2, 0.98)]);
 * assertEquals(path.map((d) => d.atoms), [[0], [1]]);
 * ```
 */
export function choosePath(
  seg: Pick<OverSegmentation, "atoms" | "digitHeight" | "strokeWidth">,
  hypotheses: Hypothesis[],
  options: Pick<PathOptions, "weights"> = {},
): PathDigit[] {
  const weights = resolveWeights(options);
  const n = seg.atoms.length;
  const strokeInk = seg.digitHeight * Math.max(1, seg.strokeWidth);
  const starting = seg.atoms.map((): Hypothesis[] => []);
  for (const h of hypotheses) if (h.probabilities !== null) starting[h.first].push(h);
  const best = new Float64Array(n + 1).fill(-Infinity);
  const back: (Hypothesis | null)[] = new Array(n + 1).fill(null);
  const from = new Int32Array(n + 1);
  best[0] = 0;
  for (let first = 0; first < n; first++) {
    if (best[first] === -Infinity) continue;
    // Leaving an atom out costs its ink; a seam it shares with a neighbour is paid when read.
    const skipped = best[first] - weights.skip * seg.atoms[first].mass / strokeInk;
    if (skipped > best[first + 1]) {
      [best[first + 1], back[first + 1], from[first + 1]] = [skipped, null, first];
    }
    for (const h of starting[first]) {
      const p = Math.max(MIN_PROBABILITY, h.probabilities![h.digit]);
      const score = best[first] + Math.log(p) + weights.digit - weights.shape * h.shape -
        weights.gap * h.gap - weights.cut * h.cut - weights.touch * h.touch;
      if (score > best[h.end]) [best[h.end], back[h.end], from[h.end]] = [score, h, first];
    }
  }
  const digits: PathDigit[] = [];
  for (let end = n; end > 0; end = from[end]) {
    const h = back[end];
    if (h === null) continue;
    digits.push({
      atoms: Array.from({ length: h.end - h.first }, (_, k) => h.first + k),
      probabilities: h.probabilities!,
      digit: h.digit,
      box: h.box,
      pixels: h.pixels,
    });
  }
  return digits.reverse();
}

/**
 * The best reading of an over-segmented number: {@link scoreHypotheses},
 * then {@link choosePath}. Empty when there are no atoms.
 *
 * @throws {InvalidArgumentError} when `classify` does not return 10 finite
 * numbers, or an option is out of range.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { overSegment } from "./oversegment.ts";
 * import { bestPath } from "./number_path.ts";
 * // two bars far apart: whatever is read, it is read as two digits
 * const w = 80, h = 50, data = new Float32Array(w * h).fill(1);
 * for (let y = 10; y < 40; y++) for (const x of [10, 11, 12, 60, 61, 62]) data[y * w + x] = 0;
 * const classify = () => [0.02, 0.9, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01];
 * const digits = await bestPath(overSegment({ width: w, height: h, data }), classify);
 * assertEquals(digits.map((d) => [d.digit, d.atoms]), [[1, [0]], [1, [1]]]);
 * ```
 */
export async function bestPath(
  seg: OverSegmentation,
  classify: Classify,
  options: PathOptions = {},
): Promise<PathDigit[]> {
  return choosePath(seg, await scoreHypotheses(seg, classify, options), options);
}
