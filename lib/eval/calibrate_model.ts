/**
 * Calibrating a saved model and keeping the result with it: the
 * temperature fitted on the validation split and the digit check fitted on
 * training digits against generated non-digits, written to
 * `calibration.json` in the model directory and read back when the model is
 * loaded to read images. The file names the SHA-256 of the weights it was
 * fitted for, so a calibration never applies to other weights.
 *
 * @module
 */

import type * as tf from "@tensorflow/tfjs";
import { join } from "node:path";
import { createRng, InvalidArgumentError, ModelLoadError } from "../core/mod.ts";
import type { Dataset } from "../data/mod.ts";
import { normalizeImage } from "../image/mod.ts";
import { makeNonDigits } from "../image/synth/mod.ts";
import {
  type DigitCheck,
  digitCheckInputs,
  digitProbability,
  expectedCalibrationError,
  fitDigitCheck,
  fitTemperature,
  softmaxAt,
} from "./calibration.ts";
import {
  type ClassifierCalibration,
  createCalibratedClassifier,
  createClassifier,
  headFeatures,
  headLogits,
  type ModelHead,
  splitHead,
} from "./classifier.ts";

/** The file in a model directory that holds its calibration. */
export const CALIBRATION_FILE = "calibration.json";

/**
 * The prior probability that an image given to the reader holds a digit:
 * 0.9, i.e. one image in ten is assumed to hold something else. The digit
 * check is fitted at even odds; this prior is added to its log-odds. It is
 * a stated assumption about use, not fitted to any data set.
 */
export const DIGIT_PRIOR = 0.9;

/** The contents of `calibration.json`. */
export interface ModelCalibration {
  /** The fitted temperature: softmax(logits / temperature). */
  temperature: number;
  /** The data the temperature was fitted on. */
  fitted_on: {
    /** The dataset, as `metrics.json` names it (e.g. `idx:data/mnist`). */
    data_source: string;
    /** Always `"validation"`. */
    split: "validation";
    /** The validation fraction of the training data. */
    validation_fraction: number;
    /** The split seed. */
    seed: number;
    /** Validation examples used. */
    count: number;
  };
  /** Mean negative log-likelihood on the validation split at T = 1. */
  nll_before: number;
  /** The same at the fitted temperature. */
  nll_after: number;
  /** Expected calibration error (15 bins) on the validation split at T = 1. */
  ece_before: number;
  /** The same at the fitted temperature. */
  ece_after: number;
  /** The same with the digit check applied too (the confidence `predict` reports). */
  ece_with_digit_check: number;
  /** The prior P(a digit) added to the digit check ({@linkcode DIGIT_PRIOR}). */
  digit_prior: number;
  /** The digit check and what it was fitted on. */
  digit_check: DigitCheck & {
    /** Training digits used as positives. */
    digits: number;
    /** Generated non-digits used as negatives. */
    non_digits: number;
    /** Seed of `makeNonDigits` for the negatives. */
    non_digit_seed: number;
  };
  /** SHA-256 of the `weights.bin` this was fitted for (from `model.json`). */
  weights_sha256: string | null;
  /** When it was fitted (ISO 8601). */
  created_at: string;
}

/** Options of {@linkcode calibrateModel}. */
export interface CalibrateOptions {
  /** The validation split (the temperature is fitted on it). */
  validation: Dataset;
  /** The training split (the digit check's positives come from it). */
  train: Dataset;
  /** How `validation` was made, recorded in the file. */
  split: { validationFraction: number; seed: number };
  /** Training digits for the digit check (default 10,000; all when fewer). */
  digits?: number;
  /** Generated non-digits of each kind for the digit check (default 700). */
  nonDigitsPerKind?: number;
  /** Seed of the generated non-digits (default 7). */
  nonDigitSeed?: number;
  /** SHA-256 of the weights, recorded in the file. */
  weightsSha256?: string | null;
  /** Gradient steps of the digit check (default 3000). */
  iterations?: number;
}

