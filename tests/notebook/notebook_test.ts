import {
  assert,
  assertAlmostEquals,
  assertEquals,
  assertNotEquals,
  assertThrows,
} from "@std/assert";
import { join } from "@std/path";
import * as tf from "@tensorflow/tfjs";
import { setupBackend } from "../../lib/kernels/backend.ts";
import type { Dataset } from "../../lib/data/dataset.ts";
import { InvalidArgumentError } from "../../lib/core/errors.ts";
import { encodePng } from "../../lib/image/encode.ts";
import { drawDigit, inkToGray, sideBySide } from "../../lib/image/synth/scenes.ts";
import type { LoadedSplits } from "../../lib/data/load_splits.ts";
import { REFERENCE_CNN } from "../../lib/model/architecture.ts";
import {
  augmentExamples,
  classCountTable,
  evaluationTable,
  exampleImages,
  expectedDigits,
  imageAsText,
  imageAt,
  layerTable,
  loadOrTrainModel,
  mistakeGallery,
  modelClassifier,
  type NotebookSettings,
  notebookSettings,
  perClassTable,
  pixelStatsTable,
  predictImageFile,
  readNumberFile,
  samplePerClass,
  saveNotebookModel,
  tensorShapes,
} from "../../lib/notebook/notebook.ts";
import { dataPath } from "../../lib/core/paths.ts";
import { createRng } from "../../lib/core/random.ts";
import { trainModel } from "../../lib/train/loop.ts";

function tiny(labels: number[], rows = 2, cols = 2): Dataset {
  const size = rows * cols;
  const images = new Float32Array(labels.length * size);
  labels.forEach((_, i) => images.fill((i + 1) / labels.length, i * size, (i + 1) * size));
  return {
    images,
    labels: Uint8Array.from(labels),
    count: labels.length,
    rows,
    cols,
    numClasses: 10,
    source: "t",
  };
}

/** Random 28x28 digits whose class is drawn into the image (a bright column per class). */
function digits(count: number, seed: number): Dataset {
  const rng = createRng(seed);
  const images = new Float32Array(count * 784);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    labels[i] = i % 10;
    for (let p = 0; p < 784; p++) images[i * 784 + p] = rng() * 0.2;
    for (let y = 4; y < 24; y++) images[i * 784 + y * 28 + 4 + 2 * labels[i]] = 1;
  }
  return { images, labels, count, rows: 28, cols: 28, numClasses: 10, source: "synthetic" };
}

function splitsOf(count: number): LoadedSplits {
  return {
    train: digits(count, 1),
    validation: digits(20, 2),
    test: digits(20, 3),
    source: "synthetic",
  };
}

const env = (vars: Record<string, string>) => (name: string) => vars[name];

Deno.test("notebookSettings: full runs by default, quick mode from DIGIT_LAB_QUICK", () => {
  const full = notebookSettings({ env: env({}) });
  assertEquals(full, {
    quick: false,
    data: undefined,
    limit: undefined,
    epochs: 10,
    batchSize: 128,
    seed: 42,
    validation: 0.1,
    modelDir: dataPath("models", "notebook"),
  });
  const quick = notebookSettings({
    env: env({ DIGIT_LAB_QUICK: "1", DIGIT_LAB_NOTEBOOK_MODEL: "/m" }),
  });
  assertEquals([quick.quick, quick.limit, quick.epochs, quick.batchSize, quick.modelDir], [
    true,
    2000,
    1,
    32,
    "/m",
  ]);
  assertEquals(notebookSettings({ env: env({ DIGIT_LAB_QUICK: "TRUE" }) }).quick, true);
  assertEquals(notebookSettings({ env: env({ DIGIT_LAB_QUICK: "0" }) }).quick, false);
  const idx = notebookSettings({ env: env({ DIGIT_LAB_DATA: "/data/mnist" }) });
  assertEquals([idx.data, idx.epochs], ["/data/mnist", 3]);
  assertThrows(
    () => notebookSettings({ env: env({ DIGIT_LAB_QUICK: "yes" }) }),
    InvalidArgumentError,
    '"yes"',
  );
});

Deno.test("samplePerClass takes the first examples of each class in class order", () => {
  const ds = tiny([3, 1, 3, 1, 3, 0]);
  const sample = samplePerClass(ds, 2);
  assertEquals(Array.from(sample.labels), [0, 1, 1, 3, 3]);
  assertEquals(sample.images[0], ds.images[5 * 4], "the 0 is the sixth example");
  assertThrows(() => samplePerClass(ds, 0), InvalidArgumentError, "perClass");
});

