/**
 * Over-segmenting a written number: cutting its ink into pieces ("atoms")
 * small enough that every digit is a run of consecutive pieces, so that a
 * reader can choose how to group them (see `number_path.ts`) instead of
 * trusting one fixed segmentation.
 *
 * Steps:
 * 1. ink as for a single digit (`extractInk`), every stroke kept;
 * 2. the stroke width `sw` of that ink (measured after closing 1-pixel
 *    holes too: pencil grain makes strokes measure thinner than the pen
 *    was); strokes closer than about one stroke width (a morphological
 *    closing of radius sw / 2) form one cluster, so a grainy pencil stroke
 *    that the threshold shattered into dozens of specks is one piece again;
 * 3. the line's digit height: the ink-weighted median of the clusters'
 *    heights (a few large digits outweigh any number of specks, and it is
 *    not pulled up by a tall one as the maximum would be); clusters smaller
 *    than a fifth of it in both directions are dust and dropped (the
 *    smallest part that changes a digit's reading, the top bar of a 5 or
 *    the flag of a 1, spans about a third of its height);
 * 4. the line's digit width: the median width of the clusters that hold
 *    one digit other than a 1, at least 0.7 digit heights;
 * 5. clusters wider than 0.3 digit heights (a 1 touching its neighbour is
 *    that narrow) are cut by seams (`findSeams`) that cross at most 3
 *    strokes, at least 0.12 digit heights apart: one per valley, and one
 *    near every multiple of the digit width along a blob several digits
 *    wide;
 * 6. each cluster's ink between consecutive seams is one atom; atoms are
 *    ordered by the centre of their boxes, left to right.
 *
 * @module
 */

import { InvalidArgumentError } from "../core/mod.ts";
import { closeMask, type Mask } from "./binary_morphology.ts";
import { labelComponents, unionBox } from "./components.ts";
import { extractInk, type InkOptions } from "./ink.ts";
import { crop } from "./mnist_format.ts";
import { findSeams } from "./seams.ts";
import { strokeWidth } from "./stroke_width.ts";
import type { Box, GrayImage, PipelineStep } from "./raster.ts";

/** Options of {@link overSegment}. */
export interface OverSegmentOptions extends Omit<InkOptions, "mainOnly" | "returnSteps"> {
  /** Record intermediate images. Default false. */
  returnSteps?: boolean;
}

/** One piece of a number's ink: part of a digit, a whole digit, or dust. */
export interface Atom {
  /** Its pixels: indices into the segmentation's `ink`. */
  pixels: Int32Array;
  /** Its bounding box in the segmentation's `ink`. */
  box: Box;
  /** Its ink: the sum of its pixels' ink values. */
  mass: number;
  /** The cluster of nearby strokes it was cut from. */
  cluster: number;
}

/** A seam between two atoms of one cluster. */
export interface AtomCut {
  /** Index of the atom on its left. */
  left: number;
  /** Index of the atom on its right. */
  right: number;
  /** How many strokes it crosses (its ink over the stroke width). */
  strokes: number;
}

/** Result of {@link overSegment}. */
export interface OverSegmentation {
  /** Ink intensities (1 = ink) at working size, cropped around the ink. */
  ink: GrayImage;
  /** Working size divided by original size. */
  scale: number;
  /** Where `ink`'s top-left pixel lies in the working-size image. */
  origin: { x: number; y: number };
  /** The atoms, ordered by the centres of their boxes, left to right. */
  atoms: Atom[];
  /** The seams between atoms. */
  cuts: AtomCut[];
  /** Typical digit height at working size (0 without ink). */
  digitHeight: number;
  /**
   * Typical width of one digit other than a 1 at working size: the median
   * width of the clusters that hold one such digit (0.4–1.3 digit heights
   * wide), at least 0.7 digit heights (0 without ink).
   */
  digitWidth: number;
  /** Stroke width at working size (0 without ink). */
  strokeWidth: number;
  /** Intermediate images, when asked for. */
  steps?: PipelineStep[];
}

