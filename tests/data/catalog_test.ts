import { assertEquals, assertThrows } from "@std/assert";
import { InvalidArgumentError } from "../../lib/core/errors.ts";
import { CATALOG, catalogEntry } from "../../lib/data/catalog.ts";

Deno.test("every catalog entry lists four IDX files or one archive, verifiable, with usable mirrors", () => {
  for (const [key, entry] of Object.entries(CATALOG)) {
    assertEquals(entry.name, key);
    const roles = entry.files.map((f) => f.role);
    if (key === "emnist") {
      assertEquals(roles, ["archive"]);
    } else {
      assertEquals(roles, ["trainImages", "trainLabels", "testImages", "testLabels"]);
    }
    for (const f of entry.files) {
      assertEquals(/^[0-9a-f]{64}$/.test(f.sha256), true, `${key}/${f.name}: ${f.sha256}`);
      assertEquals(Number.isInteger(f.bytes) && f.bytes > 0, true);
      assertEquals(f.name.endsWith(f.role === "archive" ? ".zip" : ".gz"), true);
    }
    assertEquals(new Set(entry.files.map((f) => f.sha256)).size, entry.files.length);
    assertEquals(entry.mirrors.length > 0, true);
    for (const m of entry.mirrors) assertEquals(/^https?:\/\/.+\/$/.test(m), true, m);
  }
});

Deno.test("EMNIST is NIST's gzip.zip with TensorFlow Datasets' published size and SHA-256", () => {
  const [archive] = catalogEntry("emnist").files;
  assertEquals(archive, {
    role: "archive",
    name: "gzip.zip",
    bytes: 561753746,
    sha256: "fb9bb67e33772a9cc0b895e4ecf36d2cf35be8b709693c3564cea2a019fcda8e",
  });
  assertEquals(catalogEntry("emnist").mirrors[0], "https://biometrics.nist.gov/cs_links/EMNIST/");
});

Deno.test("catalogEntry finds known datasets and names unknown ones", () => {
  assertEquals(catalogEntry("fashion-mnist").name, "fashion-mnist");
  assertThrows(
    () => catalogEntry("cifar10"),
    InvalidArgumentError,
    'unknown dataset "cifar10": known datasets are mnist, fashion-mnist, kmnist, emnist',
  );
  assertThrows(() => catalogEntry("toString"), InvalidArgumentError, "toString");
});
