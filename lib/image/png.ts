/**
 * Synchronous PNG decoding straight to luminance, for the common case of a
 * small drawn or scanned digit, where `sharp`'s asynchronous libvips
 * pipeline costs far more than the decoding itself (about 1.5 ms for a
 * 64x64 image, against a few hundredths of a millisecond here).
 *
 * Library choice: decompression is the runtime's own zlib (`node:zlib`
 * `inflateSync`, native code built into Deno: no download, no warm-up);
 * this module adds only what the PNG specification puts on top of it — the
 * chunk layout and checksums, the five scanline filters and sample
 * unpacking. `npm:fast-png` (image-js) and `npm:pngjs` were measured and
 * set aside: fast-png inflates with `fflate` in JavaScript (about 0.08 ms
 * for a 64x64 digit once fully optimised, 0.3 ms during the first hundred
 * calls, and 6x slower than native zlib on a 420x300 scan); pngjs uses the
 * runtime's zlib too but converts every pixel to RGBA through generic
 * per-pixel code (0.05 ms) and rescales 16-bit samples differently from
 * libvips.
 *
 * Only files whose pixels can be reproduced exactly as the `sharp` path of
 * `decodeImage` reads them are decoded here (16-bit samples keep their high
 * byte; 1, 2 and 4-bit gray is scaled to 0–255; a `tRNS` colour key or
 * palette alpha becomes transparency; `gAMA`, `cHRM`, `sRGB`, `sBIT` and
 * `bKGD` are ignored, as libvips ignores them). Everything else — Adam7
 * interlacing, an embedded ICC profile (`iCCP`), EXIF (`eXIf` or a
 * raw-profile text chunk, which may rotate the image), XMP, animation
 * (`acTL`), HDR metadata, an unknown critical chunk, a bad checksum, a
 * truncated or otherwise malformed file — is left to the general decoder:
 * {@link tryDecodePng} returns null.
 *
 * Two things are refused outright with an `ImageError`, since no decoder
 * should spend memory on them: a header declaring more pixels than the
 * caller's limit (checked before anything is inflated), and image data
 * that inflates to more than the header declares — a decompression bomb
 * (a 1 MB file behind a 1x1 header can inflate to 1 GB): inflating stops
 * at the declared size.
 *
 * @module
 */

import { inflateSync } from "node:zlib";
import { ImageError, InvalidArgumentError } from "../core/mod.ts";
import type { GrayImage } from "./raster.ts";

/**
 * Largest pixel count a header may declare by default (40 megapixels).
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { DEFAULT_MAX_PIXELS } from "./png.ts";
 * assert(4032 * 3024 < DEFAULT_MAX_PIXELS); // a 12-megapixel phone photo is accepted
 * ```
 */
export const DEFAULT_MAX_PIXELS = 40_000_000;

/**
 * Options of {@link tryDecodePng}.
 */
export interface PngDecodeOptions {
  /** A name for error messages, usually the file path. Default `"<bytes>"`. */
  name?: string;
  /** Refuse headers declaring more pixels than this. Default {@link DEFAULT_MAX_PIXELS}. */
  maxPixels?: number;
}

/**
 * `maxPixels` checked: a positive integer (0 would mean "no limit" to
 * sharp's `limitInputPixels`, so it is not accepted as a limit).
 *
 * @throws {InvalidArgumentError} naming the bad value.
 *
 * @example
 * ```ts
 * import { assertEquals, assertThrows } from "@std/assert";
 * import { InvalidArgumentError } from "../core/mod.ts";
 * import { checkMaxPixels, DEFAULT_MAX_PIXELS } from "./png.ts";
 * assertEquals(checkMaxPixels(undefined), DEFAULT_MAX_PIXELS);
 * assertEquals(checkMaxPixels(100), 100);
 * assertThrows(() => checkMaxPixels(0), InvalidArgumentError, "maxPixels must be");
 * ```
 */
export function checkMaxPixels(maxPixels: number | undefined): number {
  if (maxPixels === undefined) return DEFAULT_MAX_PIXELS;
  if (!Number.isSafeInteger(maxPixels) || maxPixels < 1) {
    throw new InvalidArgumentError(`maxPixels must be a positive integer, got ${maxPixels}`);
  }
  return maxPixels;
}

