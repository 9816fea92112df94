/**
 * Working buffers kept between calls. On the machines this was measured on,
 * the first write to a freshly allocated 2 MB typed array (a 600x800
 * working image of 32-bit values) costs about 1.5 ms in page faults, five
 * times the 0.3 ms of a pass over it once its pages are mapped; finding the
 * ink in a phone photo allocated some forty such arrays. A buffer that
 * never leaves its function (an intermediate pass, a flood-fill stack) is
 * therefore taken from a {@link Scratch}, which keeps it for the next call.
 *
 * @module
 */

/**
 * Largest buffer (values) a {@link Scratch} keeps: 1,048,576, a 1024x1024
 * image, above the 600x800 working size of a phone photo (at most 4 MB per
 * kept buffer). Larger requests get a fresh buffer each time, so a huge
 * image does not stay in memory after it was read.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { KEPT_VALUES } from "./scratch.ts";
 * assertEquals(KEPT_VALUES, 1024 * 1024);
 * ```
 */
export const KEPT_VALUES = 1 << 20;

/** The typed arrays a {@link Scratch} holds. */
export type ScratchArray = Float32Array | Float64Array | Int32Array | Uint8Array;

/**
 * One reusable working buffer. `take(n)` returns `n` values whose contents
 * are whatever the last user left (`zeroed(n)` clears them first); the
 * caller must be done with it before the next `take`, so each `Scratch`
 * belongs to one function that does not call itself.
 *
 * @example
 * ```ts
 * import { assert, assertEquals } from "@std/assert";
 * import { Scratch } from "./scratch.ts";
 * const scratch = new Scratch((n) => new Int32Array(n));
 * const a = scratch.take(100);
 * a[0] = 7;
 * const b = scratch.zeroed(50); // the same memory, cleared
 * assertEquals([b.length, b[0]], [50, 0]);
 * assert(a.buffer === b.buffer);
 * assert(scratch.take(2 * 1024 * 1024).buffer !== a.buffer); // too large to keep
 * ```
 */
export class Scratch<T extends ScratchArray> {
  #kept: T;
  readonly #make: (n: number) => T;

  /** A scratch buffer made by `make` (a typed-array constructor call of `n` values). */
  constructor(make: (n: number) => T) {
    this.#make = make;
    this.#kept = make(0);
  }

  /** `n` values, contents undefined: the kept buffer when it is large enough. */
  take(n: number): T {
    if (this.#kept.length >= n) return this.#kept.subarray(0, n) as T;
    const fresh = this.#make(n);
    if (n <= KEPT_VALUES) this.#kept = fresh;
    return fresh;
  }

  /** {@link Scratch.take}, every value set to 0. */
  zeroed(n: number): T {
    const kept = this.#kept.length >= n;
    const out = this.take(n);
    if (kept) out.fill(0);
    return out;
  }
}
