import * as tf from "@tensorflow/tfjs";
import { assert, assertEquals, assertNotEquals, assertThrows } from "@std/assert";
import { setupBackend } from "../../../lib/kernels/backend.ts";
import { BackendError, InvalidArgumentError } from "../../../lib/core/errors.ts";
import { applyFlatAdam, isAdam } from "../../../lib/train/parallel/flat_adam.ts";
import { applyFlatGradients } from "../../../lib/train/parallel/data_parallel.ts";
import { trainableVariables } from "../../../lib/train/parallel/shard_gradients.ts";

/** A small conv + batch norm + dense model (6 trainable variables, 291 values), compiled with `optimizer`. */
function smallModel(optimizer: tf.Optimizer): tf.LayersModel {
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({
        inputShape: [6, 6, 1],
        filters: 4,
        kernelSize: 3,
        kernelInitializer: tf.initializers.glorotUniform({ seed: 7 }),
        biasInitializer: "ones",
      }),
      tf.layers.batchNormalization(),
      tf.layers.flatten(),
      tf.layers.dense({
        units: 3,
        activation: "softmax",
        kernelInitializer: tf.initializers.glorotUniform({ seed: 8 }),
      }),
    ],
  });
  model.compile({ optimizer, loss: "categoricalCrossentropy" });
  return model;
}

/**
 * A seeded flat gradient with magnitudes from 1 to 1e-20 and some exact
 * zeros, so the update meets large, tiny (g² from 1e-40 is below float32's
 * normal range, 1.2e-38) and zero second moments.
 */
function seededGradient(size: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const next = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  return Float32Array.from({ length: size }, (_, i) => {
    if (i % 17 === 0) return 0;
    return (next() - 0.5) * 10 ** -Math.floor(next() * 21);
  });
}

/** tfjs's own step: the same flat gradient, named by variable, through `applyGradients`. */
function applyByName(model: tf.LayersModel, grads: Float32Array): void {
  tf.tidy(() => {
    let offset = 0;
    const named = trainableVariables(model).map((v) => {
      const tensor = tf.tensor(grads.subarray(offset, offset + v.size), v.shape);
      offset += v.size;
      return { name: v.name, tensor };
    });
    model.optimizer.applyGradients(named);
  });
}

/** The bits of every float32 value, so +0/-0 and every last bit count. */
const bits = (t: tf.Tensor) => Array.from(new Uint32Array(Float32Array.from(t.dataSync()).buffer));

/** Weights, moments (with their names relative to the model's weights), iterations, accBeta1/2. */
async function stateOf(model: tf.LayersModel) {
  const names = new Map(trainableVariables(model).map((v, i) => [v.name, `w${i}`]));
  const optimizerWeights = await model.optimizer.getWeights();
  const adam = model.optimizer as unknown as { accBeta1: tf.Variable; accBeta2: tf.Variable };
  const iterations = optimizerWeights[0].tensor.dataSync()[0];
  optimizerWeights[0].tensor.dispose(); // getWeights made it; the moments are the optimizer's
  return {
    iterations,
    weights: trainableVariables(model).map(bits),
    optimizer: optimizerWeights.slice(1).map(({ name, tensor }) => {
      const [variable, moment] = [name.slice(0, name.lastIndexOf("/")), name.split("/").pop()];
      return { name: names.get(variable) ?? name, moment, bits: bits(tensor) };
    }),
    accBeta: [bits(adam.accBeta1), bits(adam.accBeta2)],
  };
}

/** Sets the learning rate as the training loop's decay does. */
function setRate(model: tf.LayersModel, rate: number): void {
  (model.optimizer as unknown as { learningRate: number }).learningRate = rate;
}

/**
 * Runs `steps` on a flat-Adam model and a tfjs-Adam twin (the learning rate
 * changes before step 3) and checks their whole state bit for bit.
 */
async function compareSteps(flatSteps: boolean[]): Promise<void> {
  const [ours, theirs] = [smallModel(tf.train.adam(0.01)), smallModel(tf.train.adam(0.01))];
  theirs.setWeights(ours.getWeights());
  const initial = trainableVariables(ours).map(bits);
  const size = trainableVariables(ours).reduce((n, v) => n + v.size, 0);
  for (const [step, flat] of flatSteps.entries()) {
    if (step === 2) [ours, theirs].forEach((m) => setRate(m, 0.01 * 0.5));
    const grads = seededGradient(size, 100 + step);
    if (flat) applyFlatGradients(ours, grads);
    else applyByName(ours, grads);
    applyByName(theirs, grads);
  }
  const [a, b] = [await stateOf(ours), await stateOf(theirs)];
  assertEquals(a.optimizer.map((o) => `${o.name}/${o.moment}`), [
    ...[0, 1, 2, 3, 4, 5].map((i) => `w${i}/m`),
    ...[0, 1, 2, 3, 4, 5].map((i) => `w${i}/v`),
  ]);
  assertEquals(a, b);
  assertEquals(a.iterations, flatSteps.length);
  // Every weight tensor moved: the comparison is not of untouched models.
  a.weights.forEach((w, i) => assertNotEquals(w, initial[i], `weight ${i}`));
  [ours, theirs].forEach((m) => m.dispose());
}

