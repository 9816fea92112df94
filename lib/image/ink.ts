/**
 * Separating ink from paper in any photo-convention image (1 = white):
 * the shared first half of single-digit normalisation and multi-digit
 * segmentation.
 *
 * Steps: shrink large images to a working size; decide polarity and
 * invert light-on-dark images; divide by the estimated background (uneven
 * lighting, shadows); in photos of a page (working size 500 pixels and
 * more) remove printed rules, which may be darker than the digit
 * (`removeRules`); choose levels above noise and above ruled/squared
 * paper lines still there; keep connected strokes that reach the ink
 * threshold (each extends down to the lower level within a few pixels);
 * drop frames (sparse networks touching all four borders), small pieces
 * that are much fainter than the ink, and specks; for one digit keep only
 * the most digit-like group of strokes (`selectDigit`: not the table past
 * the page edge, a far ink dot or grid marks); in photos follow the
 * strokes into their faint parts on a smoothed map, near the strokes and
 * where the ink stands out from its surroundings (a pale pencil body, the
 * faint tail of a 9); map ink strength to [0, 1] intensities, keeping
 * anti-aliased edges. No ink is reported for low contrast or when the
 * largest stroke is tiny.
 *
 * Everything up to the strokes depends only on the image, so it is kept
 * for the image (`inkMap`): reading a photo's digit and checking it for
 * several digits find its ink from the same map.
 *
 * @module
 */

import { estimateBackground, inkStrength } from "./background.ts";
import {
  type Component,
  dropSpecks,
  labelComponents,
  mainPiece,
  selectDigit,
} from "./components.ts";
import { boxBlur, maxFilter, minFilter } from "./filters.ts";
import { crop } from "./mnist_format.ts";
import { histogram, quantile } from "./histogram.ts";
import { invert, measurePolarity, type Polarity } from "./polarity.ts";
import { resizeLongSide } from "./resize.ts";
import { removeCropLines } from "./crop_lines.ts";
import { removeRules } from "./rules.ts";
import { chooseLevels, type InkLevels, paperFloor } from "./threshold.ts";
import type { Box, GrayImage, PipelineStep } from "./raster.ts";
import { Scratch } from "./scratch.ts";

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
  const map = inkMap(img, options.maxSide ?? 800, options.polarity, steps);
  const { scale, polarity, strength, levels, components, peak, largest, runs } = map;
  const { width: w, height: h } = strength;
  // `grow` and `spread` relabel, so each call works on its own copy.
  const labels = map.labels.slice();
  const strong = levels.threshold + 0.5 * (levels.ink - levels.threshold);
  // Small pieces are dropped when much fainter than the ink; for one digit
  // "small" is relative to the most digit-like piece (`selectDigit`), so a
  // solid region such as the table past the page edge cannot make the
  // digit's own strokes look small.
  const faintSmall = (c: Component, relativeTo: number) =>
    c.area < 0.1 * relativeTo && peak[c.label] < strong;
  const candidates = components.filter((c) => !isFrame(c, runs, w, h));
  let kept: Component[];
  if (options.mainOnly === false) {
    const strokes = candidates.filter((c) => !faintSmall(c, largest));
    kept = strokes.filter((c) => c.area >= (options.speckFraction ?? 0.1) * maxArea(strokes));
  } else {
    const main = mainPiece(candidates, { width: w, height: h });
    const strokes = candidates.filter((c) => !faintSmall(c, main?.area ?? 0));
    kept = dropSpecks(
      selectDigit(strokes, {
        width: w,
        height: h,
        minFraction: (options.speckFraction ?? 0.1) / 5,
      }),
      { minFraction: options.speckFraction },
    );
  }
  kept.sort((a, b) => b.area - a.area);
  const keep = new Uint8Array(components.length + 1);
  for (const c of kept) keep[c.label] = 1;
  const grownInk = grow(strength, labels, keep, levels);
  const ink = { width: w, height: h, data: spread(map, labels, grownInk) };
  steps?.push({ name: "ink", ...ink });

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

