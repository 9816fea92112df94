/**
 * One chain of layers for a sequential model, built once per model and run
 * two ways: forward for inference, and forward for training with its
 * backward pass (`tf.variableGrads` over it). Each layer becomes one step,
 * the op its layer would run without tfjs-layers' bookkeeping:
 *
 * - a Conv2D runs as one fused op (bias and activation applied as its
 *   outputs are written). In training, a linear or ReLU convolution runs
 *   as the `FusedConv2D` kernel, differentiated by
 *   `kernels/fused_conv2d_grad.ts`, and on the wasm backend a 2×2 max
 *   pooling right after a ReLU convolution runs as our ReLU-pool kernel,
 *   whose gradient also does the ReLU's and the bias's share
 *   (`kernels/relu_max_pool.ts`); when such a block of one input channel
 *   opens the model, convolution, ReLU and pool run as one kernel that
 *   never writes the convolution's output (`kernels/conv_relu_pool.ts`).
 *   Under `tf.grads`, tfjs-layers would run
 *   each convolution as three ops (convolution, bias add, ReLU), each a
 *   pass over the layer's largest tensor, forward and backward;
 * - a batch normalisation normalises with its moving statistics for
 *   inference (after the max pooling that follows it when that gives the
 *   same values to the bit, see `isMonotone`), and in training with the
 *   statistics of every shard of the batch (`batch_norm_training.ts`), so
 *   that the shards of a data-parallel step train as one thread on the
 *   whole batch would;
 * - max pooling, a dense layer (a fused matrix product; softmax after the
 *   bias) and flatten run as their ops for inference; dropout is skipped
 *   there; in training these and every other layer run as
 *   `layer.apply(x, { training: true })`.
 *
 * Inference skips `predict`'s batching and graph bookkeeping, which
 * dominate for one image. Models that are not sequential go through
 * `model.predict` and `model.apply`.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import { CONV_RELU_POOL, RELU_MAX_POOL } from "../kernels/mod.ts";
import {
  type BatchNormLayer,
  batchNormLayer,
  batchNormTraining,
  type ShardContext,
} from "./batch_norm_training.ts";
import { layerWeight } from "./layer_weights.ts";
import { seededDropout } from "./seeded_dropout.ts";

/**
 * A batch normalisation over the channels of NHWC images, and whether it
 * is monotone non-decreasing in every channel (then it commutes exactly
 * with a max-pooling).
 */
interface ChannelNorm {
  layer: tf.layers.Layer;
  /** Gamma, beta, moving mean, moving variance (gamma or beta null when the layer has none). */
  variables: (tf.LayerVariable | null)[];
  /** The layer's variance epsilon. */
  epsilon: number;
  /** The variables' data ids when `monotone` was found (they change on assignment). */
  ids: unknown[];
  monotone: boolean;
}

/**
 * A channels-last 2-D convolution with a fusable activation, as the layer
 * computes it.
 */
export interface Convolution {
  kernel: tf.LayerVariable;
  bias: tf.LayerVariable | null;
  strides: [number, number];
  pad: "valid" | "same";
  dilations: [number, number];
  activation: "relu" | "linear" | "elu";
}

/** A channels-last max-pooling, as the layer computes it. */
export interface MaxPooling {
  poolSize: [number, number];
  strides: [number, number];
  pad: "valid" | "same";
}

/**
 * One step of the chain, with the layer it runs: a convolution, max
 * pooling, batch normalisation (for inference, and for training when the
 * training chain runs it over shards), dense layer or flatten run as its
 * ops, a dropout, or any other layer applied as is.
 */
type Step =
  | { kind: "conv"; layer: tf.layers.Layer; conv: Convolution }
  | { kind: "maxPool"; layer: tf.layers.Layer; pool: MaxPooling }
  | { kind: "norm"; layer: tf.layers.Layer; norm: ChannelNorm; training: BatchNormLayer | null }
  | { kind: "dense"; layer: tf.layers.Layer; dense: DenseLayer }
  | { kind: "flatten"; layer: tf.layers.Layer }
  | { kind: "dropout"; layer: tf.layers.Layer }
  | { kind: "layer"; layer: tf.layers.Layer };

