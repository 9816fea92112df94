/**
 * Decoding image files (PNG, JPEG, GIF, WebP, TIFF, AVIF/HEIF, BMP) into a
 * luminance {@link GrayImage} (0 = black, 1 = white).
 *
 * Library choice:
 * - `npm:sharp` (libvips) decodes everything except BMP. It is the most
 *   robust decoder on npm (libjpeg-turbo, libspng, libwebp, giflib,
 *   libheif: the same libraries browsers and image servers use), applies
 *   EXIF orientation (`autoOrient`), reads a header without decoding the
 *   pixels (`metadata`) and has a pixel-count guard (`limitInputPixels`). Its
 *   prebuilt libvips comes as an npm optional dependency
 *   (`@img/sharp-linux-x64`), so `deno install` on a fresh machine needs no
 *   compiler and no install scripts (Deno's "ignored build scripts" warning
 *   for sharp is harmless: the script only builds from source when no
 *   prebuilt binary exists). Costs: it is a Node-API addon, so it needs
 *   `--allow-ffi --allow-env --allow-read`, and about 1.5 ms per small image
 *   (thread-pool round trip).
 *   Pure-JS/WASM alternatives were weighed and rejected: `imagescript`
 *   reads no WebP or BMP and ignores EXIF orientation; `jpeg-js` + `pngjs`
 *   + `omggif` + a WebP WASM port is four libraries of uneven upkeep and is
 *   slower on large photos.
 * - PNG, the usual format of drawn and scanned digits and of the web page's
 *   canvas, first goes through `png.ts` (the runtime's zlib, synchronous):
 *   about 0.03 ms for a 64x64 digit instead of sharp's round trip, with
 *   exactly the pixels sharp gives. PNGs it leaves alone (interlaced, ICC
 *   profile, EXIF orientation, animation, damaged) go to sharp, which also
 *   words the errors.
 * - libvips has no BMP reader, so BMP goes to `npm:bmp-ts` (pure
 *   TypeScript, maintained with Jimp, which depends on it): 1/4/8-bit
 *   palettes, 16/24/32-bit, bit fields, top-down rows. Its RLE path
 *   misplaces pixels in 1.0.9, so RLE BMPs (rare) are refused with a clear
 *   error. (`fast-bmp` was rejected: it ignores palettes.)
 *
 * Every file's header is read first; a declared size above `maxPixels`
 * (default 40 megapixels) is refused before any pixel is decoded, and no
 * decoder produces more than the header declares: the PNG decoder stops
 * inflating at the declared size, sharp is given the same pixel limit
 * (`limitInputPixels`), and a BMP must hold the pixel bytes its header
 * declares before `bmp-ts` allocates its output. Alpha is
 * composited onto white; luminance uses the Rec. 601 weights that most
 * tools (PIL `convert("L")`, OpenCV) use.
 *
 * @module
 */

import type sharp from "sharp";
import { decode as decodeBmp } from "bmp-ts";
import { Buffer } from "node:buffer";
import { ImageError } from "../core/mod.ts";
import { checkMaxPixels, DEFAULT_MAX_PIXELS, readPngHeader, tryDecodePng } from "./png.ts";
import type { GrayImage } from "./raster.ts";
import { loadSharp } from "./sharp_module.ts";

// Defined next to the PNG decoder, which applies it too; exported here as well.
export { DEFAULT_MAX_PIXELS };

/**
 * Largest file {@link readImage} reads by default (100 MiB).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { DEFAULT_MAX_BYTES } from "./decode.ts";
 * assertEquals(DEFAULT_MAX_BYTES, 100 * 1024 * 1024);
 * ```
 */
export const DEFAULT_MAX_BYTES = 100 * 1024 * 1024;

/**
 * Formats {@link decodeImage} accepts.
 */
export type ImageFormat = "png" | "jpeg" | "gif" | "webp" | "tiff" | "heif" | "bmp";

const SHARP_FORMATS: ReadonlySet<string> = new Set(["png", "jpeg", "gif", "webp", "tiff", "heif"]);

