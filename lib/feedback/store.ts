/**
 * The corrections store: the corrections users make to the model's
 * readings (on the draw page, with `deno task predict --correct`, in a
 * notebook), kept in one SQLite file, `corrections.sqlite`, in
 * `data/feedback/` (through `node:sqlite`, built into Deno).
 *
 * The server and the command line may write at the same time: the file is
 * in WAL mode (readers never wait for a writer), a writer waits up to
 * {@linkcode BUSY_TIMEOUT_MS} for another, and every add is one
 * `BEGIN IMMEDIATE` transaction that checks the size limits and inserts
 * the row, so a correction is stored whole or not at all, and two writers
 * cannot both pass the total-size check with room for one.
 *
 * @module
 */

import { DatabaseSync } from "node:sqlite";
import { join } from "@std/path";
import { DataFormatError, dataPath, DigitLabError, InvalidArgumentError } from "../core/mod.ts";
import { migrate } from "./schema.ts";
import { type CorrectionInput, validateCorrection } from "./validate.ts";

/** A stored correction. */
export interface Correction extends CorrectionInput {
  /** Row id, 1, 2, ... (never reused after a removal). */
  id: number;
  /** ISO 8601 time it was recorded. */
  createdAt: string;
}

/** Options of {@linkcode CorrectionStore.open}. */
export interface CorrectionStoreOptions {
  /** Directory of the store (default data/feedback/ via lib/core dataPath("feedback")); the file is corrections.sqlite. */
  dir?: string;
  /** Largest imageBytes accepted (default 5 MiB). */
  maxImageBytes?: number;
  /** Largest total of stored image bytes (default 500 MiB). */
  maxTotalBytes?: number;
}

/** Options of {@linkcode CorrectionStore.list}. */
export interface ListCorrectionsOptions {
  /** At most this many: the most recent ones (still listed oldest first). Default all. */
  limit?: number;
  /** Fill in `imageBytes` (default false: an empty array, to keep a long list light). */
  includeImages?: boolean;
}

/**
 * Default largest image of one correction: 5 MiB, a phone photo's JPEG
 * (12 MP at quality 90 is about 4 MB); the draw page sends about 10 kB.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { DEFAULT_MAX_IMAGE_BYTES } from "./store.ts";
 * assertEquals(DEFAULT_MAX_IMAGE_BYTES, 5 * 1024 * 1024);
 * ```
 */
export const DEFAULT_MAX_IMAGE_BYTES = 5 * 1024 * 1024;

/**
 * Default largest total of stored images: 500 MiB, 100 photos at the
 * per-image limit or about 50,000 drawings.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { DEFAULT_MAX_TOTAL_BYTES } from "./store.ts";
 * assertEquals(DEFAULT_MAX_TOTAL_BYTES, 500 * 1024 * 1024);
 * ```
 */
export const DEFAULT_MAX_TOTAL_BYTES = 500 * 1024 * 1024;

/**
 * How long a write waits for another process's write to finish before it
 * fails: 10 s. An add holds the lock for well under a millisecond plus the
 * image's copy, so only a stuck process makes it wait this long.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { BUSY_TIMEOUT_MS } from "./store.ts";
 * assertEquals(BUSY_TIMEOUT_MS, 10_000);
 * ```
 */
export const BUSY_TIMEOUT_MS = 10_000;

/**
 * The store's file name inside its directory.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { STORE_FILE } from "./store.ts";
 * assertEquals(STORE_FILE, "corrections.sqlite");
 * ```
 */
export const STORE_FILE = "corrections.sqlite";

interface Row {
  id: number;
  created_at: string;
  file_name: string;
  image: Uint8Array | null;
  pixels: Uint8Array;
  reading: string;
  confidence: number;
  label: number;
  model_id: string;
  origin: string;
}

const COLUMNS_WITHOUT_IMAGE =
  "id, created_at, file_name, pixels, reading, confidence, label, model_id, origin";

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!(Number.isSafeInteger(value) && value > 0)) {
    throw new InvalidArgumentError(`${name} must be a positive integer, got ${value}`);
  }
  return value;
}

/** The 784 float32 of `pixels` as little-endian bytes, whatever the machine's byte order. */
function pixelBytes(pixels: Float32Array): Uint8Array {
  const bytes = new Uint8Array(pixels.length * 4);
  const view = new DataView(bytes.buffer);
  pixels.forEach((v, i) => view.setFloat32(i * 4, v, true));
  return bytes;
}

