import { assert, assertEquals, assertRejects, assertThrows } from "@std/assert";
import { setupBackend } from "../../lib/kernels/backend.ts";
import { InvalidArgumentError } from "../../lib/core/errors.ts";
import { CorrectionStore, modelIdOf } from "../../lib/feedback/mod.ts";
import { FINETUNE_DEFAULTS } from "../../lib/train/mod.ts";
import {
  changedReadings,
  correctionConfusion,
  correctionGallery,
  finetuneTable,
  notebookFinetuneSettings,
  recordDrawnCorrections,
  removeScratchCopy,
  scratchModelCopy,
} from "../../lib/notebook/feedback.ts";

const SHIPPED = "data/models/default";

Deno.test("scratchModelCopy / removeScratchCopy: a copy with the same identity, removed whole", async () => {
  const copy = await scratchModelCopy(SHIPPED);
  try {
    assertEquals(await modelIdOf(copy), await modelIdOf(SHIPPED));
    assertEquals(
      [...Deno.readDirSync(copy)].map((e) => e.name).sort(),
      [...Deno.readDirSync(SHIPPED)].filter((e) => e.isFile).map((e) => e.name).sort(),
    );
    await Deno.writeTextFile(`${copy}/../note.txt`, "beside it");
  } finally {
    await removeScratchCopy(copy);
  }
  assertEquals(await Deno.stat(`${copy}/..`).then(() => true, () => false), false);
  const other = await Deno.makeTempDir();
  await Deno.mkdir(`${other}/model`);
  await assertRejects(
    () => removeScratchCopy(`${other}/model`),
    InvalidArgumentError,
    "not removed",
  );
  assertEquals((await Deno.stat(`${other}/model`)).isDirectory, true);
  await Deno.remove(other, { recursive: true });
});

Deno.test("recordDrawnCorrections: misread flagged 1s stored as notebook corrections", async () => {
  await setupBackend();
  const dir = await Deno.makeTempDir();
  const store = CorrectionStore.open({ dir });
  try {
    const made = await recordDrawnCorrections({
      store,
      modelDir: SHIPPED,
      style: "flagged-1",
      count: 3,
      seed: 2,
    });
    assertEquals(store.count(), 3);
    assert(made.drawn >= 3 && made.readRight === made.drawn - 3);
    const id = await modelIdOf(SHIPPED);
    for (const c of store.list()) {
      assertEquals([c.label, c.origin, c.modelId], [1, "notebook", id]);
      assert(c.reading !== "1", `stored a reading of ${c.reading}`);
    }
    assertEquals(made.corrections.map((c) => c.id), store.list().map((c) => c.id));
  } finally {
    store.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("correctionGallery and changedReadings caption what was read", () => {
  const pixels = new Float32Array(784);
  const g = correctionGallery([
    { pixels, reading: "", confidence: 0, label: 4 },
    { pixels, reading: "7", confidence: 0.5, label: 1 },
  ]);
  assertEquals(g.labels, ["read nothing (0%), is 4", "read 7 (50%), is 1"]);
  assertEquals(g.images[1], pixels);
  const readings = [
    { id: 1, label: 1, heldOut: false, before: 7, after: 1 },
    { id: 2, label: 1, heldOut: true, before: 7, after: 7 },
    { id: 9, label: 1, heldOut: true, before: 7, after: 1 }, // not among the corrections given
  ];
  const changed = changedReadings(readings, [{ id: 1, pixels }, { id: 2, pixels }]);
  assertEquals(changed.labels, ["7 → 1"]);
});

Deno.test("finetuneTable and correctionConfusion: the figures, per digit", () => {
  const s = (correct: number, count: number) => ({ correct, count, accuracy: correct / count });
  const at = (held: number, real: number) => ({
    mnistTest: { ...s(9962, 10000), loss: 0.01 },
    heldOut: s(held, 10),
    trained: s(30, 30),
    real: { ...s(real, 2078), root: "real", numbers: { exact: 9, count: 10 } },
  });
  const t = finetuneTable({ before: at(0, 2058), after: at(10, 2059) });
  assertEquals(t.rows.map((r) => r[0]), [
    "MNIST test (10000 digits)",
    "held-out corrections",
    "corrections trained on",
    "real (digits)",
  ]);
  assertEquals(t.rows[3].slice(1), ["2058/2078 (99.0%)", "2059/2078 (99.1%)"]);
  const c = correctionConfusion([
    { id: 1, label: 7, heldOut: false, before: 1, after: 7 },
    { id: 2, label: 1, heldOut: true, before: 7, after: 7 },
  ]);
  assertEquals(c.rows.map((r) => [r[0], r[1], r[3], r[9]]), [
    [1, "before", "0", "1 (1)"],
    [1, "after", "0", "1 (1)"],
    [7, "before", "1 (0)", "0"],
    [7, "after", "0", "1 (0)"],
  ]);
  assertThrows(
    () => correctionConfusion([{ id: 3, label: 10, heldOut: false, before: 1, after: 1 }]),
    InvalidArgumentError,
    "correction 3: a digit must be 0-9, got 10",
  );
});

Deno.test("notebookFinetuneSettings: a small quick run, the command's defaults otherwise", () => {
  const quick = notebookFinetuneSettings(true);
  assertEquals([quick.count, quick.options.replay, quick.options.epochs], [16, 600, 3]);
  const full = notebookFinetuneSettings(false);
  assertEquals([full.count, full.options.replay, full.options.epochs], [
    40,
    FINETUNE_DEFAULTS.replay,
    undefined,
  ]);
});
