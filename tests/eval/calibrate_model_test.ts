import * as tf from "@tensorflow/tfjs";
import { assert, assertEquals, assertRejects } from "@std/assert";
import { setupBackend } from "../../lib/kernels/backend.ts";
import { loadSplits } from "../../lib/data/load_splits.ts";
import { ModelLoadError } from "../../lib/core/errors.ts";
import type { ModelMetrics } from "../../lib/core/records.ts";
import { saveModel } from "../../lib/model/save_load.ts";
import { dataPath } from "../../lib/core/paths.ts";
import {
  calibrateModel,
  calibrateSavedModel,
  CALIBRATION_FILE,
  DIGIT_PRIOR,
  loadClassifierCalibration,
  readCalibration,
} from "../../lib/eval/calibrate_model.ts";

function smallModel(): tf.Sequential {
  return tf.sequential({
    layers: [
      tf.layers.flatten({ inputShape: [28, 28, 1] }),
      tf.layers.dense({ units: 12, activation: "relu", kernelInitializer: "glorotUniform" }),
      tf.layers.dense({ units: 10, activation: "softmax" }),
    ],
  });
}

Deno.test("calibrateModel: fits T on the validation split, a digit check, no leaked tensors", async () => {
  await setupBackend();
  const model = smallModel();
  const { train, validation } = await loadSplits({ seed: 2, limit: 300 });
  const before = tf.memory().numTensors;
  const c = await calibrateModel(model, {
    train,
    validation,
    split: { validationFraction: 0.1, seed: 2 },
    digits: 200,
    nonDigitsPerKind: 20,
    iterations: 200,
  });
  assertEquals(tf.memory().numTensors, before);
  assert(c.temperature > 0.05 && c.temperature < 20, String(c.temperature));
  assert(c.nll_after <= c.nll_before, `${c.nll_after} > ${c.nll_before}`);
  assertEquals(c.fitted_on, {
    data_source: validation.source,
    split: "validation",
    validation_fraction: 0.1,
    seed: 2,
    count: validation.count,
  });
  assertEquals([c.digit_check.digits, c.digit_check.weights.length], [200, 12 + 2]);
  assert(c.digit_check.non_digits >= 55 && c.digit_check.non_digits <= 60);
  assertEquals(c.digit_prior, DIGIT_PRIOR);
  for (const e of [c.ece_before, c.ece_after, c.ece_with_digit_check]) assert(e >= 0 && e <= 1);
  model.dispose();
});

Deno.test("calibrateSavedModel writes calibration.json for the saved weights; a retrain makes it stale", async () => {
  await setupBackend();
  const dir = `${await Deno.makeTempDir({ prefix: "calibrate_" })}/model`;
  const model = smallModel();
  try {
    const { train, validation } = await loadSplits({ seed: 3, limit: 100 });
    await saveModel(model, dir, { test_accuracy: 0.1 } as ModelMetrics);
    const written = await calibrateSavedModel(model, dir, {
      train,
      validation,
      split: { validationFraction: 0.1, seed: 3 },
      digits: 50,
      nonDigitsPerKind: 5,
      iterations: 20,
    });
    const read = await readCalibration(dir);
    const json = JSON.parse(await Deno.readTextFile(`${dir}/model.json`));
    assertEquals(read?.weights_sha256, json.userDefinedMetadata.weightsSha256);
    assertEquals(read?.temperature, written.temperature);
    const forClassifier = await loadClassifierCalibration(dir);
    assertEquals(forClassifier?.digitCheck?.weights, written.digit_check.weights);
    // Other weights saved to the directory (which keeps the file only if copied back).
    const text = await Deno.readTextFile(`${dir}/${CALIBRATION_FILE}`);
    model.setWeights(model.getWeights().map((w) => tf.tidy(() => w.add(1))));
    await saveModel(model, dir, { test_accuracy: 0.1 } as ModelMetrics);
    assertEquals(await readCalibration(dir), undefined); // a save replaces the directory
    await Deno.writeTextFile(`${dir}/${CALIBRATION_FILE}`, text);
    await assertRejects(() => readCalibration(dir), ModelLoadError, "fitted for other weights");
  } finally {
    model.dispose();
    await Deno.remove(dir.replace(/\/model$/, ""), { recursive: true });
  }
});

Deno.test("readCalibration: a broken file names the field", async () => {
  const dir = await Deno.makeTempDir({ prefix: "calibration_bad_" });
  try {
    const check = { mean: [0], scale: [1], weights: [1], bias: 0 };
    const cases: [unknown, string][] = [
      ["{", "not valid JSON"],
      [{ temperature: 0 }, "temperature"],
      [{ temperature: 1, digit_prior: 0.9, digit_check: { ...check, scale: [0] } }, "digit_check"],
      [{ temperature: 1, digit_prior: 0.9, digit_check: { ...check, mean: [] } }, "digit_check"],
      [{ temperature: 1, digit_prior: 1, digit_check: check }, "digit_prior"],
    ];
    for (const [content, field] of cases) {
      const text = typeof content === "string" ? content : JSON.stringify(content);
      await Deno.writeTextFile(`${dir}/${CALIBRATION_FILE}`, text);
      await assertRejects(() => readCalibration(dir), ModelLoadError, field);
    }
    await Deno.writeTextFile(`${dir}/${CALIBRATION_FILE}`, JSON.stringify({ temperature: 1.5 }));
    assertEquals(await loadClassifierCalibration(dir), { temperature: 1.5 });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the shipped model's calibration: fitted on its validation split, for its weights", async () => {
  const dir = dataPath("models", "default");
  const c = await readCalibration(dir); // throws if fitted for other weights
  if (c === undefined) throw new Error("data/models/default/calibration.json is missing");
  const metrics = JSON.parse(await Deno.readTextFile(`${dir}/metrics.json`));
  assertEquals(c.fitted_on.split, "validation");
  assertEquals([c.fitted_on.validation_fraction, c.fitted_on.seed], [
    metrics.validation_fraction,
    metrics.seed,
  ]);
  assertEquals(c.fitted_on.count, metrics.splits.validation);
  assert(c.temperature > 0.5 && c.temperature < 2, String(c.temperature));
  assert(c.nll_after <= c.nll_before);
  assert(c.weights_sha256 !== null);
});
