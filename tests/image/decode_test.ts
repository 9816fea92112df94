import { assert, assertAlmostEquals, assertEquals, assertRejects, assertThrows } from "@std/assert";
import { ImageError } from "../../lib/core/errors.ts";
import { decodeImage, readImage, readImageHeader, toLuminance } from "../../lib/image/decode.ts";
import { encodeImage } from "../../lib/image/encode.ts";
import type { GrayImage } from "../../lib/image/raster.ts";

/** 16x8: left half black, right half white. */
function halves(): GrayImage {
  const data = new Float32Array(16 * 8);
  for (let i = 0; i < data.length; i++) data[i] = i % 16 < 8 ? 0 : 1;
  return { width: 16, height: 8, data };
}

function crc32(bytes: Uint8Array): number {
  let c = ~0;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
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
