/**
 * Reader for the IDX format used by MNIST and its relatives, raw or gzipped.
 *
 * An IDX file is a 4-byte magic number (two zero bytes, a type code, the
 * number of dimensions), one big-endian uint32 per dimension, then the
 * elements in row-major order, big-endian for multi-byte types.
 *
 * Sizes are bounded before memory is spent: the size a header declares is
 * checked against a limit (`maxBytes`, default {@link DEFAULT_IDX_MAX_BYTES}),
 * and a gzipped file is decompressed as a stream, a few kilobytes of input at
 * a time, into a buffer of exactly the declared size, stopping as soon as the
 * stream yields more: a 1 MB gzip of zeros behind a header declaring 7 labels
 * costs a few megabytes to refuse, not the gigabyte it would inflate to.
 *
 * @module
 */

import { DataFormatError, InvalidArgumentError } from "../core/mod.ts";

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

/**
 * Largest payload (elements, in bytes) an IDX header may declare by default:
 * 256 MiB, five times MNIST's 60000x28x28 training images (47 MB).
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { DEFAULT_IDX_MAX_BYTES } from "./idx.ts";
 * assert(60000 * 28 * 28 < DEFAULT_IDX_MAX_BYTES);
 * ```
 */
export const DEFAULT_IDX_MAX_BYTES = 256 * 1024 * 1024;

/** Options for {@linkcode parseIdx}, {@linkcode decodeIdx} and {@linkcode readIdxFile}. */
export interface ParseIdxOptions {
  /** File name used in error messages (default `"IDX data"`). */
  name?: string;
  /**
   * Refuse a header declaring more bytes of elements than this (default
   * {@link DEFAULT_IDX_MAX_BYTES}).
   */
  maxBytes?: number;
}

