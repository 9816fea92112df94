/**
 * Small valid image files of every format `decodeImage` reads, made at
 * start-up with the encoders the decoders come with (sharp/libvips, and a
 * hand-written BMP writer for the palette and 32-bit layouts): a few sizes,
 * gray, RGB and RGBA, and the format's variants (interlaced or palette PNG,
 * progressive JPEG, lossless WebP, compressed TIFF, EXIF orientation).
 *
 * @module
 */

/** The image formats fuzzed, as the target names them. */
export type FuzzImageFormat = "png" | "jpeg" | "gif" | "webp" | "tiff" | "avif" | "bmp";

/**
 * Every format {@linkcode imageSeeds} makes seeds for.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { IMAGE_FORMATS } from "./image_seeds.ts";
 * assertEquals(IMAGE_FORMATS.length, 7);
 * ```
 */
export const IMAGE_FORMATS: readonly FuzzImageFormat[] = [
  "png",
  "jpeg",
  "gif",
  "webp",
  "tiff",
  "avif",
  "bmp",
];

interface RawImage {
  width: number;
  height: number;
  channels: 1 | 3 | 4;
  data: Uint8Array;
}

/** A digit-like picture: a dark bar and a ring on white, in 1, 3 or 4 channels. */
function picture(width: number, height: number, channels: 1 | 3 | 4): RawImage {
  const data = new Uint8Array(width * height * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const r = Math.hypot(x - width / 2, y - height / 2);
      const ink = Math.abs(x - width / 2) < 1.5 || Math.abs(r - width / 3) < 1;
      for (let c = 0; c < channels; c++) {
        const alpha = c === 3;
        data[(y * width + x) * channels + c] = alpha ? (ink ? 255 : 40) : ink ? 20 + 30 * c : 250;
      }
    }
  }
  return { width, height, channels, data };
}

/** A bottom-up BMP with a BITMAPINFOHEADER: 8-bit gray palette or 32-bit BGRA. */
function bmpFile(img: RawImage, bits: 8 | 32): Uint8Array {
  const rowBytes = Math.ceil((img.width * bits) / 32) * 4;
  const palette = bits === 8 ? 256 * 4 : 0;
  const offset = 14 + 40 + palette;
  const out = new Uint8Array(offset + rowBytes * img.height);
  const view = new DataView(out.buffer);
  out.set([0x42, 0x4d]);
  view.setUint32(2, out.length, true);
  view.setUint32(10, offset, true);
  view.setUint32(14, 40, true);
  view.setInt32(18, img.width, true);
  view.setInt32(22, img.height, true);
  view.setUint16(26, 1, true);
  view.setUint16(28, bits, true);
  view.setUint32(34, rowBytes * img.height, true);
  if (bits === 8) {
    view.setUint32(46, 256, true);
    for (let i = 0; i < 256; i++) out.set([i, i, i, 0], 54 + 4 * i);
  }
  for (let y = 0; y < img.height; y++) {
    const row = offset + (img.height - 1 - y) * rowBytes;
    for (let x = 0; x < img.width; x++) {
      const p = (y * img.width + x) * img.channels;
      const gray = img.data[p];
      if (bits === 8) out[row + x] = gray;
      else {
        const [r, g, b] = img.channels >= 3 ? img.data.subarray(p, p + 3) : [gray, gray, gray];
        out.set([b, g, r, img.channels === 4 ? img.data[p + 3] : 255], row + 4 * x);
      }
    }
  }
  return out;
}

/**
 * Valid files of `format`, a few hundred bytes each. Needs `--allow-ffi`
 * (sharp) for every format but BMP.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { decodeImage } from "../image/mod.ts";
 * import { imageSeeds } from "./image_seeds.ts";
 * for (const seed of await imageSeeds("bmp")) {
 *   assertEquals((await decodeImage(seed)).width > 0, true);
 * }
 * ```
 */
export async function imageSeeds(format: FuzzImageFormat): Promise<Uint8Array[]> {
  const gray = picture(16, 16, 1);
  const rgb = picture(12, 10, 3);
  const rgba = picture(9, 13, 4);
  if (format === "bmp") return [bmpFile(gray, 8), bmpFile(rgb, 32), bmpFile(rgba, 32)];
  const { default: sharp } = await import("sharp");
  type Pipeline = ReturnType<typeof sharp>;
  const encodings: Record<Exclude<FuzzImageFormat, "bmp">, ((p: Pipeline) => Pipeline)[]> = {
    png: [
      (p) => p.png(),
      (p) => p.png({ palette: true }),
      (p) => p.png({ progressive: true }), // Adam7 interlacing
      (p) => p.withMetadata({ orientation: 6 }).png(),
    ],
    jpeg: [
      (p) => p.jpeg({ quality: 80 }),
      (p) => p.jpeg({ progressive: true }),
      (p) => p.withMetadata({ orientation: 3 }).jpeg({ chromaSubsampling: "4:4:4" }),
    ],
    gif: [(p) => p.gif(), (p) => p.gif({ colours: 4 })],
    webp: [(p) => p.webp({ quality: 70 }), (p) => p.webp({ lossless: true })],
    tiff: [
      (p) => p.tiff(),
      (p) => p.tiff({ compression: "lzw" }),
      (p) => p.tiff({ compression: "deflate", tile: true, tileWidth: 16, tileHeight: 16 }),
    ],
    avif: [(p) => p.avif({ quality: 50 }), (p) => p.avif({ lossless: true })],
  };
  const seeds: Uint8Array[] = [];
  for (const encode of encodings[format]) {
    for (const img of [gray, rgb, rgba]) {
      const { width, height, channels } = img;
      const out = await encode(sharp(img.data, { raw: { width, height, channels } })).toBuffer();
      seeds.push(new Uint8Array(out.buffer, out.byteOffset, out.byteLength));
    }
  }
  return seeds;
}
