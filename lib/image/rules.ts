/**
 * Removing the printed rules of ruled or squared paper from an ink map
 * (ink = 1) before the ink levels are chosen, whatever their strength: in
 * phone photos the thin printed lines are often darker than a pale pencil
 * or ballpoint digit, so a threshold set from the strongest ink keeps the
 * lines and drops the digit.
 *
 * Candidates are the long paths of {@link longLineMasks} (at least half the
 * side they run along). A rule is a straight line found among them by a
 * Hough transform (its centre within a pixel of one straight line over at
 * least half the side; the side of a 0 or the bowl of a 6 bends away
 * from any straight line), thin for its length (full width at half
 * maximum), and one of a family of parallel rules: three or more, or two
 * when the ink left without them is small in the frame (a digit has at
 * most two long parallel strokes, such as the sides of a 0 or a 4, and
 * those fill a tight crop).
 * Each rule's mean cross-section gives how much light it takes away at
 * each distance from its centre; that transmission is divided out of the
 * pixels under it (as the lighting is divided out of the paper), so paper
 * under a rule becomes paper and a stroke crossing it keeps its strength.
 * What is left below half the rule's strength is its own edge and goes.
 *
 * @module
 */

import { longLineMasks } from "./lines.ts";
import type { GrayImage } from "./raster.ts";
import { Scratch } from "./scratch.ts";

/** Options of {@link removeRules}. */
export interface RuleOptions {
  /** Ink strength a rule pixel exceeds (the paper's noise floor). */
  threshold: number;
  /** Shortest rule, as a fraction of the side it runs along. Default 0.5. */
  minLength?: number;
}

/** What {@link removeRules} found and removed. */
export interface RuleRemoval {
  /** The ink map with the rules divided out (the input itself when no rule was found). */
  ink: GrayImage;
  /** 1 on the bands of the removed rules. */
  mask: Uint8Array;
  /** Number of horizontal rules removed. */
  horizontal: number;
  /** Number of vertical rules removed. */
  vertical: number;
}

/**
 * A digit never has three long parallel straight strokes; two (the sides of
 * a 0, the stems of a 4) only when it fills the frame.
 */
const FAMILY = 3;

/**
 * With two parallel lines, they are rules when the ink left without them
 * spans at most this fraction of the image's longer side: a digit in a
 * tight crop spans 70-100% of it (MNIST's box is 20 of 28 pixels, 71%); in
 * a photo the digit is 10-30% of the frame.
 */
const SMALL_DIGIT = 0.5;

/**
 * Rules are found on the transposed problem for horizontal lines: vertical
 * lines `x = offset + slope * (y - h / 2)`, slopes within +-0.15 (8.5
 * degrees: a phone held a little askew), tried in steps that move a line's
 * ends by two pixels (the vote window of +-1 offset covers the rest).
 */
const MAX_SLOPE = 0.15;

/**
 * Two lines closer than this (pixels, anywhere along their length) are one
 * line seen twice; printed rules are at least 4 mm apart, about 15 pixels
 * in an 800-pixel photo of a page.
 */
const MIN_GAP = 6;

/**
 * A rule is at least this many times as long as it is thick (full width at
 * half maximum): printed rules run 30 times their width across an
 * 800-pixel photo even when out of focus (20-pixel soft bands over 600
 * pixels) and 100 to 300 times when sharp, while the straight strokes of a
 * digit are 3 to 10 times as long as their width; only a thin-pen 1 in a
 * tight crop comes near, and it has no parallel twin.
 */
const THIN = 25;

/** The straight lines of one direction: each rule pixel's line (1-based, 0 = none) and each line's thickness. */
interface Lines {
  labels: Int32Array;
  thickness: Map<number, number>;
  /** Each line's typical ink strength (the peak of its cross-section). */
  level: Map<number, number>;
  /** How much light the accepted thin lines let through at each pixel (1 off them). */
  transmission: Float32Array;
  /** On a line's band: the smaller of the ink values just past the band on either side. */
  beyond: Float32Array;
}

