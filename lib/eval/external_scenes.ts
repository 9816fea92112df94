/**
 * The external test set: MNIST test digits rendered into scenes that look
 * like paint program drawings, scans, light-on-dark images, phone photos of
 * paper and small digits on large canvases, plus whole 3–5 digit numbers,
 * each encoded as a PNG or JPEG file (`external_score.ts` reads and scores
 * them).
 *
 * Generation is deterministic from a seed and independent of any model.
 * Every scene kind renders the same source digits (a paired comparison:
 * differences between kinds come from the rendering, not from the digits),
 * and sample `i` of a kind does not depend on how many samples are asked
 * for.
 *
 * @module
 */

import { join } from "@std/path";
import type { Dataset } from "../data/mod.ts";
import { createRng, InvalidArgumentError, permutation, type Rng } from "../core/mod.ts";
import { encodeImage, type GrayImage, type RgbImage } from "../image/mod.ts";
import {
  addNoise,
  BLACK_PEN,
  BLUE_PEN,
  inkToGray,
  mnistToInk,
  placeOnCanvas,
  sideBySide,
  synthPhoto,
} from "../image/synth/mod.ts";

/**
 * The single-digit scene kinds, in report order.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { SCENE_KINDS } from "./external_scenes.ts";
 * assertEquals(SCENE_KINDS.length, 5);
 * ```
 */
export const SCENE_KINDS = ["drawn", "scan", "inverted", "photo", "offset"] as const;

/** One single-digit scene kind. */
export type SceneKind = typeof SCENE_KINDS[number];

/**
 * What each scene kind imitates.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { SCENE_DESCRIPTIONS, SCENE_KINDS } from "./external_scenes.ts";
 * assertEquals(Object.keys(SCENE_DESCRIPTIONS), [...SCENE_KINDS]);
 * ```
 */
export const SCENE_DESCRIPTIONS: Readonly<Record<SceneKind, string>> = {
  drawn: "paint program: anti-aliased dark on white, thin to thick strokes (PNG)",
  scan: "scanner: binary black on white, off-centre on a wider or taller page, specks (PNG)",
  inverted: "light on dark (chalk, dark mode), slight noise (PNG)",
  photo: "phone photo: blue/black pen on squared/lined paper, light gradient, shadow, " +
    "blur, noise (JPEG)",
  offset: "small digit far off-centre on a large white canvas (PNG)",
};

/** An image ready to be written as a file. */
export interface Scene {
  /** Pixels: photo convention (1 = white), gray or RGB. */
  image: GrayImage | RgbImage;
  /** File format. */
  format: "png" | "jpeg";
  /** JPEG quality 1–100 (JPEG only). */
  quality?: number;
}

/** One labelled single-digit image file. */
export interface DigitSample {
  /** The scene kind. */
  kind: SceneKind;
  /** The true digit. */
  label: number;
  /** Index of the source digit in the test set. */
  source: number;
  /** File format of `bytes`. */
  format: "png" | "jpeg";
  /** The encoded file. */
  bytes: Uint8Array;
}

/** One labelled image file of a written number. */
export interface NumberSample {
  /** The true number, digits left to right. */
  text: string;
  /** Indices of the source digits in the test set, left to right. */
  sources: number[];
  /** Whether it is a photo of paper (else dark ink on a plain light background). */
  photo: boolean;
  /** File format of `bytes`. */
  format: "png" | "jpeg";
  /** The encoded file. */
  bytes: Uint8Array;
}

/** A generated external test set. */
export interface ExternalSet {
  /** The seed it was generated from. */
  seed: number;
  /** The source digits every kind renders, in order: 28x28 pixels (ink = 1) and label. */
  sources: { index: number; label: number; pixels: Float32Array }[];
  /** `perKind` images of each kind, kind by kind in {@link SCENE_KINDS} order. */
  digits: DigitSample[];
  /** The written numbers. */
  numbers: NumberSample[];
}

/**
 * Options of {@link generateExternalSet}.
 */
