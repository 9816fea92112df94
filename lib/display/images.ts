/**
 * Image grids for notebooks: a PNG of the whole grid, an HTML grid with a
 * caption under each image, and a one-line text summary.
 *
 * @module
 */

import type { Dataset } from "../data/mod.ts";
import { InvalidArgumentError } from "../core/mod.ts";
import { encodePng, type GrayImage, resizeLongSide } from "../image/mod.ts";
import { classLabel } from "./class_labels.ts";
import { escapeHtml, type MediaBundle, showBundle } from "./jupyter.ts";

/**
 * One image: a {@linkcode GrayImage}, or square pixels (`28 * 28` values) in [0, 1].
 */
export type ImageInput = Float32Array | GrayImage;

/**
 * Options of {@linkcode imagesBundle} and {@linkcode showImages}.
 */
export interface ShowImagesOptions {
  /** A caption per image; a dataset's labels by default. */
  labels?: readonly (string | number)[];
  /**
   * Names of a dataset's classes, in class order: a dataset's images are
   * captioned with the name of their label (`"Trouser"`) instead of its
   * number (default: the number, as for digits). Unused with `labels`.
   */
  classNames?: readonly string[];
  /** Images per row (default: up to 10). */
  cols?: number;
  /** Display size of each pixel in screen pixels (default 2). */
  scale?: number;
  /** Show at most this many images (default 100); a note says how many were left out. */
  limit?: number;
  /** Longest side of a displayed image before `scale` (default 200); larger ones are shrunk. */
  maxSide?: number;
}

const GRID_BACKGROUND = 0.35;
const GRID_GAP = 2;

/**
 * Turns flat pixels into a {@linkcode GrayImage}, taking them as a square.
 *
 * @throws {InvalidArgumentError} when the length is not a perfect square.
 *
 * @example
 * ```ts
 * import { assertEquals, assertThrows } from "@std/assert";
 * import { InvalidArgumentError } from "../core/mod.ts";
 * import { toGrayImage } from "./images.ts";
 * const img = toGrayImage(new Float32Array(784));
 * assertEquals([img.width, img.height], [28, 28]);
 * assertThrows(() => toGrayImage(new Float32Array(10)), InvalidArgumentError, "square");
 * ```
 */
export function toGrayImage(image: ImageInput): GrayImage {
  if (!(image instanceof Float32Array)) return image;
  const side = Math.round(Math.sqrt(image.length));
  if (side * side !== image.length || side === 0) {
    throw new InvalidArgumentError(
      `an image given as a Float32Array must be square, but ${image.length} values are not ` +
        `the square of an integer; pass { width, height, data } instead`,
    );
  }
  return { width: side, height: side, data: image };
}

function datasetImages(
  ds: Dataset,
  limit: number,
  classNames: readonly string[] | undefined,
): { images: GrayImage[]; labels: string[] } {
  const size = ds.rows * ds.cols;
  const n = Math.min(ds.count, limit);
  const images: GrayImage[] = [];
  const labels: string[] = [];
  for (let i = 0; i < n; i++) {
    images.push({
      width: ds.cols,
      height: ds.rows,
      data: ds.images.subarray(i * size, (i + 1) * size),
    });
    labels.push(classLabel(ds.labels[i], classNames));
  }
  return { images, labels };
}

function positiveInteger(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new InvalidArgumentError(`${name} must be a positive integer, got ${value}`);
  }
}

/**
 * Enlarges an image by an integer factor, each pixel becoming a square.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { upscale } from "./images.ts";
 * const big = upscale({ width: 2, height: 1, data: new Float32Array([0, 1]) }, 2);
 * assertEquals([big.width, big.height, Array.from(big.data)], [4, 2, [0, 0, 1, 1, 0, 0, 1, 1]]);
 * ```
 */
export function upscale(img: GrayImage, factor: number): GrayImage {
  positiveInteger("scale", factor);
  if (factor === 1) return img;
  const width = img.width * factor;
  const height = img.height * factor;
  const data = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const src = Math.floor(y / factor) * img.width;
    for (let x = 0; x < width; x++) data[y * width + x] = img.data[src + Math.floor(x / factor)];
  }
  return { width, height, data };
}