/** Options for {@linkcode gunzip}. */
export interface GunzipOptions {
  /** Refuse a stream that decompresses to more bytes than this (default {@link DEFAULT_IDX_MAX_BYTES}). */
  maxBytes?: number;
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
 * magic number, a zero dimension count or size, a declared size above
 * `maxBytes`, or a payload that is shorter or longer than the header
 * declares.
 * @throws {InvalidArgumentError} when `maxBytes` is not a non-negative integer.
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
  const layout = readLayout(bytes, name, checkMaxBytes(options.maxBytes));
  const { type, dims, headerBytes, dataBytes } = layout;
  const found = bytes.length - headerBytes;
  if (found !== dataBytes) {
    const what = found < dataBytes
      ? `truncated IDX file ${name}`
      : `trailing bytes in IDX file ${name}`;
    throw new DataFormatError(`${what}: header declares ${describe(layout)}, found ${found}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return {
    dtype: type.dtype,
    dims,
    data: readElements(view, headerBytes, dataBytes / type.size, type),
  };
}

/** What an IDX header declares. */
interface IdxLayout {
  type: TypeInfo;
  dims: number[];
  /** 4 + 4 bytes per dimension. */
  headerBytes: number;
  /** Bytes of elements after the header. */
  dataBytes: number;
}

/** `2x3x4 int32 = 96 bytes of data`, for error messages. */
function describe({ dims, type, dataBytes }: IdxLayout): string {
  return `${dims.join("x")}${type.size > 1 ? ` ${type.dtype}` : ""} = ${dataBytes} bytes of data`;
}

function checkMaxBytes(maxBytes: number | undefined): number {
  if (maxBytes === undefined) return DEFAULT_IDX_MAX_BYTES;
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) {
    throw new InvalidArgumentError(`maxBytes must be a non-negative integer, got ${maxBytes}`);
  }
  return maxBytes;
}

/**
 * Reads and checks the header at the start of `bytes` (which may hold more
 * than the header, or, for a truncated file, less).
 *
 * @throws {DataFormatError} for a bad magic number, a zero dimension count
 * or size, a truncated header, or a declared size above `maxBytes`.
 */
function readLayout(bytes: Uint8Array, name: string, maxBytes: number): IdxLayout {
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
  const zero = dims.indexOf(0);
  if (zero >= 0) {
    throw new DataFormatError(
      `bad IDX dimensions ${
        dims.join("x")
      } in ${name}: dimension ${zero} is 0, all must be positive`,
    );
  }
  // A product of up to 255 uint32s may pass 2^53 (or overflow to Infinity):
  // then it is certainly above the limit, and printed as at least that.
  const dataBytes = dims.reduce((a, b) => a * b, type.size);
  const layout = { type, dims, headerBytes, dataBytes };
  if (dataBytes > maxBytes) {
    const declared = Number.isSafeInteger(dataBytes) ? describe(layout) : `${dims.join("x")}`;
    throw new DataFormatError(
      `IDX file ${name}: header declares ${declared}, more than the limit of ${maxBytes}`,
    );
  }
  return layout;
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
 * Compressed bytes fed to the decompressor at a time. Deflate expands at
 * most about 1032:1, so no decompressed chunk exceeds about 16 MiB, however
 * the file was made.
 */
const INPUT_CHUNK = 16 * 1024;

/**
 * The decompressed chunks of a gzip stream, in order. Stopping early (a
 * `break` or a throw in the consumer) cancels the decompression.
 *
 * @throws {DataFormatError} when the stream is corrupt or truncated.
 */
async function* gunzipChunks(bytes: Uint8Array, name: string): AsyncGenerator<Uint8Array> {
  let at = 0;
  const input = new ReadableStream<BufferSource>({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(at, at + INPUT_CHUNK));
      at += INPUT_CHUNK;
    },
  }, { highWaterMark: 0 });
  const reader = input.pipeThrough(new DecompressionStream("gzip")).getReader();
  try {
    while (true) {
      let result: ReadableStreamReadResult<Uint8Array>;
      try {
        result = await reader.read();
      } catch (e) {
        throw new DataFormatError(
          `corrupt gzip stream in ${name}: ${e instanceof Error ? e.message : String(e)}`,
          { cause: e },
        );
      }
      if (result.done) return;
      yield result.value;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
}

function concat(parts: Uint8Array[], length: number): Uint8Array {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/**
 * Decompresses a gzip stream, stopping as soon as it yields more than
 * `options.maxBytes`.
 *
 * @param name File name used in error messages.
 * @throws {DataFormatError} when the stream is corrupt or truncated, or
 * decompresses to more than `options.maxBytes` (default
 * {@link DEFAULT_IDX_MAX_BYTES}).
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
export async function gunzip(
  bytes: Uint8Array,
  name: string,
  options: GunzipOptions = {},
): Promise<Uint8Array> {
  const maxBytes = checkMaxBytes(options.maxBytes);
  const parts: Uint8Array[] = [];
  let length = 0;
  for await (const chunk of gunzipChunks(bytes, name)) {
    length += chunk.length;
    if (length > maxBytes) {
      throw new DataFormatError(`${name} decompresses to more than the limit of ${maxBytes} bytes`);
    }
    parts.push(chunk);
  }
  return concat(parts, length);
}

/**
 * A gzipped IDX file, decompressed into a buffer of exactly the size its
 * header declares (checked against `maxBytes` first); the stream is stopped
 * as soon as it yields more. A truncated header or payload is returned as
 * is, for `parseIdx` to report.
 */
async function gunzipIdx(bytes: Uint8Array, name: string, maxBytes: number): Promise<Uint8Array> {
  const head: Uint8Array[] = [];
  let length = 0;
  let sized: { out: Uint8Array; layout: IdxLayout } | undefined;
  for await (const chunk of gunzipChunks(bytes, name)) {
    if (sized !== undefined) {
      copyInto(sized, chunk, length, name);
      length += chunk.length;
      continue;
    }
    head.push(chunk);
    length += chunk.length;
    const start = concat(head, length);
    if (length < 4 || length < 4 + 4 * start[3]) continue; // header still incomplete
    const layout = readLayout(start, name, maxBytes);
    sized = { out: new Uint8Array(layout.headerBytes + layout.dataBytes), layout };
    copyInto(sized, start, 0, name);
  }
  return sized === undefined ? concat(head, length) : sized.out.subarray(0, length);
}

/**
 * Copies `chunk` into `out` at `at`; throws when it would pass the declared
 * size (trailing data), which also stops the decompression.
 */
function copyInto(
  { out, layout }: { out: Uint8Array; layout: IdxLayout },
  chunk: Uint8Array,
  at: number,
  name: string,
): void {
  if (at + chunk.length > out.length) {
    throw new DataFormatError(
      `trailing bytes in IDX file ${name}: header declares ${describe(layout)}, found at least ` +
        `${at + chunk.length - layout.headerBytes} (decompression stopped there)`,
    );
  }
  out.set(chunk, at);
}

/**
 * Parses an IDX file that may be gzipped (detected by the `1f 8b` magic).
 * A gzipped file is decompressed as a stream into exactly the size its
 * header declares, and refused as soon as it yields more.
 *
 * @throws {DataFormatError} on a corrupt gzip stream, a malformed IDX file or
 * a declared size above `maxBytes`.
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
  const maxBytes = checkMaxBytes(options.maxBytes);
  const raw = isGzip(bytes) ? await gunzipIdx(bytes, name, maxBytes) : bytes;
  return parseIdx(raw, { name, maxBytes });
}

/**
 * Reads and parses an IDX file from disk, gzipped or raw. A file larger than
 * any IDX file within `options.maxBytes` could be is refused before it is read.
 *
 * @throws {DataFormatError} naming `path` when the file is malformed or too large.
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
export async function readIdxFile(
  path: string,
  options: Omit<ParseIdxOptions, "name"> = {},
): Promise<IdxArray> {
  const maxBytes = checkMaxBytes(options.maxBytes);
  // Room for the largest header (255 dimensions) and gzip's framing and
  // worst-case growth on incompressible data (well under 1%).
  const maxFileBytes = maxBytes + Math.ceil(maxBytes / 100) + 4096;
  const { size } = await Deno.stat(path);
  if (size > maxFileBytes) {
    throw new DataFormatError(
      `${path} has ${size} bytes, more than an IDX file of at most ${maxBytes} bytes of data ` +
        `can take`,
    );
  }
  return decodeIdx(await Deno.readFile(path), { name: path, maxBytes });
}
