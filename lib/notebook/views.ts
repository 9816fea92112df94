/**
 * The small views of data, models and results the notebooks show: tables,
 * samples per class, an image as text, tensor shapes, augmented copies and
 * galleries of mistakes.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import {
  type ClassMetrics,
  createRng,
  type EvaluationResult,
  InvalidArgumentError,
  type Mistake,
  type ModelMetrics,
} from "../core/mod.ts";
import {
  augmentBatch,
  type AugmentOptions,
  classCounts,
  type Dataset,
  type DatasetSplits,
  subsetDataset,
} from "../data/mod.ts";
import { type LayerSpec, type ModelConfig, validateModelConfig } from "../model/mod.ts";
import { classLabel, classLabels } from "../display/mod.ts";

/** The option of the views that name classes. */
export interface ClassNamesOption {
  /**
   * Names of the classes, in label order (`settings.classNames`); default:
   * the class numbers, as for digits.
   */
  classNames?: readonly string[];
}

/**
 * The first `perClass` examples of each class, class 0 first (fewer where
 * a class has fewer).
 *
 * @throws {InvalidArgumentError} when `perClass` is not a positive integer.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { samplePerClass } from "./views.ts";
 * const ds = {
 *   images: new Float32Array(4), labels: new Uint8Array([1, 0, 1, 0]), count: 4,
 *   rows: 1, cols: 1, numClasses: 2, source: "example",
 * };
 * assertEquals(Array.from(samplePerClass(ds, 1).labels), [0, 1]);
 * ```
 */
export function samplePerClass(ds: Dataset, perClass: number): Dataset {
  if (!Number.isInteger(perClass) || perClass < 1) {
    throw new InvalidArgumentError(`perClass must be a positive integer, got ${perClass}`);
  }
  const picked: number[][] = Array.from({ length: ds.numClasses }, () => []);
  for (let i = 0; i < ds.count; i++) {
    const bucket = picked[ds.labels[i]];
    if (bucket.length < perClass) bucket.push(i);
  }
  return subsetDataset(ds, picked.flat());
}

/** A table: column titles and rows. */
export interface TableData {
  /** Column titles. */
  header: string[];
  /** Rows of cells. */
  rows: (string | number)[][];
}

/**
 * Examples per class in each split, with totals; the columns are named by
 * `options.classNames` or numbered.
 *
 * @throws {InvalidArgumentError} when names are given for another number of classes.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { classCountTable } from "./views.ts";
 * const ds = {
 *   images: new Float32Array(3), labels: new Uint8Array([0, 1, 1]), count: 3,
 *   rows: 1, cols: 1, numClasses: 2, source: "example",
 * };
 * const t = classCountTable({ train: ds, validation: ds, test: ds });
 * assertEquals(t.header, ["split", "total", "0", "1"]);
 * assertEquals(t.rows[0], ["train", 3, 1, 2]);
 * const named = classCountTable({ train: ds, validation: ds, test: ds }, { classNames: ["cat", "dog"] });
 * assertEquals(named.header, ["split", "total", "cat", "dog"]);
 * ```
 */
export function classCountTable(splits: DatasetSplits, options: ClassNamesOption = {}): TableData {
  const classes = splits.train.numClasses;
  return {
    header: ["split", "total", ...classLabels(classes, options.classNames)],
    rows: (["train", "validation", "test"] as const).map((name) => [
      name,
      splits[name].count,
      ...classCounts(splits[name]),
    ]),
  };
}

/**
 * Pixel statistics of a dataset, as stored on disk (bytes 0–255) and as the
 * model sees them (divided by 255, in [0, 1]).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { pixelStatsTable } from "./views.ts";
 * const ds = {
 *   images: new Float32Array([0, 1]), labels: new Uint8Array([0]), count: 1,
 *   rows: 1, cols: 2, numClasses: 10, source: "example",
 * };
 * assertEquals(pixelStatsTable(ds).rows[1], ["model input (÷255)", 0, 1, 0.5, 0.5, 0.5]);
 * ```
 */
export function pixelStatsTable(ds: Dataset): TableData {
  const v = ds.images.subarray(0, ds.count * ds.rows * ds.cols);
  if (v.length === 0) {
    throw new InvalidArgumentError(`dataset ${JSON.stringify(ds.source)} is empty`);
  }
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let sumSq = 0;
  let ink = 0;
  for (let i = 0; i < v.length; i++) {
    min = Math.min(min, v[i]);
    max = Math.max(max, v[i]);
    sum += v[i];
    sumSq += v[i] * v[i];
    if (v[i] > 0) ink++;
  }
  const mean = sum / v.length;
  const std = Math.sqrt(Math.max(0, sumSq / v.length - mean * mean));
  const round = (x: number) => Math.round(x * 10_000) / 10_000;
  return {
    header: ["values", "min", "max", "mean", "std", "non-zero fraction"],
    rows: [
      [
        "stored bytes",
        Math.round(min * 255),
        Math.round(max * 255),
        round(mean * 255),
        round(std * 255),
        round(ink / v.length),
      ],
      [
        "model input (÷255)",
        round(min),
        round(max),
        round(mean),
        round(std),
        round(ink / v.length),
      ],
    ],
  };
}