/**
 * Lays images out in rows of `cols` cells (each as large as the largest
 * image, images centred) on a gray background with a gap between cells.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { gridImage } from "./images.ts";
 * const one = { width: 2, height: 2, data: new Float32Array(4).fill(1) };
 * const grid = gridImage([one, one, one], { cols: 2 }); // two rows: 2 + 1 images
 * assertEquals([grid.width, grid.height], [10, 10]); // cells of 2 with gaps of 2
 * ```
 */
export function gridImage(images: readonly GrayImage[], options: { cols: number }): GrayImage {
  positiveInteger("cols", options.cols);
  if (images.length === 0) throw new InvalidArgumentError("cannot lay out a grid of 0 images");
  const cols = Math.min(options.cols, images.length);
  const rows = Math.ceil(images.length / cols);
  const cellW = Math.max(...images.map((i) => i.width));
  const cellH = Math.max(...images.map((i) => i.height));
  const width = cols * cellW + (cols + 1) * GRID_GAP;
  const height = rows * cellH + (rows + 1) * GRID_GAP;
  const data = new Float32Array(width * height).fill(GRID_BACKGROUND);
  images.forEach((img, k) => {
    const x0 = GRID_GAP + (k % cols) * (cellW + GRID_GAP) + ((cellW - img.width) >> 1);
    const y0 = GRID_GAP + Math.floor(k / cols) * (cellH + GRID_GAP) + ((cellH - img.height) >> 1);
    for (let y = 0; y < img.height; y++) {
      data.set(img.data.subarray(y * img.width, (y + 1) * img.width), (y0 + y) * width + x0);
    }
  });
  return { width, height, data };
}

/**
 * Base64 of bytes (for `image/png` bundle entries and data URIs).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { toBase64 } from "./images.ts";
 * assertEquals(toBase64(new Uint8Array([104, 105])), "aGk=");
 * ```
 */
export function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

/**
 * An `<img>` element showing a gray image as an embedded PNG, enlarged
 * `scale` times without smoothing (CSS `image-rendering`; where sanitised
 * HTML drops that style, as in an untrusted notebook, the browser smooths
 * the enlargement instead, and the `width` and `height` still hold).
 *
 * @example
 * ```ts
 * import { assertMatch } from "@std/assert";
 * import { imageTag } from "./images.ts";
 * const tag = await imageTag({ width: 28, height: 28, data: new Float32Array(784) }, { scale: 3 });
 * assertMatch(tag, /^<img src="data:image\/png;base64,[^"]+" width="84" height="84"/);
 * ```
 */
export async function imageTag(
  img: GrayImage,
  options: { scale?: number; alt?: string } = {},
): Promise<string> {
  const { scale = 1, alt = "" } = options;
  const png = toBase64(await encodePng(img));
  return `<img src="data:image/png;base64,${png}" width="${img.width * scale}" height="${
    img.height * scale
  }" alt="${escapeHtml(alt)}" style="image-rendering:pixelated;display:block;margin:auto">`;
}

/**
 * Builds the bundle of an image grid: `image/png` (the whole grid),
 * `text/html` (a captioned grid) and `text/plain` (a summary). The HTML
 * grid is a `<table>` of `<img>` elements, not CSS: sanitised HTML (an
 * untrusted notebook) keeps tables and images but drops `style`.
 *
 * With no images the bundle just says `(no images)`.
 *
 * @throws {InvalidArgumentError} when the labels do not match the images,
 *   a shown image's label has no name in `classNames`, or an option is not
 *   a positive integer.
 *
 * @example
 * ```ts
 * import { assert, assertEquals } from "@std/assert";
 * import { imagesBundle } from "./images.ts";
 * const bundle = await imagesBundle([new Float32Array(784), new Float32Array(784)], {
 *   labels: [3, 7],
 * });
 * assertEquals(bundle["text/plain"], "2 images (28x28), 1 row(s) of 2; captions: 3 7");
 * assert(typeof bundle["image/png"] === "string");
 * ```
 */
