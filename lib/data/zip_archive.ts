/**
 * Reads members of a zip archive on disk without unpacking it: only the
 * central directory (at the end of the file) and the bytes of the members
 * asked for are read, through `npm:@zip.js/zip.js` over a random-access
 * reader. EMNIST's 562 MB `gzip.zip` is read this way: a loader touches the
 * two members of one split (about 30 MB of it for `emnist-digits`'s
 * training images) and never the rest.
 *
 * @module
 */

import * as zip from "@zip.js/zip.js";
import { DataFormatError, InvalidArgumentError } from "../core/mod.ts";

// Web workers would load zip.js's codecs from URLs; decompressing on the
// calling thread through the runtime's DecompressionStream needs none.
zip.configure({ useWebWorkers: false });

/** One file in a zip archive, as its central directory lists it. */
export interface ZipMember {
  /** Path inside the archive, e.g. `gzip/emnist-digits-train-images-idx3-ubyte.gz`. */
  name: string;
  /** Size of the member once extracted, in bytes. */
  bytes: number;
  /** Size of the member as stored in the archive, in bytes. */
  compressedBytes: number;
}

/** Options of {@linkcode ZipArchive.read}. */
export interface ZipReadOptions {
  /** Refuse a member larger than this many bytes, before reading it (default no limit). */
  maxBytes?: number;
}

/** An open zip archive; {@linkcode ZipArchive.close} it when done. */
export interface ZipArchive {
  /** The archive's path. */
  readonly path: string;
  /** Its members, in the central directory's order; directories are left out. */
  readonly members: readonly ZipMember[];
  /**
   * The extracted bytes of member `name` (its CRC-32 checked).
   *
   * @throws {DataFormatError} naming the archive and member when there is no
   *   such member, it is larger than `maxBytes`, or its data is corrupt.
   */
  read(name: string, options?: ZipReadOptions): Promise<Uint8Array>;
  /** Closes the file. */
  close(): Promise<void>;
}

/** zip.js's reader over an open file: reads the byte ranges it asks for, no more. */
class FileRangeReader extends zip.Reader<Deno.FsFile> {
  readonly #file: Deno.FsFile;

  constructor(file: Deno.FsFile) {
    super(file);
    this.#file = file;
  }

  override async init(): Promise<void> {
    this.size = (await this.#file.stat()).size;
  }

  override async readUint8Array(index: number, length: number): Promise<Uint8Array> {
    const out = new Uint8Array(Math.max(0, Math.min(length, this.size - index)));
    await this.#file.seek(index, Deno.SeekMode.Start);
    for (let at = 0; at < out.length;) {
      const n = await this.#file.read(out.subarray(at));
      if (n === null) break;
      at += n;
    }
    return out;
  }
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Opens the zip archive at `path` and reads its central directory.
 *
 * @throws {DataFormatError} naming `path` when it is not a zip archive (or a
 *   truncated one: the central directory is at the very end).
 * @throws {Deno.errors.NotFound} when there is no file at `path`.
 *
 * @example
 * ```ts
 * import { assertEquals, assertRejects } from "@std/assert";
 * import { BlobReader, Uint8ArrayWriter, ZipWriter } from "@zip.js/zip.js";
 * import { openZip } from "./zip_archive.ts";
 * import { DataFormatError } from "../core/errors.ts";
 * const writer = new ZipWriter(new Uint8ArrayWriter());
 * await writer.add("gzip/a.txt", new BlobReader(new Blob(["seven"])));
 * const path = await Deno.makeTempFile({ suffix: ".zip" });
 * await Deno.writeFile(path, await writer.close());
 * const archive = await openZip(path);
 * assertEquals(archive.members.map((m) => [m.name, m.bytes]), [["gzip/a.txt", 5]]);
 * assertEquals(new TextDecoder().decode(await archive.read("gzip/a.txt")), "seven");
 * await assertRejects(() => archive.read("gzip/b.txt"), DataFormatError, "has no member");
 * await archive.close();
 * await Deno.remove(path);
 * ```
 */
export async function openZip(path: string): Promise<ZipArchive> {
  const file = await Deno.open(path, { read: true });
  let reader: zip.ZipReader<Deno.FsFile>;
  let entries: zip.Entry[];
  try {
    reader = new zip.ZipReader(new FileRangeReader(file), { checkSignature: true });
    entries = await reader.getEntries();
  } catch (e) {
    file.close();
    throw new DataFormatError(`${path} is not a readable zip archive: ${messageOf(e)}`, {
      cause: e,
    });
  }
  const files = entries.filter((e): e is zip.FileEntry => !e.directory);
  const members = files.map((e) => ({
    name: e.filename,
    bytes: e.uncompressedSize,
    compressedBytes: e.compressedSize,
  }));
  let closed = false;
  return {
    path,
    members,
    async read(name: string, options: ZipReadOptions = {}): Promise<Uint8Array> {
      const { maxBytes } = options;
      if (maxBytes !== undefined && !(Number.isSafeInteger(maxBytes) && maxBytes >= 0)) {
        throw new InvalidArgumentError(`maxBytes must be a non-negative integer, got ${maxBytes}`);
      }
      if (closed) throw new InvalidArgumentError(`zip archive ${path} is closed`);
      const entry = files.find((e) => e.filename === name);
      if (entry === undefined) {
        const some = members.slice(0, 5).map((m) => m.name).join(", ");
        throw new DataFormatError(
          `zip archive ${path} has no member ${name} (it has ${members.length} members` +
            `${members.length > 0 ? `: ${some}${members.length > 5 ? ", ..." : ""}` : ""})`,
        );
      }
      if (maxBytes !== undefined && entry.uncompressedSize > maxBytes) {
        throw new DataFormatError(
          `member ${name} of ${path} has ${entry.uncompressedSize} bytes, more than the limit ` +
            `of ${maxBytes}`,
        );
      }
      try {
        return await entry.getData(new zip.Uint8ArrayWriter(), { checkSignature: true });
      } catch (e) {
        throw new DataFormatError(
          `cannot read member ${name} of zip archive ${path}: ${messageOf(e)}`,
          { cause: e },
        );
      }
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      try {
        await reader.close();
      } finally {
        file.close();
      }
    },
  };
}