/**
 * Straight vertical lines in a (w x h, row-major) path mask: a Hough
 * transform in which each run of mask pixels in a row votes once, at its
 * centre, so a thick stroke counts one vote per row like a thin rule and a
 * curve spreads its votes over many lines. A line needs `need` rows.
 * Returns each accepted line's band of pixels and its thickness, in
 * `buffers`. The ink map and the buffers are in the image's own layout,
 * where the mask's pixel (x, y) is at `x * sx + y * sy`: (1, w) for the
 * image itself, (the image's width, 1) for lines across it found on the
 * transposed mask. Writing the bands there instead of transposing the ink
 * map in and three results out saved 5 ms per squared-paper photo.
 */
function houghVertical(
  mask: Uint8Array,
  ink: Float32Array,
  w: number,
  h: number,
  need: number,
  buffers: LineBuffers,
  sx: number,
  sy: number,
): Lines {
  const step = 4 / h;
  const slopes = Math.round(MAX_SLOPE / step);
  const nt = 2 * slopes + 1, no = w + 2 * Math.ceil(MAX_SLOPE * h);
  const shift = Math.ceil(MAX_SLOPE * h);
  const votes = new Int32Array(nt * no);
  for (let y = 0; y < h; y++) {
    const row = y * w;
    let x = 0;
    while (x < w) {
      if (!mask[row + x]) {
        x++;
        continue;
      }
      let end = x;
      while (end < w && mask[row + end]) end++;
      const c = (x + end - 1) / 2;
      const dy = y - h / 2;
      for (let t = 0; t < nt; t++) {
        const offset = Math.round(c - (t - slopes) * step * dy) + shift;
        if (offset >= 0 && offset < no) votes[t * no + offset]++;
      }
      x = end;
    }
  }
  // Votes within one offset either side: a rule's centre wanders by a pixel.
  const peaks: { t: number; o: number; v: number }[] = [];
  for (let t = 0; t < nt; t++) {
    for (let o = 1; o < no - 1; o++) {
      const i = t * no + o;
      const v = votes[i - 1] + votes[i] + votes[i + 1];
      // Only the best offset of a run of qualifying ones.
      if (v >= need && votes[i] >= votes[i - 1] && votes[i] >= votes[i + 1]) {
        peaks.push({ t, o, v });
      }
    }
  }
  peaks.sort((a, b) => b.v - a.v);
  const accepted: { t: number; o: number }[] = [];
  const at = (p: { t: number; o: number }, y: number) =>
    p.o - shift + (p.t - slopes) * step * (y - h / 2);
  for (const p of peaks) {
    const near = accepted.some((q) =>
      Math.min(Math.abs(at(p, 0) - at(q, 0)), Math.abs(at(p, h - 1) - at(q, h - 1))) < MIN_GAP
    );
    if (!near) accepted.push(p);
  }
  const labels = buffers.labels.zeroed(w * h);
  const thickness = new Map<number, number>(), level = new Map<number, number>();
  const transmission = buffers.transmission.take(w * h).fill(1);
  const beyond = buffers.beyond.zeroed(w * h);
  if (accepted.length === 0) return { labels, thickness, level, transmission, beyond };
  accepted.forEach((p, k) => {
    // Rows where the line is present: a mask pixel within a pixel of its centre.
    const rows: number[] = [];
    for (let y = 0; y < h; y++) {
      const x = Math.round(at(p, y));
      const row = y * w;
      if (
        (x >= 0 && x < w && mask[row + x]) || (x > 0 && x <= w && mask[row + x - 1]) ||
        (x >= -1 && x < w - 1 && mask[row + x + 1])
      ) rows.push(y);
    }
    const { width: thick, peak, profile, base } = fullWidth(ink, w, sx, sy, rows, (y) => at(p, y));
    // A rule is long and thin; the straight strokes of a digit are not.
    if (rows.length < THIN * thick) return;
    thickness.set(k + 1, thick);
    level.set(k + 1, peak);
    // Its band: the full width at half maximum on either side of the centre
    // takes in the blurred edges, which are still darker than the paper.
    for (const y of rows) {
      const c = Math.round(at(p, y));
      const x0 = Math.max(0, c - thick), x1 = Math.min(w - 1, c + thick);
      // The ink just past the band on either side (0 past the border).
      const before = x0 - 2 >= 0 ? ink[(x0 - 2) * sx + y * sy] : 0;
      const after = x1 + 2 < w ? ink[(x1 + 2) * sx + y * sy] : 0;
      for (let x = x0; x <= x1; x++) {
        const i = x * sx + y * sy;
        labels[i] = k + 1;
        beyond[i] = Math.min(before, after);
        // The rule's own share of the ink at this offset from its centre.
        const d = Math.max(-PROFILE, Math.min(PROFILE, x - c));
        transmission[i] *= 1 - Math.max(0, profile[d + PROFILE] - base);
      }
    }
  });
  return { labels, thickness, level, transmission, beyond };
}

