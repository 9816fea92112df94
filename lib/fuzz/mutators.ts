/**
 * Format-blind byte mutators, as the classic fuzzers (AFL, libFuzzer) use
 * them: bit flips, inserted, deleted and duplicated ranges, "interesting"
 * integers written over a field, truncation and appended junk. Each takes
 * the seeded generator, so the same seed gives the same inputs; each returns
 * a new array and leaves its input untouched.
 *
 * @module
 */

import { randomInt, type Rng } from "../core/mod.ts";

/** A mutation of a whole input. */
export type Mutator = (rng: Rng, bytes: Uint8Array) => Uint8Array;

/** Where a header stores an unsigned integer: its offset, width in bytes and byte order. */
export interface Field {
  /** Byte offset of the field. */
  offset: number;
  /** Width in bytes: 1, 2, 3 or 4. */
  size: 1 | 2 | 3 | 4;
  /** Little-endian (BMP, GIF, WebP) rather than big-endian (PNG, IDX, JPEG). */
  littleEndian?: boolean;
}

/**
 * Values that break parsers more often than random ones: zero, one, the
 * signed and unsigned extremes of each width, and sizes that overflow
 * `width * height * channels` in 32 bits.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { INTERESTING_INTS } from "./mutators.ts";
 * assert(INTERESTING_INTS.includes(0x7fffffff) && INTERESTING_INTS.includes(0xffffffff));
 * ```
 */
export const INTERESTING_INTS: readonly number[] = [
  0,
  1,
  2,
  7,
  0x7f,
  0x80,
  0xff,
  0x100,
  0x7fff,
  0x8000,
  0xffff,
  0x10000,
  65_537,
  1_000_000,
  0x7fffffff,
  0x80000000,
  0xfffffffe,
  0xffffffff, // -1 as a 32-bit field
];

/**
 * Picks one element of `items`.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { createRng } from "../core/random.ts";
 * import { pick } from "./mutators.ts";
 * assert(["a", "b"].includes(pick(createRng(1), ["a", "b"])));
 * ```
 */
export function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[randomInt(rng, items.length)];
}

/**
 * `n` bytes drawn from `rng`.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { createRng } from "../core/random.ts";
 * import { randomBytes } from "./mutators.ts";
 * assertEquals(randomBytes(createRng(1), 4), randomBytes(createRng(1), 4));
 * ```
 */
export function randomBytes(rng: Rng, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = randomInt(rng, 256);
  return out;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) (out.set(p, offset), offset += p.length);
  return out;
}

/** A range length: mostly short, sometimes long. */
function rangeLength(rng: Rng, max: number): number {
  const cap = rng() < 0.8 ? Math.min(max, 16) : max;
  return 1 + randomInt(rng, Math.max(1, cap));
}

/**
 * Flips 1 to 8 random bits.
 *
 * @example
 * ```ts
 * import { assertEquals, assertNotEquals } from "@std/assert";
 * import { createRng } from "../core/random.ts";
 * import { flipBits } from "./mutators.ts";
 * const input = new Uint8Array(16);
 * const out = flipBits(createRng(1), input);
 * assertEquals([out.length, input.every((b) => b === 0)], [16, true]);
 * assertNotEquals(out, input);
 * ```
 */
export function flipBits(rng: Rng, bytes: Uint8Array): Uint8Array {
  const out = bytes.slice();
  if (out.length === 0) return out;
  const flips = 1 + randomInt(rng, 8);
  for (let i = 0; i < flips; i++) out[randomInt(rng, out.length)] ^= 1 << randomInt(rng, 8);
  return out;
}

/**
 * Sets 1 to 4 random bytes to random or extreme values (0x00, 0x7f, 0x80, 0xff).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { createRng } from "../core/random.ts";
 * import { setBytes } from "./mutators.ts";
 * assertEquals(setBytes(createRng(2), new Uint8Array(8)).length, 8);
 * ```
 */
