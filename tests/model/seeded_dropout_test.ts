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