/**
 * Everything {@link extractInk} finds before it chooses which strokes to
 * keep: the working image's ink strength (lighting divided out, rules
 * removed), its levels and its strokes. It depends only on the image, the
 * working size and the polarity option.
 */
interface InkMap {
  scale: number;
  polarity: Polarity;
  strength: GrayImage;
  levels: InkLevels;
  /** Stroke labels before any growing; {@link extractInk} relabels a copy. */
  labels: Int32Array;
  components: Component[];
  /** Each stroke's strongest ink (index = label). */
  peak: Float32Array;
  /** The largest stroke's area. */
  largest: number;
  /** Each stroke's runs along the image border (`isFrame`). */
  runs: Map<number, number>;
  /** The smoothed page under {@link spread} and its floor, once computed. */
  smooth?: { page: Float32Array; floor: { median: number; level: number } };
  /** The last opening of the smoothed page made by {@link spread}, its region and radius. */
  opened?: { region: Box; wide: number; base: Float32Array };
}

/**
 * The last {@link InkMap} of each image, with the key it was made for. A
 * single-digit reading of a photo finds its ink twice: once to read the
 * digit (`normalizeImage`, one digit kept) and once to see whether the
 * image holds several digits (`segmentDigits`, every stroke kept); both
 * share this map, which was 60% of the 165 ms each call took on a
 * 960x1280 phone photo (its 600x800 working image). Keyed by the image
 * object and checked against a fingerprint of its pixels, so an image
 * changed in place is never read from a stale map.
 */
const inkMaps = new WeakMap<GrayImage, { key: string; print: number; map: InkMap }>();

/**
 * FNV-1a over the bits of every value, in four interleaved lanes (a single
 * chain of multiplications waits on itself at every value), with the size:
 * about 1 ms for a 960x1280 photo, against the 60 ms the map takes to make.
 */
function fingerprint(img: GrayImage): number {
  const { data } = img;
  const bits = new Int32Array(data.buffer, data.byteOffset, data.length);
  let a = 2166136261 ^ img.width, b = 2166136261 ^ img.height, c = 2166136261, d = 2166136261;
  const n = bits.length - (bits.length % 4);
  for (let i = 0; i < n; i += 4) {
    a = Math.imul(a ^ bits[i], 16777619);
    b = Math.imul(b ^ bits[i + 1], 16777619);
    c = Math.imul(c ^ bits[i + 2], 16777619);
    d = Math.imul(d ^ bits[i + 3], 16777619);
  }
  for (let i = n; i < bits.length; i++) a = Math.imul(a ^ bits[i], 16777619);
  return Math.imul(Math.imul(Math.imul(a ^ b, 16777619) ^ c, 16777619) ^ d, 16777619);
}

/** The {@link InkMap} of `img`, from the cache when it was made for this image already. */
function inkMap(
  img: GrayImage,
  maxSide: number,
  forced: Polarity | undefined,
  steps: PipelineStep[] | undefined,
): InkMap {
  // With steps asked for, every image is made again to be recorded.
  if (steps) return makeInkMap(img, maxSide, forced, steps);
  const key = `${maxSide}:${forced ?? ""}`;
  const print = fingerprint(img);
  const cached = inkMaps.get(img);
  if (cached && cached.key === key && cached.print === print) return cached.map;
  const map = makeInkMap(img, maxSide, forced, undefined);
  inkMaps.set(img, { key, print, map });
  return map;
}

