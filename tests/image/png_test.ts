import { assert, assertEquals, assertRejects, assertThrows } from "@std/assert";
import { deflateSync } from "node:zlib";
import sharp from "sharp";
import { ImageError, InvalidArgumentError } from "../../lib/core/errors.ts";
import { decodeImage, decodeWithSharp } from "../../lib/image/decode.ts";
import {
  crc32,
  isPng,
  pngChunk as chunk,
  readPngHeader,
  tryDecodePng,
} from "../../lib/image/png.ts";
import { createRng } from "../../lib/core/random.ts";

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const SIGNATURE = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * A PNG built by hand: `rows` are the raw filtered scanlines (the filter
 * type byte is added: row y uses filter y % 5, so every filter is decoded).
 */
function buildPng(
  shape: { width: number; height: number; depth: number; colorType: number; interlace?: number },
  rows: Uint8Array[],
  extra: Uint8Array[] = [],
): Uint8Array {
  const ihdr = new Uint8Array(13);
  const view = new DataView(ihdr.buffer);
  view.setUint32(0, shape.width);
  view.setUint32(4, shape.height);
  ihdr.set([shape.depth, shape.colorType, 0, 0, shape.interlace ?? 0], 8);
  const raw = concat(rows.map((r, y) => concat([new Uint8Array([y % 5]), r])));
  return concat([
    SIGNATURE,
    chunk("IHDR", ihdr),
    ...extra,
    chunk("IDAT", new Uint8Array(deflateSync(raw))),
    chunk("IEND", new Uint8Array()),
  ]);
}

async function assertSameAsSharp(bytes: Uint8Array, what: string): Promise<void> {
  const fast = tryDecodePng(bytes);
  if (fast === null) throw new Error(`${what}: not decoded`);
  const slow = await decodeWithSharp(bytes);
  assertEquals([fast.width, fast.height], [slow.width, slow.height], what);
  for (let i = 0; i < slow.data.length; i++) {
    if (fast.data[i] !== slow.data[i]) {
      throw new Error(`${what}: pixel ${i} is ${fast.data[i]}, sharp gives ${slow.data[i]}`);
    }
  }
  assertEquals(await decodeImage(bytes, { name: what }), fast, what);
}

function randomBytes(n: number, rng: () => number): Uint8Array {
  return Uint8Array.from({ length: n }, () => Math.floor(rng() * 256));
}

Deno.test("tryDecodePng gives sharp's pixels for sharp's PNGs of every kind", async () => {
  const rng = createRng(5);
  for (const [width, height] of [[1, 1], [7, 5], [33, 17], [64, 64]]) {
    for (const channels of [1, 2, 3, 4] as const) {
      const raw = randomBytes(width * height * channels, rng);
      const image = () => sharp(raw, { raw: { width, height, channels } });
      const variants: [string, Promise<Buffer>][] = [
        ["8-bit", image().png().toBuffer()],
        ["gray", image().toColourspace("b-w").png().toBuffer()],
        ["palette", image().png({ palette: true }).toBuffer()],
        ["2-bit palette", image().png({ palette: true, colours: 4 }).toBuffer()],
        ["16-bit", image().toColourspace(channels < 3 ? "grey16" : "rgb16").png().toBuffer()],
      ];
      for (const [kind, png] of variants) {
        await assertSameAsSharp(
          new Uint8Array(await png),
          `${width}x${height}x${channels} ${kind}`,
        );
      }
    }
  }
});

Deno.test("tryDecodePng gives sharp's pixels for low bit depths, colour keys, palette alpha and every filter", async () => {
  const rng = createRng(9);
  const channelsOf: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
  const cases: [number, number][] = [
    [0, 1],
    [0, 2],
    [0, 4],
    [0, 8],
    [0, 16],
    [2, 8],
    [2, 16],
    [3, 1],
    [3, 2],
    [3, 4],
    [3, 8],
    [4, 8],
    [4, 16],
    [6, 8],
    [6, 16],
  ];
  for (const [colorType, depth] of cases) {
    const width = 13, height = 11;
    const stride = Math.ceil((width * depth * channelsOf[colorType]) / 8);
    const rows = Array.from({ length: height }, () => randomBytes(stride, rng));
    const shape = { width, height, depth, colorType };
    const what = `colour type ${colorType}, ${depth}-bit`;
    if (colorType === 3) {
      const palette = chunk("PLTE", randomBytes(3 << depth, rng));
      await assertSameAsSharp(buildPng(shape, rows, [palette]), what);
      const alpha = chunk("tRNS", randomBytes(Math.max(1, (1 << depth) >> 1), rng));
      await assertSameAsSharp(buildPng(shape, rows, [palette, alpha]), `${what}, tRNS`);
      continue;
    }
    await assertSameAsSharp(buildPng(shape, rows), what);
    if (colorType === 0 || colorType === 2) {
      // A colour key equal to the first pixel's raw samples.
      const png = tryDecodePng(buildPng(shape, rows))!;
      assert(png !== null);
      const samples = colorType === 0 ? 1 : 3;
      const key = new Uint8Array(2 * samples);
      for (let s = 0; s < samples; s++) {
        if (depth === 16) key.set(rows[0].subarray(2 * s, 2 * s + 2), 2 * s);
        else if (depth === 8) key[2 * s + 1] = rows[0][s];
        else key[1] = rows[0][0] >> (8 - depth);
      }
      const keyed = buildPng(shape, rows, [chunk("tRNS", key)]);
      await assertSameAsSharp(keyed, `${what}, colour key`);
    }
  }
});