function pair(value: unknown): [number, number] | null {
  const v = typeof value === "number" ? [value, value] : value;
  return Array.isArray(v) && v.length === 2 && v.every(Number.isInteger) ? [v[0], v[1]] : null;
}

function padding(value: unknown): "valid" | "same" | null {
  return value === "valid" || value === "same" ? value : null;
}

/**
 * The op a Conv2D layer runs (`conv2dWithBiasActivation` in tfjs-layers)
 * when it is one fused op (channels last, a linear, ReLU or ELU
 * activation), else null.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { convolution } from "./layer_chain.ts";
 * import { buildModel, REFERENCE_CNN } from "./architecture.ts";
 * import { setupBackend } from "../kernels/mod.ts";
 * await setupBackend();
 * const model = buildModel(REFERENCE_CNN, { seed: 1 });
 * const [, conv, pool] = model.layers; // layers[0] is the input layer
 * const c = convolution(conv);
 * assertEquals([c?.activation, c?.strides, c?.pad], ["relu", [1, 1], "valid"]);
 * assertEquals(convolution(pool), null);
 * model.dispose();
 * ```
 */
export function convolution(layer: tf.layers.Layer): Convolution | null {
  if (layer.getClassName() !== "Conv2D") return null;
  const config = layer.getConfig();
  const strides = pair(config.strides), dilations = pair(config.dilationRate);
  const pad = padding(config.padding), activation = config.activation;
  if (strides === null || dilations === null || pad === null) return null;
  if (config.dataFormat !== "channelsLast") return null;
  if (activation !== "relu" && activation !== "linear" && activation !== "elu") return null;
  const kernel = layerWeight(layer, "kernel"), bias = layerWeight(layer, "bias");
  if (kernel === null || (config.useBias !== false) !== (bias !== null)) return null;
  return { kernel, bias, strides, dilations, pad, activation };
}

/** A dense layer on flat inputs, as the layer computes it. */
interface DenseLayer {
  kernel: tf.LayerVariable;
  bias: tf.LayerVariable | null;
  /** Fused into the matrix product, or softmax after adding the bias. */
  activation: "relu" | "linear" | "elu" | "softmax";
}

/** The ops a Dense layer runs on 2-D inputs (`dot` and `biasAdd` in tfjs-layers). */
function dense(layer: tf.layers.Layer): DenseLayer | null {
  if (layer.getClassName() !== "Dense") return null;
  if ((layer.input as tf.SymbolicTensor).shape.length !== 2) return null;
  const config = layer.getConfig();
  const activation = config.activation;
  if (
    activation !== "relu" && activation !== "linear" && activation !== "elu" &&
    activation !== "softmax"
  ) return null;
  const kernel = layerWeight(layer, "kernel"), bias = layerWeight(layer, "bias");
  if (kernel === null || (config.useBias !== false) !== (bias !== null)) return null;
  return { kernel, bias, activation };
}

/** A Flatten layer on channels-last inputs: a reshape (`batchFlatten` in tfjs-layers). */
function isFlatten(layer: tf.layers.Layer): boolean {
  return layer.getClassName() === "Flatten" && layer.getConfig().dataFormat !== "channelsFirst";
}

/**
 * The op a MaxPooling2D layer runs (`pool2d` in tfjs-layers) when it pools
 * channels-last images, else null.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { maxPooling } from "./layer_chain.ts";
 * import { buildModel, REFERENCE_CNN } from "./architecture.ts";
 * import { setupBackend } from "../kernels/mod.ts";
 * await setupBackend();
 * const model = buildModel(REFERENCE_CNN, { seed: 1 });
 * const [, conv, pool] = model.layers; // layers[0] is the input layer
 * assertEquals(maxPooling(pool), { poolSize: [2, 2], strides: [2, 2], pad: "valid" });
 * assertEquals(maxPooling(conv), null);
 * model.dispose();
 * ```
 */
