import * as tf from "@tensorflow/tfjs";
import { assert, assertEquals, assertStrictEquals } from "@std/assert";
import { setupBackend } from "../../lib/kernels/backend.ts";
import {
  registerTrainingKernels,
  TRAINING_GRADIENTS,
  TRAINING_KERNELS,
} from "../../lib/kernels/registry.ts";
import { buildModel, REFERENCE_CNN } from "../../lib/model/architecture.ts";
import { liveCounts, maxAbsDiff, scaleOf, seededValues } from "./_compare.ts";

const KERNELS = [
  "Conv2D",
  "FusedConv2D",
  "Conv2DBackpropFilter",
  "Conv2DBackpropInput",
  "MaxPoolGrad",
  "Sum",
  "Add",
  "Step",
  "BatchMatMul",
  "Tile",
  "Mean",
  "Identity",
  "DigitLabReluGradBias",
  "DigitLabReluMaxPool2x2",
  "DigitLabReluMaxPool2x2Grad",
  "DigitLabConv3x3ReluPool",
  "DigitLabConv3x3ReluPoolGrad",
  "DigitLabHashedDropout",
  "DigitLabConv3x3Grads",
  "FusedBatchNorm",
  "DigitLabChannelAffine",
  "DigitLabBatchNormGradInput",
];

/** Gradients of the reference CNN's loss on one batch, flattened per variable. */
function referenceGradients(weights: Float32Array[], x: Float32Array, labels: number[]) {
  const model = buildModel(REFERENCE_CNN, { seed: 1 });
  const initial = weights.map((w, i) => tf.tensor(w, model.getWeights()[i].shape));
  model.setWeights(initial);
  tf.dispose(initial);
  const xs = tf.tensor4d(x, [labels.length, 28, 28, 1]);
  const ys = tf.oneHot(labels, 10);
  // Inference-mode apply: dropout is the identity, so both backends agree.
  const { value, grads } = tf.variableGrads(() =>
    tf.losses.softmaxCrossEntropy(ys, model.apply(xs) as tf.Tensor) as tf.Scalar
  );
  const out = model.trainableWeights.map((w) => grads[w.name].dataSync() as Float32Array);
  tf.dispose([xs, ys, value, ...Object.values(grads)]);
  model.dispose();
  return out;
}

Deno.test("reference CNN gradients on wasm match the cpu backend", async () => {
  await setupBackend();
  const batch = 8;
  const x = seededValues([batch, 28, 28, 1], 5).map((v) => (v + 1) / 2);
  const labels = Array.from({ length: batch }, (_, i) => (i * 7) % 10);
  const model = buildModel(REFERENCE_CNN, { seed: 3 });
  assertEquals(model.countParams(), 34826);
  const weights = model.getWeights().map((w) => w.dataSync() as Float32Array);
  model.dispose();
  const before = liveCounts();

  const wasm = referenceGradients(weights, x, labels);
  assertEquals(liveCounts(), before);
  await tf.setBackend("cpu");
  let cpu: Float32Array[];
  try {
    cpu = referenceGradients(weights, x, labels);
  } finally {
    await tf.setBackend("wasm");
  }
  assertEquals(wasm.length, 6);
  for (let i = 0; i < wasm.length; i++) {
    const diff = maxAbsDiff(wasm[i], cpu[i]);
    const scale = scaleOf(cpu[i]);
    assert(diff < 1e-4 * scale, `variable ${i}: max abs diff ${diff} (scale ${scale})`);
    assert(cpu[i].some((v) => v !== 0), `variable ${i} has an all-zero gradient`);
  }
});

Deno.test("registerTrainingKernels is idempotent and keeps the kernels registered", async () => {
  await setupBackend();
  const warnings: unknown[] = [];
  const warn = console.warn;
  console.warn = (...args: unknown[]) => warnings.push(args);
  try {
    const first = KERNELS.map((k) => tf.getKernel(k, "wasm")?.kernelFunc);
    registerTrainingKernels();
    registerTrainingKernels();
    const again = KERNELS.map((k) => tf.getKernel(k, "wasm")?.kernelFunc);
    assertEquals(again, first);
    assert(first.every((f) => f !== undefined));
    assertEquals(tf.getGradient("FusedConv2D")?.kernelName, "FusedConv2D");
    assertEquals(tf.getGradient("DigitLabReluMaxPool2x2")?.kernelName, "DigitLabReluMaxPool2x2");
  } finally {
    console.warn = warn;
  }
  assertEquals(warnings, []);
});

Deno.test("the registry lists one config per op, each registered", async () => {
  await setupBackend();
  assertEquals(TRAINING_KERNELS.map((k) => k.kernelName).sort(), [...KERNELS].sort());
  for (const { kernelName, kernelFunc } of TRAINING_KERNELS) {
    assertStrictEquals<unknown>(tf.getKernel(kernelName, "wasm")?.kernelFunc, kernelFunc);
  }
  assertEquals(TRAINING_GRADIENTS.map((g) => g.kernelName), [
    "FusedConv2D",
    "DigitLabReluMaxPool2x2",
    "DigitLabConv3x3ReluPool",
    "DigitLabHashedDropout",
  ]);
  for (const gradient of TRAINING_GRADIENTS) {
    assertStrictEquals(tf.getGradient(gradient.kernelName), gradient);
  }
});
