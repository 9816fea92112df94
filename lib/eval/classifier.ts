/**
 * A trained model as a {@linkcode Classify} function, the one form every
 * reader (`readDigit`, `readNumber`, `readImageFile`, the web API, the
 * benchmarks) takes a model in: as trained ({@linkcode createClassifier}),
 * or with its calibration ({@linkcode createCalibratedClassifier}).
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import { InvalidArgumentError } from "../core/mod.ts";
import { compileInference } from "../model/mod.ts";
import { type DigitCheck, digitCheckInputs, digitProbability, softmaxAt } from "./calibration.ts";

/**
 * Wraps a model taking 28x28x1 inputs into a synchronous {@linkcode Classify}
 * function (one image in, its probabilities out; no tensor outlives the call).
 *
 * The model runs through {@linkcode compileInference}: for a sequential
 * model, about 15% faster than `predict` on one image, with the same
 * probabilities to the bit. Weights are read at every call.
 *
 * @throws {InvalidArgumentError} (when called) if the input has the wrong length.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { assertAlmostEquals, assertEquals } from "@std/assert";
 * import { createClassifier } from "./classifier.ts";
 * import { setupBackend } from "../kernels/mod.ts";
 * await setupBackend();
 * const model = tf.sequential({
 *   layers: [
 *     tf.layers.flatten({ inputShape: [28, 28, 1] }),
 *     tf.layers.dense({ units: 10, activation: "softmax" }),
 *   ],
 * });
 * const p = createClassifier(model)(new Float32Array(784));
 * assertEquals(p.length, 10);
 * assertAlmostEquals(p.reduce((a, b) => a + b, 0), 1, 1e-5);
 * model.dispose();
 * ```
 */
export function createClassifier(model: tf.LayersModel): (pixels: Float32Array) => Float32Array {
  const [, rows, cols, channels] = model.inputs[0].shape as number[];
  const size = rows * cols * channels;
  const infer = compileInference(model);
  return (pixels: Float32Array) => {
    if (pixels.length !== size) {
      throw new InvalidArgumentError(
        `the model takes ${rows}x${cols}x${channels} = ${size} values, got ${pixels.length}`,
      );
    }
    return tf.tidy(() => {
      const x = tf.tensor4d(pixels, [1, rows, cols, channels]);
      return infer(x).dataSync() as Float32Array;
    });
  };
}

/**
 * A model cut before its softmax classifier: the penultimate features and
 * the last dense layer's weights, so that logits (and anything built on the
 * features) come from one forward pass.
 */
export interface ModelHead {
  /** The model up to its penultimate layer (shares the model's weights; do not dispose). */
  features: tf.LayersModel;
  /** Feature count. */
  dim: number;
  /** Class count. */
  classes: number;
  /** The classifier's kernel, `dim` rows of `classes` values. */
  kernel: Float32Array;
  /** The classifier's bias, `classes` values. */
  bias: Float32Array;
}

/**
 * Splits `model` into its features and its final softmax dense layer.
 *
 * @throws {InvalidArgumentError} when the last layer is not a dense layer
 *   with a softmax and a bias.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { assertEquals } from "@std/assert";
 * import { splitHead } from "./classifier.ts";
 * import { setupBackend } from "../kernels/mod.ts";
 * await setupBackend();
 * const model = tf.sequential({
 *   layers: [
 *     tf.layers.flatten({ inputShape: [28, 28, 1] }),
 *     tf.layers.dense({ units: 16, activation: "relu" }),
 *     tf.layers.dense({ units: 10, activation: "softmax" }),
 *   ],
 * });
 * const head = splitHead(model);
 * assertEquals([head.dim, head.classes, head.kernel.length], [16, 10, 160]);
 * model.dispose();
 * ```
 */
export function splitHead(model: tf.LayersModel): ModelHead {
  const last = model.layers.at(-1);
  const config = last?.getConfig() ?? {};
  const weights = last?.getWeights() ?? [];
  if (
    last === undefined || last.getClassName() !== "Dense" || config.activation !== "softmax" ||
    weights.length !== 2 || model.layers.length < 2
  ) {
    throw new InvalidArgumentError(
      `the model must end in a dense softmax layer with a bias, got ${
        last ? `${last.getClassName()} (${String(config.activation)})` : "no layer"
      }`,
    );
  }
  const [kernel, bias] = weights;
  const [dim, classes] = kernel.shape;
  const penultimate = model.layers[model.layers.length - 2].output as tf.SymbolicTensor;
  return {
    features: tf.model({ inputs: model.inputs, outputs: penultimate }),
    dim,
    classes,
    kernel: kernel.dataSync() as Float32Array,
    bias: bias.dataSync() as Float32Array,
  };
}

