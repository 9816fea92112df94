/**
 * A trained Digit Lab model as an ONNX model, for ONNX Runtime and every
 * runtime that reads ONNX (PyTorch's world, mobile and edge runtimes).
 *
 * The protobuf messages are built and encoded by `npm:onnx-proto` (the ONNX
 * schema compiled with protobufjs), never by hand. The graph takes the same
 * input as our model, `input` of shape `[batch, rows, cols, channels]`
 * (NHWC, pixels in [0, 1]), and gives `probabilities` `[batch, classes]`.
 * ONNX convolutions and pools are NCHW, so the graph transposes the input
 * once, exports each convolution with its kernel transposed from TensorFlow's
 * `[kh, kw, in, out]` to ONNX's `[out, in, kh, kw]`, and transposes back to
 * NHWC before a `Flatten`, so the flattened order (and the dense kernel after
 * it) is ours. Batch normalisation is exported as `BatchNormalization` with
 * the layer's own epsilon (TensorFlow.js's default 0.001): it follows a ReLU
 * in our models, so it cannot be folded into the convolution before it.
 * Dropout is the identity at inference and is left out.
 *
 * @module
 */

import type * as tf from "@tensorflow/tfjs";
import onnxProto from "onnx-proto";
import { InvalidArgumentError } from "../core/mod.ts";

const { onnx } = onnxProto;

/** The ONNX operator set the graph uses (13: `Softmax` over one axis, as ours). */
export const ONNX_OPSET = 13;

/**
 * The ONNX IR version written (8, the ONNX 1.10-1.12 format: ONNX Runtime
 * 1.10 and later and Debian's python3-onnx 1.12 read it).
 */
export const ONNX_IR_VERSION = 8;

/** The names of the graph's input and output. */
export const ONNX_IO: Readonly<{ input: string; output: string }> = Object.freeze({
  input: "input",
  output: "probabilities",
});

const FLOAT = onnx.TensorProto.DataType.FLOAT;
const ATTR = onnx.AttributeProto.AttributeType;

/** An attribute value: an integer, a list of integers, a string, or `{ float }`. */
type Attr = number | number[] | string | { float: number };

/** The graph under construction: nodes, weights, and the shape of the current value. */
class GraphBuilder {
  readonly nodes: onnxProto.onnx.INodeProto[] = [];
  readonly initializers: onnxProto.onnx.ITensorProto[] = [];
  /** The name of the value the next node reads. */
  current: string = ONNX_IO.input;
  #count = 0;

  /** Adds a node reading `[current, ...weights]`; its output becomes current. */
  node(op: string, weights: string[] = [], attrs: Record<string, Attr> = {}): void {
    const output = `${op.toLowerCase()}_${this.#count++}`;
    this.nodes.push({
      opType: op,
      name: output,
      input: [this.current, ...weights],
      output: [output],
      attribute: Object.entries(attrs).map(([name, value]) => attribute(name, value)),
    });
    this.current = output;
  }

  /** Adds a float32 weight and returns its name. */
  weight(name: string, dims: number[], values: Float32Array): string {
    this.initializers.push({
      name,
      dims,
      dataType: FLOAT,
      // raw_data is little-endian, as Float32Array is on every platform Deno runs on.
      rawData: new Uint8Array(values.buffer, values.byteOffset, values.byteLength),
    });
    return name;
  }
}

function attribute(name: string, value: Attr): onnxProto.onnx.IAttributeProto {
  if (typeof value === "string") {
    return { name, type: ATTR.STRING, s: new TextEncoder().encode(value) };
  }
  if (Array.isArray(value)) return { name, type: ATTR.INTS, ints: value };
  if (typeof value === "object") return { name, type: ATTR.FLOAT, f: value.float };
  return { name, type: ATTR.INT, i: value };
}