/**
 * One image as text, a character per pixel from ` .:-=+*#%@` (darkest to
 * most ink), to see that an image is just a grid of numbers.
 *
 * @throws {InvalidArgumentError} when `index` is not an example of `ds`.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { imageAsText } from "./views.ts";
 * const ds = {
 *   images: new Float32Array([0, 1, 0.5, 0]), labels: new Uint8Array([0]), count: 1,
 *   rows: 2, cols: 2, numClasses: 10, source: "example",
 * };
 * assertEquals(imageAsText(ds, 0), " @\n+ ");
 * ```
 */
export function imageAsText(ds: Dataset, index: number): string {
  if (!Number.isInteger(index) || index < 0 || index >= ds.count) {
    throw new InvalidArgumentError(`index ${index} is not in [0, ${ds.count})`);
  }
  const ramp = " .:-=+*#%@";
  const size = ds.rows * ds.cols;
  const lines: string[] = [];
  for (let y = 0; y < ds.rows; y++) {
    let line = "";
    for (let x = 0; x < ds.cols; x++) {
      const v = Math.min(1, Math.max(0, ds.images[index * size + y * ds.cols + x]));
      line += ramp[Math.round(v * (ramp.length - 1))];
    }
    lines.push(line);
  }
  return lines.join("\n");
}

/** What a batch becomes before it reaches the model. */
export interface TensorShapes {
  /** Shape of the image tensor: `[batch, rows, cols, 1]`. */
  imageShape: number[];
  /** Shape of the one-hot label tensor: `[batch, classes]`. */
  labelShape: number[];
  /** The labels of the batch and their one-hot rows. */
  oneHot: TableData;
}

/** True when `names` are just the class numbers ("0", "1", ...), as for digits. */
function namesAreNumbers(names: readonly string[]): boolean {
  return names.every((name, i) => name === String(i));
}

/**
 * Turns the first `n` examples into the tensors training uses and reports
 * their shapes and the one-hot labels (the tensors are freed again). With
 * `options.classNames` other than the class numbers, the table gets a
 * column with each label's name.
 *
 * @throws {InvalidArgumentError} when `n` is not in [1, ds.count], or a label has no name.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { tensorShapes } from "./views.ts";
 * import { setupBackend } from "../kernels/backend.ts";
 * await setupBackend();
 * const ds = {
 *   images: new Float32Array(2 * 4), labels: new Uint8Array([1, 0]), count: 2,
 *   rows: 2, cols: 2, numClasses: 2, source: "example",
 * };
 * assertEquals(tensorShapes(ds, 2).imageShape, [2, 2, 2, 1]);
 * const named = tensorShapes(ds, 1, { classNames: ["T-shirt/top", "Trouser"] });
 * assertEquals(named.oneHot.rows, [[1, "Trouser", "[0 1]"]]);
 * ```
 */
export function tensorShapes(ds: Dataset, n: number, options: ClassNamesOption = {}): TensorShapes {
  if (!Number.isInteger(n) || n < 1 || n > ds.count) {
    throw new InvalidArgumentError(`n must be an integer in [1, ${ds.count}], got ${n}`);
  }
  const size = ds.rows * ds.cols;
  const [imageShape, labelShape, hot] = tf.tidy(() => {
    const xs = tf.tensor4d(ds.images.subarray(0, n * size), [n, ds.rows, ds.cols, 1]);
    const ys = tf.oneHot(tf.tensor1d(Array.from(ds.labels.subarray(0, n)), "int32"), ds.numClasses);
    return [xs.shape, ys.shape, ys.arraySync() as number[][]];
  });
  const names = options.classNames;
  const named = names !== undefined && !namesAreNumbers(names);
  return {
    imageShape,
    labelShape,
    oneHot: {
      header: named ? ["label", "class", "one-hot"] : ["label", "one-hot"],
      rows: hot.map((row, i) =>
        named
          ? [ds.labels[i], classLabel(ds.labels[i], names), `[${row.join(" ")}]`]
          : [ds.labels[i], `[${row.join(" ")}]`]
      ),
    },
  };
}