export function maxPooling(layer: tf.layers.Layer): MaxPooling | null {
  if (layer.getClassName() !== "MaxPooling2D") return null;
  const config = layer.getConfig();
  const poolSize = pair(config.poolSize), strides = pair(config.strides);
  const pad = padding(config.padding);
  if (poolSize === null || strides === null || pad === null) return null;
  return config.dataFormat === "channelsLast" ? { poolSize, strides, pad } : null;
}

/**
 * A batch normalisation layer over the last axis of 2-D to 4-D inputs
 * (which its layer runs as one `batchNorm` op); null for other layers.
 */
function channelNorm(layer: tf.layers.Layer): ChannelNorm | null {
  if (layer.getClassName() !== "BatchNormalization") return null;
  const config = layer.getConfig();
  const ndim = layer.inputSpec?.[0]?.ndim ?? (layer.input as tf.SymbolicTensor).shape.length;
  if (ndim < 2 || ndim > 4 || !(config.axis === -1 || config.axis === ndim - 1)) return null;
  const variables = [
    layerWeight(layer, "gamma"),
    layerWeight(layer, "beta"),
    layerWeight(layer, "moving_mean"),
    layerWeight(layer, "moving_variance"),
  ];
  const [gamma, beta, mean, variance] = variables;
  if (mean === null || variance === null) return null;
  if ((config.scale !== false && gamma === null) || (config.center !== false && beta === null)) {
    return null;
  }
  return {
    layer,
    variables,
    epsilon: config.epsilon as number,
    ids: [],
    monotone: false,
  };
}

/**
 * Whether the normalisation is monotone non-decreasing in every channel
 * with the current weights. The kernel computes, in float32,
 * `beta + (x - mean) * gamma / sqrt(variance + epsilon)` for each value:
 * when gamma >= 0 and the square root is positive, every step (rounding
 * included) keeps the order of its input, so the maximum of normalised
 * values is the normalised maximum, to the bit.
 */
function isMonotone(norm: ChannelNorm): boolean {
  const tensors = norm.variables.map((v) => v?.read() ?? null);
  if (tensors.every((t, i) => (t?.dataId ?? null) === norm.ids[i])) return norm.monotone;
  const [gamma, beta, mean, variance] = tensors.map((t) => t?.dataSync() ?? null);
  let monotone = true;
  for (let c = 0; c < mean!.length && monotone; c++) {
    const root = Math.fround(Math.sqrt(Math.fround(variance![c] + Math.fround(norm.epsilon))));
    monotone = (gamma === null || (gamma[c] >= 0 && Number.isFinite(gamma[c]))) &&
      root > 0 && Number.isFinite(mean![c]) && (beta === null || Number.isFinite(beta[c]));
  }
  norm.monotone = monotone;
  norm.ids = tensors.map((t) => t?.dataId ?? null);
  return monotone;
}

/** Each sequential model's chain, built once (null: not sequential). */
const chains = new WeakMap<tf.LayersModel, Step[] | null>();

/** The layers of a sequential model as steps (input layers dropped); null for other models. */
function layerChain(model: tf.LayersModel): Step[] | null {
  if (chains.has(model)) return chains.get(model)!;
  let steps: Step[] | null = null;
  if (model instanceof tf.Sequential && model.inputs.length === 1) {
    steps = [];
    for (const layer of model.layers) {
      const kind = layer.getClassName();
      if (kind === "InputLayer") continue;
      const norm = channelNorm(layer), conv = convolution(layer), pool = maxPooling(layer);
      const full = dense(layer);
      steps.push(
        kind === "Dropout"
          ? { kind: "dropout", layer }
          : norm
          ? { kind: "norm", layer, norm, training: batchNormLayer(layer) }
          : conv
          ? { kind: "conv", layer, conv }
          : pool
          ? { kind: "maxPool", layer, pool }
          : full
          ? { kind: "dense", layer, dense: full }
          : isFlatten(layer)
          ? { kind: "flatten", layer }
          : { kind: "layer", layer },
      );
    }
  }
  chains.set(model, steps);
  return steps;
}

