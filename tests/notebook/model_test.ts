import * as tf from "@tensorflow/tfjs";
import { assert, assertEquals, assertRejects, assertStrictEquals, assertThrows } from "@std/assert";
import { InvalidArgumentError, ModelLoadError } from "../../lib/core/errors.ts";
import { REFERENCE_CNN, validateModelConfig } from "../../lib/model/architecture.ts";
import { join } from "@std/path";
import { setupBackend } from "../../lib/kernels/backend.ts";
import { createClassifier } from "../../lib/eval/classifier.ts";
import {
  buildNotebookModel,
  loadOrTrainModel,
  saveNotebookModel,
  withClassCount,
} from "../../lib/notebook/model.ts";
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

Deno.test("withClassCount resizes the classifier, or only numClasses when the config has none", () => {
  const letters = withClassCount(REFERENCE_CNN, 26);
  assertEquals(letters.numClasses, 26);
  assertEquals(letters.layers.slice(0, -1), REFERENCE_CNN.layers.slice(0, -1));
  assertEquals(letters.layers.at(-1), { type: "dense", units: 26, activation: "softmax" });
  assertEquals(validateModelConfig(letters).at(-1), [26]);
  assertEquals(REFERENCE_CNN.layers.at(-1), { type: "dense", units: 10, activation: "softmax" });
  assertStrictEquals(withClassCount(REFERENCE_CNN, 10), REFERENCE_CNN);
  // Without its classifier the config only needs numClasses: buildModel appends one.
  const headless = { ...REFERENCE_CNN, layers: REFERENCE_CNN.layers.slice(0, -1) };
  assertEquals(withClassCount(headless, 26).layers, headless.layers);
  assertEquals(validateModelConfig(withClassCount(headless, 26)).at(-1), [26]);
  assertThrows(() => withClassCount(REFERENCE_CNN, 1), InvalidArgumentError, "got 1");
  assertThrows(() => withClassCount(REFERENCE_CNN, 2.5), InvalidArgumentError, "got 2.5");
});

Deno.test("the notebook model has one output per class of the dataset", async () => {
  await setupBackend();
  const dir = await Deno.makeTempDir();
  const letters = {
    ...notebookSettings({ env: env({ DIGIT_LAB_QUICK: "1" }), dataset: "emnist-letters" }),
    modelDir: join(dir, "none"),
  };
  const before = tf.memory().numTensors;
  try {
    const built = await buildNotebookModel(REFERENCE_CNN, letters);
    assertEquals(built.outputs[0].shape, [null, 26]);
    built.dispose();
    // A quick model for 26 classes, trained on data of 26 classes.
    const base = splitsOf(30);
    const as26 = (ds: typeof base.train) => ({ ...ds, numClasses: 26 });
    const splits = {
      ...base,
      train: as26(base.train),
      validation: as26(base.validation),
      test: as26(base.test),
      classNames: [...letters.classNames],
    };
    const quick = await loadOrTrainModel(letters, { splits, limit: 30 });
    assertEquals([quick.origin, quick.model.outputs[0].shape], ["trained", [null, 26]]);
    quick.model.dispose();
    // The shipped digit model reads 10 classes, not the 26 letters: refused, not misread.
    const shipped = { ...letters, modelDir: "data/models/default" };
    await assertRejects(
      () => loadOrTrainModel(shipped),
      ModelLoadError,
      "the model in data/models/default reads 10 classes but emnist-letters has 26",
    );
    assertEquals(tf.memory().numTensors, before);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