/**
 * Options of {@linkcode augmentExamples}.
 */
export interface AugmentExamplesOptions {
  /** How many augmented copies (default 9). */
  count?: number;
  /** Seed of the random transformations (default 1). */
  seed?: number;
  /** Augmentation strength (default: `DEFAULT_AUGMENT`). */
  augment?: AugmentOptions;
  /** Names of the classes, for the caption of the original (default: its label number). */
  classNames?: readonly string[];
}

/**
 * The example at `index` followed by `count` augmented copies of it, as
 * training would see them, with captions (the original's names its class).
 *
 * @throws {InvalidArgumentError} when `index` is not an example of `ds` or an option is invalid.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { augmentExamples } from "./views.ts";
 * const ds = {
 *   images: new Float32Array(784).fill(0.5), labels: new Uint8Array([3]), count: 1,
 *   rows: 28, cols: 28, numClasses: 10, source: "example",
 * };
 * const { images, labels } = augmentExamples(ds, 0, { count: 2 });
 * assertEquals(images.count, 3);
 * assertEquals(labels, ["original 3", "augmented 1", "augmented 2"]);
 * ```
 */
export function augmentExamples(
  ds: Dataset,
  index: number,
  options: AugmentExamplesOptions = {},
): { images: Dataset; labels: string[] } {
  const { count = 9, seed = 1, augment = {} } = options;
  if (!Number.isInteger(count) || count < 1) {
    throw new InvalidArgumentError(`count must be a positive integer, got ${count}`);
  }
  if (!Number.isInteger(index) || index < 0 || index >= ds.count) {
    throw new InvalidArgumentError(`index ${index} is not in [0, ${ds.count})`);
  }
  const images = subsetDataset(ds, new Array(count + 1).fill(index));
  const size = ds.rows * ds.cols;
  augmentBatch(images.images.subarray(size), count, {
    ...augment,
    rows: ds.rows,
    cols: ds.cols,
    rng: createRng(seed),
  });
  return {
    images,
    labels: [
      `original ${classLabel(ds.labels[index], options.classNames)}`,
      ...Array.from({ length: count }, (_, i) => `augmented ${i + 1}`),
    ],
  };
}

/**
 * The most confident mistakes as a dataset of their images, captioned
 * `true → predicted (confidence)`, classes named by `options.classNames` or
 * numbered.
 *
 * @throws {InvalidArgumentError} when names are given and a class has none.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { mistakeGallery } from "./views.ts";
 * const ds = {
 *   images: new Float32Array(2), labels: new Uint8Array([4, 9]), count: 2,
 *   rows: 1, cols: 1, numClasses: 10, source: "example",
 * };
 * const g = mistakeGallery(ds, [{ index: 1, label: 9, predicted: 4, confidence: 0.97 }]);
 * assertEquals(g.labels, ["9 → 4 (97%)"]);
 * const fashion = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt"];
 * const classNames = [...fashion, "Sneaker", "Bag", "Ankle boot"];
 * const named = mistakeGallery(ds, [{ index: 1, label: 9, predicted: 4, confidence: 0.97 }], {
 *   classNames,
 * });
 * assertEquals(named.labels, ["Ankle boot → Coat (97%)"]);
 * ```
 */
export function mistakeGallery(
  ds: Dataset,
  mistakes: readonly Mistake[],
  options: ClassNamesOption = {},
): { images: Dataset; labels: string[] } {
  const name = (label: number) => classLabel(label, options.classNames);
  return {
    images: subsetDataset(ds, mistakes.map((m) => m.index)),
    labels: mistakes.map((m) =>
      `${name(m.label)} → ${name(m.predicted)} (${Math.round(m.confidence * 100)}%)`
    ),
  };
}

/**
 * The headline figures of a metrics record as a table.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { metricsTable } from "./views.ts";
 * import { readMetrics } from "../model/mod.ts";
 * const metrics = await readMetrics("data/models/default");
 * const t = metricsTable(metrics!);
 * assertEquals(t.rows.map((r) => r[0]), ["train", "validation", "test"]);
 * assertEquals(t.rows[2][2], 10000);
 * ```
 */
export function metricsTable(metrics: ModelMetrics): TableData {
  const p = (x: number) => `${(x * 100).toFixed(2)}%`;
  return {
    header: ["split", "accuracy", "examples"],
    rows: [
      ["train", p(metrics.train_accuracy), metrics.splits.train],
      ["validation", p(metrics.val_accuracy), metrics.splits.validation],
      ["test", p(metrics.test_accuracy), metrics.splits.test],
    ],
  };
}

