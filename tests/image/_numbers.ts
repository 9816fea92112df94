/**
 * Written numbers made in the tests, with the troubles real ones have:
 * digits touching or far apart, on an uneven baseline, broken where the
 * pen skipped, drawn with a grainy pencil, a thin short 1 close to its
 * neighbour, dust. Every digit is an ink image (1 = ink), cropped to its
 * ink; rows are ink images too (turn them into photos with `inkToGray`).
 */

import { type Rng } from "../../lib/core/random.ts";
import { boxBlur, crop, type GrayImage, inkBox } from "../../lib/image/mod.ts";
import { drawDigit, mnistToInk } from "../../lib/image/synth/scenes.ts";

/** Crops an ink image to its ink. */
export function cropToInk(ink: GrayImage): GrayImage {
  const box = inkBox(ink, 0.05);
  return box === null ? ink : crop(ink, box);
}

/** A pen-stroke digit of height about `size`, cropped to its ink. */
export function penDigit(
  digit: number,
  size: number,
  options: { rng?: Rng; penWidth?: number; variation?: number } = {},
): GrayImage {
  return cropToInk(
    drawDigit(digit, {
      size: Math.round(size / 0.7),
      penWidth: options.penWidth ?? size / 9,
      rng: options.rng,
      variation: options.variation ?? 0.3,
      margin: 0.15,
    }),
  );
}

/** A 28x28 MNIST-like digit enlarged to about `size` pixels high, cropped to its ink. */
export function mnistDigit(pixels: ArrayLike<number>, size: number): GrayImage {
  return cropToInk(mnistToInk(pixels, { size: Math.round(size * 1.4) }));
}

/** Layout of {@link layoutRow}. */
export interface RowLayout {
  /** Gaps between neighbours, in pixels (negative: they overlap); one fewer than the digits. */
  gaps: number[];
  /** Vertical offset of each digit's centre from the row's middle, in pixels. Default 0. */
  offsets?: number[];
  /** Empty border around the row. Default 20. */
  padding?: number;
}

/**
 * Lays digits out left to right with the given gaps and vertical offsets;
 * where they overlap the stronger ink wins.
 */
export function layoutRow(inks: GrayImage[], layout: RowLayout): GrayImage {
  const pad = layout.padding ?? 20;
  const offsets = layout.offsets ?? inks.map(() => 0);
  const tallest = Math.max(...inks.map((i) => i.height));
  const spread = Math.max(0, ...offsets.map(Math.abs));
  const xs: number[] = [];
  let x = pad;
  inks.forEach((ink, i) => {
    xs.push(x);
    x += ink.width + (layout.gaps[i] ?? 0);
  });
  const width = Math.max(...inks.map((ink, i) => xs[i] + ink.width)) + pad;
  const height = Math.ceil(tallest + 2 * spread + 2 * pad);
  const data = new Float32Array(width * height);
  inks.forEach((ink, i) => {
    const top = Math.round(height / 2 + offsets[i] - ink.height / 2);
    for (let y = 0; y < ink.height; y++) {
      const ty = y + top;
      if (ty < 0 || ty >= height) continue;
      for (let xx = 0; xx < ink.width; xx++) {
        const v = ink.data[y * ink.width + xx], j = ty * width + xs[i] + xx;
        if (v > data[j]) data[j] = v;
      }
    }
  });
  return { width, height, data };
}

/** Erases a band across an ink image: a horizontal one (`axis: "y"`) or a vertical one. */
export function eraseBand(ink: GrayImage, axis: "x" | "y", from: number, to: number): GrayImage {
  const data = Float32Array.from(ink.data);
  for (let y = 0; y < ink.height; y++) {
    for (let x = 0; x < ink.width; x++) {
      const t = axis === "y" ? y / ink.height : x / ink.width;
      if (t >= from && t < to) data[y * ink.width + x] = 0;
    }
  }
  return { ...ink, data };
}

/**
 * Pencil grain: keeps the ink only where a smooth random field (grain of
 * `grain` pixels) is above its `holes` quantile, so a stroke breaks into
 * many small pieces.
 */
export function pencilTexture(ink: GrayImage, rng: Rng, holes: number, grain = 1): GrayImage {
  const noise = { ...ink, data: Float32Array.from(ink.data, () => rng()) };
  const field = grain > 0 ? boxBlur(noise, grain) : noise;
  const sorted = Float32Array.from(field.data).sort();
  const cut = sorted[Math.floor(holes * (sorted.length - 1))];
  return { ...ink, data: ink.data.map((v, i) => (field.data[i] > cut ? v : 0)) };
}

/** Adds `count` round dust dots of radius `radius` at random places. */
export function addDust(ink: GrayImage, rng: Rng, count: number, radius: number): GrayImage {
  const data = Float32Array.from(ink.data);
  for (let k = 0; k < count; k++) {
    const cx = rng() * ink.width, cy = rng() * ink.height;
    for (let y = Math.floor(cy - radius); y <= cy + radius; y++) {
      for (let x = Math.floor(cx - radius); x <= cx + radius; x++) {
        if (x < 0 || y < 0 || x >= ink.width || y >= ink.height) continue;
        if (Math.hypot(x - cx, y - cy) <= radius) data[y * ink.width + x] = 1;
      }
    }
  }
  return { ...ink, data };
}
