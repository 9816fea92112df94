/**
 * Finding a layer's weight by its role (`kernel`, `bias`, `gamma`,
 * `moving_mean`, …), whatever name tfjs gave it.
 *
 * tfjs names a weight `<layer>/<role>` and makes the name unique in the
 * thread by adding `_1`, `_2`, … when it is taken: a model loaded twice,
 * or loaded while a model with the same layer names is alive (a notebook
 * that trains a model and then opens the saved one; the benchmark, which
 * trains a strong CNN and then times the shipped one), gets
 * `conv2d_Conv2D1/kernel_1`. Matched on `name`, such a model's layers were
 * not recognised: it ran tfjs-layers' unfused ops and, with batch
 * normalisation, trained on one thread (the shipped model at batch 1:
 * 0.50 -> 0.56 ms). The weight's `originalName` is the name before it was
 * made unique, so it is what is matched.
 *
 * @module
 */

import type * as tf from "@tensorflow/tfjs";

/**
 * The weight of `layer` whose role is `role` (the last part of its name
 * before tfjs made the name unique), or null when it has none.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import * as tf from "@tensorflow/tfjs";
 * import { layerWeight } from "./layer_weights.ts";
 * import { setupBackend } from "../kernels/mod.ts";
 * await setupBackend();
 * const make = () => tf.sequential({ layers: [tf.layers.dense({ name: "d", units: 2, inputShape: [3] })] });
 * const [first, second] = [make(), make()]; // the second's weights are named d/kernel_1, d/bias_1
 * const kernel = layerWeight(second.layers[0], "kernel");
 * assertEquals([kernel?.name, kernel?.shape], ["d/kernel_1", [3, 2]]);
 * assertEquals(layerWeight(second.layers[0], "gamma"), null);
 * first.dispose();
 * second.dispose();
 * ```
 */
export function layerWeight(layer: tf.layers.Layer, role: string): tf.LayerVariable | null {
  const suffix = `/${role}`;
  return layer.weights.find((w) => w.originalName.endsWith(suffix)) ?? null;
}
