import { assert, assertEquals } from "@std/assert";
import { KEPT_VALUES, Scratch } from "../../lib/image/scratch.ts";

Deno.test("Scratch reuses its buffer for requests up to its size and grows for larger ones", () => {
  const scratch = new Scratch((n) => new Float32Array(n));
  const a = scratch.take(1000);
  assertEquals(a.length, 1000);
  a.fill(3);
  const b = scratch.take(10);
  assert(b.buffer === a.buffer);
  assertEquals([b.length, b[0]], [10, 3]); // contents are what the last user left
  const c = scratch.take(5000); // larger: a new buffer, kept from now on
  assert(c.buffer !== a.buffer);
  assert(scratch.take(4000).buffer === c.buffer);
});

Deno.test("Scratch.zeroed clears kept memory, and buffers above KEPT_VALUES are not kept", () => {
  const scratch = new Scratch((n) => new Uint8Array(n));
  scratch.take(64).fill(9);
  assertEquals(Array.from(scratch.zeroed(64)), new Array(64).fill(0));
  const fresh = scratch.zeroed(128); // new memory is zero already
  assertEquals(fresh.some((v) => v !== 0), false);
  const huge = scratch.take(KEPT_VALUES + 1);
  assert(scratch.take(KEPT_VALUES + 1).buffer !== huge.buffer);
  assert(scratch.take(100).buffer === fresh.buffer); // the kept one is still the 128-value buffer
});