/**
 * What a PNG's IHDR chunk declares.
 */
export interface PngHeader {
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
  /** Bits per sample: 1, 2, 4, 8 or 16. */
  bitDepth: number;
  /** 0 gray, 2 RGB, 3 palette, 4 gray + alpha, 6 RGBA. */
  colorType: number;
  /** Adam7 interlacing. */
  interlaced: boolean;
}

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Bit depths the PNG specification allows for each colour type. */
const DEPTHS: Readonly<Record<number, readonly number[]>> = {
  0: [1, 2, 4, 8, 16],
  2: [8, 16],
  3: [1, 2, 4, 8],
  4: [8, 16],
  6: [8, 16],
};

/** Samples per pixel of each colour type. */
const CHANNELS: Readonly<Record<number, number>> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/** Ancillary chunks that would make `sharp` read different pixels or orientation. */
const GENERAL_DECODER_CHUNKS: ReadonlySet<string> = new Set([
  "iCCP",
  "eXIf",
  "acTL",
  "fcTL",
  "fdAT",
  "cICP",
  "mDCV",
  "cLLI",
]);

/** Text chunk keywords carrying EXIF or XMP (orientation). */
const METADATA_KEYWORDS = ["Raw profile type exif", "Raw profile type APP1", "XML:com.adobe.xmp"];

let crcTable: Uint32Array | undefined;

/**
 * The CRC-32 that PNG chunks carry (ISO 3309, as gzip and zip compute it),
 * over `bytes[start..end)`, by default all of `bytes`.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { crc32 } from "./png.ts";
 * const iend = new TextEncoder().encode("IEND");
 * assertEquals(crc32(iend), 0xae426082); // every PNG ends with these bytes
 * ```
 */
export function crc32(bytes: Uint8Array, start = 0, end: number = bytes.length): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  const table = crcTable;
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = table[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function u32(bytes: Uint8Array, at: number): number {
  return ((bytes[at] << 24) | (bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3]) >>> 0;
}

function chunkType(bytes: Uint8Array, at: number): string {
  return String.fromCharCode(bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]);
}

/**
 * Whether the bytes start with the PNG signature.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { isPng } from "./png.ts";
 * const signature = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
 * assertEquals([isPng(signature), isPng(new TextEncoder().encode("GIF89a"))], [true, false]);
 * ```
 */
export function isPng(bytes: Uint8Array): boolean {
  if (bytes.length < SIGNATURE.length) return false;
  for (let i = 0; i < SIGNATURE.length; i++) if (bytes[i] !== SIGNATURE[i]) return false;
  return true;
}

/**
 * Reads a PNG's IHDR chunk (signature, length, checksum and field values
 * checked) without decoding anything else. Returns null when the bytes are
 * not a PNG or the header is malformed, so that the caller can let the
 * general decoder report the problem.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { readPngHeader } from "./png.ts";
 * const bytes = await Deno.readFile("data/examples/drawn_3.png");
 * const header = { width: 240, height: 240, bitDepth: 8, colorType: 2, interlaced: false };
 * assertEquals(readPngHeader(bytes), header);
 * assertEquals(readPngHeader(await Deno.readFile("data/examples/photo_4.jpg")), null);
 * ```
 */
export function readPngHeader(bytes: Uint8Array): PngHeader | null {
  if (!isPng(bytes) || bytes.length < 33) return null;
  if (u32(bytes, 8) !== 13 || chunkType(bytes, 12) !== "IHDR") return null;
  if (crc32(bytes, 12, 29) !== u32(bytes, 29)) return null;
  const width = u32(bytes, 16), height = u32(bytes, 20);
  const bitDepth = bytes[24], colorType = bytes[25], interlace = bytes[28];
  if (width === 0 || height === 0 || width > 0x7fffffff || height > 0x7fffffff) return null;
  if (!DEPTHS[colorType]?.includes(bitDepth)) return null;
  if (bytes[26] !== 0 || bytes[27] !== 0 || interlace > 1) return null;
  return { width, height, bitDepth, colorType, interlaced: interlace === 1 };
}