function logitsOf(head: ModelHead, features: Float32Array, count: number): Float64Array {
  const out = new Float64Array(count * head.classes);
  for (let i = 0; i < count; i++) {
    out.set(
      headLogits(head, features.subarray(i * head.dim, (i + 1) * head.dim)),
      i * head.classes,
    );
  }
  return out;
}

function checkInputsOf(
  head: ModelHead,
  features: Float32Array,
  logits: Float64Array,
  count: number,
): Float64Array {
  const k = head.dim + 2;
  const out = new Float64Array(count * k);
  for (let i = 0; i < count; i++) {
    out.set(
      digitCheckInputs(
        features.subarray(i * head.dim, (i + 1) * head.dim),
        logits.subarray(i * head.classes, (i + 1) * head.classes),
      ),
      i * k,
    );
  }
  return out;
}

/**
 * Calibrates `model`: fits the temperature on `validation`, and the digit
 * check on the `digitCheckInputs` of up to `digits` training digits against
 * `nonDigitsPerKind` letters, shapes and scribbles of each kind from
 * `makeNonDigits`, normalised as `readDigit` normalises a file. Takes about
 * a minute for the shipped model on two cores.
 *
 * @throws {InvalidArgumentError} when the model does not end in a dense
 *   softmax layer, or a split is empty or not 28x28.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { assert, assertEquals } from "@std/assert";
 * import { calibrateModel } from "./calibrate_model.ts";
 * import { loadSplits } from "../data/mod.ts";
 * import { setupBackend } from "../kernels/mod.ts";
 * await setupBackend();
 * const model = tf.sequential({
 *   layers: [
 *     tf.layers.flatten({ inputShape: [28, 28, 1] }),
 *     tf.layers.dense({ units: 8, activation: "relu" }),
 *     tf.layers.dense({ units: 10, activation: "softmax" }),
 *   ],
 * });
 * const { train, validation } = await loadSplits({ seed: 1, limit: 200 });
 * const c = await calibrateModel(model, {
 *   train, validation, split: { validationFraction: 0.1, seed: 1 },
 *   digits: 100, nonDigitsPerKind: 10, iterations: 50,
 * });
 * assert(c.temperature > 0 && c.nll_after <= c.nll_before);
 * assertEquals([c.fitted_on.split, c.digit_check.weights.length], ["validation", 8 + 2]);
 * model.dispose();
 * ```
 */