function inferStep(step: Step, x: tf.Tensor): tf.Tensor {
  switch (step.kind) {
    case "conv": {
      const { kernel, bias, strides, pad, dilations, activation } = step.conv;
      return tf.fused.conv2d({
        x: x as tf.Tensor4D,
        filter: kernel.read() as tf.Tensor4D,
        strides,
        pad,
        dilations,
        dataFormat: "NHWC",
        bias: bias?.read(),
        activation,
      });
    }
    case "maxPool": {
      const { poolSize, strides, pad } = step.pool;
      return tf.maxPool(x as tf.Tensor4D, poolSize, strides, pad);
    }
    case "norm": {
      const [gamma, beta, mean, variance] = step.norm.variables.map((v) => v?.read());
      return tf.batchNorm(x, mean!, variance!, beta, gamma, step.norm.epsilon);
    }
    case "dense": {
      const { kernel, bias, activation } = step.dense;
      const a = x as tf.Tensor2D, b = kernel.read() as tf.Tensor2D;
      if (activation !== "softmax") {
        return tf.fused.matMul({
          a,
          b,
          transposeA: false,
          transposeB: false,
          bias: bias?.read(),
          activation,
        });
      }
      const product = tf.fused.matMul({ a, b, transposeA: false, transposeB: false });
      return tf.softmax(bias ? tf.add(product, bias.read()) : product, -1);
    }
    case "flatten":
      return tf.reshape(x, [x.shape[0], x.size / x.shape[0]]);
    case "dropout":
      return x;
    case "layer":
      return step.layer.apply(x, { training: false }) as tf.Tensor;
  }
}

function runInference(steps: Step[], x: tf.Tensor): tf.Tensor {
  let h = x;
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i], next = steps[i + 1];
    if (step.kind === "norm" && next?.kind === "maxPool" && isMonotone(step.norm)) {
      // Pool first: the normalisation then runs on a quarter of the values.
      h = inferStep(step, inferStep(next, h));
      i++;
    } else {
      h = inferStep(step, h);
    }
  }
  return h;
}

/**
 * A function computing `model`'s inference-mode output for a batch, with
 * the same values as `model.predict` to the bit, reading the weights at
 * every call: the layer chain of a sequential model, or `model.predict`
 * for any other. Call it inside `tf.tidy`; it keeps no tensors.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { assertEquals } from "@std/assert";
 * import { compileInference } from "./layer_chain.ts";
 * import { buildModel, REFERENCE_CNN } from "./architecture.ts";
 * import { setupBackend } from "../kernels/mod.ts";
 * await setupBackend();
 * const model = buildModel(REFERENCE_CNN, { seed: 1 });
 * const infer = compileInference(model);
 * const x = tf.randomUniform([2, 28, 28, 1], 0, 1, "float32", 3);
 * const fast = tf.tidy(() => [...infer(x).dataSync()]);
 * const slow = tf.tidy(() => [...(model.predict(x) as tf.Tensor).dataSync()]);
 * assertEquals(fast, slow); // to the bit
 * x.dispose();
 * model.dispose();
 * ```
 */
export function compileInference(model: tf.LayersModel): (x: tf.Tensor) => tf.Tensor {
  const chain = layerChain(model);
  return chain ? (x) => runInference(chain, x) : (x) => model.predict(x) as tf.Tensor;
}

/** A convolution the training chain runs as one `FusedConv2D` kernel. */
type FusedConvolution = Convolution & { activation: "linear" | "relu" };

/** The fused convolution a convolution step runs in training, or null when it has none. */
function fusedConvolution(conv: Convolution): FusedConvolution | null {
  const { activation } = conv;
  if (conv.dilations[0] !== 1 || conv.dilations[1] !== 1) return null;
  return activation === "linear" || activation === "relu" ? { ...conv, activation } : null;
}

/** Whether a step is a 2×2, stride-2, unpadded max pooling. */
function isPool2x2(step: Step | undefined): boolean {
  return step?.kind === "maxPool" && step.pool.pad === "valid" &&
    [...step.pool.poolSize, ...step.pool.strides].every((v) => v === 2);
}