/** Where the chunks this decoder uses are: [data offset, length]. */
interface ChunkMap {
  idat: [number, number][];
  plte: [number, number] | null;
  trns: [number, number] | null;
}

/**
 * Walks the chunks after IHDR: every checksum must match, IEND must be
 * present, the IDAT chunks must be consecutive with PLTE and tRNS before
 * them, and no chunk may need the general decoder. Null otherwise.
 */
function scanChunks(bytes: Uint8Array): ChunkMap | null {
  const map: ChunkMap = { idat: [], plte: null, trns: null };
  let at = 33, afterIdat = false;
  while (at + 12 <= bytes.length) {
    const length = u32(bytes, at);
    const data = at + 8, end = data + length;
    if (length > 0x7fffffff || end + 4 > bytes.length) return null;
    if (crc32(bytes, at + 4, end) !== u32(bytes, end)) return null;
    const type = chunkType(bytes, at + 4);
    if (type === "IEND") return map.idat.length > 0 ? map : null;
    if (type === "IDAT") {
      if (afterIdat) return null; // IDAT chunks split by another chunk
      map.idat.push([data, length]);
    } else {
      afterIdat = map.idat.length > 0;
      if (type === "PLTE" || type === "tRNS") {
        if (afterIdat) return null;
        map[type === "PLTE" ? "plte" : "trns"] = [data, length];
      } else if (type === "tEXt" || type === "zTXt" || type === "iTXt") {
        const keyword = String.fromCharCode(...bytes.subarray(data, Math.min(end, data + 80)));
        if (METADATA_KEYWORDS.some((k) => keyword.startsWith(`${k}\0`))) return null;
      } else if (GENERAL_DECODER_CHUNKS.has(type) || (bytes[at + 4] & 0x20) === 0) {
        return null; // changes the pixels, or an unknown critical chunk
      }
    }
    at = end + 4;
  }
  return null; // no IEND: truncated
}

/** What `inflate` needs to know: where the data is and what the header declares. */
interface InflateRequest {
  idat: [number, number][];
  /** Bytes the header declares: `height` rows of a filter byte and `stride` bytes. */
  size: number;
  /** `WxH`, for the error message. */
  shape: string;
  name: string;
}

/**
 * The concatenated IDAT data, inflated; null when the stream is damaged or
 * shorter than declared.
 *
 * @throws {ImageError} as soon as the stream yields more than the declared
 * size: zlib stops there (`maxOutputLength`), so a bomb costs at most the
 * declared size, never what it would inflate to.
 */
function inflate(bytes: Uint8Array, request: InflateRequest): Uint8Array | null {
  const { idat, size } = request;
  let stream: Uint8Array;
  if (idat.length === 1) {
    stream = bytes.subarray(idat[0][0], idat[0][0] + idat[0][1]);
  } else {
    stream = new Uint8Array(idat.reduce((sum, [, length]) => sum + length, 0));
    let at = 0;
    for (const [start, length] of idat) {
      stream.set(bytes.subarray(start, start + length), at);
      at += length;
    }
  }
  let raw: Uint8Array;
  try {
    raw = inflateSync(stream, { maxOutputLength: size });
  } catch (e) {
    if ((e as { code?: unknown }).code === "ERR_BUFFER_TOO_LARGE") {
      throw new ImageError(
        `${request.name}: PNG image data inflates to more than the ${size} bytes its ` +
          `${request.shape} header declares (inflating stopped there)`,
        { cause: e },
      );
    }
    return null;
  }
  return raw.length === size ? raw : null;
}

/**
 * Undoes the scanline filters (PNG specification, section 9): `raw` holds
 * `height` rows of a filter-type byte and `stride` bytes; `bpp` is the
 * distance to the corresponding byte of the previous pixel. Null for an
 * unknown filter type.
 */
