/**
 * Where each image format keeps its sizes and lengths, so that the
 * interesting-integer mutator writes extreme values into the fields a
 * decoder allocates from (width, height, bit depth, segment and box
 * lengths, strip offsets) instead of into pixel data.
 *
 * @module
 */

import type { Field } from "./mutators.ts";

function u16be(b: Uint8Array, at: number): number {
  return (b[at] << 8) | b[at + 1];
}

function pngFields(): Field[] {
  return [
    { offset: 16, size: 4 }, // IHDR width
    { offset: 20, size: 4 }, // IHDR height
    { offset: 24, size: 1 }, // bit depth
    { offset: 25, size: 1 }, // colour type
    { offset: 28, size: 1 }, // interlace
    { offset: 8, size: 4 }, // IHDR length
  ];
}

function bmpFields(): Field[] {
  const le = (offset: number, size: 2 | 4): Field => ({ offset, size, littleEndian: true });
  // file size, pixel offset, header size, width, height, planes, bits per pixel,
  // compression, image size, colours used
  return [
    le(2, 4),
    le(10, 4),
    le(14, 4),
    le(18, 4),
    le(22, 4),
    le(26, 2),
    le(28, 2),
    le(30, 4),
    le(
      34,
      4,
    ),
    le(46, 4),
  ];
}

function gifFields(b: Uint8Array): Field[] {
  const fields: Field[] = [
    { offset: 6, size: 2, littleEndian: true }, // screen width
    { offset: 8, size: 2, littleEndian: true }, // screen height
    { offset: 10, size: 1 }, // global colour table flags
  ];
  const descriptor = b.indexOf(0x2c, 13);
  if (descriptor > 0) {
    for (const d of [1, 3, 5, 7]) {
      fields.push({ offset: descriptor + d, size: 2, littleEndian: true });
    }
    fields.push({ offset: descriptor + 9, size: 1 }, { offset: descriptor + 10, size: 1 }); // LZW size
  }
  return fields;
}

function jpegFields(b: Uint8Array): Field[] {
  const fields: Field[] = [];
  let at = 2;
  while (at + 4 <= b.length && b[at] === 0xff) {
    const marker = b[at + 1];
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      at += 2;
      continue;
    }
    fields.push({ offset: at + 2, size: 2 }); // segment length
    const isSof = marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker);
    if (isSof) {
      fields.push(
        { offset: at + 4, size: 1 }, // precision
        { offset: at + 5, size: 2 }, // height
        { offset: at + 7, size: 2 }, // width
        { offset: at + 9, size: 1 }, // components
        { offset: at + 11, size: 1 }, // first component's sampling factors
      );
    }
    if (marker === 0xda) break; // entropy-coded data follows
    at += 2 + u16be(b, at + 2);
  }
  return fields;
}

function webpFields(b: Uint8Array): Field[] {
  const le = (offset: number, size: 1 | 2 | 3 | 4): Field => ({ offset, size, littleEndian: true });
  const fields = [le(4, 4), le(16, 4)]; // RIFF size, first chunk size
  const chunk = String.fromCharCode(...b.subarray(12, 16));
  if (chunk === "VP8X") fields.push(le(24, 3), le(27, 3), le(20, 1));
  if (chunk === "VP8 ") fields.push(le(26, 2), le(28, 2));
  if (chunk === "VP8L") fields.push(le(21, 4));
  return fields;
}

function tiffFields(b: Uint8Array): Field[] {
  const littleEndian = b[0] === 0x49;
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const fields: Field[] = [{ offset: 4, size: 4, littleEndian }]; // first IFD's offset
  const ifd = view.getUint32(4, littleEndian);
  if (ifd + 2 > b.length) return fields;
  const entries = Math.min(view.getUint16(ifd, littleEndian), 64);
  fields.push({ offset: ifd, size: 2, littleEndian });
  for (let i = 0; i < entries; i++) {
    const at = ifd + 2 + 12 * i;
    if (at + 12 > b.length) break;
    fields.push(
      { offset: at + 2, size: 2, littleEndian }, // type
      { offset: at + 4, size: 4, littleEndian }, // count
      { offset: at + 8, size: 4, littleEndian }, // value or offset (width, strips, ...)
    );
  }
  return fields;
}

function isoBoxFields(b: Uint8Array): Field[] {
  const fields: Field[] = [];
  const text = new TextDecoder("latin1").decode(b);
  for (
    const box of [
      "ftyp",
      "meta",
      "iloc",
      "iinf",
      "iprp",
      "ipco",
      "ispe",
      "pixi",
      "av1C",
      "ipma",
      "mdat",
    ]
  ) {
    const at = text.indexOf(box);
    if (at < 4) continue;
    fields.push({ offset: at - 4, size: 4 }); // the box's size
    if (box === "ispe") fields.push({ offset: at + 8, size: 4 }, { offset: at + 12, size: 4 });
    if (box === "iloc") fields.push({ offset: at + 10, size: 4 }, { offset: at + 14, size: 4 });
  }
  return fields;
}

/**
 * The header fields of an image file of the given format (found by parsing
 * the seed's own structure: JPEG segments, TIFF IFD entries, ISO boxes).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { imageFields } from "./image_fields.ts";
 * const bmpHeader = new Uint8Array(54);
 * assertEquals(imageFields("bmp", bmpHeader)[3], { offset: 18, size: 4, littleEndian: true });
 * ```
 */
export function imageFields(format: string, bytes: Uint8Array): Field[] {
  switch (format) {
    case "png":
      return pngFields();
    case "bmp":
      return bmpFields();
    case "gif":
      return gifFields(bytes);
    case "jpeg":
      return jpegFields(bytes);
    case "webp":
      return webpFields(bytes);
    case "tiff":
      return tiffFields(bytes);
    case "avif":
      return isoBoxFields(bytes);
    default:
      return [];
  }
}