/**
 * Whether a model opens with a block our convolution-ReLU-pool kernel runs
 * (`kernels/conv_relu_pool.ts`, on wasm): a 3×3, stride-1, unpadded ReLU
 * convolution of one channel into filters in multiples of 8, then a 2×2
 * max pool. Only the first step qualifies: the kernel has no input gradient.
 */
function opensWithReluPool(conv: FusedConvolution, x: tf.Tensor, next: Step | undefined): boolean {
  const [kh, kw, ci, co] = conv.kernel.shape as number[];
  const [, rows, cols] = x.shape;
  return tf.getBackend() === "wasm" && conv.activation === "relu" && isPool2x2(next) &&
    kh === 3 && kw === 3 && ci === 1 && co % 8 === 0 && conv.pad === "valid" &&
    conv.strides[0] === 1 && conv.strides[1] === 1 && x.rank === 4 && rows >= 4 && cols >= 4;
}

/** A convolution kernel's inputs: `x`, the filter and the bias when it has one. */
function convInputs({ kernel, bias }: FusedConvolution, x: tf.Tensor): tf.NamedTensorMap {
  return bias === null
    ? { x, filter: kernel.read() }
    : { x, filter: kernel.read(), bias: bias.read() };
}

function convolve(conv: FusedConvolution, x: tf.Tensor): tf.Tensor {
  const { strides, pad, dilations, activation } = conv;
  return tf.engine().runKernel("FusedConv2D", convInputs(conv, x), {
    strides,
    pad,
    dataFormat: "NHWC",
    dilations,
    dimRoundingMode: undefined,
    activation,
    leakyreluAlpha: undefined,
  } as unknown as tf.NamedAttrMap) as tf.Tensor;
}

function runTraining(steps: Step[], x: tf.Tensor, context: ShardContext): tf.Tensor {
  let h = x;
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i];
    const fused = step.kind === "conv" ? fusedConvolution(step.conv) : null;
    if (fused !== null && i === 0 && opensWithReluPool(fused, h, steps[1])) {
      // The model's first block, fed by the data: one kernel, no conv output.
      h = (tf.engine().runKernel(CONV_RELU_POOL, convInputs(fused, h)) as tf.Tensor[])[0];
      i++;
    } else if (fused !== null) {
      h = convolve(fused, h);
      // Our ReLU-pool kernel is the wasm backend's; elsewhere, the layer.
      if (fused.activation === "relu" && isPool2x2(steps[i + 1]) && tf.getBackend() === "wasm") {
        h = tf.engine().runKernel(RELU_MAX_POOL, { x: h }) as tf.Tensor;
        i++;
      }
    } else if (step.kind === "norm" && step.training !== null) {
      h = batchNormTraining(h, step.training, context);
    } else if (step.kind === "dropout") {
      if (context.dropout === false) continue;
      const { rate, seed, noiseShape } = step.layer as unknown as {
        rate: number;
        seed?: number;
        noiseShape?: unknown;
      };
      // A seeded layer's mask follows each example's place in the batch;
      // an unseeded one (or one with a noise shape) is tfjs's.
      h = seed === undefined || noiseShape != null
        ? step.layer.apply(h, { training: true }) as tf.Tensor
        : seededDropout(h, { seed, rate, first: context.first ?? 0 });
    } else {
      h = step.layer.apply(h, { training: true }) as tf.Tensor;
    }
  }
  return h;
}

/**
 * A function computing `model`'s training-mode output for a batch (dropout
 * active), reading the weights at every call: the layer chain of a
 * sequential model with its convolutions fused and its batch
 * normalisations over the shards of `context`, or `model.apply(x,
 * { training: true })` for any other model (whose batch normalisations see
 * only `x`: see {@linkcode shardableTraining}). Gradients through it need the
 * gradients `setupBackend` registers. Call it inside `tf.tidy` (or
 * `tf.variableGrads`); it keeps no tensors.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { assertEquals } from "@std/assert";
 * import { compileTraining } from "./layer_chain.ts";
 * import { buildModel, REFERENCE_CNN } from "./architecture.ts";
 * import { setupBackend } from "../kernels/mod.ts";
 * await setupBackend();
 * const model = buildModel(REFERENCE_CNN, { seed: 1 });
 * const forward = compileTraining(model);
 * const { value, grads } = tf.variableGrads(() => tf.sum(forward(tf.ones([2, 28, 28, 1]))));
 * assertEquals(Object.keys(grads).length, model.trainableWeights.length); // one per weight
 * tf.dispose([value, ...Object.values(grads)]);
 * model.dispose();
 * ```
 */