/**
 * What a file's header declares.
 */
export interface ImageHeader {
  /** The container format. */
  format: ImageFormat;
  /** Declared width in pixels (before EXIF rotation). */
  width: number;
  /** Declared height in pixels (before EXIF rotation). */
  height: number;
}

/**
 * Options of {@link decodeImage} and {@link readImageHeader}.
 */
export interface DecodeOptions {
  /** A name for error messages, usually the file path. Default `"<bytes>"`. */
  name?: string;
  /** Refuse headers declaring more pixels than this. Default {@link DEFAULT_MAX_PIXELS}. */
  maxPixels?: number;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function isBmp(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x42 && bytes[1] === 0x4d;
}

function bmpHeader(bytes: Uint8Array, name: string): ImageHeader {
  if (bytes.length < 26) {
    throw new ImageError(`${name}: truncated BMP header (${bytes.length} bytes)`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerSize = view.getUint32(14, true);
  const core = headerSize === 12; // OS/2 BITMAPCOREHEADER: 16-bit dimensions
  const width = core ? view.getUint16(18, true) : view.getInt32(18, true);
  const height = Math.abs(core ? view.getUint16(20, true) : view.getInt32(22, true));
  if (width <= 0 || height <= 0) {
    throw new ImageError(`${name}: BMP header declares an invalid size ${width}x${height}`);
  }
  return { format: "bmp", width, height };
}

/**
 * Reads the format and declared size from a file's header without decoding
 * its pixels.
 *
 * @throws {ImageError} for an empty file, an unknown or unsupported format,
 * or a corrupt header; the message names `options.name`.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { readImageHeader } from "./decode.ts";
 * const bytes = await Deno.readFile("data/examples/drawn_3.png");
 * const header = await readImageHeader(bytes, { name: "drawn_3.png" });
 * assertEquals(header, { format: "png", width: 240, height: 240 });
 * ```
 */
export async function readImageHeader(
  bytes: Uint8Array,
  options: DecodeOptions = {},
): Promise<ImageHeader> {
  const name = options.name ?? "<bytes>";
  if (bytes.length === 0) throw new ImageError(`${name}: empty file (0 bytes)`);
  if (isBmp(bytes)) return bmpHeader(bytes, name);
  const png = readPngHeader(bytes);
  if (png !== null) return { format: "png", width: png.width, height: png.height };
  let meta: sharp.Metadata;
  try {
    // No pixel limit here: the caller compares the declared size itself.
    meta = await (await loadSharp())(bytes, { limitInputPixels: false }).metadata();
  } catch (e) {
    throw new ImageError(`${name}: not a readable image: ${errorText(e)}`, { cause: e });
  }
  if (!SHARP_FORMATS.has(meta.format) || !meta.width || !meta.height) {
    throw new ImageError(`${name}: unsupported image format "${meta.format}"`);
  }
  return { format: meta.format as ImageFormat, width: meta.width, height: meta.height };
}

/**
 * Converts interleaved 8-bit pixels with 1 to 4 channels (gray, gray+alpha,
 * RGB, RGBA) to luminance in [0, 1], compositing alpha onto white.
 *
 * @throws {ImageError} when `channels` is not 1–4 or `data` is too short.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { toLuminance } from "./decode.ts";
 * // one opaque black pixel, one fully transparent pixel (composited onto white)
 * const rgba = new Uint8Array([0, 0, 0, 255, 0, 0, 0, 0]);
 * const img = toLuminance(rgba, { width: 2, height: 1, channels: 4 });
 * assertEquals(Array.from(img.data), [0, 1]);
 * ```
 */
export function toLuminance(
  data: Uint8Array,
  shape: { width: number; height: number; channels: number },
): GrayImage {
  const { width, height, channels } = shape;
  const n = width * height;
  if (!(channels >= 1 && channels <= 4) || data.length < n * channels) {
    throw new ImageError(
      `cannot convert ${data.length} bytes as ${width}x${height} with ${channels} channels`,
    );
  }
  const out = new Float32Array(n);
  if (channels >= 3) colourToLuminance(data, channels, out);
  else {
    for (let i = 0, p = 0; i < n; i++, p += channels) {
      const a = channels === 2 ? data[p + 1] / 255 : 1;
      out[i] = (a * data[p]) / 255 + (1 - a);
    }
  }
  return { width, height, data: out };
}

/**
 * {@link toLuminance} of RGB or RGBA pixels, in a loop of its own with the
 * opaque case apart: there `(a * y) / 255 + (1 - a)` is `y / 255` exactly
 * (a = 1), so the values are the same. 4 ms for a 960x1280 photo where
 * the general loop took 12.
 */
function colourToLuminance(data: Uint8Array, channels: number, out: Float32Array): void {
  const alpha = channels === 4;
  for (let i = 0, p = 0; i < out.length; i++, p += channels) {
    const y = 0.299 * data[p] + 0.587 * data[p + 1] + 0.114 * data[p + 2];
    const a8 = alpha ? data[p + 3] : 255;
    if (a8 === 255) out[i] = y / 255;
    else {
      const a = a8 / 255;
      out[i] = (a * y) / 255 + (1 - a);
    }
  }
}

/** Bit depths `bmp-ts` decodes. */
const BMP_DEPTHS: ReadonlySet<number> = new Set([1, 4, 8, 16, 24, 32]);

/**
 * Refuses an uncompressed BMP whose pixel data, as the header declares it
 * (rows padded to 4 bytes, the last row's padding optional), runs past
 * the end of the file: `bmp-ts` allocates width x height x 4 bytes before
 * it reads a pixel, so a 54-byte file declaring 6000x6000 would cost
 * 144 MB before failing.
 */
function checkBmpPixelData(bytes: Uint8Array, name: string): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // A truncated header or an OS/2 core header (which bmp-ts does not read): bmp-ts reports it.
  if (bytes.length < 30 || view.getUint32(14, true) < 40) return;
  const { width, height } = bmpHeader(bytes, name);
  const bits = view.getUint16(28, true);
  if (!BMP_DEPTHS.has(bits)) {
    throw new ImageError(`${name}: unsupported BMP bit depth ${bits} (1, 4, 8, 16, 24 or 32)`);
  }
  // bmp-ts allocates the palette that the colours-used field declares before
  // reading it: a 534-byte file declaring 33,554,432 colours cost 570 MiB.
  const colours = bytes.length >= 50 ? view.getUint32(46, true) : 0;
  const mostColours = bits <= 8 ? 2 ** bits : 256;
  if (colours > mostColours) {
    throw new ImageError(
      `${name}: BMP header declares ${colours} palette colours; at most ${mostColours} ` +
        `at ${bits} bits per pixel`,
    );
  }
  const offset = view.getUint32(10, true);
  const rowBytes = Math.ceil((width * bits) / 32) * 4;
  const needed = rowBytes * (height - 1) + Math.ceil((width * bits) / 8);
  const available = Math.max(0, bytes.length - offset);
  if (needed > available) {
    throw new ImageError(
      `${name}: BMP header declares ${width}x${height} at ${bits} bits per pixel, which needs ` +
        `${needed} bytes of pixel data from offset ${offset}; the file has ${available}`,
    );
  }
}

/**
 * Refuses a GIF whose image descriptors place a frame outside its logical
 * screen. The pixel limit is checked against the screen's size (the
 * header's), but libvips decodes a frame at the size its own descriptor
 * declares: an 89-byte GIF with a 16x16 screen and a 65535x144 frame made it
 * decode 9–17 megapixels (0.5–8 s) before anything failed. Walks the blocks
 * without decoding: descriptors, colour tables and data sub-blocks are
 * skipped by their declared lengths, so the cost is one pass over the file.
 */
function checkGifFrames(bytes: Uint8Array, name: string): void {
  if (bytes.length < 13) return; // sharp reports the truncated header
  const u16 = (at: number) => bytes[at] | (bytes[at + 1] << 8);
  const screenWidth = u16(6);
  const screenHeight = u16(8);
  const colourTable = (flags: number) => (flags & 0x80) ? 3 * 2 ** ((flags & 7) + 1) : 0;
  const skipSubBlocks = (at: number) => {
    while (at < bytes.length && bytes[at] !== 0) at += bytes[at] + 1;
    return at + 1;
  };
  let at = 13 + colourTable(bytes[10]);
  while (at < bytes.length) {
    const block = bytes[at];
    if (block === 0x3b) return; // trailer
    if (block === 0x21) { // extension: label, then data sub-blocks
      at = skipSubBlocks(at + 2);
    } else if (block === 0x2c) { // image descriptor
      if (at + 10 > bytes.length) return;
      const [left, top, width, height] = [u16(at + 1), u16(at + 3), u16(at + 5), u16(at + 7)];
      if (left + width > screenWidth || top + height > screenHeight) {
        throw new ImageError(
          `${name}: GIF frame ${width}x${height} at (${left}, ${top}) lies outside its ` +
            `${screenWidth}x${screenHeight} screen`,
        );
      }
      at = skipSubBlocks(at + 10 + colourTable(bytes[at + 9]) + 1);
    } else {
      return; // not a block GIF defines: libvips reports the damage
    }
  }
}

function decodeBmpPixels(bytes: Uint8Array, name: string): GrayImage {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const compression = bytes.length >= 34 && view.getUint32(14, true) >= 40
    ? view.getUint32(30, true)
    : 0;
  if (compression === 1 || compression === 2) {
    // bmp-ts 1.0.9 misplaces RLE-decoded pixels; refuse rather than return garbage.
    throw new ImageError(`${name}: RLE-compressed BMP is not supported; save it as PNG`);
  }
  checkBmpPixelData(bytes, name);
  let bmp;
  try {
    // Default layout is A, B, G, R per pixel (bmp-ts's toRGBA is not applied
    // consistently across bit depths, so we reorder ourselves).
    bmp = decodeBmp(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (e) {
    throw new ImageError(`${name}: cannot decode BMP: ${errorText(e)}`, { cause: e });
  }
  const abgr = bmp.data;
  const n = bmp.width * bmp.height;
  if (abgr.length < n * 4) {
    throw new ImageError(`${name}: BMP pixel data is truncated`);
  }
  // bmp-ts writes alpha 0 where a BMP has no alpha channel, and 32-bit BMPs
  // often leave it 0 too: only a 32-bit file with some non-zero alpha has one.
  let alphaUsed = false;
  if (bmp.bitPP === 32) {
    for (let i = 0; i < n && !alphaUsed; i++) alphaUsed = abgr[i * 4] !== 0;
  }
  const rgba = new Uint8Array(n * 4);
  for (let i = 0; i < n; i++) {
    rgba[i * 4] = abgr[i * 4 + 3];
    rgba[i * 4 + 1] = abgr[i * 4 + 2];
    rgba[i * 4 + 2] = abgr[i * 4 + 1];
    rgba[i * 4 + 3] = alphaUsed ? abgr[i * 4] : 255;
  }
  return toLuminance(rgba, { width: bmp.width, height: bmp.height, channels: 4 });
}

/**
 * The general decoder behind {@linkcode decodeImage}: libvips through
 * `sharp`, EXIF orientation applied, sRGB, alpha composited onto white by
 * `toLuminance`. Errors are sharp's own; `decodeImage` names the file.
 * sharp refuses a header declaring more than `maxPixels` pixels before it
 * decodes anything.
 *
 * @throws {InvalidArgumentError} when `maxPixels` is not a positive integer.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { decodeWithSharp } from "./decode.ts";
 * const img = await decodeWithSharp(await Deno.readFile("data/examples/photo_4.jpg"));
 * assertEquals([img.width, img.height, img.data.length], [480, 360, 480 * 360]);
 * ```
 */
export async function decodeWithSharp(
  bytes: Uint8Array,
  maxPixels: number = DEFAULT_MAX_PIXELS,
): Promise<GrayImage> {
  // sharp reads 0 or false as "no limit": checkMaxPixels accepts neither.
  const { data, info } = await (await loadSharp())(bytes, {
    failOn: "error",
    limitInputPixels: checkMaxPixels(maxPixels),
  })
    .autoOrient()
    .toColourspace("srgb")
    // No alpha channel is added to an opaque image: `toLuminance` reads
    // RGB as opaque, to the same values, and a 960x1280 phone photo decodes
    // in 39 ms instead of 49 (a quarter fewer bytes to write and read).
    .raw({ depth: "uchar" })
    .toBuffer({ resolveWithObject: true });
  return toLuminance(data, info);
}

/**
 * Decodes an image file's bytes into luminance (0 = black, 1 = white), with
 * EXIF orientation applied and transparency composited onto white. Only
 * the first frame of an animated GIF/WebP is read.
 *
 * @throws {ImageError} for an empty file, a text or other non-image file,
 * an unsupported format, a truncated or corrupt file, or a header declaring
 * more than `maxPixels` pixels (checked before decoding), a PNG whose image
 * data inflates to more than its header declares, or a BMP shorter than the
 * pixel data its header declares. The message names the file
 * (`options.name`) and the problem.
 * @throws {InvalidArgumentError} when `maxPixels` is not a positive integer.
 *
 * @example
 * ```ts
 * import { assert, assertEquals, assertRejects } from "@std/assert";
 * import { ImageError } from "../core/mod.ts";
 * import { decodeImage } from "./decode.ts";
 * const img = await decodeImage(await Deno.readFile("data/examples/scan_7.png"));
 * assertEquals([img.width, img.height], [420, 300]);
 * assert(img.data[0] > 0.9); // white paper in the corner
 * const text = new TextEncoder().encode("not an image");
 * await assertRejects(() => decodeImage(text, { name: "notes.txt" }), ImageError, "notes.txt");
 * ```
 */
export async function decodeImage(
  bytes: Uint8Array,
  options: DecodeOptions = {},
): Promise<GrayImage> {
  const name = options.name ?? "<bytes>";
  const maxPixels = checkMaxPixels(options.maxPixels);
  const header = await readImageHeader(bytes, options);
  if (header.width * header.height > maxPixels) {
    throw new ImageError(
      `${name}: ${header.format} header declares ${header.width}x${header.height} = ` +
        `${header.width * header.height} pixels, more than the limit of ${maxPixels}`,
    );
  }
  if (header.format === "bmp") return decodeBmpPixels(bytes, name);
  if (header.format === "gif") checkGifFrames(bytes, name);
  if (header.format === "png") {
    const img = tryDecodePng(bytes, { name, maxPixels });
    if (img !== null) return img;
  }
  try {
    return await decodeWithSharp(bytes, maxPixels);
  } catch (e) {
    throw new ImageError(
      `${name}: cannot decode ${header.format} (${header.width}x${header.height}): ${errorText(e)}`,
      { cause: e },
    );
  }
}

/**
 * Reads and decodes an image file (see {@link decodeImage}).
 *
 * @throws {ImageError} when the file cannot be read, is larger than
 * `maxBytes` (default 100 MiB), or cannot be decoded.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { readImage } from "./decode.ts";
 * const img = await readImage("data/examples/photo_4.jpg");
 * assertEquals([img.width, img.height], [480, 360]);
 * ```
 */
export async function readImage(
  path: string,
  options: Omit<DecodeOptions, "name"> & { maxBytes?: number } = {},
): Promise<GrayImage> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  let bytes: Uint8Array;
  try {
    const { size } = await Deno.stat(path);
    if (size > maxBytes) {
      throw new ImageError(`${path}: file has ${size} bytes, more than the limit of ${maxBytes}`);
    }
    bytes = await Deno.readFile(path);
  } catch (e) {
    if (e instanceof ImageError) throw e;
    throw new ImageError(`cannot read image file ${path}: ${errorText(e)}`, { cause: e });
  }
  return await decodeImage(bytes, { ...options, name: path });
}
