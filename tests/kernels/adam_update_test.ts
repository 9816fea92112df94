import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { assertEquals, assertThrows } from "@std/assert";
import { adamUpdate, setupBackend } from "../../lib/kernels/mod.ts";
import { InvalidArgumentError } from "../../lib/core/errors.ts";
import { liveCounts, seededValues } from "./_compare.ts";

Deno.test("adamUpdate gives tfjs Adam's moments and weights to the bit, the SIMD body and the tail alike", async () => {
  await setupBackend();
  const backend = tf.backend() as BackendWasm;
  // 4 * 7 + 3 values: seven blocks of four and three one by one.
  const shape = [31];
  const grads = Float32Array.from(seededValues(shape, 5), (g, i) => i % 9 === 0 ? 0 : g * 1e-3);
  const start = seededValues(shape, 6);
  const before = liveCounts();
  const init = tf.tensor1d(start);
  const weights = tf.variable(init);
  const theirs = tf.variable(init);
  const optimizer = tf.train.adam(0.01);
  // tfjs's first step, against ours from zero moments.
  const gradient = tf.tensor1d(grads);
  optimizer.applyGradients([{ name: theirs.name, tensor: gradient }]);
  const m = tf.tensor1d(grads.map((g) => Math.fround(Math.fround(g) * Math.fround(1 - 0.9))));
  const v = tf.tensor1d(grads.map((g) => Math.fround(Math.fround(g * g) * Math.fround(1 - 0.999))));
  const scalars = {
    beta1: Math.fround(0.9),
    beta2: Math.fround(0.999),
    oneMinusBeta1: Math.fround(1 - 0.9),
    oneMinusBeta2: Math.fround(1 - 0.999),
    oneMinusAccBeta1: Math.fround(1 - Math.fround(0.9)),
    oneMinusAccBeta2: Math.fround(1 - Math.fround(0.999)),
    epsilon: Math.fround(1e-7),
    minusRate: Math.fround(-0.01),
  };
  const zeros = tf.zeros(shape);
  const [m1, v1, w1] = adamUpdate(backend, { grads, m: zeros, v: zeros, weights }, scalars)
    .map((info) => tf.engine().makeTensorFromTensorInfo(info));
  assertEquals(Array.from(w1.dataSync()), Array.from(theirs.dataSync()));
  assertEquals(Array.from(m1.dataSync()), Array.from(m.dataSync()));
  assertEquals(Array.from(v1.dataSync()), Array.from(v.dataSync()));
  assertEquals(Array.from(weights.dataSync()), Array.from(start)); // not changed in place
  tf.dispose([m, v, m1, v1, w1, zeros, gradient, init, weights, theirs]);
  optimizer.dispose();
  assertEquals(liveCounts(), before);
});

Deno.test("adamUpdate refuses a gradient of another size, naming both", async () => {
  await setupBackend();
  const backend = tf.backend() as BackendWasm;
  const w = tf.zeros([6]);
  const before = liveCounts();
  const scalars = {
    beta1: 0.9,
    beta2: 0.999,
    oneMinusBeta1: 0.1,
    oneMinusBeta2: 0.001,
    oneMinusAccBeta1: 0.1,
    oneMinusAccBeta2: 0.001,
    epsilon: 1e-7,
    minusRate: -0.01,
  };
  assertThrows(
    () => adamUpdate(backend, { grads: new Float32Array(5), m: w, v: w, weights: w }, scalars),
    InvalidArgumentError,
    "a variable of 6 values needs as many gradients, got 5",
  );
  assertEquals(liveCounts(), before);
  w.dispose();
});
