import * as tf from "@tensorflow/tfjs";
import { assert, assertEquals } from "@std/assert";
import { setupBackend } from "../../lib/kernels/backend.ts";
import { buildModel, dropoutLayers, REFERENCE_CNN } from "../../lib/model/architecture.ts";
import { compileTraining } from "../../lib/model/training_chain.ts";
import {
  liveCounts,
  maxAbsDiff,
  onBothBackends,
  scaleOf,
  seededValues,
} from "../kernels/_compare.ts";

/**
 * The model's training-mode output on a seeded batch, then the gradient of
 * a weighted sum of it by every trainable weight, flattened into one
 * tensor: through the chain, or through `model.apply`.
 */
function outputAndGradients(make: () => tf.LayersModel, chain: boolean): tf.Tensor {
  const model = make();
  try {
    return tf.tidy(() => {
      const [, ...shape] = model.inputs[0].shape as number[];
      const x = tf.tensor(seededValues([4, ...shape], 1), [4, ...shape]);
      const forward = chain
        ? compileTraining(model)
        : (x: tf.Tensor) => model.apply(x, { training: true }) as tf.Tensor;
      dropoutLayers(model).forEach((l) => l.seed = 7);
      const y = forward(x);
      const w = tf.tensor(seededValues(y.shape, 2), y.shape);
      const { grads } = tf.variableGrads(() => tf.sum(tf.mul(forward(x), w)));
      const vars = model.trainableWeights.map((v) => (v.read() as tf.Variable).name);
      return tf.concat([y.flatten(), ...vars.map((name) => grads[name].flatten())]);
    });
  } finally {
    model.dispose();
  }
}

/** A sequential model with the convolutions the chain fuses and those it leaves. */
function mixed(): tf.LayersModel {
  const model = tf.sequential();
  model.add(tf.layers.conv2d({
    inputShape: [12, 11, 3],
    filters: 8,
    kernelSize: 3,
    padding: "same",
    activation: "linear",
    useBias: false,
    kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }),
  }));
  model.add(tf.layers.conv2d({
    filters: 8,
    kernelSize: 3,
    strides: 2,
    activation: "relu",
    biasInitializer: tf.initializers.randomUniform({ minval: -0.1, maxval: 0.1, seed: 2 }),
    kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }),
  }));
  model.add(tf.layers.conv2d({
    filters: 4,
    kernelSize: 2,
    activation: "elu",
    kernelInitializer: tf.initializers.glorotUniform({ seed: 4 }),
  }));
  model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  model.add(tf.layers.flatten());
  model.add(tf.layers.dropout({ rate: 0.3 }));
  model.add(tf.layers.dense({
    units: 5,
    activation: "softmax",
    kernelInitializer: tf.initializers.glorotUniform({ seed: 5 }),
  }));
  return model;
}

/**
 * A ReLU convolution and 2×2 pool on wasm's fused ReLU-pool: odd sizes (a
 * row and a column past the last window) and channels past the last four.
 */
function pooled(): tf.LayersModel {
  const model = tf.sequential();
  model.add(tf.layers.conv2d({
    inputShape: [9, 11, 3],
    filters: 6,
    kernelSize: 3,
    padding: "same",
    activation: "relu",
    biasInitializer: tf.initializers.randomUniform({ minval: -0.2, maxval: 0.2, seed: 8 }),
    kernelInitializer: tf.initializers.glorotUniform({ seed: 9 }),
  }));
  model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  model.add(tf.layers.flatten());
  model.add(tf.layers.dense({
    units: 4,
    activation: "softmax",
    kernelInitializer: tf.initializers.glorotUniform({ seed: 10 }),
  }));
  return model;
}

/** A functional (non-sequential) model: the chain falls back to `model.apply`. */
function functional(): tf.LayersModel {
  const input = tf.input({ shape: [6, 6, 1] });
  const conv = tf.layers.conv2d({
    filters: 4,
    kernelSize: 3,
    activation: "relu",
    kernelInitializer: tf.initializers.glorotUniform({ seed: 6 }),
  }).apply(input) as tf.SymbolicTensor;
  const flat = tf.layers.flatten().apply(conv) as tf.SymbolicTensor;
  const out = tf.layers.dense({
    units: 3,
    kernelInitializer: tf.initializers.glorotUniform({ seed: 7 }),
  }).apply(flat) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

const models: [string, () => tf.LayersModel][] = [
  ["the reference CNN (dropout active, same seed)", () => buildModel(REFERENCE_CNN, { seed: 3 })],
  ["convolutions linear without bias, strided, and ELU", mixed],
  ["a ReLU convolution and pool of odd sizes", pooled],
  ["a functional model", functional],
];

for (const [name, make] of models) {
  Deno.test(`compileTraining gives model.apply's training output and gradients: ${name}`, async () => {
    await setupBackend();
    const before = liveCounts();
    const chain = await onBothBackends(() => outputAndGradients(make, true));
    const layers = await onBothBackends(() => outputAndGradients(make, false));
    for (
      const [what, a, b] of [
        ["wasm chain vs cpu layers", chain.wasm, layers.cpu],
        ["cpu chain vs cpu layers", chain.cpu, layers.cpu],
      ] as const
    ) {
      const diff = maxAbsDiff(a, b);
      assert(diff < 1e-4 * scaleOf(b), `${what}: max abs diff ${diff} (scale ${scaleOf(b)})`);
    }
    assertEquals(liveCounts(), before);
  });
}

Deno.test("compileTraining keeps dropout active", async () => {
  await setupBackend();
  const model = buildModel(REFERENCE_CNN, { seed: 3 });
  const forward = compileTraining(model);
  const diff = tf.tidy(() => {
    const x = tf.tensor4d(seededValues([4, 28, 28, 1], 1), [4, 28, 28, 1]);
    return maxAbsDiff(forward(x).dataSync(), (model.predict(x) as tf.Tensor).dataSync());
  });
  assert(diff > 1e-3, `training and inference outputs differ by ${diff} only`);
  model.dispose();
});
