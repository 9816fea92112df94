import { assert, assertAlmostEquals, assertEquals, assertRejects, assertThrows } from "@std/assert";
import { ImageError, InvalidArgumentError } from "../../lib/core/errors.ts";
import {
  decodeImage,
  decodeWithSharp,
  readImage,
  readImageHeader,
  toLuminance,
} from "../../lib/image/decode.ts";
import { encodeImage } from "../../lib/image/encode.ts";
import { crc32, pngChunk as chunk } from "../../lib/image/png.ts";
import type { GrayImage } from "../../lib/image/raster.ts";
import { loadSharp } from "../../lib/image/sharp_module.ts";

/** 16x8: left half black, right half white. */
function halves(): GrayImage {
  const data = new Float32Array(16 * 8);
  for (let i = 0; i < data.length; i++) data[i] = i % 16 < 8 ? 0 : 1;
  return { width: 16, height: 8, data };
}

Deno.test("decodeImage reads PNG, JPEG, GIF, WebP and BMP written from the same pixels", async () => {
  const img = halves();
  for (const format of ["png", "jpeg", "gif", "webp", "bmp"] as const) {
    const bytes = await encodeImage(img, { format, quality: 95 });
    const back = await decodeImage(bytes, { name: `halves.${format}` });
    assertEquals([back.width, back.height], [16, 8], format);
    // Lossy formats blur the edge a little: compare away from it.
    assertAlmostEquals(back.data[2 * 16 + 2], 0, 0.06, `${format} dark side`);
    assertAlmostEquals(back.data[5 * 16 + 13], 1, 0.06, `${format} light side`);
  }
});

Deno.test("readImageHeader names the format and declared size without decoding", async () => {
  const png = await encodeImage(halves(), { format: "png" });
  assertEquals(await readImageHeader(png), { format: "png", width: 16, height: 8 });
  const bmp = await encodeImage(halves(), { format: "bmp" });
  assertEquals(await readImageHeader(bmp), { format: "bmp", width: 16, height: 8 });
});

Deno.test("decodeImage applies the EXIF orientation of a JPEG", async () => {
  // Orientation 6: the stored image is shown rotated 90 degrees clockwise,
  // so the stored left (black) half ends up at the top.
  const jpeg = await encodeImage(halves(), { format: "jpeg", quality: 95, orientation: 6 });
  const img = await decodeImage(jpeg, { name: "rotated.jpg" });
  assertEquals([img.width, img.height], [8, 16]);
  assert(img.data[2 * 8 + 4] < 0.1, "top is black");
  assert(img.data[13 * 8 + 4] > 0.9, "bottom is white");
});

Deno.test("decodeImage composites transparency onto white", async () => {
  // 2x1 RGBA PNG via 4-channel luminance test: transparent black, half-transparent black.
  const sharp = (await import("sharp")).default;
  const rgba = new Uint8Array([0, 0, 0, 0, 0, 0, 0, 128]);
  const png = await sharp(rgba, { raw: { width: 2, height: 1, channels: 4 } }).png().toBuffer();
  const img = await decodeImage(new Uint8Array(png), { name: "alpha.png" });
  assertAlmostEquals(img.data[0], 1, 1e-6);
  assertAlmostEquals(img.data[1], 1 - 128 / 255, 1e-6);
});

Deno.test("decodeImage reads an 8-bit palette BMP through its palette", async () => {
  // 2x2, bottom-up, palette: 0 = white, 1 = black; rows padded to 4 bytes.
  const header = new Uint8Array(54 + 2 * 4 + 8);
  const v = new DataView(header.buffer);
  header.set([0x42, 0x4d]);
  v.setUint32(2, header.length, true);
  v.setUint32(10, 54 + 8, true); // pixel data offset
  v.setUint32(14, 40, true); // BITMAPINFOHEADER
  v.setInt32(18, 2, true);
  v.setInt32(22, 2, true);
  v.setUint16(26, 1, true);
  v.setUint16(28, 8, true); // 8 bits per pixel
  v.setUint32(46, 2, true); // 2 palette colours
  header.set([255, 255, 255, 0, 0, 0, 0, 0], 54); // BGRA0 entries
  header.set([1, 0, 0, 0, 0, 1, 0, 0], 62); // bottom row: black, white; top row: white, black
  const img = await decodeImage(header, { name: "palette.bmp" });
  assertEquals(Array.from(img.data), [1, 0, 0, 1]);
});

