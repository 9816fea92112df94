import * as tf from "@tensorflow/tfjs";
import { assertEquals } from "@std/assert";
import { setupBackend } from "../../lib/kernels/backend.ts";
import { compileInference } from "../../lib/model/inference_chain.ts";
import { buildModel, REFERENCE_CNN, STRONG_CNN } from "../../lib/model/architecture.ts";
import { createRng } from "../../lib/core/random.ts";

/** One image in, its probabilities out, through {@linkcode compileInference}. */
function classifier(model: tf.LayersModel): (x: Float32Array) => Float32Array {
  const infer = compileInference(model);
  return (x) => tf.tidy(() => infer(tf.tensor4d(x, [1, 28, 28, 1])).dataSync() as Float32Array);
}

/**
 * New random weights for every batch normalisation layer (positive
 * variances; with `negative`, every fifth gamma below 0) and scaled ones for
 * the first convolution.
 */
function perturb(model: tf.LayersModel, seed: number, negative: boolean): void {
  const rng = createRng(seed);
  tf.tidy(() => {
    for (const layer of model.layers) {
      if (layer.getClassName() === "BatchNormalization") {
        layer.setWeights(layer.weights.map((w) => {
          const gamma = w.name.endsWith("/gamma");
          return tf.tensor(
            Float32Array.from(
              { length: w.shape.reduce((a, b) => a! * b!, 1)! },
              (_, i) => negative && gamma && i % 5 === 0 ? -0.5 - rng() : 0.2 + 2 * rng(),
            ),
            w.shape as number[],
          );
        }));
      }
    }
    const conv = model.layers.find((l) => l.getClassName() === "Conv2D")!;
    conv.setWeights(conv.getWeights().map((w) => tf.mul(w, 1 + rng())));
  });
}

/** Largest difference between the classifier's and `model.predict`'s probabilities. */
function maxDifference(model: tf.LayersModel, classify: (x: Float32Array) => Float32Array): number {
  const rng = createRng(21);
  let worst = 0;
  for (let k = 0; k < 20; k++) {
    const x = Float32Array.from({ length: 784 }, () => (rng() < 0.3 ? rng() : 0));
    const p = classify(x);
    const q = tf.tidy(() =>
      (model.predict(tf.tensor4d(x, [1, 28, 28, 1])) as tf.Tensor).dataSync()
    );
    for (let i = 0; i < q.length; i++) worst = Math.max(worst, Math.abs(p[i] - q[i]));
  }
  return worst;
}

Deno.test("compileInference gives model.predict's probabilities to the bit, without leaks", async () => {
  await setupBackend();
  for (const [name, config] of [["reference", REFERENCE_CNN], ["strong", STRONG_CNN]] as const) {
    const model = buildModel(config, { seed: 3 });
    perturb(model, 4, false);
    const before = tf.memory().numTensors;
    const classify = classifier(model);
    // Normalisations moved after the pooling (all gammas >= 0), then left in place.
    assertEquals(maxDifference(model, classify), 0, `${name}: differs from predict`);
    assertEquals(tf.memory().numTensors, before, `${name}: tensors leaked`);
    // The weights are read at every call: a change after creation is followed.
    perturb(model, 5, true);
    assertEquals(maxDifference(model, classify), 0, `${name}: differs after new weights`);
    assertEquals(tf.memory().numTensors, before, `${name}: tensors leaked`);
    model.dispose();
  }
});

Deno.test("compileInference runs other models through model.predict", async () => {
  await setupBackend();
  const input = tf.input({ shape: [28, 28, 1] });
  const flat = tf.layers.flatten().apply(input) as tf.SymbolicTensor;
  const output = tf.layers.dense({ units: 10, activation: "softmax" }).apply(flat);
  const model = tf.model({ inputs: input, outputs: output as tf.SymbolicTensor });
  const before = tf.memory().numTensors;
  assertEquals(maxDifference(model, classifier(model)), 0);
  assertEquals(tf.memory().numTensors, before);
  model.dispose();
});
