import * as tf from "@tensorflow/tfjs";
import { assert, assertAlmostEquals, assertEquals, assertRejects, assertThrows } from "@std/assert";
import { InvalidArgumentError } from "../../lib/core/errors.ts";
import type { Dataset } from "../../lib/data/mod.ts";
import { setupBackend } from "../../lib/kernels/mod.ts";
import { buildModel, type ModelConfig } from "../../lib/model/mod.ts";
import { recalibrateBatchNorm, trainModel } from "../../lib/train/mod.ts";

/** `count` 2x2 images; image i's pixels are i + [0, 1, 2, 3] times `spread`. */
function ramp(count: number, spread = 1): Dataset {
  const images = new Float32Array(count * 4).map((_, k) => Math.floor(k / 4) + (k % 4) * spread);
  return {
    images,
    labels: new Uint8Array(count).map((_, i) => i % 2),
    count,
    rows: 2,
    cols: 2,
    numClasses: 2,
    source: "ramp",
  };
}

/** flatten, [dropout,] batch norm, softmax: the norm sees the pixels (after dropout). */
function normModel(dropout: boolean): tf.LayersModel {
  const layers: tf.layers.Layer[] = [tf.layers.flatten({ inputShape: [2, 2, 1] })];
  if (dropout) layers.push(tf.layers.dropout({ rate: 0.5 }));
  layers.push(tf.layers.batchNormalization(), tf.layers.dense({ units: 2, activation: "softmax" }));
  return tf.sequential({ layers });
}

const statistics = (model: tf.LayersModel) => {
  const norm = model.layers.find((l) => l.getClassName() === "BatchNormalization")!;
  const [, , mean, variance] = norm.getWeights().map((w) => Array.from(w.dataSync()));
  return { mean, variance };
};

Deno.test("recalibrateBatchNorm sets the moving averages to the mean of equal batches' statistics", async () => {
  await setupBackend();
  const model = normModel(false);
  // Batches of 4: images 0-3, 4-7, 8-11; pixel p of image i is i + p.
  assertEquals(recalibrateBatchNorm(model, ramp(13), { images: 13, batchSize: 4 }), 12);
  const { mean, variance } = statistics(model);
  // Batch b's mean of pixel p: 4b + 1.5 + p; their mean over b = 0..2: 5.5 + p.
  mean.forEach((m, p) => assertAlmostEquals(m, 5.5 + p, 1e-5));
  // Each batch's (biased) variance of 4 consecutive integers: 1.25.
  variance.forEach((v) => assertAlmostEquals(v, 1.25, 1e-5));
  model.dispose();
});

Deno.test("recalibrateBatchNorm measures with dropout off, as inference runs", async () => {
  await setupBackend();
  const model = normModel(true);
  recalibrateBatchNorm(model, ramp(8), { images: 8, batchSize: 8 });
  const { mean, variance } = statistics(model);
  // Dropout at 0.5 would zero half the values and double the rest.
  mean.forEach((m, p) => assertAlmostEquals(m, 3.5 + p, 1e-5));
  variance.forEach((v) => assertAlmostEquals(v, 5.25, 1e-5)); // of 0..7
  model.dispose();
});

Deno.test("recalibrateBatchNorm leaves models without batch normalisation alone and keeps no tensor", async () => {
  await setupBackend();
  const plain = tf.sequential({
    layers: [
      tf.layers.flatten({ inputShape: [2, 2, 1] }),
      tf.layers.dense({ units: 2, activation: "softmax" }),
    ],
  });
  assertEquals(recalibrateBatchNorm(plain, ramp(8)), 0);
  plain.dispose();
  const model = normModel(true);
  recalibrateBatchNorm(model, ramp(8), { batchSize: 4 }); // the first call makes nothing that stays
  const before = tf.memory().numTensors;
  recalibrateBatchNorm(model, ramp(8), { batchSize: 4 });
  assertEquals(tf.memory().numTensors, before);
  model.dispose();
});

Deno.test("recalibrateBatchNorm refuses bad counts and images the model does not take", async () => {
  await setupBackend();
  const model = normModel(false);
  assertThrows(
    () => recalibrateBatchNorm(model, ramp(8), { images: 0 }),
    InvalidArgumentError,
    "images must be a positive integer, got 0",
  );
  assertThrows(
    () => recalibrateBatchNorm(model, ramp(8), { batchSize: 1.5 }),
    InvalidArgumentError,
    "batchSize must be a positive integer, got 1.5",
  );
  const wide = { ...ramp(8), rows: 1, cols: 4 };
  assertThrows(() => recalibrateBatchNorm(model, wide), InvalidArgumentError, "takes 2x2x1 images");
  model.dispose();
});

const NORM_CNN: ModelConfig = {
  inputShape: [2, 2, 1],
  layers: [{ type: "flatten" }, { type: "batchNorm" }],
  numClasses: 2,
};

Deno.test("trainModel recalibrates before every validation unless told not to", async () => {
  await setupBackend();
  // Pixels in [0, 1] for training: image i's are (i mod 8) / 20 + 0.2 p, their means 0.175 + 0.2 p.
  const unit = (count: number): Dataset => {
    const data = ramp(count);
    data.images = data.images.map((_, k) => (Math.floor(k / 4) % 8) / 20 + (k % 4) * 0.2);
    return data;
  };
  const data = unit(64);
  const options = { train: data, validation: unit(16), epochs: 1, seed: 3, batchSize: 16 };
  const model = buildModel(NORM_CNN, { seed: 1 });
  await trainModel(model, { ...options, recalibrate: 64, threads: 1 });
  const trained = statistics(model);
  // Measuring again with the same weights changes nothing: training ended measured.
  recalibrateBatchNorm(model, data, { images: 64 });
  assertEquals(statistics(model), trained);
  const kept = buildModel(NORM_CNN, { seed: 1 });
  await trainModel(kept, { ...options, recalibrate: 0, threads: 1 });
  const moving = statistics(kept);
  // 4 steps of momentum 0.99 from 0 leave the moving means at 4% of the pixels' means.
  assert(moving.mean.every((m) => m < 0.05), `moving ${moving.mean}`);
  trained.mean.forEach((m, p) => assertAlmostEquals(m, 0.175 + 0.2 * p, 1e-5));
  await assertRejects(
    () => trainModel(kept, { ...options, recalibrate: -1 }),
    InvalidArgumentError,
    "recalibrate must be a non-negative integer, got -1",
  );
  model.dispose();
  kept.dispose();
});