export interface ExternalSetOptions {
  /** Images per scene kind (each kind renders the same source digits). */
  perKind: number;
  /** Number of multi-digit images. */
  numbers: number;
  /** Seed of the digit choice and of every rendering. */
  seed: number;
  /** Scene kinds to render. Default all of {@link SCENE_KINDS}. */
  kinds?: readonly SceneKind[];
}

const between = (rng: Rng, lo: number, hi: number) => lo + (hi - lo) * rng();
const intBetween = (rng: Rng, lo: number, hi: number) => Math.floor(between(rng, lo, hi + 1));

/** A seed for one sample, mixed from the set's seed and the sample's coordinates. */
function subSeed(...parts: number[]): number {
  let h = 0x811c9dc5;
  for (const p of parts) {
    h = Math.imul(h ^ (p | 0), 0x01000193);
    h ^= h >>> 15;
    h = Math.imul(h, 0x2c1b3c6d);
    h ^= h >>> 12;
  }
  return h >>> 0;
}

function checkPixels(pixels: ArrayLike<number>): void {
  if (pixels.length !== 784) {
    throw new InvalidArgumentError(`expected 784 pixels (28x28), got ${pixels.length}`);
  }
}

/** Mean stroke width in pixels of an ink image: twice the ink area over its boundary length. */
function strokeWidth(ink: GrayImage): number {
  const { width: w, height: h, data } = ink;
  const on = (x: number, y: number) => x >= 0 && y >= 0 && x < w && y < h && data[y * w + x] > 0.5;
  let area = 0, edge = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (!on(x, y)) continue;
      area++;
      if (!on(x - 1, y) || !on(x + 1, y) || !on(x, y - 1) || !on(x, y + 1)) edge++;
    }
  }
  return edge === 0 ? 0 : (2 * area) / edge;
}

/**
 * Enlarges a 28x28 digit to `size` and thickens or thins its strokes
 * towards a pen width of `pen` times `size` (MNIST's own strokes are about
 * 0.06–0.15). Thinning stops at 60% of the digit's own width, so that faint
 * parts of a digit are not erased.
 */
function enlarge(pixels: ArrayLike<number>, size: number, pen: number): GrayImage {
  const big = mnistToInk(pixels, { size });
  const own = strokeWidth(big);
  const thicken = Math.max(Math.round((pen * size - own) / 2), -Math.floor(0.2 * own));
  return thicken === 0 ? big : mnistToInk(pixels, { size, thicken });
}

/** Pastes `ink` at a random position of a `width` x `height` canvas. */
function randomPlace(rng: Rng, ink: GrayImage, width: number, height: number): GrayImage {
  const x = Math.round(between(rng, 0, Math.max(0, width - ink.width)));
  const y = Math.round(between(rng, 0, Math.max(0, height - ink.height)));
  return placeOnCanvas(ink, { width, height, x, y });
}

function photoOf(rng: Rng, ink: GrayImage, unit: number): RgbImage {
  const r = rng();
  const ruling = r < 0.1 ? undefined : {
    spacing: between(rng, 0.2, 0.45) * unit,
    lineWidth: between(rng, 1, 2),
    angle: between(rng, -4, 4),
    linedOnly: r > 0.7,
  };
  return synthPhoto(ink, {
    rng,
    pen: rng() < 0.6 ? BLUE_PEN : BLACK_PEN,
    ...(ruling ? { ruling } : {}),
    gradient: between(rng, 0, 0.5),
    shadow: between(rng, 0, 0.4),
    blur: intBetween(rng, 0, 2),
    noise: between(rng, 0.005, 0.03),
  });
}

/**
 * Renders a 28x28 MNIST digit (ink = 1) as a scene of the given kind (see
 * {@link SCENE_DESCRIPTIONS}). Pure: the same digit, kind and generator
 * state give the same scene.
 *
 * @throws {InvalidArgumentError} when `pixels` does not hold 784 values or
 * `kind` is unknown.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { renderScene } from "./external_scenes.ts";
 * import { createRng } from "../core/random.ts";
 * const digit = new Float32Array(784);
 * for (let y = 4; y < 24; y++) digit[y * 28 + 14] = 1;
 * const scene = renderScene(digit, "photo", createRng(1));
 * assertEquals([scene.format, "channels" in scene.image], ["jpeg", true]);
 * ```
 */
