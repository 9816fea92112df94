/**
 * A typed, validated builder of the convolutional networks Digit Lab
 * trains, two ready-made configurations, and a text summary of a model.
 *
 * Convolution dilation is deliberately not offered: TensorFlow.js cannot
 * compute the gradient of a convolution with a dilation rate above 1, so
 * such a model could be built but never trained.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import { createRng, InvalidArgumentError } from "../core/mod.ts";

/** Activation functions a layer may use. */
export type Activation = "relu" | "elu" | "selu" | "tanh" | "sigmoid" | "softmax" | "linear";

/** A square size (`3`) or `[height, width]`. */
export type Size2D = number | [number, number];

/** One layer of a {@linkcode ModelConfig}. */
export type LayerSpec =
  | {
    type: "conv2d";
    filters: number;
    kernelSize: Size2D;
    strides?: Size2D;
    padding?: "valid" | "same";
    activation?: Activation;
  }
  | { type: "maxPool2d"; poolSize: Size2D; strides?: Size2D }
  | { type: "batchNorm" }
  | { type: "dropout"; rate: number }
  | { type: "flatten" }
  | { type: "dense"; units: number; activation?: Activation }
  | { type: "globalAveragePool2d" };

/** A whole network: input shape, hidden layers, and class count. */
export interface ModelConfig {
  /** `[rows, cols, channels]` of one input image. */
  inputShape: [number, number, number];
  /** Layers in order; a `dense(numClasses, softmax)` is appended unless last. */
  layers: LayerSpec[];
  /** Number of output classes. */
  numClasses: number;
}

/** Options of {@linkcode buildModel}. */
export interface BuildOptions {
  /** Seed of every weight initialiser; equal seeds give equal initial weights. */
  seed: number;
  /** Adam learning rate (default 1e-3). */
  learningRate?: number;
}

/** One row of a {@linkcode ModelSummary}. */
export interface LayerSummary {
  /** The layer's name, e.g. `conv2d_Conv2D1`. */
  name: string;
  /** The layer's class, e.g. `Conv2D`. */
  type: string;
  /** Output shape with `null` for the batch dimension. */
  outputShape: (number | null)[];
  /** Number of weights in the layer. */
  params: number;
}

/** What {@linkcode summarizeModel} reports. */
export interface ModelSummary {
  /** One entry per layer, in order. */
  layers: LayerSummary[];
  /** All weights, trainable or not. */
  totalParams: number;
  /** Weights the optimiser updates. */
  trainableParams: number;
}

/**
 * The reference network: conv32 3x3 relu, max-pool 2, conv64 3x3 relu,
 * max-pool 2, flatten, dropout 0.5, dense 10 softmax (34,826 parameters).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { REFERENCE_CNN, validateModelConfig } from "./architecture.ts";
 * assertEquals(validateModelConfig(REFERENCE_CNN).at(-1), [10]); // ends in its classifier
 * ```
 */
export const REFERENCE_CNN: ModelConfig = {
  inputShape: [28, 28, 1],
  layers: [
    { type: "conv2d", filters: 32, kernelSize: 3, activation: "relu" },
    { type: "maxPool2d", poolSize: 2 },
    { type: "conv2d", filters: 64, kernelSize: 3, activation: "relu" },
    { type: "maxPool2d", poolSize: 2 },
    { type: "flatten" },
    { type: "dropout", rate: 0.5 },
    { type: "dense", units: 10, activation: "softmax" },
  ],
  numClasses: 10,
};

/**
 * A stronger network that stays cheap on a CPU: two blocks of two 3x3
 * convolutions (32 then 64 filters, valid padding) each followed by batch
 * normalisation, then max-pool and dropout; then dense 128 with batch
 * normalisation and dropout, and dense 10 (about 200k parameters).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { STRONG_CNN, validateModelConfig } from "./architecture.ts";
 * assertEquals(validateModelConfig(STRONG_CNN).at(-1), [10]); // ends in its classifier
 * ```
 */
export const STRONG_CNN: ModelConfig = {
  inputShape: [28, 28, 1],
  layers: [
    { type: "conv2d", filters: 32, kernelSize: 3, activation: "relu" },
    { type: "batchNorm" },
    { type: "conv2d", filters: 32, kernelSize: 3, activation: "relu" },
    { type: "batchNorm" },
    { type: "maxPool2d", poolSize: 2 },
    { type: "dropout", rate: 0.25 },
    { type: "conv2d", filters: 64, kernelSize: 3, activation: "relu" },
    { type: "batchNorm" },
    { type: "conv2d", filters: 64, kernelSize: 3, activation: "relu" },
    { type: "batchNorm" },
    { type: "maxPool2d", poolSize: 2 },
    { type: "dropout", rate: 0.25 },
    { type: "flatten" },
    { type: "dense", units: 128, activation: "relu" },
    { type: "batchNorm" },
    { type: "dropout", rate: 0.4 },
    { type: "dense", units: 10, activation: "softmax" },
  ],
  numClasses: 10,
};

