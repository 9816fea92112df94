import * as tf from "@tensorflow/tfjs";
import { assertEquals, assertThrows } from "@std/assert";
import { InvalidArgumentError } from "../../lib/core/errors.ts";
import { setupBackend } from "../../lib/kernels/backend.ts";
import { HASHED_DROPOUT } from "../../lib/kernels/hashed_dropout.ts";
import { liveCounts } from "./_compare.ts";

/** murmur3's finaliser, written here again so that the test does not trust the library's. */
function mix(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

Deno.test("HashedDropout keeps a value, times scale, when its index's hash reaches the threshold", async () => {
  await setupBackend();
  const before = liveCounts();
  const n = 4099; // lanes of four and a tail of three
  const x = tf.tensor1d(Array.from({ length: n }, (_, i) => 1 + i / n));
  const mask = { start: 2 ** 32 - 2000, key: 0xdeadbeef, threshold: 0x60000000, scale: 1.5 };
  const y = tf.engine().runKernel(HASHED_DROPOUT, { x }, { ...mask }) as tf.Tensor;
  const xs = x.dataSync(), ys = y.dataSync();
  let kept = 0;
  for (let k = 0; k < n; k++) {
    // The index wraps past 2^32 as the kernel's 32-bit arithmetic does.
    const hash = mix((Math.imul((mask.start + k) >>> 0, 0x9e3779b1) ^ mask.key) >>> 0);
    const want = hash >= mask.threshold ? Math.fround(xs[k] * 1.5) : 0;
    assertEquals(ys[k], want, `value ${k}`);
    if (hash >= mask.threshold) kept++;
  }
  // 0x60000000 is 3/8 of 2^32: about 5/8 of the values stay.
  assertEquals(Math.abs(kept / n - 5 / 8) < 0.03, true, `kept ${kept} of ${n}`);
  tf.dispose([x, y]);
  assertEquals(liveCounts(), before);
});

Deno.test("HashedDropout refuses other dtypes and attributes that are not a mask, naming them", async () => {
  await setupBackend();
  const before = liveCounts();
  const x = tf.tensor1d([1, 2]);
  const ok = { start: 0, key: 1, threshold: 2, scale: 2 };
  const run = (attrs: Record<string, number>, input: tf.Tensor = x) => () =>
    tf.engine().runKernel(HASHED_DROPOUT, { x: input }, attrs);
  assertThrows(
    run({ ...ok, start: -1 }),
    InvalidArgumentError,
    "start an unsigned 32-bit integer, got -1",
  );
  assertThrows(
    run({ ...ok, key: 2 ** 32 }),
    InvalidArgumentError,
    "key an unsigned 32-bit integer, got 4294967296",
  );
  assertThrows(
    run({ ...ok, threshold: 0.5 }),
    InvalidArgumentError,
    "threshold an unsigned 32-bit integer, got 0.5",
  );
  assertThrows(run({ ...ok, scale: NaN }), InvalidArgumentError, "finite scale, got NaN");
  const ints = tf.tensor1d([1, 2], "int32");
  assertThrows(run(ok, ints), InvalidArgumentError, "float32 input, got int32");
  tf.dispose([x, ints]);
  assertEquals(liveCounts(), before);
});
