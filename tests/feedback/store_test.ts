import { assert, assertEquals, assertMatch, assertThrows } from "@std/assert";
import { DatabaseSync } from "node:sqlite";
import { DigitLabError, ImageError, InvalidArgumentError } from "../../lib/core/errors.ts";
import { CorrectionStore, STORE_FILE } from "../../lib/feedback/store.ts";
import { barPixels, sampleCorrection } from "./_fixtures.ts";

async function withStore(
  fn: (store: CorrectionStore, dir: string) => void | Promise<void>,
  options: { maxImageBytes?: number; maxTotalBytes?: number } = {},
): Promise<void> {
  const dir = await Deno.makeTempDir();
  const store = CorrectionStore.open({ dir: `${dir}/feedback`, ...options });
  try {
    await fn(store, `${dir}/feedback`);
  } finally {
    store.close();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("add then get: every field comes back as given, pixels bit for bit", () =>
  withStore((store, dir) => {
    const pixels = barPixels();
    pixels[0] = 0.1; // not exact in binary: float32 must survive the round trip as is
    pixels[783] = 1 / 3;
    const input = sampleCorrection({ pixels, confidence: 0.123456789, origin: "notebook" });
    const before = Date.now();
    const added = store.add(input);
    assertEquals(added.id, 1);
    assertMatch(added.createdAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert(Date.parse(added.createdAt) >= before - 1 && Date.parse(added.createdAt) <= Date.now());
    const got = store.get(1)!;
    assertEquals(got, added);
    assertEquals(got, { ...input, id: 1, createdAt: added.createdAt });
    assertEquals(got.pixels[0], Math.fround(0.1));
    assertEquals(store.get(2), undefined);
    // The returned correction is a copy: changing the input afterwards changes nothing stored.
    input.pixels[5] = 1;
    assertEquals(store.get(1)!.pixels[5], 0);
    assertEquals(store.path, `${dir}/${STORE_FILE}`);
  }));

Deno.test("list: oldest first, images only when asked for, limit keeps the most recent", () =>
  withStore((store) => {
    for (let label = 0; label < 5; label++) store.add(sampleCorrection({ label }));
    const all = store.list();
    assertEquals(all.map((c) => [c.id, c.label]), [[1, 0], [2, 1], [3, 2], [4, 3], [5, 4]]);
    assert(all.every((c) => c.imageBytes.length === 0 && c.pixels.length === 784));
    const withImages = store.list({ includeImages: true });
    assertEquals(withImages[0].imageBytes, sampleCorrection().imageBytes);
    assertEquals(store.list({ limit: 2 }).map((c) => c.id), [4, 5]);
    assertEquals(store.list({ limit: 99 }).length, 5);
    assertThrows(() => store.list({ limit: 0 }), InvalidArgumentError, "limit must be a positive");
  }));

Deno.test("remove: true once, ids are never reused, count follows", () =>
  withStore((store) => {
    store.add(sampleCorrection());
    store.add(sampleCorrection());
    assertEquals([store.remove(2), store.remove(2), store.remove(99)], [true, false, false]);
    assertEquals(store.count(), 1);
    assertEquals(store.add(sampleCorrection()).id, 3); // not 2 again: exports name files by id
    assertEquals(store.list().map((c) => c.id), [1, 3]);
  }));

Deno.test("add: bad input is refused before anything is written", () =>
  withStore((store) => {
    store.add(sampleCorrection());
    assertThrows(() => store.add(sampleCorrection({ label: 12 })), InvalidArgumentError, "got 12");
    assertThrows(
      () => store.add(sampleCorrection({ imageBytes: new TextEncoder().encode("<html>") })),
      ImageError,
      "not an image",
    );
    assertEquals(store.count(), 1);
  }));

Deno.test("size limits: per image and in all, checked before writing", async () => {
  const image = sampleCorrection().imageBytes;
  await withStore((store) => {
    assertThrows(
      () => store.add(sampleCorrection()),
      ImageError,
      `bar.png: image has ${image.length} bytes, more than the limit of ${image.length - 1}`,
    );
    assertEquals(store.count(), 0);
  }, { maxImageBytes: image.length - 1 });
  // Room for exactly two images.
  await withStore((store) => {
    store.add(sampleCorrection());
    store.add(sampleCorrection());
    assertEquals(store.totalImageBytes(), 2 * image.length);
    assertThrows(
      () => store.add(sampleCorrection({ fileName: "third.png" })),
      InvalidArgumentError,
      `third.png: the corrections store is full: ${2 * image.length} bytes of images stored, ` +
        `${image.length} more would pass the limit of ${2 * image.length + 10}`,
    );
    assertEquals(store.count(), 2);
    store.remove(1); // removing makes room again
    assertEquals(store.add(sampleCorrection()).id, 3);
  }, { maxTotalBytes: 2 * image.length + 10 });
  for (const bad of [0, -5, 1.5, NaN]) {
    assertThrows(
      () => CorrectionStore.open({ dir: "/nonexistent", maxTotalBytes: bad }),
      InvalidArgumentError,
      `maxTotalBytes must be a positive integer, got ${bad}`,
    );
  }
});

Deno.test("add: a write that fails inside the transaction leaves nothing behind", () =>
  withStore((store, dir) => {
    store.add(sampleCorrection());
    // Another connection adds a trigger that fails every later insert, as a full disk would.
    const other = new DatabaseSync(`${dir}/${STORE_FILE}`);
    other.exec(
      "CREATE TRIGGER fail BEFORE INSERT ON corrections BEGIN SELECT RAISE(ABORT, 'disk full'); END",
    );
    assertThrows(
      () => store.add(sampleCorrection({ fileName: "lost.png" })),
      DigitLabError,
      `cannot record the correction of lost.png in ${dir}/${STORE_FILE}: disk full`,
    );
    other.exec("DROP TRIGGER fail");
    other.close();
    // Nothing half-written, and the transaction was closed: the store writes again.
    assertEquals(store.list().map((c) => c.fileName), ["bar.png"]);
    assertEquals(store.add(sampleCorrection()).id, 2);
  }));

Deno.test("the store file is in WAL mode; a closed store refuses calls", () =>
  withStore((store, dir) => {
    const db = new DatabaseSync(`${dir}/${STORE_FILE}`);
    assertEquals({ ...db.prepare("PRAGMA journal_mode").get() }, { journal_mode: "wal" });
    db.close();
    store.close();
    store.close(); // harmless
    assertThrows(() => store.count(), InvalidArgumentError, "the store is closed");
  }));