/** `[before, after]` padding of one axis, as TensorFlow places it (the odd pixel after). */
function padding(mode: string, size: number, window: number, stride: number): [number, number] {
  if (mode !== "same") return [0, 0];
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + window - size, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

function pair(value: unknown, fallback: [number, number]): [number, number] {
  if (value === null || value === undefined) return fallback;
  return typeof value === "number" ? [value, value] : value as [number, number];
}

/** The output size of a convolution or pool along one axis. */
function outSize(mode: string, size: number, window: number, stride: number): number {
  return mode === "same" ? Math.ceil(size / stride) : Math.floor((size - window) / stride) + 1;
}

/** Kernel `[kh, kw, in, out]` (TensorFlow) to `[out, in, kh, kw]` (ONNX). */
function convKernel(values: Float32Array, [kh, kw, cin, cout]: number[]): Float32Array {
  const out = new Float32Array(values.length);
  for (let y = 0; y < kh; y++) {
    for (let x = 0; x < kw; x++) {
      for (let i = 0; i < cin; i++) {
        for (let o = 0; o < cout; o++) {
          out[((o * cin + i) * kh + y) * kw + x] = values[((y * kw + x) * cin + i) * cout + o];
        }
      }
    }
  }
  return out;
}

/**
 * The ONNX graph of a sequential model of the builder (`buildModel` or a
 * loaded model directory), encoded as the bytes of a `.onnx` file.
 *
 * @param model a sequential model of Conv2D, MaxPooling2D,
 *   BatchNormalization, Dropout, Flatten, Dense and GlobalAveragePooling2D
 *   layers with channels-last data.
 * @throws {InvalidArgumentError} naming a layer class, activation or setting
 *   the export does not cover.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { assert, assertEquals } from "@std/assert";
 * import onnxProto from "onnx-proto";
 * import { modelToOnnx } from "./onnx.ts";
 * import { setupBackend } from "../kernels/mod.ts";
 * await setupBackend();
 * const model = tf.sequential({
 *   layers: [tf.layers.flatten({ inputShape: [2, 2, 1] }), tf.layers.dense({ units: 3, activation: "softmax" })],
 * });
 * const bytes = modelToOnnx(model);
 * const decoded = onnxProto.onnx.ModelProto.decode(bytes);
 * assertEquals(decoded.graph!.node!.map((n) => n.opType), ["Transpose", "Transpose", "Flatten", "Gemm", "Softmax"]);
 * assert(bytes.length > 12 * 4); // the dense kernel's 12 floats are in there
 * model.dispose();
 * ```
 */
export function modelToOnnx(model: tf.LayersModel): Uint8Array {
  const inputShape = model.inputs[0].shape.slice(1) as number[];
  if (inputShape.length !== 3 || inputShape.some((d) => !(d > 0))) {
    throw new InvalidArgumentError(
      `ONNX export needs a [rows, cols, channels] input, got [${inputShape}]`,
    );
  }
  const g = new GraphBuilder();
  let [rows, cols, channels] = inputShape;
  let flat: number | undefined; // the width of a flat value, once flattened
  g.node("Transpose", [], { perm: [0, 3, 1, 2] });
  model.layers.forEach((layer, index) => {
    const cls = layer.getClassName();
    const config = layer.getConfig() as Record<string, unknown>;
    const where = `layer ${index} (${layer.name}, ${cls})`;
    const values = layer.getWeights().map((w) => w.dataSync() as Float32Array);
    const shapes = layer.getWeights().map((w) => w.shape);
    const spatialOnly = () => {
      if (flat !== undefined) {
        throw new InvalidArgumentError(`${where}: needs a spatial input, got a flat one`);
      }
    };
    const activate = () => {
      const name = String(config.activation ?? "linear");
      switch (name) {
        case "linear":
          return;
        case "relu":
          return g.node("Relu");
        case "elu":
          return g.node("Elu", [], { alpha: { float: 1 } });
        case "selu": // ONNX's default alpha and gamma are TensorFlow's constants.
          return g.node("Selu");
        case "tanh":
          return g.node("Tanh");
        case "sigmoid":
          return g.node("Sigmoid");
        case "softmax": // Over channels: axis 1 in NCHW, the last axis of a flat value.
          return g.node("Softmax", [], { axis: flat === undefined ? 1 : -1 });
        default:
          throw new InvalidArgumentError(
            `${where}: activation ${JSON.stringify(name)} not exported`,
          );
      }
    };
    switch (cls) {
      case "InputLayer":
      case "Dropout": // the identity at inference
        break;
      case "Conv2D": {
        spatialOnly();
        if (
          config.dataFormat !== "channelsLast" || pair(config.dilationRate, [1, 1]).join() !== "1,1"
        ) {
          throw new InvalidArgumentError(`${where}: only channels-last, undilated convolutions`);
        }
        const [kh, kw, , filters] = shapes[0];
        const [sh, sw] = pair(config.strides, [1, 1]);
        const mode = String(config.padding);
        const [top, bottom] = padding(mode, rows, kh, sh);
        const [left, right] = padding(mode, cols, kw, sw);
        const inputs = [
          g.weight(
            `${layer.name}/kernel`,
            [filters, channels, kh, kw],
            convKernel(values[0], shapes[0]),
          ),
        ];
        if (values.length > 1) inputs.push(g.weight(`${layer.name}/bias`, [filters], values[1]));
        g.node("Conv", inputs, {
          kernel_shape: [kh, kw],
          strides: [sh, sw],
          pads: [top, left, bottom, right],
          dilations: [1, 1],
        });
        [rows, cols, channels] = [
          outSize(mode, rows, kh, sh),
          outSize(mode, cols, kw, sw),
          filters,
        ];
        activate();
        break;
      }
      case "MaxPooling2D": {
        spatialOnly();
        const [ph, pw] = pair(config.poolSize, [2, 2]);
        const [sh, sw] = pair(config.strides, [ph, pw]);
        const mode = String(config.padding);
        const [top, bottom] = padding(mode, rows, ph, sh);
        const [left, right] = padding(mode, cols, pw, sw);
        g.node("MaxPool", [], {
          kernel_shape: [ph, pw],
          strides: [sh, sw],
          pads: [top, left, bottom, right],
        });
        [rows, cols] = [outSize(mode, rows, ph, sh), outSize(mode, cols, pw, sw)];
        break;
      }
      case "BatchNormalization": {
        const axis = config.axis;
        if (
          axis !== -1 && !(Array.isArray(axis) && axis.length === 1 && axis[0] === -1) &&
          axis !== (flat === undefined ? 3 : 1)
        ) {
          throw new InvalidArgumentError(`${where}: only batch normalisation over the channels`);
        }
        const width = flat ?? channels;
        const byName = new Map(
          layer.weights.map((w, i) => [w.originalName.split("/").at(-1)!, values[i]]),
        );
        const vector = (name: string, fill: number) =>
          g.weight(
            `${layer.name}/${name}`,
            [width],
            byName.get(name) ?? new Float32Array(width).fill(fill),
          );
        g.node("BatchNormalization", [
          vector("gamma", 1),
          vector("beta", 0),
          vector("moving_mean", 0),
          vector("moving_variance", 1),
        ], { epsilon: { float: Number(config.epsilon) } });
        break;
      }
      case "Flatten":
        if (flat === undefined) {
          g.node("Transpose", [], { perm: [0, 2, 3, 1] }); // back to NHWC: our flatten order
          g.node("Flatten", [], { axis: 1 });
          flat = rows * cols * channels;
        }
        break;
      case "GlobalAveragePooling2D":
        spatialOnly();
        g.node("GlobalAveragePool");
        g.node("Flatten", [], { axis: 1 });
        flat = channels;
        break;
      case "Dense": {
        if (flat === undefined) {
          throw new InvalidArgumentError(`${where}: needs a flat input (flatten first)`);
        }
        const [inputs, units] = shapes[0];
        const kernel = g.weight(`${layer.name}/kernel`, [inputs, units], values[0]);
        if (values.length > 1) {
          g.node("Gemm", [kernel, g.weight(`${layer.name}/bias`, [units], values[1])]);
        } else g.node("MatMul", [kernel]);
        flat = units;
        activate();
        break;
      }
      default:
        throw new InvalidArgumentError(`${where}: layer class ${cls} is not exported to ONNX`);
    }
  });
  if (flat === undefined) {
    throw new InvalidArgumentError("ONNX export needs a model with a flat output (probabilities)");
  }
  const valueInfo = (name: string, dims: (number | string)[]) => ({
    name,
    type: {
      tensorType: {
        elemType: FLOAT,
        shape: {
          dim: dims.map((d) => typeof d === "string" ? { dimParam: d } : { dimValue: d }),
        },
      },
    },
  });
  // The last node's output is the graph's output: rename it.
  const last = g.nodes.at(-1)!;
  last.output = [ONNX_IO.output];
  const proto = onnx.ModelProto.create({
    irVersion: ONNX_IR_VERSION,
    opsetImport: [{ domain: "", version: ONNX_OPSET }],
    producerName: "digit-lab",
    producerVersion: "1",
    graph: {
      name: model.name,
      node: g.nodes,
      initializer: g.initializers,
      input: [valueInfo(ONNX_IO.input, ["batch", ...inputShape])],
      output: [valueInfo(ONNX_IO.output, ["batch", flat])],
    },
  });
  return onnx.ModelProto.encode(proto).finish();
}
