/**
 * Encoding gray or RGB images to image files, with the same libraries that
 * decode them (`sharp` for PNG/JPEG/WebP/GIF, `bmp-ts` for BMP). Used to
 * write example images and to build test files.
 *
 * @module
 */

import { encode as encodeBmpLib } from "bmp-ts";
import { Buffer } from "node:buffer";
import { deflateSync } from "node:zlib";
import { InvalidArgumentError } from "../core/mod.ts";
import { pngChunk } from "./png.ts";
import type { GrayImage, RgbImage } from "./raster.ts";
import { loadSharp } from "./sharp_module.ts";

/**
 * Formats {@link encodeImage} writes.
 */
export type EncodeFormat = "png" | "jpeg" | "webp" | "gif" | "bmp";

/**
 * Options of {@link encodeImage}.
 */
export interface EncodeOptions {
  /** File format. */
  format: EncodeFormat;
  /** JPEG/WebP quality 1–100. Default 90. */
  quality?: number;
  /** EXIF orientation tag 1–8 to store (JPEG/WebP/PNG); pixels are not rotated. */
  orientation?: number;
}

function channelsOf(img: GrayImage | RgbImage): 1 | 3 {
  const channels = "channels" in img ? 3 : 1;
  if (img.data.length !== img.width * img.height * channels) {
    throw new InvalidArgumentError(
      `image data has ${img.data.length} values, expected ${img.width}x${img.height}x${channels}`,
    );
  }
  return channels;
}

function toBytes(data: Float32Array): Uint8Array {
  const out = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) {
    out[i] = Math.round(Math.min(1, Math.max(0, data[i])) * 255);
  }
  return out;
}

/**
 * Encodes a {@link GrayImage} or {@link RgbImage} (values in [0, 1]) to the
 * bytes of an image file.
 *
 * @throws {InvalidArgumentError} when the data length does not match the size
 * or `quality`/`orientation` is out of range.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { decodeImage } from "./decode.ts";
 * import { encodeImage } from "./encode.ts";
 * const img = { width: 2, height: 2, data: new Float32Array([0, 1, 1, 0]) };
 * const png = await encodeImage(img, { format: "png" });
 * assertEquals((await decodeImage(png)).data, img.data); // PNG is lossless
 * ```
 */
export async function encodeImage(
  img: GrayImage | RgbImage,
  options: EncodeOptions,
): Promise<Uint8Array> {
  const channels = channelsOf(img);
  const quality = options.quality ?? 90;
  if (!Number.isInteger(quality) || quality < 1 || quality > 100) {
    throw new InvalidArgumentError(`quality must be an integer 1-100, got ${quality}`);
  }
  const { orientation } = options;
  if (
    orientation !== undefined &&
    !(Number.isInteger(orientation) && orientation >= 1 && orientation <= 8)
  ) {
    throw new InvalidArgumentError(`orientation must be an integer 1-8, got ${orientation}`);
  }
  const bytes = toBytes(img.data);
  const { width, height } = img;
  if (options.format === "bmp") {
    const abgr = Buffer.alloc(width * height * 4);
    for (let i = 0; i < width * height; i++) {
      const r = channels === 3 ? bytes[i * 3] : bytes[i];
      const g = channels === 3 ? bytes[i * 3 + 1] : bytes[i];
      const b = channels === 3 ? bytes[i * 3 + 2] : bytes[i];
      abgr[i * 4] = 255;
      abgr[i * 4 + 1] = b;
      abgr[i * 4 + 2] = g;
      abgr[i * 4 + 3] = r;
    }
    const bmp = encodeBmpLib({ width, height, data: abgr, bitPP: 24 });
    return new Uint8Array(bmp.data.buffer, bmp.data.byteOffset, bmp.data.byteLength);
  }
  let pipeline = (await loadSharp())(bytes, { raw: { width, height, channels } });
  if (orientation !== undefined) pipeline = pipeline.withMetadata({ orientation });
  switch (options.format) {
    case "png":
      pipeline = pipeline.png();
      break;
    case "jpeg":
      pipeline = pipeline.jpeg({ quality });
      break;
    case "webp":
      pipeline = pipeline.webp({ quality });
      break;
    case "gif":
      pipeline = pipeline.gif();
      break;
    default:
      throw new InvalidArgumentError(`unknown image format "${options.format}"`);
  }
  const out = await pipeline.toBuffer();
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/**
 * Encodes an image as PNG (lossless) — shorthand for
 * `encodeImage(img, { format: "png" })`.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { readImage } from "./decode.ts";
 * import { encodePng } from "./encode.ts";
 * const dir = await Deno.makeTempDir();
 * const white = { width: 1, height: 1, data: new Float32Array([1]) };
 * await Deno.writeFile(`${dir}/white.png`, await encodePng(white));
 * assertEquals(await readImage(`${dir}/white.png`), white);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function encodePng(img: GrayImage | RgbImage): Promise<Uint8Array> {
  return encodeImage(img, { format: "png" });
}

/**
 * Encodes a grey image as an 8-bit greyscale PNG at once, without sharp:
 * the same pixels as {@linkcode encodePng} (values rounded to 0–255), in
 * about 30 µs for a 28x28 where sharp's pipeline costs about 1.7 ms. The
 * web API sends the classifier's 28x28 input with every answer, and under
 * load that encoding was the largest cost after inference.
 *
 * @throws {InvalidArgumentError} when the data length does not match the size.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { decodeImage } from "./decode.ts";
 * import { encodeGrayPng } from "./encode.ts";
 * const img = { width: 3, height: 2, data: new Float32Array([0, 0.5, 1, 1, 0.5, 0]) };
 * const back = await decodeImage(encodeGrayPng(img));
 * assertEquals([...back.data].map((v) => Math.round(v * 255)), [0, 128, 255, 255, 128, 0]);
 * ```
 */
export function encodeGrayPng(img: GrayImage): Uint8Array {
  const { width, height, data } = img;
  if (!(Number.isInteger(width) && width > 0 && Number.isInteger(height) && height > 0)) {
    throw new InvalidArgumentError(`image size must be positive integers, got ${width}x${height}`);
  }
  if (data.length !== width * height) {
    throw new InvalidArgumentError(
      `image data has ${data.length} values, expected ${width}x${height} = ${width * height}`,
    );
  }
  const pixels = toBytes(data);
  const rows = new Uint8Array(height * (width + 1)); // each row: filter type 0, then its bytes
  for (let y = 0; y < height; y++) {
    rows.set(pixels.subarray(y * width, (y + 1) * width), y * (width + 1) + 1);
  }
  const header = new Uint8Array(13);
  const view = new DataView(header.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  header.set([8, 0, 0, 0, 0], 8); // 8 bits, greyscale, deflate, adaptive filtering, no interlace
  const chunks = [
    pngChunk("IHDR", header),
    pngChunk("IDAT", deflateSync(rows)),
    pngChunk("IEND", new Uint8Array(0)),
  ];
  const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  const out = new Uint8Array(8 + chunks.reduce((n, c) => n + c.length, 0));
  out.set(signature);
  let at = 8;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}