export async function calibrateModel(
  model: tf.LayersModel,
  options: CalibrateOptions,
): Promise<ModelCalibration> {
  const { validation, train } = options;
  for (const [name, set] of [["validation", validation], ["train", train]] as const) {
    if (set.count < 1 || set.rows !== 28 || set.cols !== 28) {
      throw new InvalidArgumentError(
        `the ${name} split must hold 28x28 images, got ${set.count} of ${set.rows}x${set.cols}`,
      );
    }
  }
  const head = splitHead(model);
  const valFeatures = headFeatures(head, validation.images, validation.count);
  const valLogits = logitsOf(head, valFeatures, validation.count);
  const valInputs = checkInputsOf(head, valFeatures, valLogits, validation.count);
  const fit = fitTemperature(valLogits, validation.labels, head.classes);

  const digitCount = Math.min(options.digits ?? 10_000, train.count);
  const digitFeatures = headFeatures(head, train.images.subarray(0, digitCount * 784), digitCount);
  const digits = checkInputsOf(
    head,
    digitFeatures,
    logitsOf(head, digitFeatures, digitCount),
    digitCount,
  );
  const nonDigitSeed = options.nonDigitSeed ?? 7;
  const made = await makeNonDigits({
    rng: createRng(nonDigitSeed),
    perKind: options.nonDigitsPerKind ?? 700,
  });
  const inputs: Float32Array[] = [];
  for (const { image } of made) {
    const n = normalizeImage(image);
    if (n.inkFound) inputs.push(n.pixels);
  }
  const nonDigitPixels = new Float32Array(inputs.length * 784);
  inputs.forEach((p, i) => nonDigitPixels.set(p, i * 784));
  const nonDigitFeatures = headFeatures(head, nonDigitPixels, inputs.length);
  const nonDigits = checkInputsOf(
    head,
    nonDigitFeatures,
    logitsOf(head, nonDigitFeatures, inputs.length),
    inputs.length,
  );
  const k = head.dim + 2;
  const check = fitDigitCheck(digits, nonDigits, k, { iterations: options.iterations });

  const prior = Math.log(DIGIT_PRIOR / (1 - DIGIT_PRIOR));
  const correct: boolean[] = [];
  const before: number[] = [], after: number[] = [], checked: number[] = [];
  for (let i = 0; i < validation.count; i++) {
    const z = valLogits.subarray(i * head.classes, (i + 1) * head.classes);
    const p1 = softmaxAt(z, 1), pt = softmaxAt(z, fit.temperature);
    let best = 0;
    for (let c = 1; c < head.classes; c++) if (p1[c] > p1[best]) best = c;
    const digit = digitProbability(
      check,
      valInputs.subarray(i * k, (i + 1) * k),
      prior,
    );
    correct.push(best === validation.labels[i]);
    before.push(p1[best]), after.push(pt[best]), checked.push(pt[best] * digit);
  }
  return {
    temperature: fit.temperature,
    fitted_on: {
      data_source: validation.source,
      split: "validation",
      validation_fraction: options.split.validationFraction,
      seed: options.split.seed,
      count: validation.count,
    },
    nll_before: fit.nllBefore,
    nll_after: fit.nllAfter,
    ece_before: expectedCalibrationError(before, correct),
    ece_after: expectedCalibrationError(after, correct),
    ece_with_digit_check: expectedCalibrationError(checked, correct),
    digit_prior: DIGIT_PRIOR,
    digit_check: {
      ...check,
      digits: digitCount,
      non_digits: inputs.length,
      non_digit_seed: nonDigitSeed,
    },
    weights_sha256: options.weightsSha256 ?? null,
    created_at: new Date().toISOString(),
  };
}

/**
 * The {@linkcode ClassifierCalibration} a `calibration.json` describes.
 *
 * @example
 * ```ts
 * import { assertAlmostEquals, assertEquals } from "@std/assert";
 * import { classifierCalibration, type ModelCalibration } from "./calibrate_model.ts";
 * const check = { mean: [0], scale: [1], weights: [1], bias: 0, digits: 1, non_digits: 1, non_digit_seed: 7 };
 * const c = classifierCalibration({ temperature: 1.1, digit_prior: 0.9, digit_check: check } as ModelCalibration);
 * assertEquals(c.temperature, 1.1);
 * assertAlmostEquals(c.digitPriorLogOdds!, Math.log(9), 1e-12);
 * ```
 */
export function classifierCalibration(calibration: ModelCalibration): ClassifierCalibration {
  const { mean, scale, weights, bias } = calibration.digit_check;
  const prior = calibration.digit_prior;
  return {
    temperature: calibration.temperature,
    digitCheck: { mean, scale, weights, bias },
    digitPriorLogOdds: Math.log(prior / (1 - prior)),
  };
}

/** The weights' SHA-256 recorded in a model directory's `model.json`, or null. */
async function weightsShaOf(dir: string): Promise<string | null> {
  try {
    const json = JSON.parse(await Deno.readTextFile(join(dir, "model.json")));
    const sha = json?.userDefinedMetadata?.weightsSha256;
    return typeof sha === "string" ? sha : null;
  } catch (e) {
    throw new ModelLoadError(`${dir}: cannot read model.json: ${(e as Error).message}`, {
      cause: e,
    });
  }
}

