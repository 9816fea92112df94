/**
 * Separating ink from paper in any photo-convention image (1 = white):
 * the shared first half of single-digit normalisation and multi-digit
 * segmentation.
 *
 * Steps: shrink large images to a working size; decide polarity and
 * invert light-on-dark images; divide by the estimated background (uneven
 * lighting, shadows); choose levels above noise and above ruled/squared
 * paper lines; keep connected strokes that reach the ink threshold (each
 * extends down to the lower level within a few pixels); drop frames
 * (sparse networks touching all four borders), small pieces that are much
 * fainter than the ink, and specks; map ink strength
 * to [0, 1] intensities, keeping anti-aliased edges. No ink is reported for
 * low contrast or when the largest stroke is tiny.
 *
 * @module
 */

import { estimateBackground, inkStrength } from "./background.ts";
import { type Component, dropSpecks, labelComponents } from "./components.ts";
import { invert, measurePolarity, type Polarity } from "./polarity.ts";
import { resizeLongSide } from "./resize.ts";
import { chooseLevels, type InkLevels } from "./threshold.ts";
import type { GrayImage, PipelineStep } from "./raster.ts";

/**
 * Options of {@link extractInk}.
 */
export interface InkOptions {
  /** Images with a longer side above this are shrunk first. Default 800. */
  maxSide?: number;
  /** Force a polarity instead of detecting it. */
  polarity?: Polarity;
  /** Speck size as a fraction of the largest stroke's area. Default 0.1 (see `dropSpecks`). */
  speckFraction?: number;
  /** Keep only components close to the main ink (single digit). Default true. */
  mainOnly?: boolean;
  /** Record intermediate images. Default false. */
  returnSteps?: boolean;
}

/**
 * Result of {@link extractInk}.
 */
export interface InkResult {
  /** Ink intensities (1 = ink) of the kept strokes at working size; 0 elsewhere. */
  ink: GrayImage;
  /** Kept strokes, largest first, with their pixels in `labels`. */
  components: Component[];
  /** Per-pixel component label at working size (0 = none); see `components`. */
  labels: Int32Array;
  /** Working size divided by original size (1 unless the image was shrunk). */
  scale: number;
  /** The polarity found (or forced). */
  polarity: Polarity;
  /** The levels chosen. */
  levels: InkLevels;
  /** Whether anything that looks like writing was found. */
  inkFound: boolean;
  /** Intermediate images, when asked for. */
  steps?: PipelineStep[];
}

/** How far (pixels) a stroke may extend beyond its seed pixels down to the lower level. */
const GROW = 2;

/** Smallest ink level that counts as writing rather than paper texture. */
const MIN_CONTRAST = 0.2;

/** Fewest pixels the largest stroke needs for the image to count as written on. */
const MIN_AREA = 8;

/**
 * Runs of each label along the image border (walked once around), so a
 * grid that meets the border many times can be told from a tightly cropped
 * digit that touches each side once or twice.
 */
function borderRuns(labels: Int32Array, w: number, h: number): Map<number, number> {
  const ring: number[] = [];
  for (let x = 0; x < w; x++) ring.push(labels[x]);
  for (let y = 1; y < h; y++) ring.push(labels[y * w + w - 1]);
  for (let x = w - 2; x >= 0; x--) ring.push(labels[(h - 1) * w + x]);
  for (let y = h - 2; y > 0; y--) ring.push(labels[y * w]);
  const runs = new Map<number, number>();
  ring.forEach((label, i) => {
    if (label && ring[(i + ring.length - 1) % ring.length] !== label) {
      runs.set(label, (runs.get(label) ?? 0) + 1);
    }
  });
  return runs;
}

/**
 * A sparse network touching all four image borders many times (ruled lines
 * the thresholds did not separate, a table's edges) is not handwriting; a
 * tightly cropped digit touches each side only once or twice.
 */
function isFrame(c: Component, runs: Map<number, number>, w: number, h: number): boolean {
  const { x, y, width, height } = c.box;
  return x === 0 && y === 0 && x + width === w && y + height === h &&
    c.area < 0.2 * w * h && (runs.get(c.label) ?? 0) >= 8;
}

/**
 * Finds the ink in a photo-convention image (luminance, 1 = white). See the
 * module documentation for the steps.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { extractInk } from "./ink.ts";
 * const w = 40, h = 40, data = new Float32Array(w * h).fill(0.9); // light paper
 * for (let y = 8; y < 32; y++) data.fill(0.1, y * w + 18, y * w + 22); // a dark bar
 * const r = extractInk({ width: w, height: h, data });
 * assertEquals([r.inkFound, r.polarity], [true, "dark-on-light"]);
 * assertEquals(r.components[0].box, { x: 18, y: 8, width: 4, height: 24 });
 * ```
 */
