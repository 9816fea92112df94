import { assert, assertEquals, assertNotEquals, assertThrows } from "@std/assert";
import { InvalidArgumentError } from "../../lib/core/errors.ts";
import { createRng, permutation, randomInt, randomNormal } from "../../lib/core/random.ts";

Deno.test("createRng: equal seeds give equal sequences, other seeds differ", () => {
  const a = createRng(123), b = createRng(123), c = createRng(124);
  const sa = Array.from({ length: 10 }, a);
  assertEquals(sa, Array.from({ length: 10 }, b));
  assertNotEquals(sa, Array.from({ length: 10 }, c));
  for (const v of sa) assert(v >= 0 && v < 1, `out of range: ${v}`);
});

Deno.test("createRng: is roughly uniform", () => {
  const rng = createRng(7);
  const bins = new Array(10).fill(0);
  for (let i = 0; i < 20000; i++) bins[Math.floor(rng() * 10)]++;
  for (const n of bins) assert(n > 1800 && n < 2200, `bin count ${n}`);
});

Deno.test("createRng: rejects a non-integer seed, naming it", () => {
  const e = assertThrows(() => createRng(1.5), InvalidArgumentError);
  assert(e.message.includes("1.5"));
  assertThrows(() => createRng(NaN), InvalidArgumentError);
});

Deno.test("permutation: is a permutation and deterministic", () => {
  const p = permutation(100, createRng(5));
  assertEquals([...p].sort((x, y) => x - y), Array.from({ length: 100 }, (_, i) => i));
  assertEquals(p, permutation(100, createRng(5)));
  assertNotEquals([...p], Array.from({ length: 100 }, (_, i) => i));
  assertEquals(permutation(0, createRng(1)).length, 0);
  assertThrows(() => permutation(-1, createRng(1)), InvalidArgumentError);
});

Deno.test("randomInt and randomNormal: ranges and moments", () => {
  const rng = createRng(9);
  let sum = 0, sq = 0;
  const n = 20000;
  for (let i = 0; i < n; i++) {
    const k = randomInt(rng, 3);
    assert(k === 0 || k === 1 || k === 2);
    const z = randomNormal(rng);
    sum += z;
    sq += z * z;
  }
  assert(Math.abs(sum / n) < 0.05, `mean ${sum / n}`);
  assert(Math.abs(sq / n - 1) < 0.05, `variance ${sq / n}`);
});
