import * as tf from "@tensorflow/tfjs";
import { BlobReader, Uint8ArrayWriter, ZipWriter } from "@zip.js/zip.js";
import { assert, assertEquals, assertNotEquals, assertRejects } from "@std/assert";
import { DataFormatError, dataPath, InvalidArgumentError } from "../../lib/core/mod.ts";
import { decodeIdx } from "../../lib/data/idx.ts";
import { loadEmbeddedMnist } from "../../lib/data/embedded.ts";
import { emnistMember, type EmnistSplit, loadEmnist } from "../../lib/data/emnist.ts";
import { openZip } from "../../lib/data/zip_archive.ts";
import { evaluateModel } from "../../lib/eval/evaluate.ts";
import { setupBackend } from "../../lib/kernels/backend.ts";
import { loadModel } from "../../lib/model/save_load.ts";
import {
  barGlyphs,
  type EmnistSet,
  gzip,
  idxBytes,
  writeEmnistArchive,
} from "../_helpers/emnist_archive.ts";

async function withArchive(
  content: Parameters<typeof writeEmnistArchive>[1],
  fn: (path: string) => Promise<void>,
): Promise<void> {
  const path = await Deno.makeTempFile({ suffix: ".zip" });
  try {
    await writeEmnistArchive(path, content);
    await fn(path);
  } finally {
    await Deno.remove(path);
  }
}

/** An upright 28x28 "F": a stem on the left, a long bar on top, a short one in the middle. */
function letterF(): Uint8Array {
  const image = new Uint8Array(784);
  for (let r = 4; r < 24; r++) image[r * 28 + 8] = 255;
  for (let c = 8; c < 20; c++) image[4 * 28 + c] = 255;
  for (let c = 8; c < 16; c++) image[13 * 28 + c] = 200;
  return image;
}

const one = (images: Uint8Array, label: number): EmnistSet => ({
  images,
  labels: new Uint8Array([label]),
  rows: 28,
  cols: 28,
});

Deno.test("an asymmetric glyph stored as EMNIST stores it comes out upright", async () => {
  const f = letterF();
  await withArchive({ letters: { train: one(f, 6), test: one(f, 6) } }, async (path) => {
    // The archive holds the F transposed: on its side, as in NIST's file.
    const zip = await openZip(path);
    const member = emnistMember("letters", "train", "images");
    const raw = await decodeIdx(await zip.read(member));
    await zip.close();
    assertNotEquals([...raw.data], [...f]);
    assertEquals(raw.data[8 * 28 + 4], 255); // the top bar runs down column 4 in the file
    const { train, test } = await loadEmnist(path, "letters");
    const upright = Array.from(f, (v) => v / 255);
    assertEquals([...train.images], upright.map((v) => Math.fround(v)));
    assertEquals([...test.images], [...train.images]);
    assertEquals([train.rows, train.cols, train.labels[0]], [28, 28, 5]); // "F" is class 5
  });
});

Deno.test("EMNIST letters have 26 classes, labels 1..26 shifted to 0..25", async () => {
  const train = barGlyphs(52, 26, 1, 3);
  const test = barGlyphs(26, 26, 1, 4);
  await withArchive({ letters: { train, test } }, async (path) => {
    const loaded = await loadEmnist(path, "letters");
    assertEquals([loaded.train.count, loaded.test.count], [52, 26]);
    assertEquals(loaded.train.numClasses, 26);
    assertEquals([...loaded.test.labels], Array.from({ length: 26 }, (_, i) => i));
    assertEquals(loaded.train.source, `emnist-letters:${path}`);
  });
  // A 0 in letters' labels (they run 1..26) is refused, naming the member.
  const bad = { ...barGlyphs(26, 26, 1), labels: new Uint8Array(26) };
  await withArchive({ letters: { train: bad, test } }, async (path) => {
    await assertRejects(
      () => loadEmnist(path, "letters"),
      DataFormatError,
      `label 0 at index 0 of ${path}:gzip/emnist-letters-train-labels-idx1-ubyte.gz is not in 1..26`,
    );
  });
});