export async function imagesBundle(
  images: readonly ImageInput[] | Dataset,
  options: ShowImagesOptions = {},
): Promise<MediaBundle> {
  const { scale = 2, limit = 100, maxSide = 200 } = options;
  positiveInteger("scale", scale);
  positiveInteger("limit", limit);
  positiveInteger("maxSide", maxSide);
  const total = "count" in images ? images.count : images.length;
  const picked = "count" in images
    ? datasetImages(images, limit, options.labels === undefined ? options.classNames : undefined)
    : { images: images.slice(0, limit).map(toGrayImage), labels: undefined };
  const shown = picked.images.map((img) =>
    Math.max(img.width, img.height) > maxSide ? resizeLongSide(img, maxSide) : img
  );
  if (shown.length === 0) return { "text/plain": "(no images)", "text/html": "<i>(no images)</i>" };
  if (options.labels !== undefined && options.labels.length !== total) {
    throw new InvalidArgumentError(
      `got ${options.labels.length} labels for ${total} images`,
    );
  }
  const labels = (options.labels ?? picked.labels)?.slice(0, shown.length).map(String);
  const cols = Math.min(options.cols ?? 10, shown.length);
  positiveInteger("cols", cols);
  const rows = Math.ceil(shown.length / cols);
  const grid = upscale(gridImage(shown, { cols }), scale);
  const cells = await Promise.all(shown.map(async (img, i) => {
    const caption = labels ? `<figcaption>${escapeHtml(labels[i])}</figcaption>` : "";
    return `<figure style="margin:0;text-align:center">${await imageTag(img, {
      scale,
      alt: labels?.[i] ?? `image ${i}`,
    })}${caption}</figure>`;
  }));
  const left = total - shown.length;
  const note = left > 0 ? ` (first ${shown.length} of ${total})` : "";
  const sizes = new Set(shown.map((i) => `${i.width}x${i.height}`));
  const text =
    `${shown.length} images (${[...sizes].join(", ")})${note}, ${rows} row(s) of ${cols}` +
    (labels ? `; captions: ${labels.join(" ")}` : "");
  const tableRows: string[] = [];
  for (let r = 0; r < rows; r++) {
    tableRows.push(
      `<tr>${cells.slice(r * cols, (r + 1) * cols).map((c) => `<td>${c}</td>`).join("")}</tr>`,
    );
  }
  const html = `<table class="digit-lab-images" style="font:12px sans-serif">` +
    `<tbody>${tableRows.join("")}</tbody></table>` +
    (note ? `<div style="font:12px sans-serif">${escapeHtml(note.trim())}</div>` : "");
  return {
    "image/png": toBase64(await encodePng(grid)),
    "text/html": html,
    "text/plain": text,
  };
}

/**
 * Shows images in a grid with captions (a dataset's labels by default, or
 * the names of its classes with `classNames`): rich in a notebook, a
 * one-line summary elsewhere.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { imagesBundle, showImages } from "./images.ts";
 * const ds = {
 *   images: new Float32Array(2 * 784), labels: new Uint8Array([5, 0]), count: 2,
 *   rows: 28, cols: 28, numClasses: 10, source: "example",
 * };
 * const summary = "2 images (28x28), 1 row(s) of 2; captions: 5 0"; // the labels as captions
 * assertEquals((await imagesBundle(ds, { scale: 3 }))["text/plain"], summary);
 * await showImages(ds, { scale: 3 }); // a grid in a notebook; here the summary is printed
 * const fashion = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt"];
 * const named = await imagesBundle(ds, { classNames: [...fashion, "Sneaker", "Bag", "Ankle boot"] });
 * assertEquals(named["text/plain"], "2 images (28x28), 1 row(s) of 2; captions: Sandal T-shirt/top");
 * ```
 */
export async function showImages(
  images: readonly ImageInput[] | Dataset,
  options: ShowImagesOptions = {},
): Promise<void> {
  await showBundle(await imagesBundle(images, options));
}
