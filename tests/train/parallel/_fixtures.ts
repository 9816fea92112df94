import * as tf from "@tensorflow/tfjs";
import {
  buildModel,
  dropoutLayers,
  type ModelConfig,
  REFERENCE_CNN,
} from "../../../lib/model/architecture.ts";
import type { Batch } from "../../../lib/data/batches.ts";
import { seededValues } from "../../kernels/_compare.ts";

/** The reference CNN without its dropout: training mode is then deterministic. */
export const NO_DROPOUT: ModelConfig = {
  ...REFERENCE_CNN,
  layers: REFERENCE_CNN.layers.filter((l) => l.type !== "dropout"),
};

/** A seeded batch of `count` 28x28 images in [0, 1] with labels 0..9. */
export function seededBatch(count: number, seed: number): Batch {
  return {
    pixels: seededValues([count, 28, 28, 1], seed).map((v) => (v + 1) / 2),
    labels: Uint8Array.from({ length: count }, (_, i) => (i * 7 + seed) % 10),
    count,
  };
}

/** Examples `start` to `end` of `batch`. */
export function sliceBatch(batch: Batch, start: number, end: number): Batch {
  return {
    pixels: batch.pixels.subarray(start * 784, end * 784),
    labels: batch.labels.subarray(start, end),
    count: end - start,
  };
}

/** A model of `config` with the same initial weights on every backend. */
export function twin(config: ModelConfig, seed: number): tf.LayersModel {
  return buildModel(config, { seed });
}

/** Sets every dropout layer's seed. */
export function seedDropouts(model: tf.LayersModel, seeds: number[]): void {
  dropoutLayers(model).forEach((l, i) => l.seed = seeds[i]);
}