/**
 * Fraction of a rule's strength below which what is left on it once its
 * transmission is divided out is its own edge: the profile is measured
 * along a centre rounded to whole pixels, so a rule's steep sides leave up
 * to about a third of its strength behind; a stroke crossing the rule is
 * stronger than half of it unless it is much paler than the rule, and then
 * the ink on both sides of the rule bridges it.
 */
const RESIDUE = 0.5;

/** Farthest a rule's profile is looked at on either side of its centre (pixels). */
const PROFILE = 12;

/**
 * Full width at half maximum of a vertical line's median cross-section in
 * the ink map over the `rows` where it is present (`centre(y)` gives its
 * column in row `y`), at least 1, and the
 * cross-section's peak (the rule's typical ink strength). The width is its
 * thickness, measured on the ink rather than on a thresholded mask, so a
 * faint blurred rule does not read as thick because its threshold was low.
 */
function fullWidth(
  ink: Float32Array,
  w: number,
  sx: number,
  sy: number,
  rows: number[],
  centre: (y: number) => number,
): { width: number; peak: number; profile: number[]; base: number } {
  // The median over the rows where the line is present: the strokes of a
  // digit crossing it would widen a mean.
  const values = Array.from({ length: 2 * PROFILE + 1 }, () => new Float32Array(rows.length));
  rows.forEach((y, r) => {
    const c = Math.round(centre(y));
    for (let d = -PROFILE; d <= PROFILE; d++) {
      const x = Math.min(w - 1, Math.max(0, c + d));
      values[d + PROFILE][r] = ink[x * sx + y * sy];
    }
  });
  const profile = values.map((v) => (v.length ? middle(v) : 0));
  const base = Math.min(profile[0], profile[2 * PROFILE]);
  let peakAt = PROFILE;
  for (let d = PROFILE - 2; d <= PROFILE + 2; d++) if (profile[d] > profile[peakAt]) peakAt = d;
  const half = (profile[peakAt] + base) / 2;
  let a = peakAt, b = peakAt;
  while (a > 0 && profile[a - 1] > half) a--;
  while (b < 2 * PROFILE && profile[b + 1] > half) b++;
  return { width: b - a + 1, peak: profile[peakAt], profile, base };
}

/**
 * The value at index `n >> 1` of `values` sorted (the upper median), found
 * by quickselect in O(n), reordering `values`: a full sort of each of the
 * 25 offsets' values per candidate line took 12% of `removeRules` on
 * squared paper. A NaN (which sorts last) falls back to the sort.
 */
