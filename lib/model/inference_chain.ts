/**
 * Inference of a sequential layers model as the plain ops its layers run
 * (fused convolution, max-pooling, batch normalisation, fused matrix
 * product, softmax), skipping `predict`'s batching and graph bookkeeping,
 * which dominate for one image. A batch normalisation right before a
 * max-pooling runs after it when that gives the same values to the bit
 * (see `isMonotone`). Other models go through `model.predict`.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs";

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
 * One step of a layer chain: a convolution or max-pooling run as the op
 * its layer would run (without the layer's bookkeeping), a batch
 * normalisation of image channels (which may swap places with a max-pooling
 * right after it), or any other layer applied as is.
 */
type ChainStep =
  | { kind: "conv"; conv: Convolution }
  | { kind: "maxPool"; pool: MaxPooling }
  | { kind: "norm"; norm: ChannelNorm }
  | { kind: "dense"; dense: DenseLayer }
  | { kind: "flatten" }
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
 * import { convolution } from "./inference_chain.ts";
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
  const find = (suffix: string) => layer.weights.find((w) => w.name.endsWith(`/${suffix}`)) ?? null;
  const kernel = find("kernel"), bias = find("bias");
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
  const find = (suffix: string) => layer.weights.find((w) => w.name.endsWith(`/${suffix}`)) ?? null;
  const kernel = find("kernel"), bias = find("bias");
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
 * import { maxPooling } from "./inference_chain.ts";
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
  const find = (suffix: string) => layer.weights.find((w) => w.name.endsWith(`/${suffix}`)) ?? null;
  const variables = [find("gamma"), find("beta"), find("moving_mean"), find("moving_variance")];
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

/**
 * The layers of a sequential model as inference steps; input and dropout
 * layers (identities at inference) are dropped. Null for other models.
 */
function inferenceChain(model: tf.LayersModel): ChainStep[] | null {
  if (!(model instanceof tf.Sequential) || model.inputs.length !== 1) return null;
  const steps: ChainStep[] = [];
  for (const layer of model.layers) {
    const kind = layer.getClassName();
    if (kind === "InputLayer" || kind === "Dropout") continue;
    const norm = channelNorm(layer), conv = convolution(layer), pool = maxPooling(layer);
    const full = dense(layer);
    steps.push(
      norm
        ? { kind: "norm", norm }
        : conv
        ? { kind: "conv", conv }
        : pool
        ? { kind: "maxPool", pool }
        : full
        ? { kind: "dense", dense: full }
        : isFlatten(layer)
        ? { kind: "flatten" }
        : { kind: "layer", layer },
    );
  }
  return steps;
}

function runStep(step: ChainStep, x: tf.Tensor): tf.Tensor {
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
    case "layer":
      return step.layer.apply(x, { training: false }) as tf.Tensor;
  }
}

function runChain(steps: ChainStep[], x: tf.Tensor): tf.Tensor {
  let h = x;
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i], next = steps[i + 1];
    if (step.kind === "norm" && next?.kind === "maxPool" && isMonotone(step.norm)) {
      // Pool first: the normalisation then runs on a quarter of the values.
      h = runStep(step, runStep(next, h));
      i++;
    } else {
      h = runStep(step, h);
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
 * import { compileInference } from "./inference_chain.ts";
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
  const chain = inferenceChain(model);
  return chain ? (x) => runChain(chain, x) : (x) => model.predict(x) as tf.Tensor;
}