function makeInkMap(
  img: GrayImage,
  maxSide: number,
  forced: Polarity | undefined,
  steps: PipelineStep[] | undefined,
): InkMap {
  const record = (name: string, im: GrayImage) => steps?.push({ name, ...im });
  record("grayscale", img);
  const longer = Math.max(img.width, img.height);
  const work = longer > maxSide ? resizeLongSide(img, maxSide) : img;
  const scale = work.width / img.width;
  if (work !== img) record("working size", work);

  const polarity = forced ?? measurePolarity(work).polarity;
  const darkInk = polarity === "dark-on-light" ? work : invert(work);
  if (polarity === "light-on-dark") record("inverted", darkInk);
  // Below PHOTO_SIDE the image is a crop that one digit fills, so a broad
  // marker stroke (up to a quarter of the digit) is wider than the
  // background's cells (a tenth of the side): ink-covered cells are repaired
  // a second time from a 5x5 neighbourhood of cells. Without it the paper
  // under such a stroke was taken for ink-dark and the stroke came out
  // hollow: 300 MNIST test digits grown to strokes of about 13 of 44 pixels
  // were read 74.0% right, with it 83.7%.
  const photo = Math.max(work.width, work.height) >= PHOTO_SIDE;
  const background = estimateBackground(darkInk, photo ? {} : { repairRadius: 2 });
  record("background", background);
  const measured = inkStrength(darkInk, background);
  record("ink strength", measured);
  // Printed rules go before the levels are chosen: they may be darker than
  // the digit. Candidates are looked for halfway between the paper and the
  // noise floor: a path along a faint rule averages its noise away, and
  // `removeRules` keeps only long, thin, straight, parallel lines.
  // The paper floor only sets that threshold, so below PHOTO_SIDE it is not
  // computed: 0.027 ms of the 0.23 ms a 64x64 drawing took here.
  const ruled = photo ? withoutRules(measured) : measured;
  if (ruled !== measured) record("rules removed", ruled);

  const levels = chooseLevels(ruled, { findRules: ruled === measured });
  // A crop of one cell of a form keeps pieces of the cell's border, and a
  // number photographed on a form sits on the form's line.
  const strength = removeCropLines(ruled, levels.threshold).ink;
  if (strength !== ruled) record("lines removed", strength);
  const { width: w, height: h } = strength;
  // Strokes are the components of (strength > threshold); specks are dropped.
  const seeds = above(strength.data, levels.threshold);
  const { labels, components } = labelComponents(seeds, { width: w, height: h });
  // Small pieces must be as dark as real pen strokes: faint ones are rule
  // crossings or shadow edges that just reached the threshold.
  return {
    scale,
    polarity,
    strength,
    levels,
    labels,
    components,
    peak: peaks(strength.data, labels, components.length),
    largest: maxArea(components),
    runs: borderRuns(labels, w, h),
  };
}

/** `removeRules` on `measured`, looking for rules halfway between the paper and its floor. */
function withoutRules(measured: GrayImage): GrayImage {
  const paper = paperFloor(measured);
  return removeRules(measured, { threshold: (paper.paper + paper.floor) / 2 }).ink;
}

/** 1 where `data` exceeds `threshold`, else 0. */
function above(data: Float32Array, threshold: number): Uint8Array {
  const out = scratch.seeds.take(data.length);
  for (let i = 0; i < data.length; i++) out[i] = data[i] > threshold ? 1 : 0;
  return out;
}

/**
 * Working buffers of {@link extractInk} that never leave it, kept between
 * calls (see `scratch.ts`): the seeds, the grown labels and the fill's stack.
 */
const scratch = {
  seeds: new Scratch((n) => new Uint8Array(n)),
  grown: new Scratch((n) => new Int32Array(n)),
  stack: new Scratch((n) => new Int32Array(n)),
};

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
  const grown = scratch.grown.zeroed(w * h);
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

/**
 * Working images at least this large (longer side, pixels) are treated as
 * photos of a page: printed rules are removed (`removeRules`) and faint
 * strokes are followed ({@link spread}). Phone photos reach the working
 * size (800) and webcam frames are 640 pixels wide; scans of single
 * digits, drawings and crops are 16 to 450 pixels (the shipped scan is
 * 420), where a rule is a 1-pixel line that the levels already keep below
 * the threshold and a digit's own straight strokes come closest to
 * passing for rules.
 */
const PHOTO_SIDE = 500;

/**
 * Radius of the mean filter under {@link spread}: a 300th of the longer
 * side, rounded down, so 2 pixels in an 800-pixel photo, where pen strokes
 * are 4 to 20 pixels wide; 0 (no spreading) below {@link PHOTO_SIDE}.
 */
function spreadRadius(w: number, h: number): number {
  return Math.max(w, h) < PHOTO_SIDE ? 0 : Math.floor(Math.max(w, h) / 300);
}

