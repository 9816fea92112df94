import { assert, assertEquals, assertNotEquals } from "@std/assert";
import { createRng } from "../../lib/core/mod.ts";
import { BYTE_MUTATORS, interestingInt, mutateBytes, writeField } from "../../lib/fuzz/mutators.ts";

const seed = Uint8Array.from({ length: 64 }, (_, i) => i);

Deno.test("mutateBytes: the same seed gives the same input, another seed another", () => {
  const a = Array.from({ length: 50 }, (_, i) => mutateBytes(createRng(i), seed));
  const b = Array.from({ length: 50 }, (_, i) => mutateBytes(createRng(i), seed));
  assertEquals(a, b);
  assert(new Set(a.map((x) => x.join())).size > 40, "inputs repeat");
});

Deno.test("mutateBytes never returns its input unchanged, and never changes it", () => {
  const copy = seed.slice();
  for (let i = 0; i < 500; i++) assertNotEquals(mutateBytes(createRng(i), seed), seed);
  assertEquals(seed, copy);
});

Deno.test("every byte mutator copes with an empty and a one-byte input", () => {
  for (const mutate of BYTE_MUTATORS) {
    for (let i = 0; i < 20; i++) {
      mutate(createRng(i), new Uint8Array(0));
      mutate(createRng(i), new Uint8Array([7]));
    }
  }
});

Deno.test("interestingInt writes only inside the given fields, in their byte order", () => {
  const fields = [{ offset: 4, size: 4 }, { offset: 10, size: 2, littleEndian: true }] as const;
  for (let i = 0; i < 200; i++) {
    const out = interestingInt(createRng(i), new Uint8Array(16), fields);
    const touched = [...out.keys()].filter((k) => out[k] !== 0);
    assert(touched.every((k) => (k >= 4 && k < 8) || k === 10 || k === 11), `touched ${touched}`);
  }
  assertEquals([...writeField(new Uint8Array(4), { offset: 0, size: 4 }, 0xffffffff)], [
    255,
    255,
    255,
    255,
  ]);
  // A field past the end is left alone rather than growing the input.
  assertEquals(writeField(new Uint8Array(2), { offset: 1, size: 4 }, 1).length, 2);
});
