/**
 * Reader for the IDX format used by MNIST and its relatives, raw or gzipped.
 *
 * An IDX file is a 4-byte magic number (two zero bytes, a type code, the
 * number of dimensions), one big-endian uint32 per dimension, then the
 * elements in row-major order, big-endian for multi-byte types.
 *
 * @module
 */

import { DataFormatError } from "../core/mod.ts";

/** Element type of an IDX file. */
export type IdxDtype = "uint8" | "int8" | "int16" | "int32" | "float32" | "float64";

/** The typed array holding an IDX file's elements. */
export type IdxData =
  | Uint8Array
  | Int8Array
  | Int16Array
  | Int32Array
  | Float32Array
  | Float64Array;

/** A decoded IDX file. */
export interface IdxArray {
  /** Element type, from the magic number's type code. */
  dtype: IdxDtype;
  /** Size of each dimension, outermost first. */
  dims: number[];
  /** The elements in row-major order, in native byte order. */
  data: IdxData;
}

/** Options for {@linkcode parseIdx} and {@linkcode decodeIdx}. */
export interface ParseIdxOptions {
  /** File name used in error messages (default `"IDX data"`). */
  name?: string;
}

interface TypeInfo {
  dtype: IdxDtype;
  size: number;
}

const TYPES: Record<number, TypeInfo> = {
  0x08: { dtype: "uint8", size: 1 },
  0x09: { dtype: "int8", size: 1 },
  0x0b: { dtype: "int16", size: 2 },
  0x0c: { dtype: "int32", size: 4 },
  0x0d: { dtype: "float32", size: 4 },
  0x0e: { dtype: "float64", size: 8 },
};

const hex = (n: number, width: number) => `0x${n.toString(16).padStart(width, "0")}`;

/**
 * Whether `bytes` starts with the gzip magic number `1f 8b`.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { isGzip } from "./idx.ts";
 * assert(isGzip(new Uint8Array([0x1f, 0x8b, 8])));
 * assert(!isGzip(new Uint8Array([0, 0, 8, 1])));
 * ```
 */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Parses an uncompressed IDX file. Single-byte data shares memory with `bytes`.
 *
 * @throws {DataFormatError} on gzipped input (use {@linkcode decodeIdx}), a bad
 * magic number, a zero dimension count or size, or a payload that is shorter
 * or longer than the header declares.
 *
 * @example
 * ```ts
 * import { assertEquals, assertThrows } from "@std/assert";
 * import { parseIdx } from "./idx.ts";
 * import { DataFormatError } from "../core/errors.ts";
 * const bytes = new Uint8Array([0, 0, 0x08, 1, 0, 0, 0, 2, 3, 7]); // uint8, 1 dimension of 2
 * const idx = parseIdx(bytes, { name: "labels" });
 * assertEquals([idx.dtype, idx.dims, [...idx.data]], ["uint8", [2], [3, 7]]);
 * assertThrows(() => parseIdx(bytes.subarray(0, 9), { name: "labels" }), DataFormatError, "truncated");
 * ```
 */
export function parseIdx(bytes: Uint8Array, options: ParseIdxOptions = {}): IdxArray {
  const name = options.name ?? "IDX data";
  if (isGzip(bytes)) {
    throw new DataFormatError(`${name} is gzip-compressed: decode it with decodeIdx()`);
  }
  if (bytes.length < 4) {
    throw new DataFormatError(
      `truncated IDX file ${name}: needs at least 4 bytes of magic number, found ${bytes.length}`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0);
  const type = TYPES[bytes[2]];
  if (bytes[0] !== 0 || bytes[1] !== 0 || type === undefined) {
    throw new DataFormatError(
      `bad IDX magic ${hex(magic, 8)} in ${name}: expected two zero bytes, a type code ` +
        `(0x08, 0x09, 0x0b, 0x0c, 0x0d or 0x0e) and the number of dimensions`,
    );
  }
  const rank = bytes[3];
  if (rank === 0) {
    throw new DataFormatError(`bad IDX dimension count 0 in ${name}: must be at least 1`);
  }
  const headerBytes = 4 + 4 * rank;
  if (bytes.length < headerBytes) {
    throw new DataFormatError(
      `truncated IDX file ${name}: header of ${rank} dimensions needs ${headerBytes} bytes, ` +
        `found ${bytes.length}`,
    );
  }
  const dims = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i));
  const shape = dims.join("x");
  const zero = dims.indexOf(0);
  if (zero >= 0) {
    throw new DataFormatError(
      `bad IDX dimensions ${shape} in ${name}: dimension ${zero} is 0, all must be positive`,
    );
  }
  const count = dims.reduce((a, b) => a * b, 1);
  const expected = count * type.size;
  const found = bytes.length - headerBytes;
  if (found !== expected) {
    const what = found < expected
      ? `truncated IDX file ${name}`
      : `trailing bytes in IDX file ${name}`;
    throw new DataFormatError(
      `${what}: header declares ${shape}${type.size > 1 ? ` ${type.dtype}` : ""} = ` +
        `${expected} bytes of data, found ${found}`,
    );
  }
  return { dtype: type.dtype, dims, data: readElements(view, headerBytes, count, type) };
}