Deno.test("tryDecodePng composites alpha onto white and ignores gamma and other ancillary chunks", async () => {
  const rgba = new Uint8Array([0, 0, 0, 0, 0, 0, 0, 128, 255, 0, 0, 255, 10, 20, 30, 255]);
  const png = new Uint8Array(
    await sharp(rgba, { raw: { width: 4, height: 1, channels: 4 } }).png().toBuffer(),
  );
  const img = tryDecodePng(png)!;
  assertEquals(img.data[0], 1);
  assert(Math.abs(img.data[1] - (1 - 128 / 255)) < 1e-6);
  assert(Math.abs(img.data[2] - 0.299) < 1e-6);
  const rows = [new Uint8Array([0, 60, 120, 250])];
  const shape = { width: 4, height: 1, depth: 8, colorType: 0 };
  const gama = chunk("gAMA", new Uint8Array([0, 0, 0x4e, 0x20]));
  const text = chunk("tEXt", new TextEncoder().encode("Comment\0drawn on a canvas"));
  await assertSameAsSharp(buildPng(shape, rows, [gama, text]), "gAMA + tEXt");
});

Deno.test("tryDecodePng leaves interlaced, rotated, profiled, animated and damaged files to sharp", async () => {
  const raw = randomBytes(16 * 8 * 3, createRng(2));
  const image = () => sharp(raw, { raw: { width: 16, height: 8, channels: 3 } });
  const interlaced = new Uint8Array(await image().png({ progressive: true }).toBuffer());
  const rotated = new Uint8Array(await image().withMetadata({ orientation: 6 }).png().toBuffer());
  const plain = new Uint8Array(await image().png().toBuffer());
  for (
    const [what, bytes] of [["interlaced", interlaced], ["EXIF orientation", rotated]] as const
  ) {
    assertEquals(tryDecodePng(bytes), null, what);
    const slow = await decodeWithSharp(bytes);
    assertEquals(await decodeImage(bytes), slow, what);
  }
  assertEquals((await decodeImage(rotated)).width, 8, "rotated by sharp");
  const shape = { width: 2, height: 1, depth: 8, colorType: 0 };
  const rows = [new Uint8Array([0, 255])];
  const withChunk = (c: Uint8Array) => buildPng(shape, rows, [c]);
  assertEquals(tryDecodePng(withChunk(chunk("iCCP", new Uint8Array(8)))), null, "ICC profile");
  assertEquals(tryDecodePng(withChunk(chunk("acTL", new Uint8Array(8)))), null, "animation");
  assertEquals(tryDecodePng(withChunk(chunk("QUUX", new Uint8Array(2)))), null, "unknown critical");
  const exif = new TextEncoder().encode("Raw profile type exif\0\0\0");
  assertEquals(tryDecodePng(withChunk(chunk("zTXt", exif))), null, "EXIF text");
  // A bad checksum, a cut-off file, an IDAT that does not inflate.
  const badCrc = plain.slice();
  badCrc[badCrc.length - 20] ^= 1;
  assertEquals(tryDecodePng(badCrc), null, "bad checksum");
  assertEquals(tryDecodePng(plain.subarray(0, plain.length - 30)), null, "truncated");
  const idat = concat([
    SIGNATURE,
    plain.subarray(8, 33),
    chunk("IDAT", new Uint8Array([0x78, 0x9c, 1, 2, 3, 4])),
    chunk("IEND", new Uint8Array()),
  ]);
  assertEquals(tryDecodePng(idat), null, "damaged stream");
  await assertRejects(
    () => decodeImage(idat, { name: "damaged.png" }),
    ImageError,
    "damaged.png: cannot decode png (16x8)",
  );
  assertEquals(tryDecodePng(new TextEncoder().encode("not an image")), null, "text");
});