export function renderScene(pixels: ArrayLike<number>, kind: SceneKind, rng: Rng): Scene {
  checkPixels(pixels);
  switch (kind) {
    case "drawn": {
      const size = intBetween(rng, 90, 240);
      const ink = enlarge(pixels, size, between(rng, 0.05, 0.16));
      const page = randomPlace(
        rng,
        ink,
        Math.round(size * between(rng, 1, 1.5)),
        Math.round(size * between(rng, 1, 1.5)),
      );
      const paper = between(rng, 0.92, 1), pen = between(rng, 0, 0.25);
      return { image: inkToGray(page, { paper, pen }), format: "png" };
    }
    case "scan": {
      const size = intBetween(rng, 70, 200);
      const ink = enlarge(pixels, size, between(rng, 0.06, 0.13));
      const width = Math.min(640, Math.round(size * between(rng, 1.2, 3)));
      const height = Math.min(480, Math.round(size * between(rng, 1.2, 2.4)));
      const page = randomPlace(rng, ink, width, height);
      for (let i = 0; i < page.data.length; i++) page.data[i] = page.data[i] > 0.5 ? 1 : 0;
      const specks = intBetween(rng, 10, 80);
      for (let k = 0; k < specks; k++) {
        const x = intBetween(rng, 0, width - 2), y = intBetween(rng, 0, height - 2);
        const side = rng() < 0.7 ? 1 : 2;
        for (let dy = 0; dy < side; dy++) {
          for (let dx = 0; dx < side; dx++) page.data[(y + dy) * width + x + dx] = 1;
        }
      }
      return { image: inkToGray(page), format: "png" };
    }
    case "inverted": {
      const size = intBetween(rng, 80, 200);
      const ink = enlarge(pixels, size, between(rng, 0.07, 0.15));
      const page = randomPlace(
        rng,
        ink,
        Math.round(size * between(rng, 1, 1.6)),
        Math.round(size * between(rng, 1, 1.6)),
      );
      const gray = inkToGray(page, { paper: between(rng, 0, 0.2), pen: between(rng, 0.8, 1) });
      return { image: addNoise(gray, { rng, sigma: between(rng, 0, 0.03) }), format: "png" };
    }
    case "photo": {
      const size = intBetween(rng, 120, 260);
      const ink = enlarge(pixels, size, between(rng, 0.04, 0.09));
      const page = randomPlace(
        rng,
        ink,
        Math.min(640, Math.round(size * between(rng, 1.3, 2.2))),
        Math.min(480, Math.round(size * between(rng, 1.2, 1.8))),
      );
      return { image: photoOf(rng, page, size), format: "jpeg", quality: intBetween(rng, 55, 90) };
    }
    case "offset": {
      const size = intBetween(rng, 40, 90);
      const ink = enlarge(pixels, size, between(rng, 0.07, 0.13));
      const width = intBetween(rng, 400, 800), height = intBetween(rng, 300, 600);
      // Anywhere but the middle third, so that the digit is clearly off-centre.
      const side = (extent: number) => {
        const free = extent - size;
        const t = between(rng, 0, 1 / 3);
        return Math.round(free * (rng() < 0.5 ? t : 1 - t));
      };
      const page = placeOnCanvas(ink, { width, height, x: side(width), y: side(height) });
      return { image: inkToGray(page, { paper: 1, pen: between(rng, 0, 0.2) }), format: "png" };
    }
    default:
      throw new InvalidArgumentError(`unknown scene kind ${JSON.stringify(kind)}`);
  }
}

/** The ink image cropped to its ink (values above 0.1), with a 1 px border. */
function cropInk(ink: GrayImage): GrayImage {
  const { width, height, data } = ink;
  let x0 = width, y0 = height, x1 = -1, y1 = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (data[y * width + x] > 0.1) {
        x0 = Math.min(x0, x);
        x1 = Math.max(x1, x);
        y0 = Math.min(y0, y);
        y1 = Math.max(y1, y);
      }
    }
  }
  if (x1 < 0) return ink;
  const w = x1 - x0 + 3, h = y1 - y0 + 3;
  return placeOnCanvas(ink, { width: w, height: h, x: 1 - x0, y: 1 - y0 });
}