Deno.test("toLuminance uses Rec. 601 weights and rejects bad shapes", () => {
  const red = toLuminance(new Uint8Array([255, 0, 0]), { width: 1, height: 1, channels: 3 });
  assertAlmostEquals(red.data[0], 0.299, 1e-6);
  const gray = toLuminance(new Uint8Array([51, 255]), { width: 1, height: 1, channels: 2 });
  assertAlmostEquals(gray.data[0], 0.2, 1e-6);
  assertThrows(
    () => toLuminance(new Uint8Array(3), { width: 2, height: 1, channels: 3 }),
    ImageError,
    "2x1",
  );
});

Deno.test("toLuminance gives every channel layout the composite formula's exact values", () => {
  // The formula, as it read before opaque colour pixels got a loop of their own.
  const formula = (data: Uint8Array, channels: number) =>
    Float32Array.from({ length: data.length / channels }, (_, i) => {
      const p = i * channels;
      const y = channels < 3
        ? data[p]
        : 0.299 * data[p] + 0.587 * data[p + 1] + 0.114 * data[p + 2];
      const a = channels === 2 || channels === 4 ? data[p + channels - 1] / 255 : 1;
      return (a * y) / 255 + (1 - a);
    });
  let seed = 12345;
  const byte = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 24;
  for (const channels of [1, 2, 3, 4]) {
    // Every third pixel opaque, the rest with any alpha (values 0..255).
    const data = Uint8Array.from(
      { length: 600 * channels },
      (_, i) =>
        (channels === 2 || channels === 4) && i % channels === channels - 1 &&
          (i / channels) % 3 < 1
          ? 255
          : byte(),
    );
    const img = toLuminance(data, { width: 30, height: 20, channels });
    assertEquals(Array.from(img.data), Array.from(formula(data, channels)), `${channels} channels`);
  }
});

Deno.test("decodeImage reads an opaque image the same with or without an alpha channel", async () => {
  // Lossless WebP goes to sharp (PNG would go to png.ts): RGB, and the same pixels as RGBA.
  const sharp = await loadSharp();
  const rgb = Uint8Array.from({ length: 24 * 16 * 3 }, (_, i) => (i * 53) % 256);
  const rgba = Uint8Array.from(
    { length: 24 * 16 * 4 },
    (_, i) => i % 4 === 3 ? 255 : rgb[Math.floor(i / 4) * 3 + (i % 4)],
  );
  const webp = async (data: Uint8Array, channels: 3 | 4) =>
    new Uint8Array(
      await sharp(data, { raw: { width: 24, height: 16, channels } }).webp({ lossless: true })
        .toBuffer(),
    );
  const a = await decodeImage(await webp(rgb, 3)), b = await decodeImage(await webp(rgba, 4));
  assertEquals([a.width, a.height], [24, 16]);
  assertEquals(a.data, b.data);
  assertAlmostEquals(a.data[0], (0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2]) / 255, 1e-6);
});

Deno.test("decodeImage refuses an empty file, a text file and a truncated PNG, naming the file", async () => {
  await assertRejects(
    () => decodeImage(new Uint8Array(0), { name: "empty.png" }),
    ImageError,
    "empty.png: empty file",
  );
  await assertRejects(
    () => decodeImage(new TextEncoder().encode("just some notes\n"), { name: "notes.txt" }),
    ImageError,
    "notes.txt: not a readable image",
  );
  const png = await encodeImage(halves(), { format: "png" });
  await assertRejects(
    () => decodeImage(png.subarray(0, png.length - 30), { name: "cut.png" }),
    ImageError,
    "cut.png: cannot decode png (16x8)",
  );
  await assertRejects(
    () => decodeImage(png.subarray(0, 20), { name: "stub.png" }),
    ImageError,
    "stub.png",
  );
  await assertRejects(
    () => decodeImage(new Uint8Array([0x42, 0x4d, 1]), { name: "stub.bmp" }),
    ImageError,
    "truncated BMP",
  );
});

