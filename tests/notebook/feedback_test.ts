import * as tf from "@tensorflow/tfjs";
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
  NOTEBOOK_FINETUNE_RATE,
  notebookFinetuneParent,
  notebookFinetuneSettings,
  recordDrawnCorrections,
  removeScratchCopy,
  scratchModelCopy,
} from "../../lib/notebook/feedback.ts";
import { loadNotebookSplits, notebookSettings } from "../../lib/notebook/settings.ts";
import { readMetrics } from "../../lib/model/mod.ts";
import { assertMisreadsFlaggedOnes, tinyModelDir } from "../_helpers/tiny_model.ts";

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
  // A model trained on MNIST alone (not the shipped one, which may have learnt the style).
  const model = await tinyModelDir("unstyled");
  await assertMisreadsFlaggedOnes(model);
  const dir = await Deno.makeTempDir();
  const store = CorrectionStore.open({ dir });
  try {
    const made = await recordDrawnCorrections({
      store,
      modelDir: model,
      style: "flagged-1",
      count: 3,
      seed: 2,
    });
    assertEquals(store.count(), 3);
    assert(made.drawn >= 3 && made.readRight === made.drawn - 3);
    const id = await modelIdOf(model);
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

Deno.test("recordDrawnCorrections: a model that reads the style right records nothing, and says so", async () => {
  await setupBackend();
  // A tiny model trained with the styles stands in for a shipped model that reads flagged 1s.
  const model = await tinyModelDir("styled");
  const dir = await Deno.makeTempDir();
  const store = CorrectionStore.open({ dir });
  try {
    const error = await assertRejects(
      () => recordDrawnCorrections({ store, modelDir: model, style: "flagged-1", count: 8 }),
      InvalidArgumentError,
      "drawn flagged-1 right: nothing to correct",
    );
    assert(/reads (\d+) of (\d+) drawn/.test(error.message), error.message);
    const [, right, drawn] = /reads (\d+) of (\d+) drawn/.exec(error.message)!;
    assert(2 * Number(right) > Number(drawn), error.message);
    assertEquals(store.count(), 0, "nothing recorded");
  } finally {
    store.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("notebookFinetuneParent: a copy of 04's model, else one trained now as 04 would", async () => {
  await setupBackend();
  const saved = await tinyModelDir("unstyled");
  const settings = notebookSettings({ quick: true, env: () => undefined });
  const copy = await notebookFinetuneParent({ ...settings, modelDir: saved });
  try {
    assertEquals(copy.origin, "saved");
    assertEquals(await modelIdOf(copy.modelDir), await modelIdOf(saved));
    assert(copy.description.includes(`notebook 04 saved in ${saved}`), copy.description);
  } finally {
    await removeScratchCopy(copy.modelDir);
  }
  // No saved model: trained now on a few embedded digits (the splits given), saved in scratch.
  const splits = await loadNotebookSplits({ ...settings, limit: 300 });
  const tensors = tf.memory().numTensors;
  const trained = await notebookFinetuneParent(
    { ...settings, modelDir: "/no/such/model" },
    { splits },
  );
  try {
    assertEquals(tf.memory().numTensors, tensors, "no tensor left behind");
    assertEquals(trained.origin, "trained");
    assert(trained.description.startsWith("No model saved in /no/such/model"));
    assert(trained.description.includes("1 epoch(s) on 300 digits"), trained.description);
    const metrics = await readMetrics(trained.modelDir);
    assertEquals(metrics?.command, "notebooks/07_feedback.ipynb (DIGIT_LAB_QUICK=1)");
    assertEquals(metrics?.splits.train, 300);
  } finally {
    await removeScratchCopy(trained.modelDir);
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

Deno.test("notebookFinetuneSettings: a small quick run, 40 corrections otherwise, at 04's rate", () => {
  const quick = notebookFinetuneSettings(true);
  assertEquals([quick.count, quick.options.replay, quick.options.epochs], [16, 600, 3]);
  const full = notebookFinetuneSettings(false);
  assertEquals([full.count, full.options.replay, full.options.epochs], [
    40,
    FINETUNE_DEFAULTS.replay,
    3,
  ]);
  for (const run of [quick, full]) {
    assertEquals([run.options.learningRate, run.options.correctionShare], [1e-3, 0.05]);
  }
  assertEquals(NOTEBOOK_FINETUNE_RATE, 1e-3);
});
