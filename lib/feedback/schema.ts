/**
 * The corrections store's SQLite schema and how a store written by an
 * older version is brought up to date. The version is SQLite's
 * `PRAGMA user_version` (0 in a new file); migration `k` (1-based) takes a
 * store from version `k - 1` to `k`, in one `BEGIN IMMEDIATE` transaction
 * with the version bump, so a crash leaves the old version whole and two
 * processes opening the same old store migrate it once.
 *
 * @module
 */

import type { DatabaseSync } from "node:sqlite";
import { DataFormatError } from "../core/mod.ts";

/** One step of the schema: the SQL that takes a store from the version before to this one. */
export interface Migration {
  /** What it changes, for error messages. */
  description: string;
  /** SQL statements, run in the migration's transaction. */
  sql: string;
}

/**
 * The migrations of the store, oldest first: `MIGRATIONS[k - 1]` makes
 * version `k`. Version 1 is the first layout: one row per correction, the
 * 28x28 as 784 little-endian float32 (3,136 bytes), the image's length kept
 * beside it so that the total size is summed without reading the images.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { MIGRATIONS, SCHEMA_VERSION } from "./schema.ts";
 * assertEquals(MIGRATIONS.length, SCHEMA_VERSION);
 * ```
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    description: "create the corrections table",
    sql: `
      CREATE TABLE corrections (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        created_at TEXT NOT NULL,
        file_name TEXT NOT NULL CHECK (length(file_name) BETWEEN 1 AND 255),
        image BLOB NOT NULL,
        image_size INTEGER NOT NULL CHECK (image_size = length(image) AND image_size > 0),
        pixels BLOB NOT NULL CHECK (length(pixels) = 3136),
        reading TEXT NOT NULL CHECK (reading IN ('', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9')),
        confidence REAL NOT NULL CHECK (confidence BETWEEN 0 AND 1),
        label INTEGER NOT NULL CHECK (label BETWEEN 0 AND 9),
        model_id TEXT NOT NULL CHECK (length(model_id) = 64),
        origin TEXT NOT NULL CHECK (origin IN ('web', 'cli', 'notebook'))
      ) STRICT;
    `,
  },
];

/**
 * The schema version this code writes: the number of migrations.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { SCHEMA_VERSION } from "./schema.ts";
 * assertEquals(SCHEMA_VERSION, 1);
 * ```
 */
export const SCHEMA_VERSION: number = MIGRATIONS.length;

/**
 * The store's schema version (`PRAGMA user_version`; 0 for a new file).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { DatabaseSync } from "node:sqlite";
 * import { schemaVersion } from "./schema.ts";
 * const db = new DatabaseSync(":memory:");
 * assertEquals(schemaVersion(db), 0);
 * db.close();
 * ```
 */
export function schemaVersion(db: DatabaseSync): number {
  const row = db.prepare("PRAGMA user_version").get() as { user_version: number };
  return row.user_version;
}

/**
 * Brings the store up to the last of `migrations` (default
 * {@linkcode MIGRATIONS}), one transaction per step; returns the versions
 * it went through (`[]` when already up to date). The version is read again
 * inside each transaction, so a step another process made meanwhile is not
 * made twice.
 *
 * @throws {DataFormatError} when the store is newer than this code knows
 *   (written by a later Digit Lab), or a step fails (the store keeps the
 *   version before it); the message names the store, the versions and why.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { DatabaseSync } from "node:sqlite";
 * import { migrate, schemaVersion } from "./schema.ts";
 * const db = new DatabaseSync(":memory:");
 * assertEquals(migrate(db, "memory"), [1]);
 * assertEquals([schemaVersion(db), migrate(db, "memory").length], [1, 0]);
 * db.close();
 * ```
 */
export function migrate(
  db: DatabaseSync,
  name: string,
  migrations: readonly Migration[] = MIGRATIONS,
): number[] {
  const made: number[] = [];
  for (;;) {
    // Cheap check outside a transaction first: an up-to-date store takes no write lock.
    const seen = schemaVersion(db);
    if (seen > migrations.length) {
      throw new DataFormatError(
        `${name}: the corrections store has schema version ${seen}, newer than the ` +
          `${migrations.length} this Digit Lab knows; update Digit Lab to open it`,
      );
    }
    if (seen === migrations.length) return made;
    db.exec("BEGIN IMMEDIATE");
    let version = seen;
    try {
      version = schemaVersion(db);
      if (version < migrations.length) {
        db.exec(migrations[version].sql);
        db.exec(`PRAGMA user_version = ${version + 1}`);
      }
      db.exec("COMMIT");
    } catch (e) {
      db.exec("ROLLBACK");
      const step = migrations[version];
      throw new DataFormatError(
        `${name}: cannot migrate the corrections store from schema version ${version} to ` +
          `${version + 1} (${step?.description}): ${e instanceof Error ? e.message : e}`,
        { cause: e },
      );
    }
    if (version < migrations.length) made.push(version + 1);
  }
}
