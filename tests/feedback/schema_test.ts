import { assertEquals, assertThrows } from "@std/assert";
import { DatabaseSync } from "node:sqlite";
import { DataFormatError } from "../../lib/core/errors.ts";
import {
  migrate,
  type Migration,
  MIGRATIONS,
  SCHEMA_VERSION,
  schemaVersion,
} from "../../lib/feedback/schema.ts";
import { CorrectionStore, STORE_FILE } from "../../lib/feedback/store.ts";
import { sampleCorrection } from "./_fixtures.ts";

function tables(db: DatabaseSync): string[] {
  return (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
    .all() as { name: string }[]).map((r) => r.name).filter((n) => !n.startsWith("sqlite_"));
}

Deno.test("a version-0 store (a SQLite file without the table) is migrated on open", async () => {
  const dir = await Deno.makeTempDir();
  // Version 0: what an interrupted first open leaves, an SQLite file with user_version 0.
  const old = new DatabaseSync(`${dir}/${STORE_FILE}`);
  old.exec("CREATE TABLE notes (text TEXT)"); // someone else's table is left alone
  assertEquals(schemaVersion(old), 0);
  old.close();
  const store = CorrectionStore.open({ dir });
  store.add(sampleCorrection());
  store.close();
  const db = new DatabaseSync(`${dir}/${STORE_FILE}`);
  assertEquals([schemaVersion(db), tables(db)], [SCHEMA_VERSION, ["corrections", "notes"]]);
  db.close();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("migrate: a later step keeps the rows an older version wrote", async () => {
  const dir = await Deno.makeTempDir();
  const store = CorrectionStore.open({ dir });
  store.add(sampleCorrection({ label: 4 }));
  store.close();
  // A version 2 made for this test: a new column with a default for the old rows.
  const next: Migration[] = [...MIGRATIONS, {
    description: "add a note column",
    sql: "ALTER TABLE corrections ADD COLUMN note TEXT NOT NULL DEFAULT 'none'",
  }];
  const db = new DatabaseSync(`${dir}/${STORE_FILE}`);
  assertEquals(migrate(db, "test", next), [2]);
  assertEquals(migrate(db, "test", next), []);
  assertEquals(db.prepare("SELECT label, note FROM corrections").all().map((r) => ({ ...r })), [
    { label: 4, note: "none" },
  ]);
  assertEquals(schemaVersion(db), 2);
  db.close();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("migrate: a failing step is rolled back whole and named", () => {
  const db = new DatabaseSync(":memory:");
  const broken: Migration[] = [{
    description: "two tables, the second one wrong",
    sql: "CREATE TABLE a (x INTEGER); CREATE TABLE b (x NOTATYPE) STRICT;",
  }];
  assertThrows(
    () => migrate(db, "mem.sqlite", broken),
    DataFormatError,
    "mem.sqlite: cannot migrate the corrections store from schema version 0 to 1 " +
      "(two tables, the second one wrong)",
  );
  assertEquals([schemaVersion(db), tables(db)], [0, []]); // table a rolled back too
  db.close();
});

Deno.test("open: a store from a newer Digit Lab, or a file that is not SQLite, is refused", async () => {
  const dir = await Deno.makeTempDir();
  const db = new DatabaseSync(`${dir}/${STORE_FILE}`);
  db.exec("PRAGMA user_version = 7");
  db.close();
  assertThrows(
    () => CorrectionStore.open({ dir }),
    DataFormatError,
    `schema version 7, newer than the ${SCHEMA_VERSION} this Digit Lab knows`,
  );
  const other = await Deno.makeTempDir();
  await Deno.writeTextFile(`${other}/${STORE_FILE}`, "this is not a database, ".repeat(100));
  assertThrows(
    () => CorrectionStore.open({ dir: other }),
    DataFormatError,
    `cannot open the corrections store ${other}/${STORE_FILE}: file is not a database`,
  );
  await Deno.remove(dir, { recursive: true });
  await Deno.remove(other, { recursive: true });
});