Deno.test("decodeImage refuses a header declaring too many pixels before decoding", async () => {
  // A valid PNG whose IHDR (with a correct checksum) claims 100000x100000.
  const png = new Uint8Array(await encodeImage(halves(), { format: "png" }));
  const v = new DataView(png.buffer);
  v.setUint32(16, 100000);
  v.setUint32(20, 100000);
  v.setUint32(29, crc32(png.subarray(12, 29)));
  assertEquals(await readImageHeader(png), { format: "png", width: 100000, height: 100000 });
  await assertRejects(
    () => decodeImage(png, { name: "huge.png" }),
    ImageError,
    "huge.png: png header declares 100000x100000 = 10000000000 pixels, more than the limit of 40000000",
  );
  // A JPEG whose frame header (SOF, no checksum) claims 60000x60000.
  const jpeg = new Uint8Array(await encodeImage(halves(), { format: "jpeg" }));
  let sof = 2;
  while (!(jpeg[sof] === 0xff && (jpeg[sof + 1] === 0xc0 || jpeg[sof + 1] === 0xc2))) sof++;
  new DataView(jpeg.buffer).setUint16(sof + 5, 60000);
  new DataView(jpeg.buffer).setUint16(sof + 7, 60000);
  await assertRejects(
    () => decodeImage(jpeg, { name: "huge.jpg" }),
    ImageError,
    "huge.jpg: jpeg header declares 60000x60000",
  );
  // The limit is configurable, and applies to valid files too.
  const ok = await encodeImage(halves(), { format: "png" });
  await assertRejects(
    () => decodeImage(ok, { name: "small.png", maxPixels: 100 }),
    ImageError,
    "16x8 = 128",
  );
});