/**
 * The named architectures the command line offers (`--model NAME`).
 *
 * @example
 * ```ts
 * import { assertEquals, assertStrictEquals } from "@std/assert";
 * import { MODEL_CONFIGS, REFERENCE_CNN } from "./architecture.ts";
 * assertEquals(Object.keys(MODEL_CONFIGS), ["reference", "strong"]);
 * assertStrictEquals(MODEL_CONFIGS.reference, REFERENCE_CNN);
 * ```
 */
export const MODEL_CONFIGS: Readonly<Record<string, ModelConfig>> = Object.freeze({
  reference: REFERENCE_CNN,
  strong: STRONG_CNN,
});

const ACTIVATIONS: ReadonlySet<string> = new Set<Activation>([
  "relu",
  "elu",
  "selu",
  "tanh",
  "sigmoid",
  "softmax",
  "linear",
]);

function pair(value: Size2D): [number, number] {
  return typeof value === "number" ? [value, value] : value;
}

function isPositiveInteger(value: unknown): boolean {
  return typeof value === "number" && Number.isInteger(value) && value > 0;
}

/** The layers of `config` with the softmax classifier appended when missing. */
function withClassifier(config: ModelConfig): LayerSpec[] {
  const last = config.layers.at(-1);
  const done = last?.type === "dense" && last.units === config.numClasses &&
    last.activation === "softmax";
  return done
    ? config.layers
    : [...config.layers, { type: "dense", units: config.numClasses, activation: "softmax" }];
}

/**
 * Checks a configuration layer by layer, following the output shape.
 *
 * @returns The output shape (without the batch dimension) after each layer,
 *   including an appended classifier.
 * @throws {InvalidArgumentError} naming the layer index and the bad value
 *   (a kernel larger than its input, a pool that shrinks to zero, a dropout
 *   rate outside [0, 1), a dense layer on an unflattened input, ...).
 *
 * @example
 * ```ts
 * import { assertEquals, assertThrows } from "@std/assert";
 * import { REFERENCE_CNN, validateModelConfig } from "./architecture.ts";
 * import { InvalidArgumentError } from "../core/errors.ts";
 * const shapes = validateModelConfig(REFERENCE_CNN);
 * assertEquals(shapes.slice(0, 2), [[26, 26, 32], [13, 13, 32]]);
 * const base = { inputShape: [28, 28, 1] as [number, number, number], numClasses: 10 };
 * assertThrows(
 *   () => validateModelConfig({ ...base, layers: [{ type: "dense", units: 8 }] }),
 *   InvalidArgumentError,
 *   "layer 0 (dense): needs a flat input, got [28,28,1]",
 * );
 * ```
 */
