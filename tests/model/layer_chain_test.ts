import * as tf from "@tensorflow/tfjs";
import { assert, assertEquals } from "@std/assert";
import { setupBackend } from "../../lib/kernels/backend.ts";
import { compileInference, compileTraining } from "../../lib/model/layer_chain.ts";
import { seededDropout } from "../../lib/model/seeded_dropout.ts";
import {
  buildModel,
  dropoutLayers,
  REFERENCE_CNN,
  STRONG_CNN,
} from "../../lib/model/architecture.ts";
import { createRng } from "../../lib/core/random.ts";
import {
  liveCounts,
  maxAbsDiff,
  onBothBackends,
  scaleOf,
  seededValues,
} from "../kernels/_compare.ts";

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

/**
 * `model.apply(x, { training: true })`, with seeded dropout's masks for its
 * dropout layers (seed 7) where tfjs would draw its own: the masks the
 * chain draws, so that both compute the same.
 */
function layerByLayer(model: tf.LayersModel, x: tf.Tensor): tf.Tensor {
  if (!(model instanceof tf.Sequential)) return model.apply(x, { training: true }) as tf.Tensor;
  let h = x;
  for (const layer of model.layers) {
    if (layer.getClassName() === "InputLayer") continue;
    h = layer.getClassName() === "Dropout"
      ? seededDropout(h, { seed: 7, rate: (layer as unknown as { rate: number }).rate })
      : layer.apply(h, { training: true }) as tf.Tensor;
  }
  return h;
}

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
      const forward = chain ? compileTraining(model) : (x: tf.Tensor) => layerByLayer(model, x);
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
  [
    "the reference CNN (dropout active, the same seeded masks)",
    () => buildModel(REFERENCE_CNN, { seed: 3 }),
  ],
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

Deno.test("compileTraining runs a model's opening conv-ReLU-pool block as one kernel", async () => {
  await setupBackend();
  const kernels = async (model: tf.LayersModel) => {
    const forward = compileTraining(model);
    const x = tf.ones([2, 28, 28, 1]);
    const names = (await tf.profile(() => tf.tidy(() => void forward(x, { dropout: false }))))
      .kernels.map((k) => `${k.name} [${k.inputShapes[0]}]`);
    x.dispose();
    model.dispose();
    return names;
  };
  const reference = await kernels(buildModel(REFERENCE_CNN, { seed: 1 }));
  assertEquals(reference.filter((k) => k.startsWith("DigitLab") || k.startsWith("FusedConv2D")), [
    "DigitLabConv3x3ReluPool [2,28,28,1]", // conv1, its ReLU and pool
    "FusedConv2D [2,13,13,32]", // conv2 feeds on conv1: it needs an input gradient
    "DigitLabReluMaxPool2x2 [2,11,11,64]",
  ]);
  // The strong CNN's first convolution feeds a batch norm, not a pool.
  const strong = await kernels(buildModel(STRONG_CNN, { seed: 1 }));
  assert(!strong.some((k) => k.startsWith("DigitLabConv3x3ReluPool")), strong.join(", "));
  assert(strong.includes("FusedConv2D [2,28,28,1]"), strong.join(", "));
});
