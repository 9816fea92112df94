import { assert, assertEquals, assertRejects } from "@std/assert";
import { BlobReader, Uint8ArrayWriter, ZipWriter } from "@zip.js/zip.js";
import { DataFormatError, InvalidArgumentError } from "../../lib/core/errors.ts";
import { openZip } from "../../lib/data/zip_archive.ts";

/** Deterministic bytes that do not compress: a zip member stored at full size. */
function noise(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    out[i] = s >>> 24;
  }
  return out;
}

async function zipBytes(
  members: [string, Uint8Array, { level?: number; directory?: boolean }?][],
): Promise<Uint8Array> {
  const writer = new ZipWriter(new Uint8ArrayWriter());
  for (const [name, bytes, options = {}] of members) {
    if (options.directory) await writer.add(name, undefined, { directory: true });
    else {
      await writer.add(name, new BlobReader(new Blob([bytes as Uint8Array<ArrayBuffer>])), {
        level: options.level,
      });
    }
  }
  return await writer.close();
}

async function withArchive(
  bytes: Uint8Array,
  fn: (path: string) => Promise<void>,
): Promise<void> {
  const path = await Deno.makeTempFile({ suffix: ".zip" });
  try {
    await Deno.writeFile(path, bytes);
    await fn(path);
  } finally {
    await Deno.remove(path);
  }
}

Deno.test("openZip lists file members and reads stored and deflated ones", async () => {
  const text = new TextEncoder().encode("7 2 1 0 4 ".repeat(500));
  const bytes = await zipBytes([
    ["gzip/", new Uint8Array(0), { directory: true }],
    ["gzip/deflated.txt", text, { level: 9 }],
    ["gzip/stored.bin", noise(3000, 1), { level: 0 }],
  ]);
  await withArchive(bytes, async (path) => {
    const archive = await openZip(path);
    try {
      assertEquals(archive.members.map((m) => m.name), ["gzip/deflated.txt", "gzip/stored.bin"]);
      const [deflated, stored] = archive.members;
      assertEquals(deflated.bytes, text.length);
      assert(deflated.compressedBytes < text.length / 10, `${deflated.compressedBytes} bytes`);
      assertEquals(stored.compressedBytes, 3000);
      assertEquals(await archive.read("gzip/deflated.txt"), text);
      assertEquals(await archive.read("gzip/stored.bin"), noise(3000, 1));
    } finally {
      await archive.close();
    }
  });
});

Deno.test("openZip reads the central directory and the member asked for, not the archive", async () => {
  // 4 MB of other members, and a small one: reading the small one touches a few kilobytes.
  const bytes = await zipBytes([
    ["big-1.bin", noise(2_000_000, 2), { level: 0 }],
    ["small.txt", new TextEncoder().encode("seven"), {}],
    ["big-2.bin", noise(2_000_000, 3), { level: 0 }],
  ]);
  await withArchive(bytes, async (path) => {
    const read = Deno.FsFile.prototype.read;
    let total = 0;
    Deno.FsFile.prototype.read = async function (this: Deno.FsFile, p: Uint8Array) {
      const n = await read.call(this, p);
      total += n ?? 0;
      return n;
    };
    try {
      const archive = await openZip(path);
      const text = new TextDecoder().decode(await archive.read("small.txt"));
      await archive.close();
      assertEquals(text, "seven");
    } finally {
      Deno.FsFile.prototype.read = read;
    }
    assert(total < 200_000, `read ${total} of ${bytes.length} bytes`);
  });
});

Deno.test("a file that is not a zip archive is a DataFormatError naming it", async () => {
  await withArchive(new TextEncoder().encode("not a zip archive at all"), async (path) => {
    await assertRejects(() => openZip(path), DataFormatError, `${path} is not a readable zip`);
  });
  // A truncated archive lacks its central directory, which is at the end.
  const bytes = await zipBytes([["a.txt", new TextEncoder().encode("abc"), {}]]);
  await withArchive(bytes.subarray(0, bytes.length - 30), async (path) => {
    await assertRejects(() => openZip(path), DataFormatError, "is not a readable zip");
  });
});

Deno.test("read refuses missing and oversized members and corrupt data, naming them", async () => {
  const payload = noise(5000, 4);
  const bytes = await zipBytes([["m.bin", payload, { level: 0 }]]);
  await withArchive(bytes, async (path) => {
    const archive = await openZip(path);
    try {
      await assertRejects(
        () => archive.read("x.bin"),
        DataFormatError,
        `zip archive ${path} has no member x.bin (it has 1 members: m.bin)`,
      );
      await assertRejects(
        () => archive.read("m.bin", { maxBytes: 4999 }),
        DataFormatError,
        `member m.bin of ${path} has 5000 bytes, more than the limit of 4999`,
      );
      await assertRejects(
        () => archive.read("m.bin", { maxBytes: -1 }),
        InvalidArgumentError,
        "maxBytes must be a non-negative integer, got -1",
      );
      assertEquals((await archive.read("m.bin", { maxBytes: 5000 })).length, 5000);
    } finally {
      await archive.close();
    }
    await assertRejects(() => archive.read("m.bin"), InvalidArgumentError, "is closed");
  });
  // One flipped byte in the stored data: the CRC-32 check catches it.
  const corrupt = bytes.slice();
  const at = corrupt.indexOf(payload[100], 30 + "m.bin".length + 100);
  corrupt[at] ^= 0xff;
  await withArchive(corrupt, async (path) => {
    const archive = await openZip(path);
    try {
      await assertRejects(() => archive.read("m.bin"), DataFormatError, "cannot read member m.bin");
    } finally {
      await archive.close();
    }
  });
});