export function validateModelConfig(config: ModelConfig): number[][] {
  const { inputShape, numClasses } = config;
  if (
    !Array.isArray(inputShape) || inputShape.length !== 3 || !inputShape.every(isPositiveInteger)
  ) {
    throw new InvalidArgumentError(
      `inputShape must be [rows, cols, channels] of positive integers, got ${
        JSON.stringify(inputShape)
      }`,
    );
  }
  if (!Number.isInteger(numClasses) || numClasses < 2) {
    throw new InvalidArgumentError(`numClasses must be an integer >= 2, got ${numClasses}`);
  }
  if (!Array.isArray(config.layers)) {
    throw new InvalidArgumentError(`layers must be an array, got ${JSON.stringify(config.layers)}`);
  }
  let shape: number[] = [...inputShape];
  const shapes: number[][] = [];
  withClassifier(config).forEach((spec, i) => {
    const fail = (what: string): never => {
      throw new InvalidArgumentError(`layer ${i} (${spec.type}): ${what}`);
    };
    const sizes = (name: string, value: Size2D | undefined): [number, number] => {
      const p = value === undefined ? undefined : pair(value);
      if (!p || p.length !== 2 || !p.every(isPositiveInteger)) {
        fail(`${name} must be a positive integer or a pair of them, got ${JSON.stringify(value)}`);
      }
      return p as [number, number];
    };
    const spatial = () => {
      if (shape.length !== 3) {
        fail(`needs a [rows, cols, channels] input, got [${shape}] (put it before flatten)`);
      }
    };
    const activation = (value: string | undefined) => {
      if (value !== undefined && !ACTIVATIONS.has(value)) {
        fail(`unknown activation ${JSON.stringify(value)} (one of ${[...ACTIVATIONS].join(", ")})`);
      }
    };
    switch (spec.type) {
      case "conv2d": {
        spatial();
        if (!isPositiveInteger(spec.filters)) {
          fail(`filters must be a positive integer, got ${spec.filters}`);
        }
        const [kh, kw] = sizes("kernelSize", spec.kernelSize);
        const [sh, sw] = sizes("strides", spec.strides ?? 1);
        const padding = spec.padding ?? "valid";
        if (padding !== "valid" && padding !== "same") {
          fail(`padding must be "valid" or "same", got ${JSON.stringify(padding)}`);
        }
        activation(spec.activation);
        if (padding === "valid" && (kh > shape[0] || kw > shape[1])) {
          fail(`kernel ${kh}x${kw} is larger than its ${shape[0]}x${shape[1]} input`);
        }
        shape = padding === "same"
          ? [Math.ceil(shape[0] / sh), Math.ceil(shape[1] / sw), spec.filters]
          : [
            Math.floor((shape[0] - kh) / sh) + 1,
            Math.floor((shape[1] - kw) / sw) + 1,
            spec.filters,
          ];
        break;
      }
      case "maxPool2d": {
        spatial();
        const [ph, pw] = sizes("poolSize", spec.poolSize);
        const [sh, sw] = sizes("strides", spec.strides ?? spec.poolSize);
        const rows = Math.floor((shape[0] - ph) / sh) + 1;
        const cols = Math.floor((shape[1] - pw) / sw) + 1;
        if (rows < 1 || cols < 1) {
          fail(`pool ${ph}x${pw} shrinks its ${shape[0]}x${shape[1]} input to zero`);
        }
        shape = [rows, cols, shape[2]];
        break;
      }
      case "globalAveragePool2d":
        spatial();
        shape = [shape[2]];
        break;
      case "batchNorm":
        break;
      case "dropout":
        if (typeof spec.rate !== "number" || !(spec.rate >= 0 && spec.rate < 1)) {
          fail(`rate must be in [0, 1), got ${spec.rate}`);
        }
        break;
      case "flatten":
        shape = [shape.reduce((a, b) => a * b, 1)];
        break;
      case "dense":
        if (!isPositiveInteger(spec.units)) {
          fail(`units must be a positive integer, got ${spec.units}`);
        }
        activation(spec.activation);
        if (shape.length !== 1) {
          fail(`needs a flat input, got [${shape}] (add flatten or globalAveragePool2d first)`);
        }
        shape = [spec.units];
        break;
      default:
        fail(`unknown layer type ${JSON.stringify((spec as { type: unknown }).type)}`);
    }
    shapes.push(shape);
  });
  return shapes;
}

/**
 * Builds and compiles a model (Adam, categorical cross-entropy, accuracy)
 * whose initial weights depend only on `seed`. Dropout layers get no fixed
 * seed here: `trainModel` reseeds them every step so training is
 * reproducible without repeating one mask.
 *
 * @throws {InvalidArgumentError} when the configuration, seed or learning
 *   rate is invalid.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { buildModel, REFERENCE_CNN } from "./architecture.ts";
 * import { setupBackend } from "../kernels/mod.ts";
 * await setupBackend();
 * const a = buildModel(REFERENCE_CNN, { seed: 42 });
 * const b = buildModel(REFERENCE_CNN, { seed: 42 });
 * assertEquals(a.countParams(), 34826);
 * assertEquals(a.getWeights()[0].dataSync(), b.getWeights()[0].dataSync()); // same seed, same weights
 * a.dispose();
 * b.dispose();
 * ```
 */
export function buildModel(config: ModelConfig, options: BuildOptions): tf.LayersModel {
  validateModelConfig(config);
  const { seed, learningRate = 1e-3 } = options;
  const rng = createRng(seed);
  if (!(learningRate > 0 && Number.isFinite(learningRate))) {
    throw new InvalidArgumentError(
      `learningRate must be a positive finite number, got ${learningRate}`,
    );
  }
  const initializer = () => tf.initializers.glorotUniform({ seed: Math.floor(rng() * 2 ** 31) });
  const model = tf.sequential();
  model.add(tf.layers.inputLayer({ inputShape: config.inputShape }));
  for (const spec of withClassifier(config)) {
    switch (spec.type) {
      case "conv2d":
        model.add(tf.layers.conv2d({
          filters: spec.filters,
          kernelSize: spec.kernelSize,
          strides: spec.strides ?? 1,
          padding: spec.padding ?? "valid",
          activation: spec.activation ?? "linear",
          kernelInitializer: initializer(),
        }));
        break;
      case "maxPool2d":
        model.add(tf.layers.maxPooling2d({ poolSize: spec.poolSize, strides: spec.strides }));
        break;
      case "batchNorm":
        model.add(tf.layers.batchNormalization());
        break;
      case "dropout":
        model.add(tf.layers.dropout({ rate: spec.rate }));
        break;
      case "flatten":
        model.add(tf.layers.flatten());
        break;
      case "dense":
        model.add(tf.layers.dense({
          units: spec.units,
          activation: spec.activation ?? "linear",
          kernelInitializer: initializer(),
        }));
        break;
      case "globalAveragePool2d":
        model.add(tf.layers.globalAveragePooling2d({}));
        break;
    }
  }
  model.compile({
    optimizer: tf.train.adam(learningRate),
    loss: "categoricalCrossentropy",
    metrics: ["accuracy"],
  });
  // The optimizer was made for this model alone: let model.dispose() free its variables too.
  (model as unknown as { isOptimizerOwned: boolean }).isOptimizerOwned = true;
  return model;
}