export function compileTraining(
  model: tf.LayersModel,
): (x: tf.Tensor, context?: ShardContext) => tf.Tensor {
  const chain = layerChain(model);
  if (chain === null) return (x) => model.apply(x, { training: true }) as tf.Tensor;
  return (x, context = {}) => runTraining(chain, x, context);
}

/**
 * A function computing `model`'s training-mode logits for a batch, the
 * input of its final softmax, when its layer chain ends in a dense layer
 * with a softmax activation (every classifier the builder makes); else
 * null. The chain runs as {@linkcode compileTraining}'s, and the last layer
 * as its matrix product plus bias, the values tfjs-layers gives its
 * softmax. A loss taken from the logits (softmax cross-entropy) then runs
 * as one op, where the cross-entropy of the probabilities takes a dozen
 * and as many again for its gradient.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { assert } from "@std/assert";
 * import { compileTraining, compileTrainingLogits } from "./layer_chain.ts";
 * import { buildModel, REFERENCE_CNN } from "./architecture.ts";
 * import { setupBackend } from "../kernels/mod.ts";
 * await setupBackend();
 * const model = buildModel(REFERENCE_CNN, { seed: 1 });
 * const logits = compileTrainingLogits(model)!;
 * tf.tidy(() => {
 *   const x = tf.randomUniform([2, 28, 28, 1], 0, 1, "float32", 3);
 *   const context = { dropout: false };
 *   const probs = compileTraining(model)(x, context);
 *   const diff = tf.max(tf.abs(tf.sub(tf.softmax(logits(x, context)), probs))).dataSync()[0];
 *   assert(diff < 1e-6);
 * });
 * model.dispose();
 * ```
 */
export function compileTrainingLogits(
  model: tf.LayersModel,
): ((x: tf.Tensor, context?: ShardContext) => tf.Tensor2D) | null {
  const chain = layerChain(model);
  const last = chain?.at(-1);
  if (chain === null || last?.kind !== "dense" || last.dense.activation !== "softmax") return null;
  const head = chain.slice(0, -1);
  const { kernel, bias } = last.dense;
  return (x, context = {}) =>
    tf.fused.matMul({
      a: runTraining(head, x, context) as tf.Tensor2D,
      b: kernel.read() as tf.Tensor2D,
      bias: bias?.read(),
    }) as tf.Tensor2D;
}

/**
 * Why `model`'s training forward pass cannot be cut into shards that train
 * as the whole batch would, or undefined when it can: a batch
 * normalisation that the training chain does not run over the shards
 * (in a model that is not sequential, or over an axis other than the last).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { shardableTraining } from "./layer_chain.ts";
 * import { buildModel, STRONG_CNN } from "./architecture.ts";
 * import { setupBackend } from "../kernels/mod.ts";
 * await setupBackend();
 * const model = buildModel(STRONG_CNN, { seed: 1 });
 * assertEquals(shardableTraining(model), undefined);
 * model.dispose();
 * ```
 */
export function shardableTraining(model: tf.LayersModel): string | undefined {
  const sequential = model instanceof tf.Sequential && model.inputs.length === 1;
  for (const layer of model.layers) {
    if (layer.getClassName() !== "BatchNormalization") continue;
    if (!sequential) {
      return `layer ${JSON.stringify(layer.name)} is a batch normalisation in a model that is ` +
        `not sequential, whose statistics would be each shard's`;
    }
    if (batchNormLayer(layer) === null) {
      return `layer ${JSON.stringify(layer.name)} normalises over axis ${
        JSON.stringify(layer.getConfig().axis)
      }, not the last of a 2-D or 4-D input`;
    }
  }
  return undefined;
}