/**
 * The penultimate features of `count` 28x28 images (`images` holds their
 * pixels one after another), in batches of 256; `count * head.dim` values.
 *
 * @throws {InvalidArgumentError} when `images` does not hold `count` images.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { assertEquals } from "@std/assert";
 * import { headFeatures, splitHead } from "./classifier.ts";
 * import { setupBackend } from "../kernels/mod.ts";
 * await setupBackend();
 * const model = tf.sequential({
 *   layers: [
 *     tf.layers.flatten({ inputShape: [28, 28, 1] }),
 *     tf.layers.dense({ units: 4 }),
 *     tf.layers.dense({ units: 10, activation: "softmax" }),
 *   ],
 * });
 * assertEquals(headFeatures(splitHead(model), new Float32Array(3 * 784), 3).length, 12);
 * model.dispose();
 * ```
 */
export function headFeatures(head: ModelHead, images: Float32Array, count: number): Float32Array {
  const [, rows, cols, channels] = head.features.inputs[0].shape as number[];
  const size = rows * cols * channels;
  if (!Number.isInteger(count) || count < 1 || images.length !== count * size) {
    throw new InvalidArgumentError(
      `expected ${count} images of ${size} values, got ${images.length} values`,
    );
  }
  const out = new Float32Array(count * head.dim);
  for (let start = 0; start < count; start += 256) {
    const n = Math.min(256, count - start);
    const batch = images.subarray(start * size, (start + n) * size);
    out.set(
      tf.tidy(() =>
        (head.features.predict(tf.tensor4d(batch, [n, rows, cols, channels])) as tf.Tensor)
          .dataSync() as Float32Array
      ),
      start * head.dim,
    );
  }
  return out;
}

/**
 * The logits of one feature row: features x kernel + bias.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { headLogits, type ModelHead } from "./classifier.ts";
 * const head = { dim: 2, classes: 2, kernel: new Float32Array([1, 0, 0, 2]), bias: new Float32Array([0, 1]) };
 * assertEquals([...headLogits(head as ModelHead, [3, 4])], [3, 9]);
 * ```
 */
export function headLogits(head: ModelHead, features: ArrayLike<number>): Float64Array {
  const { dim, classes, kernel, bias } = head;
  const z = Float64Array.from(bias);
  for (let j = 0; j < dim; j++) {
    const f = features[j];
    if (f === 0) continue; // most features are 0 after the ReLU
    for (let c = 0; c < classes; c++) z[c] += f * kernel[j * classes + c];
  }
  return z;
}

/**
 * The penultimate features of one image, to the bit as {@linkcode headFeatures}
 * gives them. For a sequential model they come from the layer chain of the
 * model less its last layer ({@linkcode compileInference} on a view of the
 * model whose `layers` stop before the classifier; the view shares every
 * layer and weight and adds no node to the graph): `head.features.predict`
 * on a functional model pays tfjs-layers' graph bookkeeping and runs each
 * batch normalisation before its max pooling, which the chain runs after,
 * on a quarter of the values. Measured on the shipped strong CNN, one
 * 28x28 image on 2 shared cores: 1.00 to 1.10 ms per calibrated call with
 * `predict`, 0.84 to 0.91 with the chain (medians of 1,000 calls, three
 * runs of each, alternated). Other models keep `predict` (a sequential
 * model always has one input, so the chain never falls back to the view's
 * `predict`, which would run the whole model).
 */
function featureFunction(
  model: tf.LayersModel,
  head: ModelHead,
): (pixels: Float32Array) => Float32Array {
  if (!(model instanceof tf.Sequential) || model.inputs.length !== 1) {
    return (pixels) => headFeatures(head, pixels, 1);
  }
  const [, rows, cols, channels] = head.features.inputs[0].shape as number[];
  const cut = Object.create(model, { layers: { value: model.layers.slice(0, -1) } });
  const infer = compileInference(cut as tf.LayersModel);
  return (pixels) =>
    tf.tidy(() => infer(tf.tensor4d(pixels, [1, rows, cols, channels])).dataSync() as Float32Array);
}

/** How {@linkcode createCalibratedClassifier} adjusts the model's probabilities. */
export interface ClassifierCalibration {
  /** Divides the logits before the softmax (1 = unchanged). */
  temperature: number;
  /**
   * Tells digits from non-digits on `digitCheckInputs` (the penultimate
   * features, then two logit summaries); none when absent.
   */
  digitCheck?: DigitCheck;
  /** Prior log-odds that an image holds a digit, added to the check's (default 0). */
  digitPriorLogOdds?: number;
}

