/**
 * The training-mode forward pass of a sequential layers model with each
 * linear or ReLU 2-D convolution run as one `FusedConv2D` kernel (bias and
 * activation applied as its outputs are written), differentiated by the
 * gradient `kernels/fused_conv2d_grad.ts` registers; on the wasm backend a
 * 2×2 max pooling right after a ReLU convolution runs as our ReLU-pool
 * kernel, whose gradient also does the ReLU's and the bias's share
 * (`kernels/relu_max_pool.ts`); a batch normalisation runs with the
 * statistics of every shard of the batch (`batch_norm_training.ts`), so
 * that the shards of a data-parallel step train as one thread on the whole
 * batch would. Every other layer runs as
 * `layer.apply(x, { training: true })`, as `model.apply` would run it.
 * Under `tf.grads`, tfjs-layers would instead run each convolution as three
 * ops (convolution, bias add, ReLU), each a pass over the layer's largest
 * tensor, forward and backward.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import { type Convolution, convolution, maxPooling } from "./inference_chain.ts";
import { RELU_MAX_POOL } from "../kernels/mod.ts";
import {
  type BatchNormLayer,
  batchNormLayer,
  batchNormTraining,
  type ShardContext,
} from "./batch_norm_training.ts";

/** A fused convolution with a linear or ReLU activation. */
type FusedConvolution = Convolution & { activation: "linear" | "relu" };

/**
 * A convolution run as one fused kernel, a ReLU convolution and the 2×2
 * max pooling after it, or a layer applied as is.
 */
type TrainingStep =
  | { kind: "conv"; conv: FusedConvolution }
  | { kind: "convPool"; conv: FusedConvolution; pool: tf.layers.Layer }
  | { kind: "norm"; norm: BatchNormLayer }
  | { kind: "layer"; layer: tf.layers.Layer };

/** The fused convolution a Conv2D layer runs in training, or null when it has none. */
function fusedConvolution(layer: tf.layers.Layer): FusedConvolution | null {
  const conv = convolution(layer);
  if (conv === null || conv.dilations[0] !== 1 || conv.dilations[1] !== 1) return null;
  const { activation } = conv;
  return activation === "linear" || activation === "relu" ? { ...conv, activation } : null;
}

/** Whether `layer` is a 2×2, stride-2, unpadded channels-last max pooling. */
function isPool2x2(layer: tf.layers.Layer | undefined): boolean {
  const pool = layer === undefined ? null : maxPooling(layer);
  return pool !== null && pool.pad === "valid" &&
    [...pool.poolSize, ...pool.strides].every((v) => v === 2);
}

function convolve(conv: FusedConvolution, x: tf.Tensor): tf.Tensor {
  const { kernel, bias, strides, pad, dilations, activation } = conv;
  const inputs: tf.NamedTensorMap = { x, filter: kernel.read() };
  if (bias !== null) inputs.bias = bias.read();
  return tf.engine().runKernel("FusedConv2D", inputs, {
    strides,
    pad,
    dataFormat: "NHWC",
    dilations,
    dimRoundingMode: undefined,
    activation,
    leakyreluAlpha: undefined,
  } as unknown as tf.NamedAttrMap) as tf.Tensor;
}

function runStep(step: TrainingStep, x: tf.Tensor, context: ShardContext): tf.Tensor {
  switch (step.kind) {
    case "norm":
      return batchNormTraining(x, step.norm, context);
    case "layer":
      return step.layer.apply(x, { training: true }) as tf.Tensor;
    case "conv":
      return convolve(step.conv, x);
    case "convPool": {
      const y = convolve(step.conv, x);
      // Our ReLU-pool kernel is the wasm backend's; elsewhere, the layer.
      return tf.getBackend() === "wasm"
        ? tf.engine().runKernel(RELU_MAX_POOL, { x: y }) as tf.Tensor
        : step.pool.apply(y, { training: true }) as tf.Tensor;
    }
  }
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
 * import { compileTraining } from "./training_chain.ts";
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
  if (!(model instanceof tf.Sequential) || model.inputs.length !== 1) {
    return (x) => model.apply(x, { training: true }) as tf.Tensor;
  }
  const layers = model.layers.filter((layer) => layer.getClassName() !== "InputLayer");
  const steps: TrainingStep[] = [];
  for (let i = 0; i < layers.length; i++) {
    const conv = fusedConvolution(layers[i]);
    const norm = batchNormLayer(layers[i]);
    if (norm !== null) {
      steps.push({ kind: "norm", norm });
    } else if (conv === null) {
      steps.push({ kind: "layer", layer: layers[i] });
    } else if (conv.activation === "relu" && isPool2x2(layers[i + 1])) {
      steps.push({ kind: "convPool", conv, pool: layers[++i] });
    } else {
      steps.push({ kind: "conv", conv });
    }
  }
  return (x, context = {}) => steps.reduce((h, step) => runStep(step, h, context), x);
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
 * import { shardableTraining } from "./training_chain.ts";
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
