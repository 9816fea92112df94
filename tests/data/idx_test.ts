import { assert, assertEquals, assertRejects, assertThrows } from "@std/assert";
import { DataFormatError } from "../../lib/core/errors.ts";
import {
  decodeIdx,
  DEFAULT_IDX_MAX_BYTES,
  gunzip,
  isGzip,
  parseIdx,
  readIdxFile,
} from "../../lib/data/idx.ts";

/** Writes an IDX file: magic, big-endian dims, big-endian elements. */
function encodeIdx(typeCode: number, dims: number[], values: number[], size: number): Uint8Array {
  const header = 4 + 4 * dims.length;
  const bytes = new Uint8Array(header + values.length * size);
  const view = new DataView(bytes.buffer);
  bytes.set([0, 0, typeCode, dims.length]);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d));
  values.forEach((v, i) => {
    const at = header + i * size;
    if (typeCode === 0x08) view.setUint8(at, v);
    else if (typeCode === 0x09) view.setInt8(at, v);
    else if (typeCode === 0x0b) view.setInt16(at, v);
    else if (typeCode === 0x0c) view.setInt32(at, v);
    else if (typeCode === 0x0d) view.setFloat32(at, v);
    else view.setFloat64(at, v);
  });
  return bytes;
}

async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream()
    .pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

const images = Array.from({ length: 2 * 3 * 4 }, (_, i) => (i * 37) % 256);

Deno.test("parseIdx round-trips every element type, big-endian", () => {
  const cases: [number, string, number, number[]][] = [
    [0x08, "uint8", 1, [0, 1, 128, 255]],
    [0x09, "int8", 1, [-128, -1, 0, 127]],
    [0x0b, "int16", 2, [-32768, -2, 258, 32767]],
    [0x0c, "int32", 4, [-2147483648, -70000, 16909060, 2147483647]],
    [0x0d, "float32", 4, [-1.5, 0, 0.25, 2 ** 40]],
    [0x0e, "float64", 8, [-Math.PI, 0, 1e-300, 1e300]],
  ];
  for (const [code, dtype, size, values] of cases) {
    const idx = parseIdx(encodeIdx(code, [2, 2], values, size), { name: dtype });
    assertEquals(idx.dtype, dtype);
    assertEquals(idx.dims, [2, 2]);
    assertEquals(Array.from(idx.data), values);
  }
});

Deno.test("parseIdx reads a 3-dimensional uint8 image file", () => {
  const idx = parseIdx(encodeIdx(0x08, [2, 3, 4], images, 1));
  assertEquals(idx.dims, [2, 3, 4]);
  assertEquals(idx.data instanceof Uint8Array, true);
  assertEquals(Array.from(idx.data), images);
});

Deno.test("parseIdx rejects a bad magic number, naming the file and value", () => {
  const bytes = encodeIdx(0x08, [2, 3, 4], images, 1);
  bytes[2] = 0x0a;
  const e = assertThrows(() => parseIdx(bytes, { name: "imgs.idx" }), DataFormatError);
  assertEquals(e.message.startsWith("bad IDX magic 0x00000a03 in imgs.idx"), true);
  bytes[2] = 0x08;
  bytes[0] = 0x12;
  assertThrows(() => parseIdx(bytes, { name: "imgs.idx" }), DataFormatError, "0x12000803");
});

Deno.test("parseIdx rejects zero dimensions and zero-sized dimensions", () => {
  assertThrows(
    () => parseIdx(new Uint8Array([0, 0, 8, 0]), { name: "a" }),
    DataFormatError,
    "bad IDX dimension count 0 in a",
  );
  assertThrows(
    () => parseIdx(encodeIdx(0x08, [2, 0, 4], [], 1), { name: "b" }),
    DataFormatError,
    "bad IDX dimensions 2x0x4 in b: dimension 1 is 0",
  );
  assertThrows(
    () => parseIdx(new Uint8Array([0, 0, 8, 3, 0, 0, 0, 2]), { name: "c" }),
    DataFormatError,
    "truncated IDX file c: header of 3 dimensions needs 16 bytes, found 8",
  );
  assertThrows(() => parseIdx(new Uint8Array([0, 0]), { name: "d" }), DataFormatError, "found 2");
});