function unfilter(raw: Uint8Array, height: number, stride: number, bpp: number): Uint8Array | null {
  const out = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const src = y * (stride + 1) + 1, dst = y * stride, up = dst - stride;
    if (filter === 0 || (filter === 2 && y === 0)) {
      out.set(raw.subarray(src, src + stride), dst);
    } else if (filter === 1) {
      for (let i = 0; i < bpp; i++) out[dst + i] = raw[src + i];
      for (let i = bpp; i < stride; i++) out[dst + i] = raw[src + i] + out[dst + i - bpp];
    } else if (filter === 2) {
      for (let i = 0; i < stride; i++) out[dst + i] = raw[src + i] + out[up + i];
    } else if (filter === 3) {
      for (let i = 0; i < stride; i++) {
        const left = i >= bpp ? out[dst + i - bpp] : 0, above = y > 0 ? out[up + i] : 0;
        out[dst + i] = raw[src + i] + ((left + above) >> 1);
      }
    } else if (filter === 4) {
      for (let i = 0; i < stride; i++) {
        const a = i >= bpp ? out[dst + i - bpp] : 0;
        const b = y > 0 ? out[up + i] : 0;
        const c = i >= bpp && y > 0 ? out[up + i - bpp] : 0;
        const p = a + b - c;
        const pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
        out[dst + i] = raw[src + i] + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
      }
    } else {
      return null;
    }
  }
  return out;
}

/** Samples of a 1, 2 or 4-bit image, one byte each (rows of `rows` start on byte boundaries). */
function unpack(rows: Uint8Array, width: number, height: number, depth: number): Uint8Array {
  const out = new Uint8Array(width * height);
  const stride = Math.ceil((width * depth) / 8);
  const mask = (1 << depth) - 1;
  for (let y = 0; y < height; y++) {
    const row = y * stride;
    for (let x = 0; x < width; x++) {
      const bit = x * depth;
      out[y * width + x] = (rows[row + (bit >> 3)] >> (8 - depth - (bit & 7))) & mask;
    }
  }
  return out;
}