export function setBytes(rng: Rng, bytes: Uint8Array): Uint8Array {
  const out = bytes.slice();
  if (out.length === 0) return out;
  const n = 1 + randomInt(rng, 4);
  for (let i = 0; i < n; i++) {
    out[randomInt(rng, out.length)] = rng() < 0.5
      ? randomInt(rng, 256)
      : pick(rng, [0, 0x7f, 0x80, 0xff]);
  }
  return out;
}

/**
 * Inserts a run of random bytes, or of one repeated byte, at a random place.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { createRng } from "../core/random.ts";
 * import { insertBytes } from "./mutators.ts";
 * assert(insertBytes(createRng(3), new Uint8Array(8)).length > 8);
 * ```
 */
export function insertBytes(rng: Rng, bytes: Uint8Array): Uint8Array {
  const at = randomInt(rng, bytes.length + 1);
  const n = rangeLength(rng, 1024);
  const run = rng() < 0.5 ? randomBytes(rng, n) : new Uint8Array(n).fill(randomInt(rng, 256));
  return concat(bytes.subarray(0, at), run, bytes.subarray(at));
}

/**
 * Deletes a random range.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { createRng } from "../core/random.ts";
 * import { deleteRange } from "./mutators.ts";
 * assert(deleteRange(createRng(4), new Uint8Array(64)).length < 64);
 * ```
 */
export function deleteRange(rng: Rng, bytes: Uint8Array): Uint8Array {
  if (bytes.length === 0) return bytes.slice();
  const at = randomInt(rng, bytes.length);
  const n = Math.min(rangeLength(rng, bytes.length), bytes.length - at);
  return concat(bytes.subarray(0, at), bytes.subarray(at + n));
}

/**
 * Copies a random range and inserts the copy at another random place (repeats
 * a chunk, a row, a marker: what makes parsers meet structures twice).
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { createRng } from "../core/random.ts";
 * import { duplicateRange } from "./mutators.ts";
 * assert(duplicateRange(createRng(5), new Uint8Array(64)).length > 64);
 * ```
 */
export function duplicateRange(rng: Rng, bytes: Uint8Array): Uint8Array {
  if (bytes.length === 0) return bytes.slice();
  const from = randomInt(rng, bytes.length);
  const n = Math.min(rangeLength(rng, bytes.length), bytes.length - from);
  const at = randomInt(rng, bytes.length + 1);
  return concat(bytes.subarray(0, at), bytes.slice(from, from + n), bytes.subarray(at));
}

/**
 * Cuts the input at a random length (often near its end, where the last
 * chunk or the pixel data is).
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { createRng } from "../core/random.ts";
 * import { truncate } from "./mutators.ts";
 * assert(truncate(createRng(6), new Uint8Array(64)).length < 64);
 * ```
 */
export function truncate(rng: Rng, bytes: Uint8Array): Uint8Array {
  if (bytes.length === 0) return bytes.slice();
  const keep = rng() < 0.5
    ? randomInt(rng, bytes.length)
    : Math.max(0, bytes.length - 1 - randomInt(rng, Math.min(bytes.length, 64)));
  return bytes.slice(0, keep);
}

/**
 * Appends 1 byte to 64 KiB of junk: random bytes, zeros, or a copy of the
 * input's own start (a second header).
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { createRng } from "../core/random.ts";
 * import { appendJunk } from "./mutators.ts";
 * assert(appendJunk(createRng(7), new Uint8Array(4)).length > 4);
 * ```
 */
export function appendJunk(rng: Rng, bytes: Uint8Array): Uint8Array {
  const n = rng() < 0.9 ? rangeLength(rng, 256) : rangeLength(rng, 65_536);
  const kind = randomInt(rng, 3);
  const junk = kind === 0
    ? randomBytes(rng, n)
    : kind === 1
    ? new Uint8Array(n)
    : bytes.slice(0, Math.min(n, bytes.length));
  return concat(bytes, junk);
}

