/**
 * Compression for the mutators: zlib and gzip wrapping (so that mutated
 * pixels or IDX records reach the parser behind a valid stream) and
 * "bombs", small streams that inflate to a large run of zeros, the input
 * that finds decoders inflating before they check the declared size.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { deflateSync, gzipSync, inflateSync } from "node:zlib";

function bytesOf(b: Buffer): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/**
 * Compresses `bytes` as a zlib stream (what a PNG's IDAT holds).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { deflate, inflate } from "./compress.ts";
 * assertEquals(inflate(deflate(new Uint8Array([1, 2, 3]))), new Uint8Array([1, 2, 3]));
 * ```
 */
export function deflate(bytes: Uint8Array): Uint8Array {
  return bytesOf(deflateSync(bytes));
}

/**
 * Inflates a zlib stream, or returns null when it is not one (or would
 * inflate past `maxBytes`, default 64 MiB).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { inflate } from "./compress.ts";
 * assertEquals(inflate(new Uint8Array([1, 2, 3])), null);
 * ```
 */
export function inflate(bytes: Uint8Array, maxBytes = 64 * 1024 * 1024): Uint8Array | null {
  try {
    return bytesOf(inflateSync(bytes, { maxOutputLength: maxBytes }));
  } catch {
    return null;
  }
}

/**
 * Compresses `bytes` as a gzip file (what `train-images-idx3-ubyte.gz` is).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { gzip } from "./compress.ts";
 * assertEquals([...gzip(new Uint8Array([1])).subarray(0, 2)], [0x1f, 0x8b]);
 * ```
 */
export function gzip(bytes: Uint8Array): Uint8Array {
  return bytesOf(gzipSync(bytes));
}

const bombs = new Map<string, Uint8Array>();

/**
 * A zlib (`"deflate"`) or gzip stream of `prefix` followed by `zeros` zero
 * bytes: about a thousandth of its inflated size. Streamed through the
 * compressor, so making a 1 GiB bomb never holds 1 GiB; the zeros' stream
 * is cached by kind and size.
 *
 * @example
 * ```ts
 * import { assert, assertEquals } from "@std/assert";
 * import { compressedZeros, inflate } from "./compress.ts";
 * const bomb = await compressedZeros("deflate", new Uint8Array([9]), 1_000_000);
 * assert(bomb.length < 5_000);
 * assertEquals(inflate(bomb)?.length, 1_000_001);
 * ```
 */
export async function compressedZeros(
  format: "deflate" | "gzip",
  prefix: Uint8Array,
  zeros: number,
): Promise<Uint8Array> {
  const key = `${format}:${zeros}:${Array.from(prefix).join(",")}`;
  const cached = bombs.get(key);
  if (cached) return cached;
  const chunk = new Uint8Array(Math.min(zeros, 1 << 20));
  let left = zeros;
  let sentPrefix = false;
  const source = new ReadableStream<BufferSource>({
    pull(controller) {
      if (!sentPrefix) {
        sentPrefix = true;
        if (prefix.length > 0) return controller.enqueue(prefix.slice());
      }
      if (left <= 0) return controller.close();
      const n = Math.min(left, chunk.length);
      left -= n;
      controller.enqueue(chunk.subarray(0, n));
    },
  });
  const packed = source.pipeThrough(new CompressionStream(format));
  const out = new Uint8Array(await new Response(packed).arrayBuffer());
  // Bombs are few and small; keep at most a handful.
  if (bombs.size > 16) bombs.clear();
  bombs.set(key, out);
  return out;
}