/**
 * Writes `calibration` to `dir/calibration.json`, recording the SHA-256 of
 * the weights the directory holds (from its `model.json`).
 *
 * @throws {ModelLoadError} when `dir` holds no readable `model.json`.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { readCalibration, writeCalibration, type ModelCalibration } from "./calibrate_model.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/model.json`, '{"userDefinedMetadata":{"weightsSha256":"ab"}}');
 * await writeCalibration(dir, { temperature: 1.2 } as ModelCalibration);
 * assertEquals((await readCalibration(dir))?.weights_sha256, "ab");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeCalibration(dir: string, calibration: ModelCalibration): Promise<void> {
  const sha = await weightsShaOf(dir);
  const path = join(dir, CALIBRATION_FILE);
  const text = JSON.stringify({ ...calibration, weights_sha256: sha }, null, 2) + "\n";
  // Written aside and renamed, so a reader never sees half a file.
  await Deno.writeTextFile(`${path}.tmp-${Deno.pid}`, text);
  await Deno.rename(`${path}.tmp-${Deno.pid}`, path);
}

function isFiniteNumber(v: unknown): v is number {
  return typeof v === "number" && Number.isFinite(v);
}

function isNumbers(v: unknown, length: number): boolean {
  return Array.isArray(v) && v.length === length && v.every(isFiniteNumber);
}

/**
 * Reads `dir/calibration.json`: undefined when there is none (the model is
 * used as trained).
 *
 * @throws {ModelLoadError} naming the file and the field when it is not
 *   valid, or when it was fitted for other weights than `dir/model.json`
 *   records (a model retrained without recalibrating).
 *
 * @example
 * ```ts
 * import { assertEquals, assertRejects } from "@std/assert";
 * import { readCalibration } from "./calibrate_model.ts";
 * import { ModelLoadError } from "../core/mod.ts";
 * const dir = await Deno.makeTempDir();
 * assertEquals(await readCalibration(dir), undefined);
 * await Deno.writeTextFile(`${dir}/calibration.json`, '{"temperature": -1}');
 * await assertRejects(() => readCalibration(dir), ModelLoadError, "temperature");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function readCalibration(dir: string): Promise<ModelCalibration | undefined> {
  const path = join(dir, CALIBRATION_FILE);
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw new ModelLoadError(`cannot read ${path}: ${(e as Error).message}`, { cause: e });
  }
  let c: ModelCalibration;
  try {
    c = JSON.parse(text);
  } catch (e) {
    throw new ModelLoadError(`${path} is not valid JSON: ${(e as Error).message}`, { cause: e });
  }
  const bad = (field: string, value: unknown) =>
    new ModelLoadError(`${path}: ${field} is not valid, got ${JSON.stringify(value)}`);
  if (typeof c !== "object" || c === null) throw bad("the file", c);
  if (!(isFiniteNumber(c.temperature) && c.temperature > 0)) {
    throw bad("temperature", c.temperature);
  }
  if (c.digit_check !== undefined) {
    const d = c.digit_check;
    const n = Array.isArray(d?.weights) ? d.weights.length : -1;
    if (
      n < 1 || !isNumbers(d.weights, n) || !isNumbers(d.mean, n) || !isNumbers(d.scale, n) ||
      !d.scale.every((s) => s > 0) || !isFiniteNumber(d.bias)
    ) throw bad("digit_check", d);
    if (!(isFiniteNumber(c.digit_prior) && c.digit_prior > 0 && c.digit_prior < 1)) {
      throw bad("digit_prior", c.digit_prior);
    }
  }
  const sha = c.weights_sha256 ?? null;
  const actual = sha === null ? null : await weightsShaOf(dir).catch(() => null);
  if (sha !== null && actual !== null && sha !== actual) {
    throw new ModelLoadError(
      `${path} was fitted for other weights (SHA-256 ${sha.slice(0, 12)}…, the model has ` +
        `${actual.slice(0, 12)}…): run \`deno task calibrate --model ${dir}\` again`,
    );
  }
  return c;
}

/**
 * The calibration of a model directory as a {@linkcode ClassifierCalibration}
 * for `createCalibratedClassifier`, or undefined when it has none.
 *
 * @throws {ModelLoadError} as {@linkcode readCalibration}.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { loadClassifierCalibration } from "./calibrate_model.ts";
 * const c = await loadClassifierCalibration("data/models/default");
 * assertEquals(c === undefined || c.temperature > 0, true);
 * ```
 */