function middle(values: Float32Array): number {
  const k = values.length >> 1;
  for (let i = 0; i < values.length; i++) if (values[i] !== values[i]) return values.sort()[k];
  let lo = 0, hi = values.length - 1;
  while (lo < hi) {
    const pivot = values[(lo + hi) >> 1];
    let i = lo, j = hi;
    while (i <= j) {
      while (values[i] < pivot) i++;
      while (values[j] > pivot) j--;
      if (i <= j) {
        const t = values[i];
        values[i++] = values[j];
        values[j--] = t;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return values[k];
  }
  return values[k];
}

/** `src` (w x h) with rows and columns swapped (h x w) into `out`. */
function transpose8(src: Uint8Array, w: number, h: number, out: Uint8Array): Uint8Array {
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) out[x * h + y] = src[y * w + x];
  }
  return out;
}

/** Where {@link houghVertical} writes a direction's lines. */
interface LineBuffers {
  labels: Scratch<Int32Array>;
  transmission: Scratch<Float32Array>;
  beyond: Scratch<Float32Array>;
}

function lineBuffers(): LineBuffers {
  return {
    labels: new Scratch((n) => new Int32Array(n)),
    transmission: new Scratch((n) => new Float32Array(n)),
    beyond: new Scratch((n) => new Float32Array(n)),
  };
}

/**
 * The working buffers of {@link removeRules}, kept between calls (see
 * `scratch.ts`): the lines across and down are read together, so each has
 * its own; none leaves `removeRules`.
 */
const across = lineBuffers(), down = lineBuffers();
const transposedMask = new Scratch((n) => new Uint8Array(n));

/**
 * A straight line needs this fraction of `minLength`'s rows in votes: where
 * a digit's strokes cross a rule, the mask's runs there merge with them and
 * vote off the line, and a photographed digit spans 10-25% of the frame,
 * so a rule running through it may lose up to a quarter of its votes.
 */
const VOTES = 0.75;

/** The straight lines in one direction's path mask. */
function straightLines(
  mask: Uint8Array,
  ink: Float32Array,
  w: number,
  h: number,
  horizontal: boolean,
  minLength: number,
): Lines {
  if (!horizontal) return houghVertical(mask, ink, w, h, VOTES * minLength * h, down, 1, w);
  // Lines across are found as vertical lines of the transposed mask; their
  // bands are written in the image's own layout.
  return houghVertical(
    transpose8(mask, w, h, transposedMask.take(w * h)),
    ink,
    h,
    w,
    VOTES * minLength * w,
    across,
    w,
    1,
  );
}

/** The longer side of the bounding box of pixels above `threshold` outside `mask` (0 when none). */
function leftoverSpan(ink: GrayImage, mask: Uint8Array, threshold: number): number {
  const { width: w, height: h, data } = ink;
  let x0 = w, y0 = h, x1 = -1, y1 = -1;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      if (mask[i] || !(data[i] > threshold)) continue;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
  }
  return x1 < 0 ? 0 : Math.max(x1 - x0 + 1, y1 - y0 + 1);
}

/**
 * Each label of `lines`: whether it is a rule that counts (`counts`, and
 * the label one of the accepted thin lines) and its level (0 otherwise).
 */
function ruleTable(lines: Lines, counts: boolean): { rule: Uint8Array; level: Float64Array } {
  let top = 0;
  for (const label of lines.thickness.keys()) top = Math.max(top, label);
  const rule = new Uint8Array(top + 1), level = new Float64Array(top + 1);
  if (!counts) return { rule, level };
  for (const label of lines.thickness.keys()) {
    rule[label] = 1;
    level[label] = lines.level.get(label) ?? 0;
  }
  return { rule, level };
}

