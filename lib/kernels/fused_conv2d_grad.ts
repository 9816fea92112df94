/**
 * The gradient of `FusedConv2D` (a convolution with its bias and a linear
 * or ReLU activation in one kernel), which tfjs-core does not register: its
 * `tf.fused.conv2d` splits into separate ops whenever gradients are
 * recorded. With this gradient, training runs the fused kernel forward
 * (the bias and ReLU applied as the convolution's outputs are written, no
 * separate passes over them) and the usual kernels backward: the ReLU mask
 * and the bias's `Sum` (on wasm, one kernel of ours for both:
 * `relu_grad_bias.ts`), `Conv2DBackpropInput` and `Conv2DBackpropFilter`,
 * each convolution computed only when its input needs a gradient.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import { InvalidArgumentError } from "../core/mod.ts";
import { CONV3X3_GRADS, conv3x3GradsGeometry } from "./conv3x3_grads.ts";
import { RELU_GRAD_BIAS } from "./relu_grad_bias.ts";
import { maskedBiasGradient } from "./relu_max_pool.ts";

/**
 * The gradient config of `FusedConv2D` for the linear and ReLU activations
 * with dilation 1 (others throw when differentiated).
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { assertEquals } from "@std/assert";
 * import { setupBackend } from "./backend.ts";
 * import { fusedConv2dGradient } from "./fused_conv2d_grad.ts";
 * await setupBackend();
 * tf.tidy(() => {
 *   const x = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1]);
 *   const filter = tf.ones([3, 3, 1, 1]);
 *   const y = tf.tensor4d([45], [1, 1, 1, 1]); // relu(conv(x, filter) + 0)
 *   const dy = tf.tensor4d([2], [1, 1, 1, 1]);
 *   const conv = { strides: 1, pad: "valid", dataFormat: "NHWC", dilations: 1 };
 *   const attrs = { ...conv, activation: "relu" };
 *   const grads = fusedConv2dGradient.gradFunc(dy, [x, filter, y], attrs);
 *   assertEquals(Array.from(grads.x().dataSync()), new Array(9).fill(2));
 *   assertEquals(Array.from(grads.filter().dataSync()), [2, 4, 6, 8, 10, 12, 14, 16, 18]);
 *   assertEquals(Array.from(grads.bias().dataSync()), [2]);
 * });
 * ```
 */
export const fusedConv2dGradient: tf.GradConfig = {
  kernelName: "FusedConv2D",
  inputsToSave: ["x", "filter"],
  outputsToSave: [true],
  gradFunc: (dy, saved, attrs) => {
    const [x, filter, y] = saved;
    const { strides, pad, dataFormat, dilations, dimRoundingMode, activation } =
      attrs as unknown as tf.FusedConv2DAttrs;
    if (activation !== "linear" && activation !== "relu") {
      throw new InvalidArgumentError(
        `FusedConv2D's gradient takes a linear or relu activation, got ${
          JSON.stringify(activation)
        }`,
      );
    }
    if (!tf.backend_util.tupleValuesAreOne(dilations)) {
      throw new InvalidArgumentError(
        `FusedConv2D's gradient needs dilation 1, got ${JSON.stringify(dilations)}`,
      );
    }
    const dyTensor = dy as tf.Tensor;
    const axes = dataFormat === "NCHW" ? [0, 2, 3] : [0, 1, 2];
    // ReLU passes the gradient where its output is positive (Step of the
    // output: 1 above 0, 0 at and below, as tfjs's Relu gradient). On wasm,
    // one kernel gives that and the bias's gradient in one pass.
    let dz = dyTensor, db: tf.Tensor | undefined;
    if (activation === "relu") {
      const nhwc = dataFormat !== "NCHW";
      const masked = nhwc ? maskedBiasGradient(dyTensor) : undefined;
      if (masked !== undefined) {
        // A ReLU-max-pool's gradient, already masked, with its bias sums.
        db = masked;
      } else if (nhwc && tf.getBackend() === "wasm") {
        [dz, db] = tf.engine().runKernel(RELU_GRAD_BIAS, { dy: dyTensor, y }) as tf.Tensor[];
      } else {
        dz = tf.mul(dyTensor, tf.step(y));
      }
    }
    const conv = { strides, pad, dataFormat, dimRoundingMode };
    // On wasm, a Winograd convolution's two gradients share one pass over
    // dz. Both are made here, in the backward pass's scope: tfjs runs each
    // input's gradient function in a scope of its own, which would dispose
    // the other's half. A layer whose x needs no gradient (a first layer)
    // would make dx for nothing, but its input channels come in eights only
    // where another layer feeds it.
    if (
      tf.getBackend() === "wasm" && dataFormat !== "NCHW" &&
      conv3x3GradsGeometry(x.shape, filter.shape, conv) !== null
    ) {
      const [dx, dw] = tf.engine().runKernel(CONV3X3_GRADS, { x, dy: dz, filter }, {
        strides,
        pad,
        dimRoundingMode,
      } as unknown as tf.NamedAttrMap) as tf.Tensor[];
      return { x: () => dx, filter: () => dw, bias: () => db ?? tf.sum(dz, axes) };
    }
    return {
      x: () =>
        tf.engine().runKernel("Conv2DBackpropInput", { dy: dz, filter }, {
          ...conv,
          inputShape: x.shape,
        }) as tf.Tensor,
      filter: () =>
        tf.engine().runKernel("Conv2DBackpropFilter", { x, dy: dz }, {
          ...conv,
          filterShape: filter.shape,
        }) as tf.Tensor,
      bias: () => db ?? tf.sum(dz, axes),
    };
  },
};