/**
 * Like {@linkcode createClassifier}, with the model's calibration applied:
 * the probabilities are softmax(logits / temperature), and with a digit
 * check each is multiplied by P(a digit), so that they sum to P(a digit)
 * rather than 1 and the largest is P(this digit). A letter, a shape or a
 * scribble then reads with a low confidence whatever digit it resembles.
 * One forward pass per image, like the uncalibrated classifier.
 *
 * @throws {InvalidArgumentError} when the model does not end in a dense
 *   softmax layer, the temperature is not positive, the digit check does
 *   not fit the features, or (when called) the input has the wrong length.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { assert, assertAlmostEquals } from "@std/assert";
 * import { createCalibratedClassifier, createClassifier } from "./classifier.ts";
 * import { setupBackend } from "../kernels/mod.ts";
 * await setupBackend();
 * const model = tf.sequential({
 *   layers: [
 *     tf.layers.flatten({ inputShape: [28, 28, 1] }),
 *     tf.layers.dense({ units: 10, activation: "softmax", kernelInitializer: "ones" }),
 *   ],
 * });
 * const x = new Float32Array(784).fill(0.5);
 * const plain = createClassifier(model)(x);
 * const same = createCalibratedClassifier(model, { temperature: 1 })(x);
 * plain.forEach((p, i) => assertAlmostEquals(same[i], p, 1e-5));
 * // A check that says "no digit" (log-odds -3) scales them to sum to sigmoid(-3).
 * const dim = 784 + 2; // the features (here the flattened input), then 2 logit summaries
 * const check = { mean: Array(dim).fill(0), scale: Array(dim).fill(1), weights: Array(dim).fill(0), bias: -3 };
 * const unsure = createCalibratedClassifier(model, { temperature: 1, digitCheck: check })(x);
 * assertAlmostEquals(unsure.reduce((a, b) => a + b, 0), 1 / (1 + Math.exp(3)), 1e-5);
 * assert(Math.max(...unsure) < 0.05);
 * model.dispose();
 * ```
 */
export function createCalibratedClassifier(
  model: tf.LayersModel,
  calibration: ClassifierCalibration,
): (pixels: Float32Array) => Float32Array {
  const { head, read } = calibratedReading(model, calibration);
  const [, rows, cols, channels] = model.inputs[0].shape as number[];
  const size = rows * cols * channels;
  const features = featureFunction(model, head);
  return (pixels: Float32Array) => {
    if (pixels.length !== size) {
      throw new InvalidArgumentError(
        `the model takes ${rows}x${cols}x${channels} = ${size} values, got ${pixels.length}`,
      );
    }
    return read(features(pixels));
  };
}

/** What {@linkcode calibratedReading} gives: the model's head and the reading of one row. */
export interface CalibratedReading {
  /** The model cut before its softmax layer. */
  head: ModelHead;
  /** One image's penultimate features (`head.dim` values) to its calibrated probabilities. */
  read: (features: Float32Array) => Float32Array;
}

/**
 * The calibration checked against `model`, and the calibrated reading of
 * one image from its penultimate features: softmax(logits / temperature),
 * times P(a digit) when there is a digit check. The one-image classifier
 * and the draw page's batches both read rows with it, so they agree to the
 * bit.
 *
 * @throws {InvalidArgumentError} when the model does not end in a dense
 *   softmax layer, the temperature is not positive, or the digit check does
 *   not fit the features.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { assertAlmostEquals, assertThrows } from "@std/assert";
 * import { calibratedReading } from "./classifier.ts";
 * import { setupBackend } from "../kernels/mod.ts";
 * await setupBackend();
 * const model = tf.sequential({
 *   layers: [
 *     tf.layers.flatten({ inputShape: [28, 28, 1] }),
 *     tf.layers.dense({ units: 10, activation: "softmax" }),
 *   ],
 * });
 * const { head, read } = calibratedReading(model, { temperature: 2 });
 * const p = read(new Float32Array(head.dim));
 * assertAlmostEquals(p.reduce((a, b) => a + b, 0), 1, 1e-6);
 * assertThrows(() => calibratedReading(model, { temperature: 0 }), Error, "temperature");
 * model.dispose();
 * ```
 */
export function calibratedReading(
  model: tf.LayersModel,
  calibration: ClassifierCalibration,
): CalibratedReading {
  const { temperature, digitCheck } = calibration;
  if (!(temperature > 0 && Number.isFinite(temperature))) {
    throw new InvalidArgumentError(`temperature must be a positive number, got ${temperature}`);
  }
  const head = splitHead(model);
  if (digitCheck !== undefined && digitCheck.weights.length !== head.dim + 2) {
    throw new InvalidArgumentError(
      `the digit check takes ${digitCheck.weights.length} inputs, the model gives ${head.dim} ` +
        "features and 2 logit summaries",
    );
  }
  const prior = calibration.digitPriorLogOdds ?? 0;
  return {
    head,
    read(f) {
      const logits = headLogits(head, f);
      const p = softmaxAt(logits, temperature);
      const digit = digitCheck === undefined
        ? 1
        : digitProbability(digitCheck, digitCheckInputs(f, logits), prior);
      return Float32Array.from(p, (v) => v * digit);
    },
  };
}