/** Fraction of the digit height below which a cluster, in both directions, is dust. */
const DUST = 0.2;
/** Clusters wider than this many digit heights may hold more than one digit (a 1 and its neighbour). */
const SPLIT_WIDTH = 0.3;
/** Fewest digit heights between seams (a thin 1 is about this narrow). */
const SEAM_SEPARATION = 0.12;
/**
 * Widths (in digit heights) of clusters taken to hold one digit other than
 * a 1: narrower ones are mostly 1s, wider ones touching digits (MNIST's
 * digits other than 1 are 0.4–1.25 as wide as tall at the 1st–99th percentiles).
 */
const SINGLE_WIDTH = [0.4, 1.3];
/** Least typical digit width, in digit heights. */
const MIN_DIGIT_WIDTH = 0.7;
/** Most strokes a seam may cross: two digits touch at one or two strokes. */
const SEAM_STROKES = 3;

/**
 * Weighted median: the smallest value at or below which half of the total
 * weight lies (0 for no values). With ink as the weight, a few large digits
 * outweigh any number of specks.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { weightedMedian } from "./oversegment.ts";
 * assertEquals(weightedMedian([4, 60, 3, 62], [1, 300, 1, 280]), 60);
 * ```
 */
export function weightedMedian(values: number[], weights: number[]): number {
  const order = values.map((_, i) => i).sort((a, b) => values[a] - values[b]);
  const total = weights.reduce((s, w) => s + w, 0);
  let seen = 0;
  for (const i of order) {
    seen += weights[i];
    if (seen >= total / 2) return values[i];
  }
  return values[order.at(-1) ?? 0] ?? 0;
}

interface Cluster {
  box: Box;
  mass: number;
  pixels: number[];
}

/**
 * Cuts the ink of a written number (one row, photo convention: 1 = white)
 * into atoms; see the module documentation.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { overSegment } from "./oversegment.ts";
 * // two bars 30 px tall, and a dot of dust between them
 * const w = 60, h = 50, data = new Float32Array(w * h).fill(1);
 * for (let y = 10; y < 40; y++) for (const x of [10, 11, 12, 40, 41, 42]) data[y * w + x] = 0;
 * data[20 * w + 26] = 0;
 * const seg = overSegment({ width: w, height: h, data });
 * assertEquals(seg.atoms.map((a) => a.box.x + seg.origin.x), [10, 40]); // the dot is dust
 * assertEquals(seg.digitHeight, 30);
 * ```
 */
