import * as tf from "@tensorflow/tfjs";
import { assertEquals, assertThrows } from "@std/assert";
import { setupBackend } from "../../../lib/kernels/backend.ts";
import { InvalidArgumentError } from "../../../lib/core/errors.ts";
import { buildModel, STRONG_CNN } from "../../../lib/model/architecture.ts";
import { assignFlat, modelVariables, readFlat } from "../../../lib/train/parallel/flat_weights.ts";

Deno.test("readFlat and assignFlat round-trip a model's weights in order, without leaks", async () => {
  await setupBackend();
  const a = buildModel(STRONG_CNN, { seed: 1 });
  const b = buildModel(STRONG_CNN, { seed: 2 });
  const before = tf.memory().numTensors;
  const vars = modelVariables(a);
  assertEquals(vars.length, a.weights.length);
  const flat = readFlat(vars);
  assertEquals(flat.length, vars.reduce((n, v) => n + v.size, 0));
  assertEquals(Array.from(flat.subarray(0, vars[0].size)), Array.from(vars[0].dataSync()));
  assignFlat(modelVariables(b), flat);
  assertEquals(readFlat(modelVariables(b)), flat);
  // Into a given array, which may be longer.
  const out = new Float32Array(flat.length + 3).fill(9);
  assertEquals(readFlat(vars, out).subarray(0, flat.length), flat);
  assertEquals(out[flat.length], 9);
  assertEquals(tf.memory().numTensors, before);
  a.dispose();
  b.dispose();
});

Deno.test("readFlat and assignFlat reject arrays that are too short, naming the sizes", () => {
  const vars = [tf.variable(tf.zeros([2, 2]))];
  assertThrows(() => readFlat(vars, new Float32Array(3)), InvalidArgumentError, "4 values");
  assertThrows(
    () => assignFlat(vars, new Float32Array(3)),
    InvalidArgumentError,
    "need 4 values, got 3",
  );
  tf.dispose(vars);
});
