/**
 * The training-mode forward pass of a sequential layers model with each
 * linear or ReLU 2-D convolution run as one `FusedConv2D` kernel (bias and
 * activation applied as its outputs are written), differentiated by the
 * gradient `kernels/fused_conv2d_grad.ts` registers; every other layer runs
 * as `layer.apply(x, { training: true })`, as `model.apply` would run it.
 * Under `tf.grads`, tfjs-layers would instead run each convolution as three
 * ops (convolution, bias add, ReLU), each a pass over the layer's largest
 * tensor, forward and backward.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import { type Convolution, convolution } from "./inference_chain.ts";

/** A convolution run as one fused kernel, or a layer applied as is. */
type TrainingStep =
  | { kind: "conv"; conv: Convolution & { activation: "linear" | "relu" } }
  | { kind: "layer"; layer: tf.layers.Layer };

/** The fused convolution a Conv2D layer runs in training, or null when it has none. */
function fusedConvolution(layer: tf.layers.Layer): TrainingStep | null {
  const conv = convolution(layer);
  if (conv === null || conv.dilations[0] !== 1 || conv.dilations[1] !== 1) return null;
  const { activation } = conv;
  return activation === "linear" || activation === "relu"
    ? { kind: "conv", conv: { ...conv, activation } }
    : null;
}

function runStep(step: TrainingStep, x: tf.Tensor): tf.Tensor {
  if (step.kind === "layer") return step.layer.apply(x, { training: true }) as tf.Tensor;
  const { kernel, bias, strides, pad, dilations, activation } = step.conv;
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

/**
 * A function computing `model`'s training-mode output for a batch (dropout
 * active), reading the weights at every call: the layer chain of a
 * sequential model with its convolutions fused, or `model.apply(x,
 * { training: true })` for any other model. Gradients through it need the
 * `FusedConv2D` gradient, which `setupBackend` registers. Call it inside
 * `tf.tidy` (or `tf.variableGrads`); it keeps no tensors.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { compileTraining } from "./training_chain.ts";
 * import { buildModel, REFERENCE_CNN } from "./model.ts";
 * import { setupBackend } from "./backend.ts";
 * await setupBackend();
 * const model = buildModel(REFERENCE_CNN, { seed: 1 });
 * const forward = compileTraining(model);
 * const { value, grads } = tf.variableGrads(() => tf.sum(forward(tf.ones([2, 28, 28, 1]))));
 * console.assert(Object.keys(grads).length === 6);
 * tf.dispose([value, ...Object.values(grads)]);
 * model.dispose();
 * ```
 */
export function compileTraining(model: tf.LayersModel): (x: tf.Tensor) => tf.Tensor {
  if (!(model instanceof tf.Sequential) || model.inputs.length !== 1) {
    return (x) => model.apply(x, { training: true }) as tf.Tensor;
  }
  const steps: TrainingStep[] = model.layers
    .filter((layer) => layer.getClassName() !== "InputLayer")
    .map((layer) => fusedConvolution(layer) ?? { kind: "layer", layer });
  return (x) => steps.reduce((h, step) => runStep(step, h), x);
}