export function overSegment(img: GrayImage, options: OverSegmentOptions = {}): OverSegmentation {
  const found = extractInk(img, {
    ...options,
    mainOnly: false,
    // Specks are judged below against the line's digit height, not here.
    speckFraction: options.speckFraction ?? 0.002,
  });
  const steps = found.steps;
  const none = { scale: found.scale, origin: { x: 0, y: 0 }, atoms: [], cuts: [] };
  const empty = { ...none, ink: found.ink, digitHeight: 0, digitWidth: 0, strokeWidth: 0 };
  if (!found.inkFound) return { ...empty, ...(steps ? { steps } : {}) };
  const sw = Math.max(1, strokeWidth(found.ink) || strokeWidth(found.ink, 0));
  // Work inside the ink's box (plus the closing's reach): a number fills a fraction of a photo.
  const margin = Math.ceil(sw) + 2;
  const inkArea = unionBox(found.components.map((c) => c.box));
  const origin = {
    x: Math.max(0, inkArea.x - margin),
    y: Math.max(0, inkArea.y - margin),
  };
  const area = {
    ...origin,
    width: Math.min(found.ink.width, inkArea.x + inkArea.width + margin) - origin.x,
    height: Math.min(found.ink.height, inkArea.y + inkArea.height + margin) - origin.y,
  };
  const ink = crop(found.ink, area);
  const { width: w, height: h } = ink;
  const mask: Mask = { width: w, height: h, data: new Uint8Array(w * h) };
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const j = (y + origin.y) * found.ink.width + x + origin.x;
      if (found.labels[j] > 0 && found.ink.data[j] > 0) mask.data[y * w + x] = 1;
    }
  }
  // Seams run through the ink closed only over 1-pixel holes (pencil grain): the closing that
  // groups strokes would also fill the valley where two digits touch. Grain also makes strokes
  // measure thinner than the pen was (its holes add outline); the fine closing fills them.
  const fine = closeMask(mask, 1);
  const fineWidth = Math.max(1, maskStrokeWidth(fine));
  const radius = Math.max(1, Math.round(Math.max(sw, fineWidth) / 2));
  const closed = closeMask(mask, radius);
  const { labels: clusterOf, components } = labelComponents(closed.data, closed);
  const clusters: Cluster[] = components.map(() => ({ box: EMPTY, mass: 0, pixels: [] }));
  const bounds = clusters.map(() => [w, h, -1, -1]);
  for (let i = 0; i < w * h; i++) {
    if (!mask.data[i]) continue;
    const k = clusterOf[i] - 1, x = i % w, y = (i - x) / w, b = bounds[k];
    clusters[k].mass += ink.data[i];
    clusters[k].pixels.push(i);
    if (x < b[0]) b[0] = x;
    if (y < b[1]) b[1] = y;
    if (x > b[2]) b[2] = x;
    if (y > b[3]) b[3] = y;
  }
  clusters.forEach((c, k) => {
    const [x0, y0, x1, y1] = bounds[k];
    c.box = { x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 };
  });
  const digitHeight = weightedMedian(
    clusters.map((c) => c.box.height),
    clusters.map((c) => c.mass),
  );
  const kept = clusters.map((c, k) => ({ ...c, label: k + 1 })).filter((c) =>
    c.pixels.length > 0 && Math.max(c.box.width, c.box.height) >= DUST * digitHeight
  );
  const singles = kept.map((c) => c.box.width).filter((width) =>
    width >= SINGLE_WIDTH[0] * digitHeight && width <= SINGLE_WIDTH[1] * digitHeight
  );
  // Never below 0.7 digit heights (MNIST's narrowest typical digits, 7s and 9s, are about that
  // wide): a line with few single digits would otherwise make a wide 0 look like two digits.
  const digitWidth = Math.max(
    MIN_DIGIT_WIDTH * digitHeight,
    singles.length > 0 ? weightedMedian(singles, singles.map(() => 1)) : 0,
  );
  const atoms: Atom[] = [];
  const cuts: AtomCut[] = [];
  for (const [index, cluster] of kept.entries()) {
    const { box } = cluster;
    // Where a blob holds several digits of the line's typical width, cuts are expected
    // between them (as the fixed segmentation cut them) besides the valleys.
    const parts = Math.round(box.width / digitWidth);
    const expected = parts >= 2
      ? Array.from({ length: parts - 1 }, (_, k) => ((k + 1) * box.width) / parts)
      : [];
    const seams = box.width > SPLIT_WIDTH * digitHeight
      ? findSeams(clusterMask(fine, clusterOf, cluster.label, box), {
        minSeparation: Math.max(2, Math.round(SEAM_SEPARATION * digitHeight)),
        maxCost: SEAM_STROKES * fineWidth,
        expected,
      })
      : [];
    const pieces: number[][] = seams.map(() => []).concat([[]]);
    for (const i of cluster.pixels) {
      const x = (i % w) - box.x, y = Math.floor(i / w) - box.y;
      let k = 0;
      while (k < seams.length && seams[k].x[y] <= x) k++;
      pieces[k].push(i);
    }
    // An empty piece (two seams that met) leaves the cheaper seam between its neighbours.
    let pendingCut = Infinity;
    const firstAtom = atoms.length;
    for (const [k, part] of pieces.entries()) {
      if (part.length > 0) {
        if (atoms.length > firstAtom) {
          cuts.push({ left: atoms.length - 1, right: atoms.length, strokes: pendingCut });
        }
        atoms.push(makeAtom(part, ink, index));
        pendingCut = Infinity;
      }
      if (k < seams.length) pendingCut = Math.min(pendingCut, seams[k].cost / fineWidth);
    }
  }
  // Order left to right by box centre, renumbering the cuts.
  const order = atoms.map((_, i) => i).sort((a, b) =>
    centre(atoms[a].box) - centre(atoms[b].box) || a - b
  );
  const rank = new Int32Array(atoms.length);
  order.forEach((old, i) => (rank[old] = i));
  if (steps) steps.push({ name: "pieces", ...pieceImage(ink, order.map((i) => atoms[i])) });
  return {
    ink,
    scale: found.scale,
    origin,
    atoms: order.map((i) => atoms[i]),
    cuts: cuts.map((c) => ({ ...c, left: rank[c.left], right: rank[c.right] })),
    digitHeight,
    digitWidth,
    strokeWidth: sw,
    ...(steps ? { steps } : {}),
  };
}

