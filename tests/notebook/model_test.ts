import * as tf from "@tensorflow/tfjs";
import { assert, assertEquals } from "@std/assert";
import { join } from "@std/path";
import { setupBackend } from "../../lib/kernels/backend.ts";
import { createClassifier } from "../../lib/eval/classifier.ts";
import { loadOrTrainModel, saveNotebookModel } from "../../lib/notebook/model.ts";
import { type NotebookSettings, notebookSettings } from "../../lib/notebook/settings.ts";
import { imageAt } from "../../lib/notebook/views.ts";
import { trainModel } from "../../lib/train/loop.ts";
import { env, splitsOf } from "./_datasets.ts";

function settingsIn(modelDir: string): NotebookSettings {
  return { ...notebookSettings({ env: env({ DIGIT_LAB_QUICK: "1" }) }), modelDir };
}

Deno.test("loadOrTrainModel trains a quick model when none is saved, and loads a saved one", async () => {
  await setupBackend();
  const dir = await Deno.makeTempDir();
  const settings = settingsIn(join(dir, "model"));
  const splits = splitsOf(40);
  const before = tf.memory().numTensors;
  try {
    const quick = await loadOrTrainModel(settings, { splits, limit: 30 });
    assertEquals(quick.origin, "trained");
    assertEquals(quick.metrics, undefined);
    assert(quick.description.includes("1 epoch on 30 examples"), quick.description);
    const history = await trainModel(quick.model, {
      train: splits.train,
      validation: splits.validation,
      epochs: 1,
      seed: 1,
    });
    const metrics = await saveNotebookModel(quick.model, { settings, splits, history });
    assertEquals(metrics.splits, { train: 40, validation: 20, test: 20 });
    assertEquals([metrics.epochs, metrics.batch_size, metrics.seed], [1, 32, 42]);
    assertEquals(metrics.command, "notebooks/04_train.ipynb (DIGIT_LAB_QUICK=1)");
    assertEquals(metrics.parameters, 34826);

    const saved = await loadOrTrainModel(settings);
    try {
      assertEquals(saved.origin, "saved");
      assertEquals(saved.metrics?.test_accuracy, metrics.test_accuracy);
      assert(saved.description.startsWith(`Loaded the model saved in ${settings.modelDir}`));
      assert(!saved.description.includes("Careful"), saved.description);
      const other = await loadOrTrainModel(settings, { splits: { ...splits, source: "idx:/x" } });
      other.model.dispose();
      assert(
        other.description.includes("Careful: these notebooks now use idx:/x"),
        other.description,
      );
      const pixels = imageAt(splits.test, 3);
      assertEquals(createClassifier(saved.model)(pixels), createClassifier(quick.model)(pixels));
      // With no model of its own, a notebook can fall back to another saved model.
      const fallback = await loadOrTrainModel(settingsIn(join(dir, "none")), {
        fallbackModelDir: settings.modelDir,
      });
      fallback.model.dispose();
      assertEquals(fallback.origin, "saved");
      assert(fallback.description.startsWith(`Loaded the model saved in ${settings.modelDir}`));
    } finally {
      saved.model.dispose();
      quick.model.dispose();
    }
    assertEquals(tf.memory().numTensors, before);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