/**
 * Finds the rules of ruled or squared paper in an ink map and divides them
 * out (see the module documentation).
 *
 * @throws {InvalidArgumentError} when `minLength` is outside (0, 1] (from
 * `longLineMasks`).
 *
 * @example
 * ```ts
 * import { assertAlmostEquals, assertEquals } from "@std/assert";
 * import { removeRules } from "./rules.ts";
 * const w = 120, h = 120, data = new Float32Array(w * h);
 * for (let y = 10; y < h; y += 25) data.fill(0.5, y * w, (y + 1) * w); // 5 printed rules
 * const stroke = (v: number) => 1 - (1 - v) * (1 - 0.6); // a pen stroke (0.6) over them
 * for (let y = 40; y < 80; y++) {
 *   for (let x = 58; x < 63; x++) data[y * w + x] = stroke(data[y * w + x]);
 * }
 * const r = removeRules({ width: w, height: h, data }, { threshold: 0.1 });
 * assertEquals([r.horizontal, r.vertical], [5, 0]);
 * assertEquals(r.ink.data[10 * w + 20], 0); // rule gone
 * assertAlmostEquals(r.ink.data[60 * w + 60], 0.6, 0.02); // the stroke where it crosses a rule
 * ```
 */
export function removeRules(ink: GrayImage, options: RuleOptions): RuleRemoval {
  const { width: w, height: h } = ink;
  const { threshold } = options;
  const minLength = options.minLength ?? 0.5;
  const none = { ink, mask: new Uint8Array(w * h), horizontal: 0, vertical: 0 };
  const paths = longLineMasks(ink, { threshold, minLength });
  const rowLines = straightLines(paths.horizontal, ink.data, w, h, true, minLength);
  const columnLines = straightLines(paths.vertical, ink.data, w, h, false, minLength);
  const horizontal = rowLines.thickness.size >= 2 ? rowLines.thickness.size : 0;
  const vertical = columnLines.thickness.size >= 2 ? columnLines.thickness.size : 0;
  if (horizontal === 0 && vertical === 0) return none;
  // Per-label tables instead of the maps' lookups at every pixel of a band:
  // 1 for a rule of a direction that counts (two or more found), its level.
  const onRows = ruleTable(rowLines, horizontal > 0),
    onColumns = ruleTable(columnLines, vertical > 0);
  const mask = new Uint8Array(w * h);
  for (let i = 0; i < mask.length; i++) {
    const a = rowLines.labels[i], d = columnLines.labels[i];
    if (a === 0 && d === 0) continue;
    mask[i] = onRows.rule[a] || onColumns.rule[d] ? 1 : 0;
  }
  const many = horizontal >= FAMILY || vertical >= FAMILY;
  if (!many && leftoverSpan(ink, mask, threshold) > SMALL_DIGIT * Math.max(w, h)) return none;
  // A rule darkens what lies under it by its own transmission, as the
  // lighting darkens the paper: dividing it out leaves paper as paper and a
  // stroke crossing the rule at its own strength.
  // What is left below half the rule's strength is the rule's own edge
  // (its centre wanders by a pixel against the measured profile), not ink.
  const out = new Float32Array(ink.data);
  for (let i = 0; i < out.length; i++) {
    if (!mask[i]) continue;
    const t = (horizontal ? rowLines.transmission[i] : 1) *
      (vertical ? columnLines.transmission[i] : 1);
    if (!(t < 1)) continue;
    const level = Math.max(
      onRows.level[rowLines.labels[i]],
      onColumns.level[columnLines.labels[i]],
    );
    const v = Math.min(1, Math.max(0, 1 - (1 - ink.data[i]) / Math.max(t, 1e-3)));
    // Too little left to tell from the rule's edge: a stroke much paler than
    // the rule shows on both sides of it instead, and bridges it.
    const onRow = onRows.rule[rowLines.labels[i]] === 1;
    const onColumn = onColumns.rule[columnLines.labels[i]] === 1;
    // Where two rules cross, what lies past one band is the other rule.
    const bridge = onRow && onColumn ? 0 : Math.max(rowLines.beyond[i], columnLines.beyond[i]);
    out[i] = v >= RESIDUE * level ? v : Math.min(v + bridge, bridge);
  }
  return { ink: { width: w, height: h, data: out }, mask, horizontal, vertical };
}