const EMPTY: Box = { x: 0, y: 0, width: 0, height: 0 };

/** Stroke width of a mask: twice its area over its outline length (as `strokeWidth`). */
function maskStrokeWidth(mask: Mask): number {
  const { width: w, height: h, data } = mask;
  let area = 0, edges = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      if (!data[i]) continue;
      area++;
      if (!(x > 0 && data[i - 1])) edges++;
      if (!(x < w - 1 && data[i + 1])) edges++;
      if (!(y > 0 && data[i - w])) edges++;
      if (!(y < h - 1 && data[i + w])) edges++;
    }
  }
  return edges === 0 ? 0 : (2 * area) / edges;
}

function centre(box: Box): number {
  return box.x + box.width / 2;
}

/** A mask's pixels of one cluster inside its box (other clusters' pixels left out), as ink. */
function clusterMask(mask: Mask, clusterOf: Int32Array, label: number, box: Box): GrayImage {
  const data = new Float32Array(box.width * box.height);
  for (let y = 0; y < box.height; y++) {
    for (let x = 0; x < box.width; x++) {
      const i = (box.y + y) * mask.width + box.x + x;
      if (clusterOf[i] === label && mask.data[i]) data[y * box.width + x] = 1;
    }
  }
  return { width: box.width, height: box.height, data };
}

function makeAtom(pixels: number[], ink: GrayImage, cluster: number): Atom {
  let x0 = ink.width, y0 = ink.height, x1 = -1, y1 = -1, mass = 0;
  for (const i of pixels) {
    const x = i % ink.width, y = (i - x) / ink.width;
    if (x < x0) x0 = x;
    if (y < y0) y0 = y;
    if (x > x1) x1 = x;
    if (y > y1) y1 = y;
    mass += ink.data[i];
  }
  return {
    pixels: Int32Array.from(pixels),
    box: { x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 },
    mass,
    cluster,
  };
}

/** Every atom's ink at alternating strengths (1, 0.5), so neighbouring atoms can be told apart. */
function pieceImage(ink: GrayImage, atoms: Atom[]): GrayImage {
  const data = new Float32Array(ink.width * ink.height);
  atoms.forEach((a, k) => a.pixels.forEach((i) => (data[i] = k % 2 === 0 ? 1 : 0.5)));
  return { width: ink.width, height: ink.height, data };
}

/**
 * The ink of a run of atoms, cropped to their common box, and that box
 * (at working size).
 *
 * @throws {InvalidArgumentError} when `atoms` is empty.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { atomsInk } from "./oversegment.ts";
 * const ink = { width: 4, height: 1, data: new Float32Array([1, 0.5, 0, 1]) };
 * const a = { pixels: Int32Array.of(0, 1), box: { x: 0, y: 0, width: 2, height: 1 }, mass: 1.5, cluster: 0 };
 * const b = { pixels: Int32Array.of(3), box: { x: 3, y: 0, width: 1, height: 1 }, mass: 1, cluster: 1 };
 * const both = atomsInk(ink, [a, b]);
 * assertEquals([Array.from(both.ink.data), both.box.width], [[1, 0.5, 0, 1], 4]);
 * ```
 */
export function atomsInk(ink: GrayImage, atoms: Atom[]): { ink: GrayImage; box: Box } {
  if (atoms.length === 0) throw new InvalidArgumentError("atomsInk needs at least one atom");
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (const { box } of atoms) {
    x0 = Math.min(x0, box.x);
    y0 = Math.min(y0, box.y);
    x1 = Math.max(x1, box.x + box.width);
    y1 = Math.max(y1, box.y + box.height);
  }
  const box = { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
  const data = new Float32Array(box.width * box.height);
  for (const atom of atoms) {
    for (const i of atom.pixels) {
      const x = i % ink.width, y = (i - x) / ink.width;
      data[(y - y0) * box.width + x - x0] = ink.data[i];
    }
  }
  return { ink: { width: box.width, height: box.height, data }, box };
}
