import * as tf from "@tensorflow/tfjs";
import {
  assert,
  assertEquals,
  assertNotEquals,
  assertStringIncludes,
  assertThrows,
} from "@std/assert";
import { setupBackend } from "../../lib/kernels/backend.ts";
import { InvalidArgumentError } from "../../lib/core/errors.ts";
import {
  buildModel,
  dropoutLayers,
  formatSummary,
  type LayerSpec,
  type ModelConfig,
  REFERENCE_CNN,
  STRONG_CNN,
  summarizeModel,
  validateModelConfig,
} from "../../lib/model/architecture.ts";

const MIXED: ModelConfig = {
  inputShape: [12, 10, 1],
  layers: [
    {
      type: "conv2d",
      filters: 4,
      kernelSize: [3, 2],
      strides: 2,
      padding: "same",
      activation: "elu",
    },
    { type: "batchNorm" },
    { type: "conv2d", filters: 6, kernelSize: 3, activation: "tanh" },
    { type: "maxPool2d", poolSize: [2, 1], strides: 1 },
    { type: "globalAveragePool2d" },
    { type: "dropout", rate: 0.2 },
    { type: "dense", units: 5, activation: "relu" },
  ],
  numClasses: 3,
};

Deno.test("REFERENCE_CNN has 34,826 parameters and the expected shapes", async () => {
  await setupBackend();
  const before = tf.memory().numTensors;
  const model = buildModel(REFERENCE_CNN, { seed: 1 });
  const summary = summarizeModel(model);
  assertEquals(summary.totalParams, 34826);
  assertEquals(summary.trainableParams, 34826);
  assertEquals(model.countParams(), 34826);
  assertEquals(summary.layers.map((l) => [l.type, l.outputShape, l.params]), [
    ["Conv2D", [null, 26, 26, 32], 320],
    ["MaxPooling2D", [null, 13, 13, 32], 0],
    ["Conv2D", [null, 11, 11, 64], 18496],
    ["MaxPooling2D", [null, 5, 5, 64], 0],
    ["Flatten", [null, 1600], 0],
    ["Dropout", [null, 1600], 0],
    ["Dense", [null, 10], 16010],
  ]);
  const text = formatSummary(summary);
  assertStringIncludes(text, "Total params: 34,826");
  assertStringIncludes(text, "[null, 11, 11, 64]");
  assertEquals(text.split("\n").length, 2 + 7 + 4);
  const probs = tf.tidy(() => (model.predict(tf.zeros([2, 28, 28, 1])) as tf.Tensor).sum(1));
  assertEquals(probs.shape, [2]);
  probs.dataSync().forEach((s) => assert(Math.abs(s - 1) < 1e-5));
  probs.dispose();
  model.dispose();
  assertEquals(tf.memory().numTensors, before);
});

Deno.test("STRONG_CNN stays small and counts batch-norm statistics as non-trainable", async () => {
  await setupBackend();
  const before = tf.memory().numTensors;
  const model = buildModel(STRONG_CNN, { seed: 1 });
  const summary = summarizeModel(model);
  assert(summary.totalParams < 1_200_000, `${summary.totalParams} parameters`);
  const bnChannels = 32 + 32 + 64 + 64 + 128;
  assertEquals(summary.totalParams - summary.trainableParams, 2 * bnChannels);
  assertEquals(summary.totalParams, model.countParams());
  assertEquals(model.outputs[0].shape, [null, 10]);
  model.dispose();
  assertEquals(tf.memory().numTensors, before);
});

Deno.test("validateModelConfig's shapes match the built model's", async () => {
  await setupBackend();
  const before = tf.memory().numTensors;
  for (const config of [REFERENCE_CNN, STRONG_CNN, MIXED]) {
    const model = buildModel(config, { seed: 3 });
    const built = summarizeModel(model).layers.map((l) => l.outputShape.slice(1));
    assertEquals(validateModelConfig(config), built);
    model.dispose();
  }
  assertEquals(tf.memory().numTensors, before);
});

Deno.test("a softmax classifier is appended unless the config ends with one", async () => {
  await setupBackend();
  const before = tf.memory().numTensors;
  const bare = buildModel({ inputShape: [4, 4, 1], layers: [{ type: "flatten" }], numClasses: 3 }, {
    seed: 1,
  });
  const last = bare.layers.at(-1)!;
  assertEquals(last.getClassName(), "Dense");
  assertEquals(last.getConfig().units, 3);
  assertEquals(last.getConfig().activation, "softmax");
  assertEquals(summarizeModel(bare).layers.length, 2);
  bare.dispose();
  const complete = buildModel(REFERENCE_CNN, { seed: 1 });
  assertEquals(summarizeModel(complete).layers.length, REFERENCE_CNN.layers.length);
  complete.dispose();
  assertEquals(tf.memory().numTensors, before);
});