/**
 * A model's dropout layers, in order, with the seed field their masks are
 * drawn from (set it before a training step for reproducible masks; it is
 * private in tfjs-layers, hence the narrow type).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { buildModel, dropoutLayers, REFERENCE_CNN } from "./architecture.ts";
 * import { setupBackend } from "../kernels/mod.ts";
 * await setupBackend();
 * const model = buildModel(REFERENCE_CNN, { seed: 1 });
 * const dropouts = dropoutLayers(model);
 * assertEquals(dropouts.length, 1);
 * dropouts[0].seed = 7; // the next training step's mask is drawn from seed 7
 * model.dispose();
 * ```
 */
export function dropoutLayers(model: tf.LayersModel): { seed?: number }[] {
  return model.layers.filter((l) => l.getClassName() === "Dropout") as unknown[] as {
    seed?: number;
  }[];
}

/**
 * Lists a model's layers with output shapes and parameter counts.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { buildModel, REFERENCE_CNN, summarizeModel } from "./architecture.ts";
 * import { setupBackend } from "../kernels/mod.ts";
 * await setupBackend();
 * const model = buildModel(REFERENCE_CNN, { seed: 1 });
 * const summary = summarizeModel(model);
 * assertEquals([summary.totalParams, summary.trainableParams], [34826, 34826]);
 * assertEquals(summary.layers[0].outputShape, [null, 26, 26, 32]);
 * model.dispose();
 * ```
 */
export function summarizeModel(model: tf.LayersModel): ModelSummary {
  const layers = model.layers.filter((l) => l.getClassName() !== "InputLayer").map((layer) => {
    const shape = layer.outputShape;
    const single = (Array.isArray(shape[0]) ? shape[0] : shape) as (number | null)[];
    return {
      name: layer.name,
      type: layer.getClassName(),
      outputShape: [...single],
      params: layer.countParams(),
    };
  });
  const count = (weights: tf.LayerVariable[]) =>
    weights.reduce((sum, w) => sum + w.shape.reduce((a: number, b) => a * (b ?? 1), 1), 0);
  return {
    layers,
    totalParams: layers.reduce((sum, l) => sum + l.params, 0),
    trainableParams: count(model.trainableWeights),
  };
}

/**
 * Renders a {@linkcode ModelSummary} as a text table.
 *
 * @example
 * ```ts
 * import { assertMatch } from "@std/assert";
 * import { formatSummary } from "./architecture.ts";
 * const text = formatSummary({
 *   layers: [{ name: "dense_1", type: "Dense", outputShape: [null, 10], params: 7850 }],
 *   totalParams: 7850,
 *   trainableParams: 7850,
 * });
 * assertMatch(text, /^dense_1\s+Dense\s+\[null, 10\]\s+7,850$/m);
 * assertMatch(text, /^Non-trainable params: 0$/m);
 * ```
 */
export function formatSummary(summary: ModelSummary): string {
  const rows = [
    ["Layer", "Type", "Output shape", "Params"],
    ...summary.layers.map((l) => [
      l.name,
      l.type,
      `[${l.outputShape.map((d) => d ?? "null").join(", ")}]`,
      l.params.toLocaleString("en-US"),
    ]),
  ];
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  const line = (r: string[]) =>
    r.map((cell, c) => c === 3 ? cell.padStart(widths[c]) : cell.padEnd(widths[c])).join("  ");
  const rule = "-".repeat(widths.reduce((a, b) => a + b, 0) + 2 * (widths.length - 1));
  return [
    line(rows[0]),
    rule,
    ...rows.slice(1).map(line),
    rule,
    `Total params: ${summary.totalParams.toLocaleString("en-US")}`,
    `Trainable params: ${summary.trainableParams.toLocaleString("en-US")}`,
    `Non-trainable params: ${
      (summary.totalParams - summary.trainableParams).toLocaleString("en-US")
    }`,
  ].join("\n");
}