/**
 * How far (fraction of the strokes' longer side) beyond the box of the
 * strokes found so far the fainter level applies: a quarter takes in a
 * pale lower loop or tail that the seeds' box nearly spans, not a shadow
 * band running to the edge of the page.
 */
const NEAR = 0.25;

/**
 * The opening under {@link spread}'s local contrast has a radius of at
 * least this fraction of the longer side: 13 pixels (a 27-pixel square) in
 * an 800-pixel photo, wider than the pen strokes of a digit photographed
 * from a usual distance (marker: about 20 pixels), narrower than a shadow's
 * soft edge (a 30th of the photo and more); wider for a large digit
 * ({@link STROKE_SHARE}).
 */
const OPENING = 60;

/**
 * A pen stroke is at most this fraction of its digit's size (MNIST's
 * strokes: 10-15% of the digit's height; a broad marker: 20%), so an
 * opening whose square side is this fraction of the strokes' box is wider
 * than the pen however close the photo. Without it, a broad pale marker 8
 * filling a phone photo (strokes 40 of 800 pixels, wider than the 27-pixel
 * square) did not stand out from its own opening: only patches of it were
 * kept, and it was read as 7. With it, that 8 (a box of 274x513 pixels, a
 * 131-pixel square) is read right, and no other reading of the development
 * set or of the rendered scenes changed.
 */
const STROKE_SHARE = 0.25;

/**
 * Hysteresis: each kept stroke takes in every pixel connected to it whose
 * ink strength, averaged over a small neighbourhood ({@link spreadRadius}),
 * is above the lower level. A pale pencil body around a few dark spots, or
 * the faint tail of a 9 joined to its darker loop, is as much the digit as
 * the seeds; the mean (a 5x5 one divides white noise by 5) keeps the fill
 * from creeping along paper grain. Rules were removed before, and rules
 * fainter than the ink keep the lower level above them (`chooseLevels`),
 * so it cannot run along them. Updates `labels`; returns the ink
 * intensities.
 */
function spread(map: InkMap, labels: Int32Array, ink: Float32Array): Float32Array {
  const { strength, levels } = map;
  const { width: w, height: h } = strength;
  const radius = spreadRadius(w, h);
  if (radius === 0) return ink;
  // The fainter level applies only near the strokes found so far (a faint
  // band of shadow or an unremoved rule cannot carry the fill across the
  // page), so only that region, with a margin for the filters, is opened.
  let top = 0, x0 = w, y0 = h, x1 = -1, y1 = -1;
  const stack = scratch.stack.take(w * h);
  for (let i = 0; i < labels.length; i++) {
    if (!labels[i]) continue;
    stack[top++] = i;
    const x = i % w, y = (i - x) / w;
    if (x < x0) x0 = x;
    if (x > x1) x1 = x;
    if (y < y0) y0 = y;
    if (y > y1) y1 = y;
  }
  if (top === 0) return ink;
  const reach = Math.ceil(NEAR * Math.max(x1 - x0 + 1, y1 - y0 + 1));
  // The opening's square must be wider than the pen: a 60th of the photo,
  // or more when the strokes found so far are large (STROKE_SHARE).
  const wide = Math.max(
    Math.round(Math.max(w, h) / OPENING),
    Math.ceil((STROKE_SHARE / 2) * Math.max(x1 - x0 + 1, y1 - y0 + 1)),
  );
  const margin = reach + radius + 2 * wide;
  const region = {
    x: Math.max(0, x0 - margin),
    y: Math.max(0, y0 - margin),
    width: Math.min(w, x1 + margin + 1) - Math.max(0, x0 - margin),
    height: Math.min(h, y1 + margin + 1) - Math.max(0, y0 - margin),
  };
  // The smoothed page; its statistics are the whole page's, as the region
  // around the digit may be a third ink.
  // It and its floor depend on the strength map alone, so are kept with it.
  map.smooth ??= smoothPage(strength, radius);
  const { page, floor: paper } = map.smooth;
  // Local contrast: the smoothed map less its opening by a square wider
  // than any pen stroke, so broad shadows and shading go and strokes stay.
  const opened = openedAround(map, page, region, wide);
  const base = opened.base, from = opened.region;
  // The fainter level of the smoothed map, never below rules fainter than
  // the ink that are still there (`levels.rules`).
  const faint = Math.max(levels.rules ?? 0, Math.min(levels.low, paper.level));
  // A faint pixel must also stand out from its surroundings by half its
  // margin over the paper: a shadow's broad edge does not.
  const standOut = 0.5 * (faint - paper.median);
  const span = levels.high - faint;
  const lw = from.width;
  while (top > 0) {
    const i = stack[--top];
    const x = i % w, y = (i - x) / w, label = labels[i];
    for (let dy = -1; dy <= 1; dy++) {
      const yy = y + dy;
      if (yy < 0 || yy >= h) continue;
      for (let dx = -1; dx <= 1; dx++) {
        const xx = x + dx;
        if (xx < 0 || xx >= w) continue;
        const j = yy * w + xx;
        if (labels[j]) continue;
        // Near the strokes: the fainter level where the pixel stands out;
        // anywhere: the lower level (plain hysteresis).
        const near = xx >= x0 - reach && xx <= x1 + reach && yy >= y0 - reach && yy <= y1 + reach;
        const k = (yy - from.y) * lw + (xx - from.x);
        const faintInk = near && page[j] > faint && page[j] - base[k] > standOut;
        if (!faintInk && !(page[j] > levels.low)) continue;
        labels[j] = label;
        ink[j] = Math.min(1, (page[j] - faint) / span);
        stack[top++] = j;
      }
    }
  }
  return ink;
}

