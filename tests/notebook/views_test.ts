import * as tf from "@tensorflow/tfjs";
import { assertAlmostEquals, assertEquals, assertNotEquals, assertThrows } from "@std/assert";
import { setupBackend } from "../../lib/kernels/backend.ts";
import { InvalidArgumentError } from "../../lib/core/errors.ts";
import { REFERENCE_CNN } from "../../lib/model/architecture.ts";
import { CLASS_NAMES } from "../../lib/data/class_names.ts";
import {
  augmentExamples,
  classCountTable,
  evaluationTable,
  imageAsText,
  imageAt,
  layerTable,
  mistakeGallery,
  perClassTable,
  pixelStatsTable,
  samplePerClass,
  tensorShapes,
} from "../../lib/notebook/views.ts";
import { digits, tiny } from "./_datasets.ts";

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

const FASHION = CLASS_NAMES["fashion-mnist"];

Deno.test("the views name classes with classNames and check that every class has a name", async () => {
  // Counts per class: one column per name.
  const counts = classCountTable(
    { train: tiny([0, 9, 9]), validation: tiny([1]), test: tiny([]) },
    { classNames: FASHION },
  );
  assertEquals(counts.header, ["split", "total", ...FASHION]);
  assertEquals(counts.rows[0], ["train", 3, 1, 0, 0, 0, 0, 0, 0, 0, 0, 2]);
  assertThrows(
    () =>
      classCountTable({ train: tiny([0]), validation: tiny([0]), test: tiny([0]) }, {
        classNames: FASHION.slice(0, 9),
      }),
    InvalidArgumentError,
    "10 classes but 9 class names",
  );
  // One-hot rows: a class column only when the names are not the numbers themselves.
  await setupBackend();
  const named = tensorShapes(tiny([1, 9]), 2, { classNames: FASHION });
  assertEquals(named.oneHot.header, ["label", "class", "one-hot"]);
  assertEquals(named.oneHot.rows.map((r) => r[1]), ["Trouser", "Ankle boot"]);
  const digitNames = tensorShapes(tiny([1]), 1, { classNames: CLASS_NAMES["mnist"] });
  assertEquals(digitNames.oneHot.header, ["label", "one-hot"]);
  // Captions of augmented copies and mistakes.
  assertEquals(
    augmentExamples(digits(3, 7), 2, { count: 1, classNames: FASHION }).labels,
    ["original Pullover", "augmented 1"],
  );
  const gallery = mistakeGallery(tiny([5, 7]), [
    { index: 0, label: 5, predicted: 7, confidence: 0.81 },
  ], { classNames: FASHION });
  assertEquals(gallery.labels, ["Sandal → Sneaker (81%)"]);
  assertThrows(
    () =>
      mistakeGallery(tiny([5]), [{ index: 0, label: 5, predicted: 7, confidence: 1 }], {
        classNames: ["a", "b"],
      }),
    InvalidArgumentError,
    "class 5 has no name",
  );
  // Per-class figures.
  const perClass = perClassTable(
    [{ label: 8, precision: 0.9, recall: 0.8, f1: 0.847, support: 100 }],
    { classNames: FASHION },
  );
  assertEquals(perClass.header[0], "class");
  assertEquals(perClass.rows, [["Bag", "0.900", "0.800", "0.847", 100]]);
});