/**
 * Renders 28x28 MNIST digits (ink = 1) side by side as one written number,
 * cropped to their ink with gaps of 0.1–0.4 digit heights: dark ink on
 * light paper, or with `photo` a photo of paper (as the `photo` kind).
 * Pure: the same digits and generator state give the same scene.
 *
 * @throws {InvalidArgumentError} when `digits` is empty or a digit does not
 * hold 784 values.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { renderNumber } from "./external_scenes.ts";
 * import { createRng } from "../core/random.ts";
 * const bar = new Float32Array(784);
 * for (let y = 4; y < 24; y++) bar[y * 28 + 14] = 1;
 * const scene = renderNumber([bar, bar, bar], { rng: createRng(1), photo: false });
 * assertEquals([scene.format, "channels" in scene.image], ["png", false]); // gray ink on paper
 * ```
 */
export function renderNumber(
  digits: ArrayLike<number>[],
  options: { rng: Rng; photo: boolean },
): Scene {
  if (digits.length === 0) throw new InvalidArgumentError("renderNumber needs at least one digit");
  digits.forEach(checkPixels);
  const { rng, photo } = options;
  const base = intBetween(rng, 60, 120);
  const penWidth = photo ? between(rng, 0.04, 0.09) : between(rng, 0.06, 0.14); // one pen
  const inks = digits.map((d) =>
    cropInk(enlarge(d, Math.round(base * between(rng, 0.9, 1.1)), penWidth))
  );
  const height = Math.max(...inks.map((i) => i.height));
  const row = sideBySide(inks, {
    gap: Math.round(height * between(rng, 0.1, 0.4)),
    padding: Math.round(height * between(rng, 0.3, 0.8)),
  });
  if (photo) {
    return { image: photoOf(rng, row, height), format: "jpeg", quality: intBetween(rng, 55, 90) };
  }
  const paper = between(rng, 0.9, 1), pen = between(rng, 0, 0.25);
  return { image: inkToGray(row, { paper, pen }), format: "png" };
}

function digitAt(source: Dataset, index: number): Float32Array {
  return source.images.subarray(index * 784, (index + 1) * 784);
}

async function encodeScene(scene: Scene): Promise<Uint8Array> {
  return await encodeImage(scene.image, { format: scene.format, quality: scene.quality ?? 90 });
}

/**
 * Builds the external test set from a test set of 28x28 digits: the first
 * `perKind` digits of a seeded permutation rendered as every scene kind,
 * and `numbers` numbers of 3–5 randomly drawn digits (half of them photos),
 * each encoded as a PNG or JPEG file.
 *
 * @throws {InvalidArgumentError} when the images are not 28x28, `perKind` or
 * `numbers` is negative or not an integer, `perKind` exceeds the test set,
 * or a kind is unknown.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { generateExternalSet } from "./external_scenes.ts";
 * const images = new Float32Array(2 * 784); // two 28x28 digits: a vertical bar each
 * for (let y = 4; y < 24; y++) images[y * 28 + 14] = images[784 + y * 28 + 14] = 1;
 * const test = {
 *   images, labels: new Uint8Array([1, 1]), count: 2,
 *   rows: 28, cols: 28, numClasses: 10, source: "bars",
 * };
 * const set = await generateExternalSet(test, { perKind: 1, numbers: 1, seed: 1 });
 * assertEquals(set.digits.map((d) => d.kind), ["drawn", "scan", "inverted", "photo", "offset"]);
 * assertEquals(set.numbers[0].text[0], "1");
 * ```
 */
