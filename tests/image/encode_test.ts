import { assert, assertAlmostEquals, assertEquals, assertRejects, assertThrows } from "@std/assert";
import { InvalidArgumentError } from "../../lib/core/errors.ts";
import { decodeImage, readImageHeader } from "../../lib/image/decode.ts";
import { encodeGrayPng, encodeImage, encodePng } from "../../lib/image/encode.ts";
import type { RgbImage } from "../../lib/image/raster.ts";

Deno.test("encodePng is lossless for 8-bit gray levels", async () => {
  const data = Float32Array.from({ length: 12 * 5 }, (_, i) => (i * 17 % 256) / 255);
  const png = await encodePng({ width: 12, height: 5, data });
  assertEquals(Array.from(png.subarray(0, 4)), [0x89, 0x50, 0x4e, 0x47]);
  const back = await decodeImage(png);
  for (let i = 0; i < data.length; i++) assertAlmostEquals(back.data[i], data[i], 1e-6);
});

Deno.test("encodeImage writes RGB in every format, and the decoder reads it back", async () => {
  const img: RgbImage = { width: 8, height: 8, channels: 3, data: new Float32Array(8 * 8 * 3) };
  for (let i = 0; i < 64; i++) img.data.set([0.1, 0.2, 0.9], i * 3); // ballpoint blue
  const expected = 0.299 * 0.1 + 0.587 * 0.2 + 0.114 * 0.9;
  for (const format of ["png", "jpeg", "webp", "gif", "bmp"] as const) {
    const bytes = await encodeImage(img, { format, quality: 100 });
    assertEquals((await readImageHeader(bytes)).format, format === "jpeg" ? "jpeg" : format);
    const back = await decodeImage(bytes);
    assertAlmostEquals(back.data[27], expected, 0.03, format);
  }
});

Deno.test("encodeImage quality trades size for fidelity in JPEG", async () => {
  const data = Float32Array.from({ length: 64 * 64 }, (_, i) => ((i * 7919) % 97) / 96);
  const small = await encodeImage({ width: 64, height: 64, data }, { format: "jpeg", quality: 10 });
  const large = await encodeImage({ width: 64, height: 64, data }, { format: "jpeg", quality: 95 });
  assert(small.length < large.length);
});

Deno.test("encodeImage rejects bad sizes, quality and orientation", async () => {
  const img = { width: 2, height: 2, data: new Float32Array(3) };
  await assertRejects(
    () => encodeImage(img, { format: "png" }),
    InvalidArgumentError,
    "expected 2x2x1",
  );
  const ok = { width: 1, height: 1, data: new Float32Array(1) };
  await assertRejects(
    () => encodeImage(ok, { format: "jpeg", quality: 0 }),
    InvalidArgumentError,
    "got 0",
  );
  await assertRejects(
    () => encodeImage(ok, { format: "jpeg", orientation: 9 }),
    InvalidArgumentError,
    "got 9",
  );
});

Deno.test("encodeGrayPng holds the same pixels as encodePng, and refuses a wrong data length", async () => {
  const data = new Float32Array(28 * 30).map((_, i) => (i * 37 % 256) / 255);
  const img = { width: 28, height: 30, data };
  const ours = await decodeImage(encodeGrayPng(img));
  const sharps = await decodeImage(await encodePng(img));
  assertEquals([ours.width, ours.height], [28, 30]);
  assertEquals([...ours.data], [...sharps.data]);
  assertThrows(
    () => encodeGrayPng({ width: 28, height: 28, data: new Float32Array(10) }),
    InvalidArgumentError,
    "image data has 10 values, expected 28x28 = 784",
  );
});
