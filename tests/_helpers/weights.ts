/**
 * Test helpers about a model's weights.
 *
 * @module
 */

import type * as tf from "@tensorflow/tfjs";
import { trainableVariables } from "../../lib/train/parallel/shard_gradients.ts";

/**
 * Number of trainable values of a model: the length of the flat gradient
 * `shardGradients` and `DataParallelTrainer.gradients` give.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { trainableSize } from "./weights.ts";
 * import { buildModel, REFERENCE_CNN } from "../../lib/model/mod.ts";
 * import { setupBackend } from "../../lib/kernels/mod.ts";
 * await setupBackend();
 * const model = buildModel(REFERENCE_CNN, { seed: 1 });
 * assertEquals(trainableSize(model), 34826);
 * model.dispose();
 * ```
 */
export function trainableSize(model: tf.LayersModel): number {
  return trainableVariables(model).reduce((n, v) => n + v.size, 0);
}