export async function generateExternalSet(
  source: Dataset,
  options: ExternalSetOptions,
): Promise<ExternalSet> {
  const { perKind, numbers, seed } = options;
  const kinds = options.kinds ?? SCENE_KINDS;
  if (source.rows !== 28 || source.cols !== 28) {
    throw new InvalidArgumentError(
      `external images are made from 28x28 digits, got ${source.rows}x${source.cols}`,
    );
  }
  for (const [name, value] of [["perKind", perKind], ["numbers", numbers]] as const) {
    if (!Number.isInteger(value) || value < 0) {
      throw new InvalidArgumentError(`${name} must be a non-negative integer, got ${value}`);
    }
  }
  if (perKind > source.count) {
    throw new InvalidArgumentError(
      `perKind ${perKind} is more than the ${source.count} digits of ${source.source}`,
    );
  }
  const bad = kinds.find((k) => !SCENE_KINDS.includes(k));
  if (bad !== undefined) {
    throw new InvalidArgumentError(`unknown scene kind ${JSON.stringify(bad)}`);
  }
  const order = permutation(source.count, createRng(subSeed(seed, -1)));
  const digits: DigitSample[] = [];
  for (const kind of kinds) {
    const k = SCENE_KINDS.indexOf(kind);
    for (let i = 0; i < perKind; i++) {
      const index = order[i];
      const scene = renderScene(digitAt(source, index), kind, createRng(subSeed(seed, k, i)));
      digits.push({
        kind,
        label: source.labels[index],
        source: index,
        format: scene.format,
        bytes: await encodeScene(scene),
      });
    }
  }
  const written: NumberSample[] = [];
  for (let i = 0; i < numbers; i++) {
    const rng = createRng(subSeed(seed, SCENE_KINDS.length, i));
    const sources = Array.from(
      { length: intBetween(rng, 3, 5) },
      () => Math.floor(rng() * source.count),
    );
    const photo = rng() < 0.5;
    const scene = renderNumber(sources.map((s) => digitAt(source, s)), { rng, photo });
    written.push({
      text: sources.map((s) => source.labels[s]).join(""),
      sources,
      photo,
      format: scene.format,
      bytes: await encodeScene(scene),
    });
  }
  const sources = Array.from(order.subarray(0, perKind), (index) => ({
    index,
    label: source.labels[index],
    pixels: digitAt(source, index).slice(),
  }));
  return { seed, sources, digits, numbers: written };
}

const extension = (format: "png" | "jpeg") => format === "png" ? "png" : "jpg";

/**
 * Writes the set's files into `dir`, one folder per kind plus `numbers/`,
 * with the true label last in each name (`photo/photo_0007_label3.jpg`,
 * `numbers/number_0002_label4071.png`), so that `deno task predict` can be
 * run on them. Returns the paths written.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { encodePng } from "../image/mod.ts";
 * import { saveExternalSet } from "./external_scenes.ts";
 * const bytes = await encodePng({ width: 2, height: 2, data: new Float32Array(4) });
 * const scan = { kind: "scan" as const, label: 7, source: 0, format: "png" as const, bytes };
 * const set = { seed: 1, sources: [], digits: [scan], numbers: [] };
 * const dir = await Deno.makeTempDir();
 * assertEquals(await saveExternalSet(set, dir), [`${dir}/scan/scan_0000_label7.png`]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function saveExternalSet(set: ExternalSet, dir: string): Promise<string[]> {
  const paths: string[] = [];
  const write = async (folder: string, name: string, bytes: Uint8Array) => {
    await Deno.mkdir(join(dir, folder), { recursive: true });
    const path = join(dir, folder, name);
    await Deno.writeFile(path, bytes);
    paths.push(path);
  };
  const seen = new Map<string, number>();
  for (const d of set.digits) {
    const i = seen.get(d.kind) ?? 0;
    seen.set(d.kind, i + 1);
    const name = `${d.kind}_${String(i).padStart(4, "0")}_label${d.label}.${extension(d.format)}`;
    await write(d.kind, name, d.bytes);
  }
  for (const [i, n] of set.numbers.entries()) {
    const name = `number_${String(i).padStart(4, "0")}_label${n.text}.${extension(n.format)}`;
    await write("numbers", name, n.bytes);
  }
  return paths;
}
