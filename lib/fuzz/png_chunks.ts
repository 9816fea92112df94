/**
 * Chunk-aware PNG mutations. A byte mutation of a PNG almost always breaks a
 * chunk's CRC, and a decoder that checks CRCs then never looks at the
 * mutated data; these mutate chunks and recompute the CRCs, so the mutation
 * reaches the header reader and the inflater: IHDR fields set to extreme
 * values, chunks dropped, repeated, reordered or inserted, the image data
 * re-compressed with extra rows or as a zlib bomb.
 *
 * @module
 */

import { randomInt, type Rng } from "../core/mod.ts";
import { crc32 } from "../image/mod.ts";
import { compressedZeros, deflate, inflate } from "./compress.ts";
import { INTERESTING_INTS, mutateBytes, pick, randomBytes, writeField } from "./mutators.ts";

/** One PNG chunk: its four-letter type and its data (length and CRC are derived). */
export interface PngChunk {
  /** The type, e.g. `"IHDR"`. */
  type: string;
  /** The chunk's data. */
  data: Uint8Array;
}

const SIGNATURE = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * Splits a PNG into its chunks, or returns null when it has no PNG
 * signature or its chunk lengths run past the end.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { joinPngChunks, splitPngChunks } from "./png_chunks.ts";
 * const png = joinPngChunks([{ type: "IEND", data: new Uint8Array(0) }]);
 * assertEquals(splitPngChunks(png)?.map((c) => c.type), ["IEND"]);
 * assertEquals(splitPngChunks(new Uint8Array(4)), null);
 * ```
 */
export function splitPngChunks(bytes: Uint8Array): PngChunk[] | null {
  if (bytes.length < 8 || SIGNATURE.some((b, i) => bytes[i] !== b)) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const chunks: PngChunk[] = [];
  let at = 8;
  while (at + 12 <= bytes.length) {
    const length = view.getUint32(at);
    if (at + 12 + length > bytes.length) return null;
    const type = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
    chunks.push({ type, data: bytes.slice(at + 8, at + 8 + length) });
    at += 12 + length;
  }
  return chunks;
}

/**
 * Writes chunks as a PNG file: signature, then each chunk with its length
 * and a correct CRC.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { joinPngChunks } from "./png_chunks.ts";
 * const png = joinPngChunks([{ type: "IEND", data: new Uint8Array(0) }]);
 * assertEquals(png.length, 8 + 12);
 * assertEquals([...png.subarray(-4)], [0xae, 0x42, 0x60, 0x82]); // IEND's CRC
 * ```
 */
export function joinPngChunks(chunks: readonly PngChunk[]): Uint8Array {
  const out = new Uint8Array(8 + chunks.reduce((n, c) => n + 12 + c.data.length, 0));
  out.set(SIGNATURE);
  const view = new DataView(out.buffer);
  let at = 8;
  for (const { type, data } of chunks) {
    view.setUint32(at, data.length);
    for (let i = 0; i < 4; i++) out[at + 4 + i] = type.charCodeAt(i) & 0xff;
    out.set(data, at + 8);
    view.setUint32(at + 8 + data.length, crc32(out.subarray(at + 4, at + 8 + data.length)));
    at += 12 + data.length;
  }
  return out;
}

/** Options of {@linkcode mutatePngChunks}. */
export interface PngMutationOptions {
  /** Inflated size of the zeros a bomb adds to the image data. Default 600 MiB. */
  bombBytes?: number;
  /** Chance that a mutation is a bomb. Default 1/200. */
  bombChance?: number;
}

const IHDR_FIELDS = [
  { offset: 0, size: 4 }, // width
  { offset: 4, size: 4 }, // height
  { offset: 8, size: 1 }, // bit depth
  { offset: 9, size: 1 }, // colour type
  { offset: 10, size: 1 }, // compression
  { offset: 11, size: 1 }, // filter
  { offset: 12, size: 1 }, // interlace
] as const;

/** The concatenated data of every IDAT chunk, and the chunks without them (IDAT's place kept). */
function splitIdat(chunks: PngChunk[]): { idat: Uint8Array; at: number; rest: PngChunk[] } {
  const at = chunks.findIndex((c) => c.type === "IDAT");
  const parts = chunks.filter((c) => c.type === "IDAT").map((c) => c.data);
  const idat = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((off, p) => (idat.set(p, off), off + p.length), 0);
  return {
    idat,
    at: at < 0 ? chunks.length - 1 : at,
    rest: chunks.filter((c) => c.type !== "IDAT"),
  };
}

