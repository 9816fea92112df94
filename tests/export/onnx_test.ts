import * as tf from "@tensorflow/tfjs";
import * as ort from "onnxruntime-node";
import onnxProto from "onnx-proto";
import { assert, assertEquals, assertThrows } from "@std/assert";
import { modelToOnnx, ONNX_IO, ONNX_OPSET } from "../../lib/export/onnx.ts";
import { buildModel, type ModelConfig, REFERENCE_CNN } from "../../lib/model/architecture.ts";
import { loadModel } from "../../lib/model/save_load.ts";
import { loadEmbeddedMnist } from "../../lib/data/embedded.ts";
import { setupBackend } from "../../lib/kernels/backend.ts";
import { InvalidArgumentError } from "../../lib/core/errors.ts";
import { createRng } from "../../lib/core/random.ts";
import { dataPath } from "../../lib/core/paths.ts";

/** The bar: every probability within 1e-4 of ours. */
const TOLERANCE = 1e-4;

/** The first `count` embedded MNIST digits, spread over the classes (every 10th image). */
async function mnistImages(count: number): Promise<Float32Array> {
  const ds = await loadEmbeddedMnist();
  const pixels = ds.rows * ds.cols;
  const out = new Float32Array(count * pixels);
  const step = Math.floor(ds.count / count);
  for (let i = 0; i < count; i++) {
    out.set(ds.images.subarray(i * step * pixels, (i * step + 1) * pixels), i * pixels);
  }
  return out;
}

function ourProbabilities(model: tf.LayersModel, images: Float32Array, shape: number[]) {
  const n = images.length / shape.reduce((a, b) => a * b, 1);
  return tf.tidy(() =>
    (model.predict(tf.tensor(images, [n, ...shape])) as tf.Tensor).dataSync() as Float32Array
  );
}

async function onnxProbabilities(bytes: Uint8Array, images: Float32Array, shape: number[]) {
  const n = images.length / shape.reduce((a, b) => a * b, 1);
  const session = await ort.InferenceSession.create(bytes);
  try {
    const out = await session.run({
      [ONNX_IO.input]: new ort.Tensor("float32", images, [n, ...shape]),
    });
    return out[ONNX_IO.output].data as Float32Array;
  } finally {
    await session.release();
  }
}

/** The largest probability difference and the number of rows whose argmax differs. */
function compare(a: Float32Array, b: Float32Array, classes: number) {
  assertEquals(a.length, b.length);
  let maxDiff = 0;
  let argmaxDiffs = 0;
  for (let row = 0; row < a.length / classes; row++) {
    let ia = 0;
    let ib = 0;
    for (let k = 0; k < classes; k++) {
      const i = row * classes + k;
      maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
      if (a[i] > a[row * classes + ia]) ia = k;
      if (b[i] > b[row * classes + ib]) ib = k;
    }
    if (ia !== ib) argmaxDiffs++;
  }
  return { maxDiff, argmaxDiffs };
}

/** Gives every weight seeded random values, batch-norm variances positive, so nothing is trivial. */
function randomizeWeights(model: tf.LayersModel, seed: number): void {
  const rng = createRng(seed);
  for (const layer of model.layers) {
    const weights = layer.weights.map((w) => {
      const shape = w.shape as number[];
      const n = shape.reduce((a, b) => a * b, 1);
      const variance = w.originalName.endsWith("moving_variance");
      const values = Float32Array.from({ length: n }, () => variance ? 0.2 + rng() : rng() - 0.5);
      return tf.tensor(values, shape);
    });
    if (weights.length > 0) layer.setWeights(weights);
    tf.dispose(weights);
  }
}

Deno.test("ONNX: the reference CNN (seeded) matches ours on 1,000 MNIST digits", async () => {
  await setupBackend();
  const model = buildModel(REFERENCE_CNN, { seed: 7 });
  try {
    const images = await mnistImages(1000);
    const bytes = modelToOnnx(model);
    const ours = ourProbabilities(model, images, [28, 28, 1]);
    const theirs = await onnxProbabilities(bytes, images, [28, 28, 1]);
    const { maxDiff, argmaxDiffs } = compare(ours, theirs, 10);
    assert(maxDiff <= TOLERANCE, `max probability difference ${maxDiff}`);
    assertEquals(argmaxDiffs, 0);
  } finally {
    model.dispose();
  }
});

Deno.test("ONNX: the shipped strong CNN matches ours on 1,000 MNIST digits", async () => {
  await setupBackend();
  const { model } = await loadModel(dataPath("models", "default"));
  try {
    const images = await mnistImages(1000);
    const ours = ourProbabilities(model, images, [28, 28, 1]);
    const theirs = await onnxProbabilities(modelToOnnx(model), images, [28, 28, 1]);
    const { maxDiff, argmaxDiffs } = compare(ours, theirs, 10);
    assert(maxDiff <= TOLERANCE, `max probability difference ${maxDiff}`);
    assertEquals(argmaxDiffs, 0);
  } finally {
    model.dispose();
  }
});