/**
 * The opening (minimum, then maximum, over squares of radius `wide`) of
 * the smoothed `page` in `region`, or in a region holding it that was
 * opened before for the same map with the same `wide`. {@link spread} reads it only at pixels at
 * least `2 * wide` inside its region (or on the image's border), where a
 * window never reaches past the region, so the value is the same whichever
 * region holding them it was computed in. The single-digit reading and the
 * several-digits check of a photo open the same region in 60% of the
 * development set's photos (the opening is two thirds of what
 * `extractInk` does after its cached map), so the second one is free.
 */
function openedAround(
  map: InkMap,
  page: Float32Array,
  region: Box,
  wide: number,
): { region: Box; base: Float32Array } {
  const last = map.opened;
  if (
    last && last.wide === wide && region.x >= last.region.x && region.y >= last.region.y &&
    region.x + region.width <= last.region.x + last.region.width &&
    region.y + region.height <= last.region.y + last.region.height
  ) return last;
  const { width: w, height: h } = map.strength;
  const local = crop({ width: w, height: h, data: page }, region);
  map.opened = { region, wide, base: maxFilter(minFilter(local, wide), wide).data };
  return map.opened;
}

/** The strength map averaged over the {@link spreadRadius} window, and its {@link smoothFloor}. */
function smoothPage(
  strength: GrayImage,
  radius: number,
): { page: Float32Array; floor: { median: number; level: number } } {
  const page = boxBlur(strength, radius).data;
  return { page, floor: smoothFloor(page) };
}

/**
 * Level of the smoothed ink map above which a pixel joined to a stroke is
 * ink: the paper's median plus 3 of its standard deviations, measured on
 * the lower half of the map (median minus 16th percentile), which only
 * paper reaches. Averaging leaves the paper's slow undulations (shadow
 * bands, JPEG blocks: a deviation of 0.015 in 800-pixel phone photos
 * against 0.012 unsmoothed) but makes a broad pale stroke solid, so this
 * level sits near 0.09 where the unsmoothed floor, which must stay above
 * single noisy pixels, sits near 0.13; pencil strokes measure 0.10 to 0.15.
 */
function smoothFloor(smooth: Float32Array): { median: number; level: number } {
  const counts = histogram(smooth);
  const median = quantile(counts, 0.5);
  return { median, level: median + 3 * (median - quantile(counts, 0.16)) };
}

function maxArea(components: Component[]): number {
  return components.reduce((m, c) => Math.max(m, c.area), 0);
}