function pixelsFrom(bytes: Uint8Array): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const pixels = new Float32Array(bytes.byteLength / 4);
  for (let i = 0; i < pixels.length; i++) pixels[i] = view.getFloat32(i * 4, true);
  return pixels;
}

function toCorrection(row: Row): Correction {
  return {
    id: row.id,
    createdAt: row.created_at,
    imageBytes: row.image ?? new Uint8Array(0),
    fileName: row.file_name,
    pixels: pixelsFrom(row.pixels),
    reading: row.reading,
    confidence: row.confidence,
    label: row.label,
    modelId: row.model_id,
    origin: row.origin as Correction["origin"],
  };
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * The corrections store. Open it with {@linkcode CorrectionStore.open},
 * close it when done.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { CorrectionStore } from "./store.ts";
 * const dir = await Deno.makeTempDir();
 * const store = CorrectionStore.open({ dir });
 * const c = store.add({
 *   imageBytes: await Deno.readFile("data/examples/drawn_3.png"),
 *   fileName: "drawn_3.png",
 *   pixels: new Float32Array(784).fill(0.5),
 *   reading: "5",
 *   confidence: 0.61,
 *   label: 3,
 *   modelId: "0f".repeat(32),
 *   origin: "cli",
 * });
 * assertEquals([c.id, store.count(), store.get(c.id)?.label], [1, 1, 3]);
 * assertEquals(store.list()[0].imageBytes.length, 0); // images only when asked for
 * assertEquals(store.remove(c.id), true);
 * assertEquals(store.count(), 0);
 * store.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class CorrectionStore {
  /** The store's file. */
  readonly path: string;
  /** Largest image accepted, in bytes. */
  readonly maxImageBytes: number;
  /** Largest total of stored images, in bytes. */
  readonly maxTotalBytes: number;
  #db: DatabaseSync | null;

  private constructor(db: DatabaseSync, path: string, maxImageBytes: number, maxTotal: number) {
    this.#db = db;
    this.path = path;
    this.maxImageBytes = maxImageBytes;
    this.maxTotalBytes = maxTotal;
  }

  /**
   * Opens the store in `options.dir` (default `data/feedback/`), creating
   * the directory and the file, and migrating a store written by an older
   * version (see `migrate`).
   *
   * @throws {InvalidArgumentError} for a size limit that is not a positive integer.
   * @throws {DataFormatError} when the file is not an SQLite database, is
   *   newer than this code knows, or cannot be migrated; or the directory
   *   cannot be created. The message names the file.
   */
  static open(options: CorrectionStoreOptions = {}): CorrectionStore {
    const maxImage = positiveInteger(
      "maxImageBytes",
      options.maxImageBytes,
      DEFAULT_MAX_IMAGE_BYTES,
    );
    const maxTotal = positiveInteger(
      "maxTotalBytes",
      options.maxTotalBytes,
      DEFAULT_MAX_TOTAL_BYTES,
    );
    const dir = options.dir ?? dataPath("feedback");
    const path = join(dir, STORE_FILE);
    try {
      Deno.mkdirSync(dir, { recursive: true });
    } catch (e) {
      throw new DataFormatError(`cannot create the corrections directory ${dir}: ${errorText(e)}`, {
        cause: e,
      });
    }
    let db: DatabaseSync;
    try {
      db = new DatabaseSync(path);
    } catch (e) {
      throw new DataFormatError(`cannot open the corrections store ${path}: ${errorText(e)}`, {
        cause: e,
      });
    }
    try {
      // busy_timeout first: switching to WAL takes a lock another process may hold.
      db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
      const mode = db.prepare("PRAGMA journal_mode = WAL").get() as { journal_mode: string };
      if (mode.journal_mode !== "wal") {
        throw new Error(`journal mode stays "${mode.journal_mode}", not "wal"`);
      }
      // WAL is safe with NORMAL: a power cut may lose the last commits, never corrupt.
      db.exec("PRAGMA synchronous = NORMAL");
      migrate(db, path);
    } catch (e) {
      db.close();
      if (e instanceof DigitLabError) throw e;
      throw new DataFormatError(`cannot open the corrections store ${path}: ${errorText(e)}`, {
        cause: e,
      });
    }
    return new CorrectionStore(db, path, maxImage, maxTotal);
  }

  #open(): DatabaseSync {
    if (this.#db === null) throw new InvalidArgumentError(`${this.path}: the store is closed`);
    return this.#db;
  }

  /**
   * Validates `input` (see `validateCorrection`), then in one transaction
   * checks that the total of stored images stays within `maxTotalBytes` and
   * inserts it. Returns the stored correction.
   *
   * @throws {InvalidArgumentError} for a bad field (naming it and its value),
   *   or when the image would take the store past `maxTotalBytes`.
   * @throws {ImageError} for empty bytes, bytes over `maxImageBytes`, or
   *   bytes that are not an image.
   * @throws {DigitLabError} when SQLite cannot write (for example the disk
   *   is full or another writer held the lock past {@linkcode BUSY_TIMEOUT_MS}).
   */
  add(input: CorrectionInput): Correction {
    const db = this.#open();
    validateCorrection(input, { maxImageBytes: this.maxImageBytes });
    const createdAt = new Date().toISOString();
    const pixels = pixelBytes(input.pixels);
    const size = input.imageBytes.length;
    let id: number;
    try {
      db.exec("BEGIN IMMEDIATE");
    } catch (e) {
      throw new DigitLabError(
        `cannot record the correction of ${input.fileName} in ${this.path}: ${errorText(e)}`,
        { cause: e },
      );
    }
    try {
      const { total } = db.prepare("SELECT COALESCE(SUM(image_size), 0) AS total FROM corrections")
        .get() as { total: number };
      if (total + size > this.maxTotalBytes) {
        throw new InvalidArgumentError(
          `${input.fileName}: the corrections store is full: ${total} bytes of images stored, ` +
            `${size} more would pass the limit of ${this.maxTotalBytes} (${this.path})`,
        );
      }
      const result = db.prepare(
        `INSERT INTO corrections (created_at, file_name, image, image_size, pixels, reading,
           confidence, label, model_id, origin) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        createdAt,
        input.fileName,
        input.imageBytes,
        size,
        pixels,
        input.reading,
        input.confidence,
        input.label,
        input.modelId,
        input.origin,
      );
      id = Number(result.lastInsertRowid);
      db.exec("COMMIT");
    } catch (e) {
      db.exec("ROLLBACK");
      if (e instanceof DigitLabError) throw e;
      throw new DigitLabError(
        `cannot record the correction of ${input.fileName} in ${this.path}: ${errorText(e)}`,
        { cause: e },
      );
    }
    return {
      id,
      createdAt,
      imageBytes: input.imageBytes.slice(),
      fileName: input.fileName,
      pixels: input.pixels.slice(),
      reading: input.reading,
      confidence: input.confidence,
      label: input.label,
      modelId: input.modelId,
      origin: input.origin,
    };
  }

  /**
   * The stored corrections, oldest first; with `limit`, the most recent
   * `limit` of them. `imageBytes` is empty unless `includeImages`.
   *
   * @throws {InvalidArgumentError} for a limit that is not a positive integer.
   */
  list(options: ListCorrectionsOptions = {}): Correction[] {
    const db = this.#open();
    const limit = positiveInteger("limit", options.limit, -1);
    const columns = options.includeImages
      ? `${COLUMNS_WITHOUT_IMAGE}, image`
      : COLUMNS_WITHOUT_IMAGE;
    const rows = db.prepare(
      `SELECT * FROM (SELECT ${columns} FROM corrections ORDER BY id DESC LIMIT ?) ORDER BY id`,
    ).all(limit) as unknown as Row[];
    return rows.map(toCorrection);
  }

  /** The correction with this id, its image included, or undefined. */
  get(id: number): Correction | undefined {
    const db = this.#open();
    const row = db.prepare(`SELECT ${COLUMNS_WITHOUT_IMAGE}, image FROM corrections WHERE id = ?`)
      .get(id) as Row | undefined;
    return row === undefined ? undefined : toCorrection(row);
  }

  /** Removes the correction with this id; false when there was none. */
  remove(id: number): boolean {
    const db = this.#open();
    return Number(db.prepare("DELETE FROM corrections WHERE id = ?").run(id).changes) > 0;
  }

  /** How many corrections are stored. */
  count(): number {
    const db = this.#open();
    return (db.prepare("SELECT COUNT(*) AS n FROM corrections").get() as { n: number }).n;
  }

  /** The total size of the stored images, in bytes (what `maxTotalBytes` limits). */
  totalImageBytes(): number {
    const db = this.#open();
    return (db.prepare("SELECT COALESCE(SUM(image_size), 0) AS n FROM corrections").get() as {
      n: number;
    }).n;
  }

  /** Closes the file; later calls throw. Closing twice is harmless. */
  close(): void {
    this.#db?.close();
    this.#db = null;
  }
}