Deno.test("flat Adam equals tf.train.adam's applyGradients bit for bit over 4 steps", async () => {
  await setupBackend();
  await compareSteps([true, true, true, true]);
});

Deno.test("flat Adam and applyGradients continue each other's state", async () => {
  await setupBackend();
  await compareSteps([true, false, true]); // flat first: it creates the moments
  await compareSteps([false, true, true]); // tfjs first: flat Adam takes its moments
});

Deno.test("flat Adam equals the cpu backend's applyGradients there too (no WASM heap)", async () => {
  await setupBackend();
  await tf.setBackend("cpu");
  try {
    await compareSteps([true, true, false, true]);
  } finally {
    await tf.setBackend("wasm");
  }
});

Deno.test("flat Adam creates its moments once and leaks no tensor", async () => {
  await setupBackend();
  const model = smallModel(tf.train.adam(0.01));
  const vars = trainableVariables(model);
  const grads = seededGradient(vars.reduce((n, v) => n + v.size, 0), 3);
  const before = tf.memory().numTensors;
  applyFlatGradients(model, grads);
  assertEquals(tf.memory().numTensors, before + 2 * vars.length); // first and second moments
  const after = tf.memory().numTensors;
  for (let i = 0; i < 3; i++) applyFlatGradients(model, grads);
  assertEquals(tf.memory().numTensors, after);
  model.dispose();
});

Deno.test("flat Adam rejects a bad gradient or moment before changing anything", async () => {
  await setupBackend();
  const model = smallModel(tf.train.adam(0.01));
  const vars = trainableVariables(model);
  const size = vars.reduce((n, v) => n + v.size, 0);
  const adam = model.optimizer as tf.AdamOptimizer;
  assertThrows(
    () => applyFlatAdam(adam, vars, new Float32Array(size + 1)),
    InvalidArgumentError,
    `the variables hold ${size} values, got a gradient of ${size + 1}`,
  );
  assertThrows(
    () => applyFlatGradients(model, new Float32Array(size - 1)),
    InvalidArgumentError,
    `got a gradient of ${size - 1}`,
  );
  assertEquals([adam.iterations, (await adam.getWeights()).length], [0, 1]); // no state made
  applyFlatAdam(adam, vars, seededGradient(size, 1));
  // Another variable list against the moments made for this one: shapes differ at index 0.
  const reversed = [...vars].reverse();
  assertThrows(() => applyFlatAdam(adam, reversed, new Float32Array(size)), InvalidArgumentError);
  const ints = tf.variable(tf.tensor1d([1, 2], "int32"));
  const fresh = tf.train.adam(0.01);
  assertThrows(() => applyFlatAdam(fresh, [ints], new Float32Array(2)), InvalidArgumentError);
  assertEquals(adam.iterations, 1);
  const notAdam = Object.assign(tf.train.sgd(0.1), { getClassName: () => "Adam" });
  assertThrows(
    () => applyFlatAdam(notAdam as unknown as tf.AdamOptimizer, vars, new Float32Array(size)),
    BackendError,
  );
  tf.dispose([ints]);
  fresh.dispose();
  model.dispose();
});

Deno.test("isAdam tells Adam from the other optimizers; those keep tfjs's path", async () => {
  await setupBackend();
  const adam = tf.train.adam(0.1);
  assert(isAdam(adam));
  for (const other of [tf.train.sgd(0.1), tf.train.rmsprop(0.1), tf.train.adamax(0.1)]) {
    assertEquals(isAdam(other), false, other.getClassName());
    other.dispose();
  }
  adam.dispose();
  assertEquals([isAdam(undefined), isAdam(null)], [false, false]);
  // SGD through applyFlatGradients is still SGD: w - 0.1 g.
  const model = smallModel(tf.train.sgd(0.1));
  const vars = trainableVariables(model);
  const grads = seededGradient(vars.reduce((n, v) => n + v.size, 0), 9);
  const before = Float32Array.from(vars[0].dataSync());
  applyFlatGradients(model, grads);
  const want = before.map((w, i) => w + Math.fround(Math.fround(-0.1) * grads[i]));
  assertEquals(bits(vars[0]), Array.from(new Uint32Array(want.buffer)));
  model.dispose();
});