Deno.test("ONNX: same padding, strides, every activation, batch norm and global pooling", async () => {
  await setupBackend();
  // Odd sizes, so "same" padding puts its odd pixel after (TensorFlow) and strides drop a column.
  const config: ModelConfig = {
    inputShape: [15, 13, 2],
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
      { type: "conv2d", filters: 5, kernelSize: 3, padding: "same", activation: "tanh" },
      { type: "maxPool2d", poolSize: 2, strides: 1 },
      { type: "conv2d", filters: 6, kernelSize: 2, strides: [1, 2], activation: "sigmoid" },
      { type: "dropout", rate: 0.3 },
      { type: "flatten" },
      { type: "dense", units: 7, activation: "selu" },
      { type: "batchNorm" },
      { type: "dense", units: 6, activation: "linear" },
      { type: "dense", units: 3, activation: "softmax" },
    ],
    numClasses: 3,
  };
  const pooled: ModelConfig = {
    inputShape: [9, 9, 1],
    layers: [
      { type: "conv2d", filters: 8, kernelSize: 3, activation: "relu" },
      { type: "globalAveragePool2d" },
      { type: "dense", units: 4, activation: "softmax" },
    ],
    numClasses: 4,
  };
  const rng = createRng(3);
  for (const [cfg, seed] of [[config, 11], [pooled, 12]] as const) {
    const model = buildModel(cfg, { seed });
    try {
      randomizeWeights(model, seed);
      const shape = cfg.inputShape;
      const images = Float32Array.from(
        { length: 64 * shape[0] * shape[1] * shape[2] },
        () => rng(),
      );
      const ours = ourProbabilities(model, images, shape);
      const theirs = await onnxProbabilities(modelToOnnx(model), images, shape);
      const { maxDiff, argmaxDiffs } = compare(ours, theirs, cfg.numClasses);
      assert(maxDiff <= TOLERANCE, `max probability difference ${maxDiff}`);
      assertEquals(argmaxDiffs, 0);
    } finally {
      model.dispose();
    }
  }
});

Deno.test("ONNX: the graph's declared input, output, opset and transposed kernels", async () => {
  await setupBackend();
  const model = buildModel(REFERENCE_CNN, { seed: 1 });
  try {
    const decoded = onnxProto.onnx.ModelProto.decode(modelToOnnx(model));
    assertEquals(decoded.opsetImport.map((o) => Number(o.version)), [ONNX_OPSET]);
    const graph = decoded.graph as onnxProto.onnx.GraphProto;
    const dims = (v: onnxProto.onnx.IValueInfoProto) =>
      v.type!.tensorType!.shape!.dim!.map((d) => d.dimParam || Number(d.dimValue));
    assertEquals(graph.input.map(dims), [["batch", 28, 28, 1]]);
    assertEquals(graph.output.map(dims), [["batch", 10]]);
    assertEquals(graph.node.map((n) => n.opType), [
      "Transpose",
      "Conv",
      "Relu",
      "MaxPool",
      "Conv",
      "Relu",
      "MaxPool",
      "Transpose",
      "Flatten",
      "Gemm",
      "Softmax",
    ]); // deno-fmt-ignore
    // The first kernel: ours [3, 3, 1, 32], ONNX's [32, 1, 3, 3], value by value.
    const kernel = graph.initializer.find((t) => t.name!.endsWith("/kernel")) as onnxProto.onnx.TensorProto;
    assertEquals(kernel.dims.map(Number), [32, 1, 3, 3]);
    const raw = kernel.rawData;
    const onnxValues = new Float32Array(new Uint8Array(raw).buffer); // a copy: raw may be a view into the file
    const ours = model.layers.find((l) => l.getClassName() === "Conv2D")!.getWeights()[0]
      .dataSync();
    for (const [o, y, x] of [[0, 0, 0], [5, 1, 2], [31, 2, 1]]) {
      assertEquals(onnxValues[(o * 3 + y) * 3 + x], ours[(y * 3 + x) * 32 + o]);
    }
  } finally {
    model.dispose();
  }
});

Deno.test("ONNX: Debian's onnx checker accepts the exported strong model", async () => {
  await setupBackend();
  const { model } = await loadModel(dataPath("models", "default"));
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/model.onnx`;
    await Deno.writeFile(path, modelToOnnx(model));
    // python3-onnx is installed by `deno task setup:test`: a missing module fails this test.
    const { code, stderr, stdout } = await new Deno.Command("/usr/bin/python3", {
      args: [
        "-c",
        "import sys, onnx; m = onnx.load(sys.argv[1]); onnx.checker.check_model(m, full_check=True);" +
        " print(len(m.graph.node), m.opset_import[0].version)",
        path,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assertEquals(code, 0, new TextDecoder().decode(stderr));
    // Transpose; 4 x (Conv, Relu, BatchNormalization); 2 MaxPool; Transpose, Flatten;
    // Gemm, Relu, BatchNormalization; Gemm, Softmax (dropout is left out).
    assertEquals(new TextDecoder().decode(stdout).trim(), `22 ${ONNX_OPSET}`);
  } finally {
    model.dispose();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ONNX: export leaves no tensors behind", async () => {
  await setupBackend();
  const model = buildModel(REFERENCE_CNN, { seed: 2 });
  try {
    modelToOnnx(model); // first call: tfjs may cache what it needs
    const before = tf.memory().numTensors;
    modelToOnnx(model);
    assertEquals(tf.memory().numTensors, before);
  } finally {
    model.dispose();
  }
});

Deno.test("ONNX: a layer the export does not cover is refused, naming it", async () => {
  await setupBackend();
  const model = tf.sequential({
    layers: [
      tf.layers.flatten({ inputShape: [4, 4, 1] }),
      tf.layers.dense({ units: 3 }),
      tf.layers.activation({ activation: "relu" }),
    ],
  });
  const channelsFirst = tf.sequential({
    layers: [
      tf.layers.conv2d({
        inputShape: [1, 4, 4],
        filters: 2,
        kernelSize: 2,
        dataFormat: "channelsFirst",
      }),
      tf.layers.flatten({}),
    ],
  });
  try {
    assertThrows(() => modelToOnnx(model), InvalidArgumentError, "layer class Activation");
    assertThrows(() => modelToOnnx(channelsFirst), InvalidArgumentError, "channels-last");
  } finally {
    model.dispose();
    channelsFirst.dispose();
  }
});