Deno.test("parseIdx rejects truncated data and trailing bytes", () => {
  const bytes = encodeIdx(0x08, [2, 3, 4], images, 1);
  assertThrows(
    () => parseIdx(bytes.subarray(0, bytes.length - 5), { name: "x" }),
    DataFormatError,
    "truncated IDX file x: header declares 2x3x4 = 24 bytes of data, found 19",
  );
  const longer = new Uint8Array(bytes.length + 3);
  longer.set(bytes);
  assertThrows(
    () => parseIdx(longer, { name: "y" }),
    DataFormatError,
    "trailing bytes in IDX file y: header declares 2x3x4 = 24 bytes of data, found 27",
  );
  const ints = encodeIdx(0x0c, [3], [1, 2, 3], 4);
  assertThrows(
    () => parseIdx(ints.subarray(0, ints.length - 1), { name: "z" }),
    DataFormatError,
    "header declares 3 int32 = 12 bytes of data, found 11",
  );
});

Deno.test("parseIdx points gzipped input to decodeIdx", async () => {
  const packed = await gzip(encodeIdx(0x08, [1], [9], 1));
  assertEquals(isGzip(packed), true);
  assertThrows(() => parseIdx(packed, { name: "g.gz" }), DataFormatError, "g.gz is gzip");
});