export async function loadClassifierCalibration(
  dir: string,
): Promise<ClassifierCalibration | undefined> {
  const c = await readCalibration(dir);
  if (c === undefined) return undefined;
  if (c.digit_check === undefined) return { temperature: c.temperature };
  return classifierCalibration(c);
}

/**
 * The classifier that reads images for `model`, saved in `dir`: calibrated
 * with the directory's `calibration.json` when it has one (fitted for these
 * weights), else the model's own probabilities. What `predict`, `score`
 * and the draw page read with, so that they agree.
 *
 * @throws {ModelLoadError} as {@linkcode readCalibration}.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { readingClassifier } from "./calibrate_model.ts";
 * import { loadModel } from "../model/mod.ts";
 * import { setupBackend } from "../kernels/mod.ts";
 * await setupBackend();
 * const { model } = await loadModel("data/models/default");
 * const classify = await readingClassifier(model, "data/models/default");
 * assertEquals((await classify(new Float32Array(784))).length, 10);
 * model.dispose();
 * ```
 */
export async function readingClassifier(
  model: tf.LayersModel,
  dir: string,
): Promise<(pixels: Float32Array) => Float32Array> {
  const calibration = await loadClassifierCalibration(dir);
  return calibration === undefined
    ? createClassifier(model)
    : createCalibratedClassifier(model, calibration);
}

/**
 * The hook for `deno task train`: calibrates the model just saved to `dir`
 * and writes its `calibration.json`. Returns what it wrote.
 *
 * @throws {ModelLoadError} when `dir` holds no readable `model.json`.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { assertEquals } from "@std/assert";
 * import { calibrateSavedModel, readCalibration } from "./calibrate_model.ts";
 * import { loadSplits } from "../data/mod.ts";
 * import { saveModel } from "../model/mod.ts";
 * import type { ModelMetrics } from "../core/mod.ts";
 * import { setupBackend } from "../kernels/mod.ts";
 * await setupBackend();
 * const model = tf.sequential({
 *   layers: [
 *     tf.layers.flatten({ inputShape: [28, 28, 1] }),
 *     tf.layers.dense({ units: 10, activation: "softmax" }),
 *   ],
 * });
 * const out = `${await Deno.makeTempDir()}/model`;
 * const { train, validation } = await loadSplits({ seed: 1, limit: 100 });
 * // As lib/cli/train.ts would call it, after saveModel(model, out, metrics):
 * await saveModel(model, out, { test_accuracy: 0.1 } as ModelMetrics);
 * await calibrateSavedModel(model, out, {
 *   train, validation, split: { validationFraction: 0.1, seed: 1 },
 *   digits: 50, nonDigitsPerKind: 5, iterations: 20,
 * });
 * assertEquals((await readCalibration(out))?.fitted_on.count, validation.count);
 * model.dispose();
 * await Deno.remove(out, { recursive: true });
 * ```
 */
export async function calibrateSavedModel(
  model: tf.LayersModel,
  dir: string,
  options: Omit<CalibrateOptions, "weightsSha256">,
): Promise<ModelCalibration> {
  const calibration = await calibrateModel(model, {
    ...options,
    weightsSha256: await weightsShaOf(dir),
  });
  await writeCalibration(dir, calibration);
  return calibration;
}
