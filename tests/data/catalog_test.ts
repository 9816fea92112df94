import { assertEquals, assertThrows } from "@std/assert";
import { InvalidArgumentError } from "../../lib/core/errors.ts";
import { CATALOG, catalogEntry } from "../../lib/data/catalog.ts";

Deno.test("every catalog entry lists four verifiable files and usable mirrors", () => {
  for (const [key, entry] of Object.entries(CATALOG)) {
    assertEquals(entry.name, key);
    assertEquals(entry.files.map((f) => f.role), [
      "trainImages",
      "trainLabels",
      "testImages",
      "testLabels",
    ]);
    for (const f of entry.files) {
      assertEquals(/^[0-9a-f]{64}$/.test(f.sha256), true, `${key}/${f.name}: ${f.sha256}`);
      assertEquals(Number.isInteger(f.bytes) && f.bytes > 0, true);
      assertEquals(f.name.endsWith(".gz"), true);
    }
    assertEquals(new Set(entry.files.map((f) => f.sha256)).size, 4);
    assertEquals(entry.mirrors.length > 0, true);
    for (const m of entry.mirrors) assertEquals(/^https?:\/\/.+\/$/.test(m), true, m);
  }
});

Deno.test("catalogEntry finds known datasets and names unknown ones", () => {
  assertEquals(catalogEntry("fashion-mnist").name, "fashion-mnist");
  assertThrows(
    () => catalogEntry("cifar10"),
    InvalidArgumentError,
    'unknown dataset "cifar10": known datasets are mnist, fashion-mnist, kmnist',
  );
  assertThrows(() => catalogEntry("toString"), InvalidArgumentError, "toString");
});