/**
 * Writes `value` into `field` (its low bytes when the field is narrower).
 * Fields that do not fit in `bytes` are left alone.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { writeField } from "./mutators.ts";
 * const out = writeField(new Uint8Array(6), { offset: 1, size: 4 }, 0x01020304);
 * assertEquals([...out], [0, 1, 2, 3, 4, 0]);
 * assertEquals([...writeField(new Uint8Array(2), { offset: 0, size: 2, littleEndian: true }, 1)], [1, 0]);
 * ```
 */
export function writeField(bytes: Uint8Array, field: Field, value: number): Uint8Array {
  const out = bytes.slice();
  if (field.offset < 0 || field.offset + field.size > out.length) return out;
  for (let i = 0; i < field.size; i++) {
    const shift = 8 * (field.littleEndian ? i : field.size - 1 - i);
    out[field.offset + i] = Math.floor(value / 2 ** shift) & 0xff;
  }
  return out;
}

/**
 * Writes an interesting integer (or, sometimes, the field's value plus or
 * minus a little) into one of `fields`, or at a random offset when there
 * are none.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { createRng } from "../core/random.ts";
 * import { interestingInt } from "./mutators.ts";
 * const out = interestingInt(createRng(8), new Uint8Array(8), [{ offset: 4, size: 4 }]);
 * assertEquals(out.subarray(0, 4), new Uint8Array(4)); // only the field changes
 * ```
 */
export function interestingInt(
  rng: Rng,
  bytes: Uint8Array,
  fields: readonly Field[] = [],
): Uint8Array {
  const field: Field = fields.length > 0 ? pick(rng, fields) : {
    offset: randomInt(rng, Math.max(1, bytes.length - 3)),
    size: pick(rng, [1, 2, 4] as const),
    littleEndian: rng() < 0.5,
  };
  let value = pick(rng, INTERESTING_INTS);
  if (rng() < 0.25 && field.offset + field.size <= bytes.length) {
    let current = 0;
    for (let i = 0; i < field.size; i++) {
      const b = bytes[field.offset + (field.littleEndian ? field.size - 1 - i : i)];
      current = current * 256 + b;
    }
    value = current + pick(rng, [-2, -1, 1, 2, 16]);
  }
  const max = 2 ** (8 * field.size);
  return writeField(bytes, field, ((value % max) + max) % max);
}

/**
 * The byte-level mutators, for {@link mutateBytes}.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { BYTE_MUTATORS } from "./mutators.ts";
 * assertEquals(BYTE_MUTATORS.length, 8);
 * ```
 */
export const BYTE_MUTATORS: readonly Mutator[] = [
  flipBits,
  setBytes,
  insertBytes,
  deleteRange,
  duplicateRange,
  truncate,
  appendJunk,
  (rng, bytes) => interestingInt(rng, bytes),
];

/**
 * Applies 1 to `maxStacked` (default 3) mutations in a row: header
 * fields (`fields`) get interesting integers a third of the time, the
 * byte-level mutators do the rest.
 *
 * @example
 * ```ts
 * import { assertEquals, assertNotEquals } from "@std/assert";
 * import { createRng } from "../core/random.ts";
 * import { mutateBytes } from "./mutators.ts";
 * const seed = new Uint8Array(32).fill(7);
 * const a = mutateBytes(createRng(9), seed);
 * assertEquals(mutateBytes(createRng(9), seed), a); // same seed, same input
 * assertNotEquals(a, seed);
 * ```
 */
export function mutateBytes(
  rng: Rng,
  bytes: Uint8Array,
  options: { fields?: readonly Field[]; maxStacked?: number } = {},
): Uint8Array {
  const fields = options.fields ?? [];
  const steps = 1 + randomInt(rng, options.maxStacked ?? 3);
  let out = bytes;
  for (let i = 0; i < steps; i++) {
    out = fields.length > 0 && rng() < 1 / 3
      ? interestingInt(rng, out, fields)
      : pick(rng, BYTE_MUTATORS)(rng, out);
  }
  // A mutation that changed nothing (a flip twice over) is still a new input: flip once more.
  return sameBytes(out, bytes) ? flipBits(rng, bytes) : out;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
