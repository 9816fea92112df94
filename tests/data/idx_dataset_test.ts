import { assertAlmostEquals, assertEquals, assertRejects } from "@std/assert";
import { DataFormatError } from "../../lib/core/errors.ts";
import { loadIdxDataset, normalizePixels, resolveDataDir } from "../../lib/data/idx_dataset.ts";

function idx(typeCode: number, dims: number[], data: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  const view = new DataView(out.buffer);
  out.set([0, 0, typeCode, dims.length]);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d));
  out.set(data, 4 + 4 * dims.length);
  return out;
}

async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream()
    .pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

const pixels = (n: number, seed: number) =>
  Uint8Array.from({ length: n * 9 }, (_, i) => (i * seed) % 256);

/** A tiny dataset of 3x3 images: 5 train, 3 test. Train files gzipped, test files raw with dots. */
async function writeTiny(dir: string, overrides: Record<string, Uint8Array> = {}): Promise<void> {
  const files: Record<string, Uint8Array> = {
    "train-images-idx3-ubyte.gz": await gzip(idx(0x08, [5, 3, 3], pixels(5, 7))),
    "train-labels-idx1-ubyte.gz": await gzip(idx(0x08, [5], new Uint8Array([0, 1, 2, 1, 0]))),
    "t10k-images.idx3-ubyte": idx(0x08, [3, 3, 3], pixels(3, 11)),
    "t10k-labels.idx1-ubyte": idx(0x08, [3], new Uint8Array([2, 2, 0])),
    ...overrides,
  };
  for (const [name, bytes] of Object.entries(files)) await Deno.writeFile(`${dir}/${name}`, bytes);
}

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("normalizePixels maps 0..255 to [0, 1]", () => {
  const f = normalizePixels(new Uint8Array([0, 1, 128, 255]));
  assertEquals(f.length, 4);
  assertEquals([f[0], f[3]], [0, 1]);
  assertAlmostEquals(f[1], 1 / 255, 1e-7);
  assertAlmostEquals(f[2], 128 / 255, 1e-7);
});

Deno.test("resolveDataDir prefers the flag, then DIGIT_LAB_DATA", () => {
  const saved = Deno.env.get("DIGIT_LAB_DATA");
  try {
    Deno.env.delete("DIGIT_LAB_DATA");
    assertEquals(resolveDataDir(), undefined);
    assertEquals(resolveDataDir("a"), "a");
    Deno.env.set("DIGIT_LAB_DATA", "from-env");
    assertEquals(resolveDataDir(), "from-env");
    assertEquals(resolveDataDir("a"), "a");
  } finally {
    if (saved === undefined) Deno.env.delete("DIGIT_LAB_DATA");
    else Deno.env.set("DIGIT_LAB_DATA", saved);
  }
});

Deno.test("loadIdxDataset loads gzipped and raw, dashed and dotted names", async () => {
  await withTempDir(async (dir) => {
    await writeTiny(dir);
    const { train, test } = await loadIdxDataset(dir, { numClasses: 3 });
    assertEquals([train.count, train.rows, train.cols, train.numClasses], [5, 3, 3, 3]);
    assertEquals(Array.from(train.labels), [0, 1, 2, 1, 0]);
    assertEquals(train.images, normalizePixels(pixels(5, 7)));
    assertEquals(test.count, 3);
    assertEquals(Array.from(test.labels), [2, 2, 0]);
    assertEquals(test.images, normalizePixels(pixels(3, 11)));
    assertEquals(train.source, `idx:${dir}`);
  });
});

Deno.test("loadIdxDataset lists the missing files and the directory", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeFile(`${dir}/t10k-labels-idx1-ubyte`, idx(0x08, [1], new Uint8Array([0])));
    await assertRejects(
      () => loadIdxDataset(dir),
      DataFormatError,
      `missing IDX files in ${dir}: train-images-idx3-ubyte(.gz), train-labels-idx1-ubyte(.gz), ` +
        "t10k-images-idx3-ubyte(.gz)",
    );
  });
});

Deno.test("loadIdxDataset rejects wrong shapes, counts and labels", async () => {
  const cases: [Record<string, Uint8Array>, string][] = [
    [
      { "t10k-images.idx3-ubyte": idx(0x08, [27], pixels(3, 1)) },
      "must hold 3-dimensional uint8 images, found 1-dimensional uint8 27",
    ],
    [
      { "t10k-labels.idx1-ubyte": idx(0x09, [3], new Uint8Array([0, 1, 2])) },
      "must hold 1-dimensional uint8 labels, found 1-dimensional int8 3",
    ],
    [
      { "t10k-labels.idx1-ubyte": idx(0x08, [2], new Uint8Array([0, 1])) },
      "has 3 images but",
    ],
    [
      { "t10k-labels.idx1-ubyte": idx(0x08, [3], new Uint8Array([0, 3, 1])) },
      "label 3 at index 1",
    ],
    [
      {
        "t10k-images.idx3-ubyte": idx(0x08, [1, 3, 9], pixels(3, 1)),
        "t10k-labels.idx1-ubyte": idx(0x08, [1], new Uint8Array([0])),
      },
      "are 3x3 but test images are 3x9",
    ],
  ];
  for (const [overrides, message] of cases) {
    await withTempDir(async (dir) => {
      await writeTiny(dir, overrides);
      await assertRejects(() => loadIdxDataset(dir, { numClasses: 3 }), DataFormatError, message);
    });
  }
});

Deno.test("loadIdxDataset passes maxBytes to every file, naming the one refused", async () => {
  await withTempDir(async (dir) => {
    await writeTiny(dir);
    assertEquals((await loadIdxDataset(dir, { maxBytes: 45 })).train.count, 5);
    await assertRejects(
      () => loadIdxDataset(dir, { maxBytes: 44 }),
      DataFormatError,
      `IDX file ${dir}/train-images-idx3-ubyte.gz: header declares 5x3x3 = 45 bytes of data, ` +
        "more than the limit of 44",
    );
  });
});
