import * as tf from "@tensorflow/tfjs";
import { assert, assertEquals } from "@std/assert";
import { setupBackend } from "../../lib/kernels/backend.ts";
import {
  CACHED_BATCH_MAX,
  CACHED_FILTERS_MAX,
  dropWinogradFilters,
  keptWinogradFilters,
} from "../../lib/kernels/winograd_filters.ts";
import { liveCounts, seededValues } from "./_compare.ts";

/** One Winograd convolution (3×3, stride 1, 8 → 16 channels, bias, ReLU) of `x` with `filter`. */
function conv(x: tf.Tensor4D, filter: tf.Tensor4D, bias: tf.Tensor1D): Float32Array {
  return tf.tidy(() =>
    tf.fused.conv2d({ x, filter, bias, strides: 1, pad: "same", activation: "relu" })
      .dataSync() as Float32Array
  );
}

Deno.test("a kept filter transform gives one image's rows bit for bit as a large batch does", async () => {
  await setupBackend();
  dropWinogradFilters();
  const before = liveCounts();
  const batch = CACHED_BATCH_MAX + 4; // above the cap: transformed at every call
  const xs = tf.tensor4d(seededValues([batch, 9, 9, 8], 1), [batch, 9, 9, 8]);
  const filter = tf.tensor4d(seededValues([3, 3, 8, 16], 2), [3, 3, 8, 16]);
  const bias = tf.tensor1d(seededValues([16], 3));
  const whole = conv(xs, filter, bias);
  assertEquals(keptWinogradFilters(), 0, "a large batch keeps nothing");
  const row = 9 * 9 * 16;
  for (const i of [0, 5, batch - 1]) {
    const one = tf.slice(xs, [i, 0, 0, 0], [1, 9, 9, 8]);
    // Twice: the first call makes and keeps the transform, the second reuses it.
    for (let call = 0; call < 2; call++) {
      assertEquals(conv(one, filter, bias), whole.subarray(i * row, (i + 1) * row));
    }
    one.dispose();
  }
  assertEquals(keptWinogradFilters(), 1);
  tf.dispose([xs, filter, bias]);
  dropWinogradFilters();
  assertEquals(liveCounts(), before);
});

Deno.test("new weights are never read through an old transform", async () => {
  await setupBackend();
  dropWinogradFilters();
  const x = tf.tensor4d(seededValues([1, 9, 9, 8], 4), [1, 9, 9, 8]);
  const bias = tf.zeros([16]) as tf.Tensor1D;
  const a = tf.variable(tf.tensor4d(seededValues([3, 3, 8, 16], 5), [3, 3, 8, 16]));
  const readA = conv(x, a as tf.Tensor4D, bias);
  // A variable's assign takes new data: the next reading must use the new weights.
  const b = tf.tensor4d(seededValues([3, 3, 8, 16], 6), [3, 3, 8, 16]);
  a.assign(b);
  const readB = conv(x, a as tf.Tensor4D, bias);
  const fresh = conv(x, b, bias);
  assertEquals(readB, fresh);
  assert(readA.some((v, i) => v !== readB[i]), "the two filters give the same output");
  tf.dispose([x, bias, a, b]);
  dropWinogradFilters();
});

Deno.test("at most CACHED_FILTERS_MAX transforms are kept, the oldest dropped first", async () => {
  await setupBackend();
  dropWinogradFilters();
  const before = liveCounts();
  const x = tf.tensor4d(seededValues([1, 6, 6, 8], 7), [1, 6, 6, 8]);
  const bias = tf.zeros([16]) as tf.Tensor1D;
  const filters = Array.from(
    { length: CACHED_FILTERS_MAX + 5 },
    (_, i) => tf.tensor4d(seededValues([3, 3, 8, 16], 100 + i), [3, 3, 8, 16]),
  );
  const first = filters.map((f) => conv(x, f, bias));
  assertEquals(keptWinogradFilters(), CACHED_FILTERS_MAX);
  // Read again, the dropped ones are transformed anew: still the same outputs.
  filters.forEach((f, i) => assertEquals(conv(x, f, bias), first[i]));
  assertEquals(keptWinogradFilters(), CACHED_FILTERS_MAX);
  tf.dispose([x, bias, ...filters]);
  dropWinogradFilters();
  assertEquals(keptWinogradFilters(), 0);
  assertEquals(liveCounts(), before);
});
