import * as tf from "@tensorflow/tfjs";
import { assertEquals, assertThrows } from "@std/assert";
import {
  checkWeightValues,
  QUANTIZED_BYTES,
  weightBytes,
  weightsMismatch,
} from "../../lib/model/weights_check.ts";
import { ModelLoadError } from "../../lib/core/errors.ts";
import { setupBackend } from "../../lib/kernels/backend.ts";

type Spec = tf.io.WeightsManifestEntry;

/** A uint8 weight of 3 values (an odd byte count), then float32 and float16 ones. */
const MIXED: Spec[] = [
  {
    name: "a/kernel",
    shape: [3, 1],
    dtype: "float32",
    quantization: { dtype: "uint8", min: -1, scale: 0.5 },
  },
  { name: "a/bias", shape: [1], dtype: "float32" },
  { name: "b/kernel", shape: [1, 2], dtype: "float32", quantization: { dtype: "float16" } },
  {
    name: "b/moving_variance",
    shape: [2],
    dtype: "float32",
    quantization: { dtype: "uint16", min: 0, scale: 0.25 },
  },
]; // deno-fmt-ignore

function mixedBytes(bias: number, half: [number, number], variance: [number, number]): Uint8Array {
  const out = new Uint8Array(3 + 4 + 4 + 4);
  out.set([0, 2, 4], 0); // -1, 0, 1
  new DataView(out.buffer).setFloat32(3, bias, true); // unaligned, as in a real file
  out.set(new Uint8Array(new Float16Array(half).buffer), 7);
  out.set(new Uint8Array(new Uint16Array(variance).buffer), 11);
  return out;
}

Deno.test("weightBytes: each weight at the size of its stored type", () => {
  const perValue = [QUANTIZED_BYTES.uint8, 4, QUANTIZED_BYTES.float16, QUANTIZED_BYTES.uint16];
  const values = MIXED.map((s) => s.shape.reduce((a, b) => a * b, 1));
  assertEquals(weightBytes(MIXED), values.reduce((n, v, i) => n + v * perValue[i], 0));
  assertEquals(weightBytes(MIXED), mixedBytes(0, [0, 0], [0, 0]).length);
});

Deno.test("checkWeightValues reads mixed, unaligned quantised weights as TensorFlow.js does", async () => {
  checkWeightValues(MIXED, mixedBytes(0.5, [1, -2], [1, 3]));
  assertThrows(
    () => checkWeightValues(MIXED, mixedBytes(NaN, [1, -2], [1, 3])),
    ModelLoadError,
    `weight "a/bias" has a non-finite value (NaN) at index 0`,
  );
  assertThrows(
    () => checkWeightValues(MIXED, mixedBytes(0, [1, Infinity], [1, 3])),
    ModelLoadError,
    `weight "b/kernel" has a non-finite value (Infinity) at index 1`,
  );
  // A uint16 scale so large that q * scale overflows float32, as TensorFlow.js would store it.
  const huge = MIXED.map((s) =>
    s.name === "b/moving_variance"
      ? { ...s, quantization: { dtype: "uint16" as const, min: 0, scale: 1e36 } }
      : s
  );
  assertThrows(
    () => checkWeightValues(huge, mixedBytes(0, [1, 2], [1, 1000])),
    ModelLoadError,
    `weight "b/moving_variance" has a non-finite value (Infinity) at index 1`,
  );
  // What the checks see is what TensorFlow.js decodes.
  await setupBackend();
  const decoded = tf.io.decodeWeights(mixedBytes(0.5, [1, -2], [1, 3]).slice().buffer, MIXED);
  assertEquals(Array.from(decoded["a/kernel"].dataSync()), [-1, 0, 1]);
  assertEquals(Array.from(decoded["b/moving_variance"].dataSync()), [0.25, 0.75]);
  tf.dispose(Object.values(decoded));
});

Deno.test("weightsMismatch accepts the quantised types TensorFlow.js defines, and only them", () => {
  const expected = MIXED.map((s) => ({ name: s.name, shape: s.shape }));
  assertEquals(weightsMismatch(MIXED, expected), []);
  const bad = (q: unknown) => [{ ...MIXED[1], quantization: q } as Spec];
  const one = [expected[1]];
  assertEquals(weightsMismatch(bad({ dtype: "int8", min: 0, scale: 1 }), one), [
    `weight "a/bias" is quantized as "int8", not one of uint8, uint16, float16`,
  ]);
  assertEquals(weightsMismatch(bad({ dtype: "uint16", min: 0, scale: NaN }), one), [
    `weight "a/bias" is quantized uint16 without a finite min and a finite scale >= 0`,
  ]);
  assertEquals(weightsMismatch(bad(null), one), [
    `weight "a/bias" is quantized as null, not one of uint8, uint16, float16`,
  ]);
});