Deno.test("EMNIST digits keep labels 0..9; a missing split or member says which", async () => {
  const digits = barGlyphs(20, 10, 0);
  await withArchive({ digits: { train: digits, test: digits } }, async (path) => {
    const { train } = await loadEmnist(path, "digits");
    assertEquals([train.numClasses, train.labels[9], train.source], [
      10,
      9,
      `emnist-digits:${path}`,
    ]);
    await assertRejects(
      () => loadEmnist(path, "letters"),
      DataFormatError,
      "has no member gzip/emnist-letters-train-images-idx3-ubyte.gz",
    );
    await assertRejects(
      () => loadEmnist(path, "balanced" as EmnistSplit),
      InvalidArgumentError,
      'unknown EMNIST split "balanced": choose digits or letters',
    );
  });
});

Deno.test("an EMNIST member declaring more than maxBytes is refused before decompressing", async () => {
  const digits = barGlyphs(20, 10, 0);
  await withArchive({ digits: { train: digits, test: digits } }, async (path) => {
    await assertRejects(
      () => loadEmnist(path, "digits", { maxBytes: 20 * 784 - 1 }),
      DataFormatError,
      "more than the limit of 15679",
    );
  });
  // A member that is not gzipped IDX at all.
  const writer = new ZipWriter(new Uint8ArrayWriter());
  for (const set of ["train", "test"] as const) {
    await writer.add(emnistMember("digits", set, "images"), new BlobReader(new Blob(["oops"])));
    const labels = await gzip(idxBytes([1], new Uint8Array([3])));
    await writer.add(emnistMember("digits", set, "labels"), new BlobReader(new Blob([labels])));
  }
  const path = await Deno.makeTempFile({ suffix: ".zip" });
  try {
    await Deno.writeFile(path, await writer.close());
    await assertRejects(() => loadEmnist(path, "digits"), DataFormatError, "bad IDX magic");
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("the shipped model reads digits stored in EMNIST's layout once loaded upright", async () => {
  // 300 embedded MNIST digits written as EMNIST stores images (transposed): read
  // back upright, the shipped model reads them as well as MNIST; left transposed, it cannot.
  await setupBackend();
  const mnist = await loadEmbeddedMnist();
  // Every 33rd digit: the embedded set is ordered by label, and all ten must be there.
  const picked = Array.from({ length: 300 }, (_, i) => i * 33);
  const images = new Uint8Array(picked.length * 784);
  picked.forEach((k, i) => {
    for (let p = 0; p < 784; p++) images[i * 784 + p] = Math.round(mnist.images[k * 784 + p] * 255);
  });
  const labels = Uint8Array.from(picked, (k) => mnist.labels[k]);
  assertEquals(new Set(labels).size, 10);
  const set: EmnistSet = { images, labels, rows: 28, cols: 28 };
  await withArchive({ digits: { train: set, test: set } }, async (path) => {
    const before = tf.memory().numTensors;
    const { model } = await loadModel(dataPath("models", "default"));
    try {
      const { test } = await loadEmnist(path, "digits");
      const upright = evaluateModel(model, test).accuracy;
      // The control: the same images as the file holds them, not transposed back.
      const zip = await openZip(path);
      const raw = await decodeIdx(await zip.read(emnistMember("digits", "test", "images")));
      await zip.close();
      const sideways = evaluateModel(model, {
        ...test,
        images: Float32Array.from(raw.data, (v) => v / 255),
      }).accuracy;
      assert(upright >= 0.97, `upright accuracy ${upright}`);
      assert(sideways <= 0.6, `sideways accuracy ${sideways}`);
    } finally {
      model.dispose();
    }
    assertEquals(tf.memory().numTensors, before, "leaked tensors");
  });
});