Deno.test("classCountTable counts each class in each split", () => {
  const t = classCountTable({ train: tiny([0, 0, 9]), validation: tiny([1]), test: tiny([]) });
  assertEquals(t.header, ["split", "total", "0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]);
  assertEquals(t.rows, [
    ["train", 3, 2, 0, 0, 0, 0, 0, 0, 0, 0, 1],
    ["validation", 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0],
    ["test", 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
  ]);
});

Deno.test("pixelStatsTable reports bytes and normalised values", () => {
  const ds = { ...tiny([0]), images: new Float32Array([0, 0, 1, 0.5]) };
  const [bytes, scaled] = pixelStatsTable(ds).rows;
  assertEquals(bytes.slice(0, 4), ["stored bytes", 0, 255, 95.625]);
  assertEquals(scaled.slice(0, 4), ["model input (÷255)", 0, 1, 0.375]);
  assertAlmostEquals(
    scaled[4] as number,
    Math.sqrt((0.375 ** 2 * 2 + 0.625 ** 2 + 0.125 ** 2) / 4),
    1e-4,
  );
  assertEquals(scaled[5], 0.5);
  assertThrows(() => pixelStatsTable(tiny([])), InvalidArgumentError, "empty");
});

Deno.test("imageAsText draws one character per pixel, imageAt returns the pixels", () => {
  const ds = { ...tiny([0, 1]), images: new Float32Array([0, 1, 0.5, 0.1, 9, 9, 9, 9]) };
  assertEquals(imageAsText(ds, 0), " @\n+.");
  assertEquals(Array.from(imageAt(ds, 1)), [9, 9, 9, 9]);
  assertThrows(() => imageAsText(ds, 2), InvalidArgumentError, "index 2");
  assertThrows(() => imageAt(ds, -1), InvalidArgumentError, "index -1");
});

Deno.test("tensorShapes reports the batch shapes and one-hot labels without leaking", async () => {
  await setupBackend();
  const before = tf.memory().numTensors;
  const shapes = tensorShapes(tiny([2, 0, 1]), 2);
  assertEquals(tf.memory().numTensors, before);
  assertEquals(shapes.imageShape, [2, 2, 2, 1]);
  assertEquals(shapes.labelShape, [2, 10]);
  assertEquals(shapes.oneHot.rows, [[2, "[0 0 1 0 0 0 0 0 0 0]"], [0, "[1 0 0 0 0 0 0 0 0 0]"]]);
  assertThrows(() => tensorShapes(tiny([1]), 2), InvalidArgumentError, "[1, 1]");
});

Deno.test("augmentExamples keeps the original first and varies the copies, from the seed", () => {
  const ds = digits(3, 7);
  const a = augmentExamples(ds, 2, { count: 4, seed: 5 });
  assertEquals(a.images.count, 5);
  assertEquals(a.labels, [
    "original 2",
    "augmented 1",
    "augmented 2",
    "augmented 3",
    "augmented 4",
  ]);
  assertEquals(imageAt(a.images, 0), imageAt(ds, 2));
  assertNotEquals(imageAt(a.images, 1), imageAt(ds, 2));
  assertNotEquals(imageAt(a.images, 1), imageAt(a.images, 2));
  assertEquals(augmentExamples(ds, 2, { count: 4, seed: 5 }).images.images, a.images.images);
  assertNotEquals(augmentExamples(ds, 2, { count: 4, seed: 6 }).images.images, a.images.images);
  assertEquals(Array.from(imageAt(ds, 2)), Array.from(digits(3, 7).images.subarray(2 * 784)));
  assertThrows(() => augmentExamples(ds, 3), InvalidArgumentError, "index 3");
  assertThrows(() => augmentExamples(ds, 0, { count: 0 }), InvalidArgumentError, "count");
});

Deno.test("mistakeGallery captions each mistake with truth, prediction and confidence", () => {
  const ds = tiny([4, 9, 1]);
  const g = mistakeGallery(ds, [
    { index: 2, label: 1, predicted: 7, confidence: 0.994 },
    { index: 0, label: 4, predicted: 9, confidence: 0.5 },
  ]);
  assertEquals(g.labels, ["1 → 7 (99%)", "4 → 9 (50%)"]);
  assertEquals(Array.from(g.images.labels), [1, 4]);
  assertEquals(mistakeGallery(ds, []).images.count, 0);
});

Deno.test("layerTable follows the shapes through the reference CNN", () => {
  const t = layerTable(REFERENCE_CNN);
  assertEquals(t.rows.map((r) => r[2]), [
    "28x28x1",
    "26x26x32",
    "13x13x32",
    "11x11x64",
    "5x5x64",
    "1600",
    "1600",
    "10",
  ]);
  assertEquals(t.rows[1][1], "conv2d: 32 filters 3x3, valid, relu");
  const noClassifier = layerTable({ ...REFERENCE_CNN, layers: REFERENCE_CNN.layers.slice(0, -1) });
  assertEquals(noClassifier.rows.at(-1), [7, "dense: 10 units, softmax", "10"]);
  assertThrows(
    () => layerTable({ ...REFERENCE_CNN, layers: [{ type: "dense", units: 3 }] }),
    InvalidArgumentError,
    "layer 0",
  );
});

Deno.test("evaluationTable and perClassTable format the figures", () => {
  const t = evaluationTable({
    accuracy: 0.975,
    loss: 0.08123,
    count: 200,
    confusion: [],
    perClass: [],
    macroF1: 0.9712,
    worstMistakes: [],
  });
  assertEquals(t.rows, [["accuracy", "97.50%"], ["loss", "0.0812"], ["macro F1", "0.9712"], [
    "examples",
    200,
  ], [
    "mistakes",
    5,
  ]]);
  assertEquals(
    perClassTable([{ label: 3, precision: 0.5, recall: 1, f1: 2 / 3, support: 4 }]).rows,
    [
      ["3", "0.500", "1.000", "0.667", 4],
    ],
  );
});

Deno.test("expectedDigits reads the digits after the last _ or -", () => {
  assertEquals(expectedDigits("/x/photo_4.jpg"), "4");
  assertEquals(expectedDigits("scan-7.PNG"), "7");
  assertEquals(expectedDigits("number_2024.png"), "2024");
  assertEquals(expectedDigits("digit.png"), undefined);
  assertEquals(expectedDigits("v2_x.png"), undefined);
});

Deno.test("exampleImages lists image files by name and kind, none for a missing folder", async () => {
  const dir = await Deno.makeTempDir();
  try {
    for (const name of ["b_7.jpg", "a.png", "notes.txt", "c_12.WEBP"]) {
      await Deno.writeTextFile(join(dir, name), "");
    }
    await Deno.mkdir(join(dir, "d.png"));
    const all = await exampleImages({ dir });
    assertEquals(all.map((e) => [e.name, e.expected]), [["a.png", undefined], ["b_7.jpg", "7"], [
      "c_12.WEBP",
      "12",
    ]]);
    assertEquals(all[0].path, join(dir, "a.png"));
    assertEquals((await exampleImages({ dir, kind: "single" })).map((e) => e.name), [
      "a.png",
      "b_7.jpg",
    ]);
    assertEquals((await exampleImages({ dir, kind: "multi" })).map((e) => e.name), ["c_12.WEBP"]);
    assertEquals(await exampleImages({ dir: join(dir, "missing") }), []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("modelClassifier returns probabilities without leaking tensors", async () => {
  await setupBackend();
  const { model } = await loadOrTrainModel(settingsIn("/nonexistent-dir"), {
    splits: splitsOf(20),
    limit: 20,
  });
  try {
    const before = tf.memory().numTensors;
    const probs = modelClassifier(model)(imageAt(digits(1, 9), 0));
    assertEquals(tf.memory().numTensors, before);
    assertEquals(probs.length, 10);
    assertAlmostEquals(probs.reduce((a, b) => a + b, 0), 1, 1e-5);
    assertThrows(
      () => modelClassifier(model)(new Float32Array(10)),
      InvalidArgumentError,
      "got 10",
    );
  } finally {
    model.dispose();
  }
});

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
      assertEquals(modelClassifier(saved.model)(pixels), modelClassifier(quick.model)(pixels));
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

Deno.test("predictImageFile normalises an image file and classifies it", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "drawn_7.png");
    await Deno.writeFile(path, await encodePng(inkToGray(drawDigit(7, { size: 120 }))));
    let seen: Float32Array | undefined;
    const classify = (pixels: Float32Array) => {
      seen = pixels;
      return [0, 0, 0, 0, 0, 0, 0, 1, 0, 0];
    };
    const view = await predictImageFile(classify, path, { steps: true });
    assertEquals(view.title, "drawn_7.png");
    assertEquals(view.label, 7);
    assertEquals(view.original?.width, 120);
    assertEquals(view.input, seen);
    assertEquals(seen?.length, 784);
    assert(seen!.some((v) => v > 0.5), "the normalised digit has ink");
    assertEquals(view.steps?.at(-1)?.width, 28);
    assertEquals((await predictImageFile(classify, path)).steps, undefined);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("readNumberFile finds the digits left to right and classifies each", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "number_307.png");
    const row = sideBySide([3, 0, 7].map((d) => drawDigit(d, { size: 80 })), {
      gap: 12,
      padding: 16,
    });
    await Deno.writeFile(path, await encodePng(inkToGray(row)));
    const inputs: Float32Array[] = [];
    const classify = (pixels: Float32Array) => {
      inputs.push(pixels);
      return Array.from({ length: 10 }, (_, i) => (i === inputs.length ? 1 : 0));
    };
    const view = await readNumberFile(classify, path);
    assertEquals(view.title, "number_307.png");
    assertEquals(view.expected, "307");
    assertEquals(view.original.width, row.width);
    assertEquals(view.digits.length, 3);
    assertEquals(inputs.length, 3);
    const xs = view.digits.map((d) => d.box.x);
    assert(xs[0] < xs[1] && xs[1] < xs[2], `boxes left to right: ${xs}`);
    assertEquals(view.digits.map((d) => d.input), inputs);
    assertEquals(view.digits.map((d) => Array.from(d.probabilities).indexOf(1)), [1, 2, 3]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