function readElements(view: DataView, offset: number, n: number, type: TypeInfo): IdxData {
  const bytes = new Uint8Array(view.buffer, view.byteOffset + offset, n * type.size);
  switch (type.dtype) {
    case "uint8":
      return bytes;
    case "int8":
      return new Int8Array(bytes.buffer, bytes.byteOffset, n);
    case "int16": {
      const out = new Int16Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getInt16(offset + 2 * i);
      return out;
    }
    case "int32": {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getInt32(offset + 4 * i);
      return out;
    }
    case "float32": {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getFloat32(offset + 4 * i);
      return out;
    }
    case "float64": {
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getFloat64(offset + 8 * i);
      return out;
    }
  }
}

/**
 * Decompresses a gzip stream.
 *
 * @param name File name used in error messages.
 * @throws {DataFormatError} when the stream is corrupt or truncated.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { gunzip } from "./idx.ts";
 * const gzip = new Blob([new Uint8Array([1, 2, 3])]).stream()
 *   .pipeThrough(new CompressionStream("gzip"));
 * const packed = new Uint8Array(await new Response(gzip).arrayBuffer());
 * assertEquals([...await gunzip(packed, "x.gz")], [1, 2, 3]);
 * ```
 */
export async function gunzip(bytes: Uint8Array, name: string): Promise<Uint8Array> {
  try {
    const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream()
      .pipeThrough(new DecompressionStream("gzip"));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  } catch (e) {
    throw new DataFormatError(
      `corrupt gzip stream in ${name}: ${e instanceof Error ? e.message : String(e)}`,
      { cause: e },
    );
  }
}

/**
 * Parses an IDX file that may be gzipped (detected by the `1f 8b` magic).
 *
 * @throws {DataFormatError} on a corrupt gzip stream or a malformed IDX file.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { decodeIdx } from "./idx.ts";
 * const idx = await decodeIdx(new Uint8Array([0, 0, 0x08, 1, 0, 0, 0, 1, 5]), { name: "x" });
 * assertEquals([...idx.data], [5]);
 * ```
 */
export async function decodeIdx(
  bytes: Uint8Array,
  options: ParseIdxOptions = {},
): Promise<IdxArray> {
  const name = options.name ?? "IDX data";
  return parseIdx(isGzip(bytes) ? await gunzip(bytes, name) : bytes, { name });
}

/**
 * Reads and parses an IDX file from disk, gzipped or raw.
 *
 * @throws {DataFormatError} naming `path` when the file is malformed.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { readIdxFile } from "./idx.ts";
 * const dir = await Deno.makeTempDir();
 * const path = `${dir}/labels-idx1-ubyte`;
 * await Deno.writeFile(path, new Uint8Array([0, 0, 0x08, 1, 0, 0, 0, 2, 3, 7]));
 * const labels = await readIdxFile(path);
 * assertEquals([labels.dims, [...labels.data]], [[2], [3, 7]]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function readIdxFile(path: string): Promise<IdxArray> {
  return decodeIdx(await Deno.readFile(path), { name: path });
}
