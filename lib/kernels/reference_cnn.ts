/**
 * The reference CNN the training kernels are measured and checked on:
 * conv 32 3×3 relu → max-pool 2 → conv 64 3×3 relu → max-pool 2 → flatten →
 * dropout 0.5 → dense 10 softmax (34,826 parameters on 28×28×1 input).
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs";

/** Options for {@linkcode buildReferenceCnn}. */
export interface ReferenceCnnOptions {
  /** Seed of the weight initialisers (default 1), so builds are repeatable. */
  seed?: number;
  /** Dropout rate before the dense layer (default 0.5). */
  dropout?: number;
}

/**
 * Builds (does not compile) the reference CNN on the active backend.
 *
 * @example
 * ```ts
 * import { buildReferenceCnn } from "./reference_cnn.ts";
 * const model = buildReferenceCnn({ seed: 7 });
 * console.assert(model.countParams() === 34826);
 * model.dispose();
 * ```
 */
export function buildReferenceCnn(options: ReferenceCnnOptions = {}): tf.Sequential {
  const seed = options.seed ?? 1;
  const init = (i: number) => tf.initializers.glorotUniform({ seed: seed * 10 + i });
  return tf.sequential({
    layers: [
      tf.layers.conv2d({
        inputShape: [28, 28, 1],
        filters: 32,
        kernelSize: 3,
        activation: "relu",
        kernelInitializer: init(1),
      }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({
        filters: 64,
        kernelSize: 3,
        activation: "relu",
        kernelInitializer: init(2),
      }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dropout({ rate: options.dropout ?? 0.5, seed }),
      tf.layers.dense({ units: 10, activation: "softmax", kernelInitializer: init(3) }),
    ],
  });
}