Deno.test("the same seed gives identical initial weights, another seed different ones", async () => {
  await setupBackend();
  const before = tf.memory().numTensors;
  const weights = (seed: number) => {
    const model = buildModel(STRONG_CNN, { seed });
    const values = model.getWeights().map((w) => Array.from(w.dataSync()));
    const kernels = model.layers.filter((l) => /Conv2D|Dense/.test(l.getClassName()))
      .map((l) => Array.from(l.getWeights()[0].dataSync()));
    model.dispose();
    return { values, kernels };
  };
  const a = weights(42);
  assertEquals(weights(42), a);
  const b = weights(43);
  assertEquals(a.kernels.length, 6);
  a.kernels.forEach((kernel, i) => assertNotEquals(b.kernels[i], kernel));
  // Layers get distinct seeds: the first 9 weights of the two 32-filter convolutions differ.
  assertNotEquals(a.kernels[1].slice(0, 9), a.kernels[0].slice(0, 9));
  assertEquals(tf.memory().numTensors, before);
});

Deno.test("invalid configs are rejected naming the layer and value", () => {
  const at = (layers: LayerSpec[], inputShape: [number, number, number] = [8, 8, 1]) => () =>
    validateModelConfig({ inputShape, layers, numClasses: 10 });
  assertThrows(
    at([{ type: "conv2d", filters: 4, kernelSize: 5 }], [4, 4, 1]),
    InvalidArgumentError,
    "layer 0 (conv2d): kernel 5x5 is larger than its 4x4 input",
  );
  assertThrows(
    at([{ type: "maxPool2d", poolSize: 2 }, { type: "maxPool2d", poolSize: 5 }, {
      type: "flatten",
    }]),
    InvalidArgumentError,
    "layer 1 (maxPool2d): pool 5x5 shrinks its 4x4 input to zero",
  );
  assertThrows(
    at([{ type: "flatten" }, { type: "dropout", rate: -0.1 }]),
    InvalidArgumentError,
    "layer 1 (dropout): rate must be in [0, 1), got -0.1",
  );
  assertThrows(at([{ type: "dropout", rate: 1 }]), InvalidArgumentError, "got 1");
  assertThrows(
    at([{ type: "dense", units: 4 }]),
    InvalidArgumentError,
    "layer 0 (dense): needs a flat input, got [8,8,1]",
  );
  assertThrows(at([]), InvalidArgumentError, "layer 0 (dense)");
  assertThrows(
    at([{ type: "flatten" }, { type: "conv2d", filters: 2, kernelSize: 1 }]),
    InvalidArgumentError,
    "layer 1 (conv2d): needs a [rows, cols, channels] input",
  );
  assertThrows(
    at([{ type: "conv2d", filters: 0, kernelSize: 3 }]),
    InvalidArgumentError,
    "filters must be a positive integer, got 0",
  );
  assertThrows(
    at([{ type: "conv2d", filters: 2, kernelSize: 3, activation: "gelu" as "relu" }]),
    InvalidArgumentError,
    '"gelu"',
  );
  assertThrows(at([{ type: "conv3d" } as unknown as LayerSpec]), InvalidArgumentError, '"conv3d"');
  assertThrows(
    () => validateModelConfig({ inputShape: [28, 28, 0], layers: [], numClasses: 10 }),
    InvalidArgumentError,
    "[28,28,0]",
  );
  assertThrows(
    () => validateModelConfig({ ...REFERENCE_CNN, numClasses: 1 }),
    InvalidArgumentError,
    "numClasses must be an integer >= 2, got 1",
  );
  assertThrows(
    () => buildModel(REFERENCE_CNN, { seed: 1, learningRate: 0 }),
    InvalidArgumentError,
    "learningRate",
  );
  assertThrows(() => buildModel(REFERENCE_CNN, { seed: 1.5 }), InvalidArgumentError, "1.5");
});

Deno.test("dropoutLayers lists the dropout layers in order, seeds settable", async () => {
  await setupBackend();
  const model = buildModel(STRONG_CNN, { seed: 1 });
  const layers = dropoutLayers(model);
  assertEquals(layers.length, STRONG_CNN.layers.filter((l) => l.type === "dropout").length);
  layers[0].seed = 5;
  const first = model.layers.find((l) => l.getClassName() === "Dropout")!;
  assertEquals(first.getConfig().seed, 5);
  model.dispose();
});