Deno.test("decodeIdx and readIdxFile read raw and gzipped files alike", async () => {
  const raw = encodeIdx(0x08, [2, 3, 4], images, 1);
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeFile(`${dir}/a.idx`, raw);
    await Deno.writeFile(`${dir}/a.idx.gz`, await gzip(raw));
    for (const file of ["a.idx", "a.idx.gz"]) {
      const idx = await readIdxFile(`${dir}/${file}`);
      assertEquals(idx.dims, [2, 3, 4]);
      assertEquals(Array.from(idx.data), images);
    }
    assertEquals(Array.from((await decodeIdx(await gzip(raw))).data), images);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a corrupt or truncated gzip stream is a DataFormatError naming the file", async () => {
  const packed = await gzip(encodeIdx(0x08, [2, 3, 4], images, 1));
  const flipped = packed.slice();
  flipped[12] ^= 0xff;
  await assertRejects(
    () => decodeIdx(flipped, { name: "bad.gz" }),
    DataFormatError,
    "corrupt gzip stream in bad.gz",
  );
  await assertRejects(
    () => gunzip(packed.subarray(0, packed.length - 8), "cut.gz"),
    DataFormatError,
    "corrupt gzip stream in cut.gz",
  );
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeFile(`${dir}/f.gz`, flipped);
    await assertRejects(() => readIdxFile(`${dir}/f.gz`), DataFormatError, `${dir}/f.gz`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/**
 * gzip of `header` followed by `zeros` zero bytes, compressed from 1 MiB
 * chunks so that the test never holds the decompressed data.
 */
async function gzipBomb(header: Uint8Array<ArrayBuffer>, zeros: number): Promise<Uint8Array> {
  const chunk = new Uint8Array(1 << 20);
  let sent = -1;
  const source = new ReadableStream<BufferSource>({
    pull(controller) {
      if (sent < 0) controller.enqueue(header);
      else if (sent >= zeros) return controller.close();
      else controller.enqueue(chunk);
      sent += sent < 0 ? 1 : chunk.length;
    },
  });
  const stream = source.pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

Deno.test("decodeIdx stops a gzip bomb as soon as it yields more than the header declares", async () => {
  // 7 labels declared, 200 MiB of zeros behind them.
  const bomb = await gzipBomb(new Uint8Array([0, 0, 8, 1, 0, 0, 0, 7]), 200 << 20);
  assert(bomb.length < 1 << 20, `bomb is ${bomb.length} bytes`);
  const before = Deno.memoryUsage().rss;
  const e = await assertRejects(
    () => decodeIdx(bomb, { name: "labels.gz" }),
    DataFormatError,
    "trailing bytes in IDX file labels.gz: header declares 7 = 7 bytes of data, found at least ",
  );
  assert(e.message.endsWith("(decompression stopped there)"), e.message);
  const grown = Deno.memoryUsage().rss - before;
  assert(grown < 100 << 20, `RSS grew by ${grown} bytes while refusing the bomb`);
});

Deno.test("a declared size above the limit is refused before decompressing or allocating it", async () => {
  // 65535 x 65535 x 65535 uint8 declared, a few bytes present.
  const header = new Uint8Array([0, 0, 8, 3, 0, 0, 255, 255, 0, 0, 255, 255, 0, 0, 255, 255]);
  const message = "IDX file huge: header declares 65535x65535x65535 = 281462092005375 bytes " +
    `of data, more than the limit of ${DEFAULT_IDX_MAX_BYTES}`;
  assertThrows(() => parseIdx(header, { name: "huge" }), DataFormatError, message);
  const packed = await gzip(header);
  await assertRejects(() => decodeIdx(packed, { name: "huge" }), DataFormatError, message);
  // The limit is the caller's: MNIST's 60000x28x28 training images are under the default.
  assert(60000 * 28 * 28 < DEFAULT_IDX_MAX_BYTES);
  const raw = encodeIdx(0x0c, [2, 3], [1, 2, 3, 4, 5, 6], 4);
  const ints = await gzip(raw);
  assertEquals((await decodeIdx(ints, { maxBytes: 24 })).dims, [2, 3]);
  const limited = "IDX file ints: header declares 2x3 int32 = 24 bytes of data, more than the " +
    "limit of 23";
  assertThrows(() => parseIdx(raw, { name: "ints", maxBytes: 23 }), DataFormatError, limited);
  await assertRejects(
    () => decodeIdx(ints, { name: "ints", maxBytes: 23 }),
    DataFormatError,
    limited,
  );
});

Deno.test("decodeIdx reports a truncated gzipped file and header as parseIdx does", async () => {
  const bytes = encodeIdx(0x08, [2, 3, 4], images, 1);
  const [cut, header, magic] = await Promise.all([
    gzip(bytes.subarray(0, bytes.length - 5)),
    gzip(bytes.subarray(0, 10)),
    gzip(new Uint8Array([1, 2, 3, 4, 5])),
  ]);
  await assertRejects(
    () => decodeIdx(cut, { name: "x.gz" }),
    DataFormatError,
    "truncated IDX file x.gz: header declares 2x3x4 = 24 bytes of data, found 19",
  );
  await assertRejects(
    () => decodeIdx(header, { name: "h.gz" }),
    DataFormatError,
    "truncated IDX file h.gz: header of 3 dimensions needs 16 bytes, found 10",
  );
  await assertRejects(
    () => decodeIdx(magic, { name: "m.gz" }),
    DataFormatError,
    "bad IDX magic 0x01020304 in m.gz",
  );
});

Deno.test("gunzip stops at maxBytes", async () => {
  const packed = await gzip(new Uint8Array(100));
  assertEquals((await gunzip(packed, "a.gz", { maxBytes: 100 })).length, 100);
  await assertRejects(
    () => gunzip(packed, "a.gz", { maxBytes: 99 }),
    DataFormatError,
    "a.gz decompresses to more than the limit of 99 bytes",
  );
});

Deno.test("readIdxFile refuses a file larger than the limit before reading it", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/big.idx`;
    await Deno.writeFile(path, encodeIdx(0x08, [2, 3, 4], images, 1));
    assertEquals((await readIdxFile(path, { maxBytes: 24 })).dims, [2, 3, 4]);
    const file = await Deno.open(path, { write: true });
    await file.truncate(2 << 20); // 2 MiB on disk
    file.close();
    await assertRejects(
      () => readIdxFile(path, { maxBytes: 1000 }),
      DataFormatError,
      `${path} has 2097152 bytes, more than an IDX file of at most 1000 bytes of data can take`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