/** 16-bit big-endian samples as numbers. */
function join16(rows: Uint8Array): Uint16Array {
  const out = new Uint16Array(rows.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = (rows[2 * i] << 8) | rows[2 * i + 1];
  return out;
}

/** Luminance exactly as `toLuminance` in decode.ts computes it from 8-bit R, G, B, A. */
function luma(r: number, g: number, b: number, alpha: number): number {
  const y = 0.299 * r + 0.587 * g + 0.114 * b;
  const a = alpha / 255;
  return (a * y) / 255 + (1 - a);
}

/**
 * Decodes a PNG to luminance (0 = black, 1 = white; alpha composited onto
 * white, Rec. 601 weights), giving exactly the pixels `decodeImage`'s
 * `sharp` path gives. Returns null for any file it leaves to that path
 * (see the module documentation), including a malformed one: the general
 * decoder then reports the error.
 *
 * @throws {ImageError} when the header declares more than `maxPixels`
 * pixels (checked before inflating), or the image data inflates to more
 * than the header declares (inflating stops at the declared size); the
 * message names `options.name` and both sizes.
 * @throws {InvalidArgumentError} when `maxPixels` is not a positive integer.
 *
 * @example
 * ```ts
 * import { assertEquals, assertThrows } from "@std/assert";
 * import { ImageError } from "../core/mod.ts";
 * import { tryDecodePng } from "./png.ts";
 * const scan = await Deno.readFile("data/examples/scan_7.png");
 * const img = tryDecodePng(scan, { name: "scan_7.png" });
 * assertEquals([img?.width, img?.height], [420, 300]);
 * assertEquals(tryDecodePng(await Deno.readFile("data/examples/photo_4.jpg")), null); // not a PNG
 * assertThrows(() => tryDecodePng(scan, { maxPixels: 1000 }), ImageError, "limit of 1000");
 * ```
 */
export function tryDecodePng(
  bytes: Uint8Array,
  options: PngDecodeOptions = {},
): GrayImage | null {
  const name = options.name ?? "<bytes>";
  const maxPixels = checkMaxPixels(options.maxPixels);
  const header = readPngHeader(bytes);
  if (header === null) return null;
  const { width, height, bitDepth: depth, colorType } = header;
  if (width * height > maxPixels) {
    throw new ImageError(
      `${name}: png header declares ${width}x${height} = ${width * height} pixels, ` +
        `more than the limit of ${maxPixels}`,
    );
  }
  if (header.interlaced) return null;
  const chunks = scanChunks(bytes);
  if (chunks === null || (colorType === 3 && chunks.plte === null)) return null;
  const channels = CHANNELS[colorType];
  const stride = Math.ceil((width * depth * channels) / 8);
  const size = height * (stride + 1);
  const raw = inflate(bytes, { idat: chunks.idat, size, shape: `${width}x${height}`, name });
  if (raw === null) return null;
  const rows = unfilter(raw, height, stride, Math.max(1, (depth * channels) >> 3));
  if (rows === null) return null;
  const samples = depth < 8
    ? unpack(rows, width, height, depth)
    : depth === 16
    ? join16(rows)
    : rows;
  const shift = depth === 16 ? 8 : 0;
  const n = width * height;
  const out = new Float32Array(n);
  const trns = chunks.trns;
  // tRNS: a colour key (raw sample values) for gray and RGB, alpha per entry for a palette.
  const key = (i: number) =>
    trns && 2 * i + 1 < trns[1] ? (bytes[trns[0] + 2 * i] << 8) | bytes[trns[0] + 2 * i + 1] : -1;
  if (colorType === 0 || colorType === 3) {
    // One sample per pixel: a lookup table over its (8-bit) value.
    const levels = depth === 16 ? 256 : 1 << depth;
    const lut = new Float32Array(levels);
    if (colorType === 0) {
      const scale = depth < 8 ? 255 / ((1 << depth) - 1) : 1;
      for (let v = 0; v < levels; v++) lut[v] = luma(v * scale, v * scale, v * scale, 255);
    } else {
      const [at, length] = chunks.plte!;
      if (length % 3 !== 0) return null;
      const entries = length / 3;
      if (trns && trns[1] > entries) return null;
      for (let v = 0; v < levels; v++) {
        const p = at + 3 * v;
        const alpha = trns && v < trns[1] ? bytes[trns[0] + v] : 255;
        lut[v] = v < entries ? luma(bytes[p], bytes[p + 1], bytes[p + 2], alpha) : NaN;
      }
    }
    const gray = colorType === 0 ? key(0) : -1;
    for (let i = 0; i < n; i++) {
      const s = samples[i];
      const v = s === gray ? 1 : lut[s >> shift];
      if (Number.isNaN(v)) return null; // a palette index past the palette's end
      out[i] = v;
    }
  } else if (colorType === 2) {
    const kr = key(0), kg = key(1), kb = key(2);
    for (let i = 0, p = 0; i < n; i++, p += 3) {
      const r = samples[p], g = samples[p + 1], b = samples[p + 2];
      out[i] = r === kr && g === kg && b === kb
        ? 1
        : (0.299 * (r >> shift) + 0.587 * (g >> shift) + 0.114 * (b >> shift)) / 255;
    }
  } else {
    // Gray + alpha, RGBA.
    for (let i = 0, p = 0; i < n; i++, p += channels) {
      const r = samples[p] >> shift;
      const g = channels === 2 ? r : samples[p + 1] >> shift;
      const b = channels === 2 ? r : samples[p + 2] >> shift;
      out[i] = luma(r, g, b, samples[p + channels - 1] >> shift);
    }
  }
  return { width, height, data: out };
}

/**
 * One PNG chunk: its length, type, data, and the CRC of type and data.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { pngChunk } from "./png.ts";
 * const iend = pngChunk("IEND", new Uint8Array(0));
 * assertEquals([...iend], [0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82]);
 * ```
 */
export function pngChunk(type: string, data: Uint8Array): Uint8Array {
  const chunk = new Uint8Array(12 + data.length);
  const view = new DataView(chunk.buffer);
  view.setUint32(0, data.length);
  chunk.set(new TextEncoder().encode(type), 4);
  chunk.set(data, 8);
  view.setUint32(8 + data.length, crc32(chunk, 4, 8 + data.length));
  return chunk;
}