function withIdat(chunks: PngChunk[], data: Uint8Array, pieces = 1): PngChunk[] {
  const { at, rest } = splitIdat(chunks);
  const size = Math.ceil(data.length / pieces) || 1;
  const idats: PngChunk[] = [];
  for (let off = 0; off < data.length || idats.length === 0; off += size) {
    idats.push({ type: "IDAT", data: data.slice(off, off + size) });
  }
  return [...rest.slice(0, at), ...idats, ...rest.slice(at)];
}

/**
 * One chunk-aware mutation of a PNG, with every CRC recomputed; a file that
 * is not a PNG gets a byte mutation instead.
 *
 * @example
 * ```ts
 * import { assert, assertNotEquals } from "@std/assert";
 * import { createRng } from "../core/random.ts";
 * import { encodePng } from "../image/mod.ts";
 * import { mutatePngChunks, splitPngChunks } from "./png_chunks.ts";
 * const png = await encodePng({ width: 2, height: 2, data: new Float32Array([0, 1, 1, 0]) });
 * const rng = createRng(3);
 * for (let i = 0; i < 20; i++) {
 *   const out = await mutatePngChunks(rng, png, { bombBytes: 1000 });
 *   assertNotEquals(out, png);
 *   assert(out.length < 100_000);
 * }
 * ```
 */
export async function mutatePngChunks(
  rng: Rng,
  png: Uint8Array,
  options: PngMutationOptions = {},
): Promise<Uint8Array> {
  const chunks = splitPngChunks(png);
  if (chunks === null || chunks.length === 0) return mutateBytes(rng, png);
  const ihdr = chunks.find((c) => c.type === "IHDR");
  if (rng() < (options.bombChance ?? 1 / 200)) {
    // Valid rows (as the seed has them) followed by far more zeros than the header declares.
    const rows = inflate(splitIdat(chunks).idat) ?? new Uint8Array(0);
    const bomb = await compressedZeros("deflate", rows, options.bombBytes ?? 600 * 1024 * 1024);
    return joinPngChunks(withIdat(chunks, bomb, 1 + randomInt(rng, 4)));
  }
  const out = chunks.map((c) => ({ ...c }));
  const i = randomInt(rng, out.length);
  switch (randomInt(rng, 9)) {
    case 0:
    case 1: // an IHDR field set to an interesting value
      if (ihdr) {
        const field = pick(rng, IHDR_FIELDS);
        const value = field.size === 1
          ? pick(rng, [0, 1, 2, 3, 4, 5, 6, 7, 8, 16, 255])
          : pick(rng, INTERESTING_INTS);
        const data = writeField(ihdr.data, field, value);
        if (data.some((b, k) => b !== ihdr.data[k])) {
          ihdr.data = data;
          return joinPngChunks(chunks);
        }
      }
      break;
    case 2: // one chunk's data mutated
      out[i].data = mutateChunkData(rng, out[i].data);
      return joinPngChunks(out);
    case 3: // a chunk dropped
      out.splice(i, 1);
      return joinPngChunks(out);
    case 4: // a chunk repeated
      out.splice(randomInt(rng, out.length + 1), 0, { ...out[i] });
      return joinPngChunks(out);
    case 5: { // two chunks swapped
      const j = randomInt(rng, out.length);
      if (i === j) break;
      [out[i], out[j]] = [out[j], out[i]];
      return joinPngChunks(out);
    }
    case 6: { // an extra chunk (a known ancillary type or a random one) before IEND
      const type = pick(rng, ["tEXt", "iCCP", "PLTE", "tRNS", "acTL", "eXIf", "zzZz", "IDAT"]);
      const extra = { type, data: randomBytes(rng, randomInt(rng, 64)) };
      out.splice(Math.max(0, out.length - 1), 0, extra);
      return joinPngChunks(out);
    }
    case 7: { // the pixel rows mutated, then re-compressed: the mutation passes zlib
      const rows = inflate(splitIdat(chunks).idat);
      if (rows) return joinPngChunks(withIdat(chunks, deflate(mutateBytes(rng, rows))));
      break;
    }
    case 8: // the image data split into many IDATs, or its zlib stream mutated
      if (rng() < 0.5) {
        const { idat } = splitIdat(chunks);
        return joinPngChunks(withIdat(chunks, idat, 2 + randomInt(rng, 8)));
      }
      return joinPngChunks(withIdat(chunks, mutateBytes(rng, splitIdat(chunks).idat)));
  }
  // The chosen mutation did not apply (no IHDR, a damaged zlib stream): mutate a chunk's data.
  out[i].data = mutateChunkData(rng, out[i].data);
  return joinPngChunks(out);
}

/** A byte mutation of a chunk's data; an empty chunk (IEND) gets some data. */
function mutateChunkData(rng: Rng, data: Uint8Array): Uint8Array {
  return data.length === 0 ? randomBytes(rng, 1 + randomInt(rng, 16)) : mutateBytes(rng, data);
}