/**
 * The pixels of one example (a view, not a copy).
 *
 * @throws {InvalidArgumentError} when `index` is not an example of `ds`.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { imageAt } from "./views.ts";
 * const ds = {
 *   images: new Float32Array([0, 1, 2, 3]), labels: new Uint8Array([0, 1]), count: 2,
 *   rows: 1, cols: 2, numClasses: 2, source: "example",
 * };
 * assertEquals(Array.from(imageAt(ds, 1)), [2, 3]);
 * ```
 */
export function imageAt(ds: Dataset, index: number): Float32Array {
  if (!Number.isInteger(index) || index < 0 || index >= ds.count) {
    throw new InvalidArgumentError(`index ${index} is not in [0, ${ds.count})`);
  }
  const size = ds.rows * ds.cols;
  return ds.images.subarray(index * size, (index + 1) * size);
}

function describeLayer(spec: LayerSpec): string {
  const size = (s: number | [number, number]) => typeof s === "number" ? `${s}x${s}` : s.join("x");
  switch (spec.type) {
    case "conv2d":
      return `conv2d: ${spec.filters} filters ${size(spec.kernelSize)}, ${
        spec.padding ?? "valid"
      }` +
        `, ${spec.activation ?? "linear"}`;
    case "maxPool2d":
      return `maxPool2d ${size(spec.poolSize)}`;
    case "dropout":
      return `dropout ${spec.rate}`;
    case "dense":
      return `dense: ${spec.units} units, ${spec.activation ?? "linear"}`;
    default:
      return spec.type;
  }
}

/**
 * A model configuration layer by layer with the output shape after each
 * layer, checked before anything is built (the softmax classifier is
 * appended when the configuration lacks it, as `buildModel` does).
 *
 * @throws {InvalidArgumentError} naming the bad layer when the configuration is invalid.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { layerTable } from "./views.ts";
 * import { REFERENCE_CNN } from "../model/architecture.ts";
 * const [first] = layerTable(REFERENCE_CNN).rows.slice(1);
 * assertEquals(first, [1, "conv2d: 32 filters 3x3, valid, relu", "26x26x32"]);
 * ```
 */
export function layerTable(config: ModelConfig): TableData {
  const shapes = validateModelConfig(config);
  const specs: LayerSpec[] = shapes.length > config.layers.length
    ? [...config.layers, { type: "dense", units: config.numClasses, activation: "softmax" }]
    : config.layers;
  return {
    header: ["#", "layer", "output shape"],
    rows: [
      [0, "input", config.inputShape.join("x")],
      ...specs.map((spec, i) => [i + 1, describeLayer(spec), shapes[i].join("x")]),
    ],
  };
}

/**
 * The headline figures of an evaluation as a table.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { evaluationTable } from "./views.ts";
 * const t = evaluationTable({
 *   accuracy: 0.98, loss: 0.06, count: 1000, confusion: [], perClass: [], macroF1: 0.979,
 *   worstMistakes: [],
 * });
 * assertEquals(t.rows[0], ["accuracy", "98.00%"]);
 * ```
 */
export function evaluationTable(result: EvaluationResult): TableData {
  return {
    header: ["metric", "value"],
    rows: [
      ["accuracy", `${(result.accuracy * 100).toFixed(2)}%`],
      ["loss", result.loss.toFixed(4)],
      ["macro F1", result.macroF1.toFixed(4)],
      ["examples", result.count],
      ["mistakes", Math.round(result.count * (1 - result.accuracy))],
    ],
  };
}

/**
 * Precision, recall, F1 and support per class as a table, each class named
 * by `options.classNames` or numbered.
 *
 * @throws {InvalidArgumentError} when names are given and a class has none.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { perClassTable } from "./views.ts";
 * const t = perClassTable([{ label: 0, precision: 1, recall: 0.5, f1: 2 / 3, support: 2 }]);
 * assertEquals(t.rows[0], ["0", "1.000", "0.500", "0.667", 2]);
 * const named = perClassTable(
 *   [{ label: 1, precision: 1, recall: 1, f1: 1, support: 3 }],
 *   { classNames: ["T-shirt/top", "Trouser"] },
 * );
 * assertEquals(named.rows[0][0], "Trouser");
 * ```
 */
export function perClassTable(
  perClass: readonly ClassMetrics[],
  options: ClassNamesOption = {},
): TableData {
  return {
    header: ["class", "precision", "recall", "F1", "support"],
    rows: perClass.map((c) => [
      classLabel(c.label, options.classNames),
      c.precision.toFixed(3),
      c.recall.toFixed(3),
      c.f1.toFixed(3),
      c.support,
    ]),
  };
}