export function extractInk(img: GrayImage, options: InkOptions = {}): InkResult {
  const steps: PipelineStep[] | undefined = options.returnSteps ? [] : undefined;
  const record = (name: string, im: GrayImage) => steps?.push({ name, ...im });
  record("grayscale", img);
  const maxSide = options.maxSide ?? 800;
  const longer = Math.max(img.width, img.height);
  const work = longer > maxSide ? resizeLongSide(img, maxSide) : img;
  const scale = work.width / img.width;
  if (work !== img) record("working size", work);

  const polarity = options.polarity ?? measurePolarity(work).polarity;
  const darkInk = polarity === "dark-on-light" ? work : invert(work);
  if (polarity === "light-on-dark") record("inverted", darkInk);
  const background = estimateBackground(darkInk);
  record("background", background);
  const strength = inkStrength(darkInk, background);
  record("ink strength", strength);

  const levels = chooseLevels(strength);
  const { width: w, height: h } = strength;
  // Strokes are the components of (strength > threshold); specks are dropped.
  const seeds = above(strength.data, levels.threshold);
  const { labels, components } = labelComponents(seeds, { width: w, height: h });
  // Small pieces must be as dark as real pen strokes: faint ones are rule
  // crossings or shadow edges that just reached the threshold.
  const peak = peaks(strength.data, labels, components.length);
  const largest = maxArea(components);
  const strong = levels.threshold + 0.5 * (levels.ink - levels.threshold);
  const runs = borderRuns(labels, w, h);
  const strokes = components.filter((c) =>
    !isFrame(c, runs, w, h) && (c.area >= 0.1 * largest || peak[c.label] >= strong)
  );
  const kept = options.mainOnly === false
    ? strokes.filter((c) => c.area >= (options.speckFraction ?? 0.1) * maxArea(strokes))
    : dropSpecks(strokes, { minFraction: options.speckFraction });
  kept.sort((a, b) => b.area - a.area);
  const keep = new Uint8Array(components.length + 1);
  for (const c of kept) keep[c.label] = 1;
  const ink = { width: w, height: h, data: grow(strength, labels, keep, levels) };
  record("ink", ink);

  const main = kept[0];
  const inkFound = main !== undefined && levels.ink >= MIN_CONTRAST && main.area >= MIN_AREA &&
    Math.max(main.box.width, main.box.height) >= Math.max(4, 0.03 * Math.max(w, h));
  return {
    ink,
    components: inkFound ? kept : [],
    labels,
    scale,
    polarity,
    levels,
    inkFound,
    ...(steps ? { steps } : {}),
  };
}

/** 1 where `data` exceeds `threshold`, else 0. */
function above(data: Float32Array, threshold: number): Uint8Array {
  const out = scratch.seeds.length >= data.length
    ? scratch.seeds.subarray(0, data.length)
    : keepSmall("seeds", new Uint8Array(data.length));
  for (let i = 0; i < data.length; i++) out[i] = data[i] > threshold ? 1 : 0;
  return out;
}

/** Largest image (pixels) whose working buffers are kept between calls. */
const KEPT = 1 << 18;

/** Working buffers of {@link extractInk} that never leave it, reused between calls. */
const scratch = { seeds: new Uint8Array(0), grown: new Int32Array(0) };

function keepSmall<K extends keyof typeof scratch>(
  key: K,
  buffer: (typeof scratch)[K],
): (typeof scratch)[K] {
  if (buffer.length <= KEPT) scratch[key] = buffer;
  return buffer;
}

/** The largest value of `data` in each component (index = label). */
function peaks(data: Float32Array, labels: Int32Array, count: number): Float32Array {
  const peak = new Float32Array(count + 1);
  for (let i = 0; i < data.length; i++) {
    const l = labels[i];
    if (l && data[i] > peak[l]) peak[l] = data[i];
  }
  return peak;
}

/**
 * Each kept stroke extends down to the lower level, but only within GROW
 * pixels of its seed pixels, so it cannot leak along ruled lines or
 * shadows. Returns the ink intensities; `labels` becomes the grown strokes.
 */
function grow(
  strength: GrayImage,
  labels: Int32Array,
  keep: Uint8Array,
  levels: InkLevels,
): Float32Array {
  const { width: w, height: h, data } = strength;
  const out = new Float32Array(w * h);
  const { low } = levels;
  const span = levels.high - low;
  let grown: Int32Array;
  if (scratch.grown.length >= w * h) {
    grown = scratch.grown.subarray(0, w * h);
    grown.fill(0);
  } else {
    grown = keepSmall("grown", new Int32Array(w * h));
  }
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      const v = data[i];
      if (v <= low) continue;
      let label = keep[labels[i]] ? labels[i] : 0;
      for (let dy = -GROW; dy <= GROW && !label; dy++) {
        const yy = y + dy;
        if (yy < 0 || yy >= h) continue;
        for (let dx = -GROW; dx <= GROW; dx++) {
          const xx = x + dx;
          const l = xx >= 0 && xx < w ? labels[yy * w + xx] : 0;
          if (l && keep[l]) {
            label = l;
            break;
          }
        }
      }
      if (label) {
        grown[i] = label;
        out[i] = Math.min(1, (v - low) / span);
      }
    }
  }
  labels.set(grown);
  return out;
}

function maxArea(components: Component[]): number {
  return components.reduce((m, c) => Math.max(m, c.area), 0);
}
