import * as tf from "@tensorflow/tfjs";
import {
  assert,
  assertAlmostEquals,
  assertEquals,
  assertNotEquals,
  assertThrows,
} from "@std/assert";
import { InvalidArgumentError } from "../../lib/core/errors.ts";
import { setupBackend } from "../../lib/kernels/mod.ts";
import { dropoutMask, seededDropout } from "../../lib/model/seeded_dropout.ts";

Deno.test("dropoutMask drops the rate's share of values and scales the rest by 1 / (1 - rate)", () => {
  for (const rate of [0, 0.25, 0.5, 0.9]) {
    const mask = dropoutMask({ seed: 11, rate, examples: 100, size: 1000 });
    const dropped = mask.filter((v) => v === 0).length / mask.length;
    // 100,000 draws: the share's standard deviation is at most 0.0016.
    assertAlmostEquals(dropped, rate, 0.01);
    assert(mask.every((v) => v === 0 || v === Math.fround(1 / (1 - rate))));
  }
});

Deno.test("dropoutMask cuts any way into shards gives the whole batch's mask", () => {
  const whole = dropoutMask({ seed: -5, rate: 0.3, examples: 17, size: 6 });
  for (const cut of [1, 5, 8, 16]) {
    const head = dropoutMask({ seed: -5, rate: 0.3, examples: cut, size: 6 });
    const tail = dropoutMask({ seed: -5, rate: 0.3, first: cut, examples: 17 - cut, size: 6 });
    assertEquals([...head, ...tail], [...whole]);
  }
});

Deno.test("dropoutMask draws other masks for other seeds and other places", () => {
  const a = dropoutMask({ seed: 1, rate: 0.5, examples: 4, size: 64 });
  const b = dropoutMask({ seed: 2, rate: 0.5, examples: 4, size: 64 });
  const c = dropoutMask({ seed: 1, rate: 0.5, first: 4, examples: 4, size: 64 });
  assertNotEquals([...a], [...b]);
  assertNotEquals([...a], [...c]);
  // Neighbouring seeds and places agree as often as chance: half the time at rate 0.5.
  const agree = a.filter((v, i) => v === b[i]).length / a.length;
  assert(agree > 0.35 && agree < 0.65, `seeds 1 and 2 agree on ${agree}`);
});

Deno.test("dropoutMask refuses bad rates, seeds and counts, naming them", () => {
  const ok = { seed: 1, rate: 0.5, examples: 1, size: 1 };
  assertThrows(() => dropoutMask({ ...ok, rate: 1 }), InvalidArgumentError, "in [0, 1), got 1");
  assertThrows(() => dropoutMask({ ...ok, rate: NaN }), InvalidArgumentError, "got NaN");
  assertThrows(
    () => dropoutMask({ ...ok, seed: 0.5 }),
    InvalidArgumentError,
    "seed must be an integer",
  );
  assertThrows(() => dropoutMask({ ...ok, first: -1 }), InvalidArgumentError, "first must be");
  assertThrows(() => dropoutMask({ ...ok, size: 2.5 }), InvalidArgumentError, "size must be");
});

Deno.test("seededDropout's gradient is its mask, and it keeps no tensor", async () => {
  await setupBackend();
  const before = tf.memory().numTensors;
  const x = tf.ones([3, 2, 2]);
  const mask = dropoutMask({ seed: 4, rate: 0.5, first: 1, examples: 3, size: 4 });
  const grad = tf.grad((t: tf.Tensor) =>
    tf.sum(seededDropout(t, { seed: 4, rate: 0.5, first: 1 }))
  );
  const g = grad(x);
  assertEquals([...g.dataSync()], [...mask]);
  const y = seededDropout(x, { seed: 4, rate: 0.5, first: 1 });
  assertEquals([...y.dataSync()], [...mask]);
  tf.dispose([x, g, y]);
  assertEquals(tf.memory().numTensors, before);
});

Deno.test("seededDropout on wasm runs the hashed kernel and gives x · dropoutMask to the bit, forward and backward", async () => {
  await setupBackend();
  // 5 examples of 21 values: the kernel's lanes of four and a tail of one.
  const shape = [5, 7, 3];
  const values = Array.from({ length: 105 }, (_, i) => Math.fround((i % 7 - 3) * 0.37 + i / 1000));
  values[3] = NaN, values[10] = -Infinity, values[11] = Infinity, values[12] = -0;
  const before = tf.memory().numTensors;
  const cases = [
    { seed: 4, rate: 0.5, first: 0 },
    { seed: -9, rate: 0.25, first: 3 },
    { seed: 2 ** 31 + 5, rate: 0.9, first: 1 },
    { seed: 1, rate: 0, first: 2 },
    { seed: 1, rate: 1 - 2 ** -40, first: 0 }, // rounds to 2^32 of 2^32: drops every value
  ];
  for (const options of cases) {
    const mask = dropoutMask({ ...options, examples: 5, size: 21 });
    const want = values.map((v, i) => Math.fround(v * mask[i]));
    const x = tf.tensor(values, shape);
    const profile = await tf.profile(() => seededDropout(x, options));
    assert(profile.kernelNames.includes("DigitLabHashedDropout"), profile.kernelNames.join());
    const y = seededDropout(x, options);
    const dy = tf.tensor(values.map((_, i) => i - 50), shape);
    const dx = tf.grad((t: tf.Tensor) => seededDropout(t, options))(x, dy);
    const gradWant = [...dy.dataSync()].map((d, i) => Math.fround(d * mask[i]));
    const label = JSON.stringify(options);
    [...y.dataSync()].forEach((v, i) => assert(Object.is(v, want[i]), `${label} y[${i}]`));
    [...dx.dataSync()].forEach((v, i) => assert(Object.is(v, gradWant[i]), `${label} dx[${i}]`));
    tf.dispose([x, y, dy, dx, profile.result as tf.Tensor]);
  }
  assertEquals(tf.memory().numTensors, before);
});

Deno.test("dropoutMask refuses a mask past index 2^32, naming the counts", () => {
  assertThrows(
    () => dropoutMask({ seed: 1, rate: 0.5, first: 2 ** 22, examples: 1, size: 2 ** 10 }),
    InvalidArgumentError,
    "at most 2^32 values, got 4194305 examples of 1024",
  );
});