Deno.test("readPngHeader reads the IHDR chunk and checks it", async () => {
  const png = new Uint8Array(
    await sharp(new Uint8Array(12), { raw: { width: 4, height: 1, channels: 3 } }).png()
      .toBuffer(),
  );
  assert(isPng(png));
  assertEquals(readPngHeader(png), {
    width: 4,
    height: 1,
    bitDepth: 8,
    colorType: 2,
    interlaced: false,
  });
  const bad = png.slice();
  bad[17] ^= 1; // width changed, checksum not
  assertEquals(readPngHeader(bad), null);
  assertEquals(readPngHeader(png.subarray(0, 20)), null);
  assert(!isPng(new Uint8Array([0x42, 0x4d])));
  const depth3 = buildPng({ width: 1, height: 1, depth: 3, colorType: 0 }, [new Uint8Array(1)]);
  assertEquals(readPngHeader(depth3), null, "bit depth 3 does not exist");
});

/**
 * zlib-compressed zeros, `total` bytes of them, compressed from 1 MiB chunks
 * so that the test itself never holds the inflated data.
 */
async function deflateZeros(total: number): Promise<Uint8Array> {
  const zeros = new Uint8Array(1 << 20);
  let sent = 0;
  const source = new ReadableStream<BufferSource>({
    pull(controller) {
      if (sent >= total) return controller.close();
      controller.enqueue(zeros);
      sent += zeros.length;
    },
  });
  const stream = source.pipeThrough(new CompressionStream("deflate"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** A 1x1 8-bit gray PNG whose IDAT inflates to `total` bytes instead of the 2 it declares. */
async function pngBomb(total: number): Promise<Uint8Array> {
  const ihdr = new Uint8Array(13);
  new DataView(ihdr.buffer).setUint32(0, 1);
  new DataView(ihdr.buffer).setUint32(4, 1);
  ihdr.set([8, 0, 0, 0, 0], 8);
  return concat([
    SIGNATURE,
    chunk("IHDR", ihdr),
    chunk("IDAT", await deflateZeros(total)),
    chunk("IEND", new Uint8Array()),
  ]);
}

Deno.test("tryDecodePng stops a decompression bomb at the size its header declares", async () => {
  const bomb = await pngBomb(256 << 20); // 256 MiB of zeros behind a 1x1 header
  assert(bomb.length < 512 * 1024, `bomb is ${bomb.length} bytes`);
  const before = Deno.memoryUsage().rss;
  assertThrows(
    () => tryDecodePng(bomb, { name: "bomb.png" }),
    ImageError,
    "bomb.png: PNG image data inflates to more than the 2 bytes its 1x1 header declares",
  );
  const grown = Deno.memoryUsage().rss - before;
  assert(grown < 100 << 20, `RSS grew by ${grown} bytes while refusing the bomb`);
  // Several IDAT chunks are one stream: the cap applies to their sum.
  const rows = [new Uint8Array([1, 2])];
  const shape = { width: 2, height: 1, depth: 8, colorType: 0 };
  const png = buildPng(shape, rows);
  assertEquals(tryDecodePng(png)?.width, 2, "exactly the declared size is accepted");
  const raw = new Uint8Array(deflateSync(new Uint8Array([0, 1, 2, 0])));
  const split = concat([
    png.subarray(0, 33),
    chunk("IDAT", raw.subarray(0, 3)),
    chunk("IDAT", raw.subarray(3)),
    chunk("IEND", new Uint8Array()),
  ]);
  assertThrows(() => tryDecodePng(split), ImageError, "more than the 3 bytes its 2x1 header");
});

Deno.test("tryDecodePng refuses a header above maxPixels before inflating", () => {
  const shape = { width: 16, height: 8, depth: 8, colorType: 0 };
  const png = buildPng(shape, Array.from({ length: 8 }, () => new Uint8Array(16)));
  assertEquals(tryDecodePng(png, { maxPixels: 128 })?.height, 8);
  assertThrows(
    () => tryDecodePng(png, { name: "big.png", maxPixels: 100 }),
    ImageError,
    "big.png: png header declares 16x8 = 128 pixels, more than the limit of 100",
  );
  // A header of 2^31-1 squared is refused by the default limit, not by an allocation.
  const huge = png.slice();
  const view = new DataView(huge.buffer);
  view.setUint32(16, 0x7fffffff);
  view.setUint32(20, 0x7fffffff);
  view.setUint32(29, crc32(huge.subarray(12, 29)));
  assertThrows(() => tryDecodePng(huge), ImageError, "more than the limit of 40000000");
  for (const maxPixels of [0, -1, 1.5, NaN]) {
    assertThrows(() => tryDecodePng(png, { maxPixels }), InvalidArgumentError, "maxPixels");
  }
});