Deno.test("readImage reads a file and names a missing one", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeFile(
      `${dir}/h.webp`,
      await encodeImage(halves(), { format: "webp", quality: 100 }),
    );
    const img = await readImage(`${dir}/h.webp`);
    assertEquals([img.width, img.height], [16, 8]);
    await assertRejects(() => readImage(`${dir}/missing.png`), ImageError, `${dir}/missing.png`);
    await assertRejects(
      () => readImage(`${dir}/h.webp`, { maxBytes: 10 }),
      ImageError,
      "more than the limit of 10",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/**
 * A 1x1 8-bit gray PNG (interlaced or not) whose IDAT inflates to `total`
 * zero bytes, compressed from 1 MiB chunks so the test never holds them.
 */
async function pngBomb(total: number, interlace: number): Promise<Uint8Array> {
  const zeros = new Uint8Array(1 << 20);
  let sent = 0;
  const source = new ReadableStream<BufferSource>({
    pull(controller) {
      if (sent >= total) return controller.close();
      controller.enqueue(zeros);
      sent += zeros.length;
    },
  });
  const deflated = source.pipeThrough(new CompressionStream("deflate"));
  const idat = new Uint8Array(await new Response(deflated).arrayBuffer());
  const ihdr = new Uint8Array(13);
  new DataView(ihdr.buffer).setUint32(0, 1);
  new DataView(ihdr.buffer).setUint32(4, 1);
  ihdr.set([8, 0, 0, 0, interlace], 8);
  const parts = [
    new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", idat),
    chunk("IEND", new Uint8Array()),
  ];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((at, p) => (out.set(p, at), at + p.length), 0);
  return out;
}

Deno.test("decodeImage refuses a PNG decompression bomb without inflating it", async () => {
  const bomb = await pngBomb(256 << 20, 0);
  const before = Deno.memoryUsage().rss;
  await assertRejects(
    () => decodeImage(bomb, { name: "bomb.png" }),
    ImageError,
    "bomb.png: PNG image data inflates to more than the 2 bytes its 1x1 header declares",
  );
  // An interlaced one goes to sharp (libspng), which reads only the rows it needs.
  const interlaced = await pngBomb(256 << 20, 1);
  const img = await decodeImage(interlaced, { name: "interlaced-bomb.png" });
  assertEquals([img.width, img.height], [1, 1]);
  const grown = Deno.memoryUsage().rss - before;
  assert(grown < 100 << 20, `RSS grew by ${grown} bytes while decoding the bombs`);
});

Deno.test("every format is refused by its header's size before its pixels are decoded", async () => {
  const sharp = (await import("sharp")).default;
  const rgb = new Uint8Array(16 * 8 * 3).fill(128);
  const image = () => sharp(rgb, { raw: { width: 16, height: 8, channels: 3 } });
  const files: [string, Uint8Array][] = [
    ...await Promise.all(
      (["png", "jpeg", "gif", "webp", "bmp"] as const).map(async (format) =>
        [format, await encodeImage(halves(), { format })] as [string, Uint8Array]
      ),
    ),
    ["tiff", new Uint8Array(await image().tiff().toBuffer())],
    ["heif", new Uint8Array(await image().avif().toBuffer())],
  ];
  for (const [format, bytes] of files) {
    assertEquals(await readImageHeader(bytes), { format, width: 16, height: 8 }, format);
    await assertRejects(
      () => decodeImage(bytes, { name: `small.${format}`, maxPixels: 127 }),
      ImageError,
      `small.${format}: ${format} header declares 16x8 = 128 pixels, more than the limit of 127`,
    );
    assertEquals((await decodeImage(bytes, { maxPixels: 128 })).width, 16, format);
  }
  // A lossless WebP whose header claims 16383x16383, WebP's largest (no checksum to fix).
  const webp = new Uint8Array(await image().webp({ lossless: true }).toBuffer());
  webp.set([0xfe, 0xbf, 0xff, (webp[24] & 0xf0) | 0x0f], 21);
  await assertRejects(
    () => decodeImage(webp, { name: "huge.webp" }),
    ImageError,
    "huge.webp: webp header declares 16383x16383 = 268402689 pixels",
  );
  // sharp's own pixel guard is the limit given, never "no limit".
  await assertRejects(() => decodeWithSharp(files[1][1], 127), Error, "pixel limit");
  for (const maxPixels of [0, -5, 2.5, NaN, Infinity]) {
    await assertRejects(
      () => decodeImage(files[0][1], { maxPixels }),
      InvalidArgumentError,
      `maxPixels must be a positive integer, got ${maxPixels}`,
    );
    await assertRejects(() => decodeWithSharp(files[1][1], maxPixels), InvalidArgumentError);
  }
});

/** A 24-bit BITMAPINFOHEADER BMP header declaring `width`x`height`, with `pixels` after it. */
function bmpHeader(width: number, height: number, bitsPerPixel: number, pixels = 0): Uint8Array {
  const bytes = new Uint8Array(54 + pixels);
  const v = new DataView(bytes.buffer);
  bytes.set([0x42, 0x4d]);
  v.setUint32(2, bytes.length, true);
  v.setUint32(10, 54, true);
  v.setUint32(14, 40, true);
  v.setInt32(18, width, true);
  v.setInt32(22, height, true);
  v.setUint16(26, 1, true);
  v.setUint16(28, bitsPerPixel, true);
  return bytes;
}

Deno.test("a BMP is checked against its size and the pixel data it holds before bmp-ts allocates", async () => {
  await assertRejects(
    () => decodeImage(bmpHeader(100000, -100000, 24), { name: "huge.bmp" }),
    ImageError,
    "huge.bmp: bmp header declares 100000x100000 = 10000000000 pixels, more than the limit",
  );
  // Under the pixel limit, but the file holds no pixels: bmp-ts would allocate
  // 6000 * 6000 * 4 bytes before finding out.
  await assertRejects(
    () => decodeImage(bmpHeader(6000, 6000, 24), { name: "empty.bmp" }),
    ImageError,
    "empty.bmp: BMP header declares 6000x6000 at 24 bits per pixel, which needs " +
      "108000000 bytes of pixel data from offset 54; the file has 0",
  );
  await assertRejects(
    () => decodeImage(bmpHeader(2, 2, 7, 16), { name: "odd.bmp" }),
    ImageError,
    "odd.bmp: unsupported BMP bit depth 7",
  );
  // Exactly enough bytes (the last row needs no padding) decodes: 2x2 at 24 bits.
  const img = await decodeImage(bmpHeader(2, 2, 24, 8 + 6), { name: "ok.bmp" });
  assertEquals(Array.from(img.data), [0, 0, 0, 0]);
});

/** A 16x16 grey image in `format`, as this project encodes it. */
function grey16(format: "gif" | "bmp"): Promise<Uint8Array> {
  const img: GrayImage = { width: 16, height: 16, data: new Float32Array(256).fill(0.5) };
  return encodeImage(img, { format });
}

Deno.test("decodeImage refuses a GIF frame that lies outside the screen its header declares", async () => {
  const gif = await grey16("gif");
  const at = gif.indexOf(0x2c, 13); // the first image descriptor
  assert(at > 0);
  const bomb = gif.slice();
  new DataView(bomb.buffer).setUint16(at + 5, 65535, true); // frame width
  await assertRejects(
    () => decodeImage(bomb, { name: "wide.gif" }),
    ImageError,
    "wide.gif: GIF frame 65535x16 at (0, 0) lies outside its 16x16 screen",
  );
  assertEquals((await decodeImage(gif)).width, 16); // the unpatched file still reads
});

Deno.test("decodeImage refuses a BMP palette larger than its bit depth allows, before bmp-ts allocates it", async () => {
  const bmp = (await grey16("bmp")).slice();
  new DataView(bmp.buffer).setUint32(46, 33_554_432, true); // colours used
  await assertRejects(
    () => decodeImage(bmp, { name: "palette.bmp" }),
    ImageError,
    "palette.bmp: BMP header declares 33554432 palette colours; at most 256 at 24 bits per pixel",
  );
});
