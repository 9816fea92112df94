import { assertEquals, assertRejects } from "@std/assert";
import { join } from "node:path";
import { ModelLoadError } from "../../lib/core/errors.ts";
import { lockModelDir } from "../../lib/model/dir_lock.ts";
import { readStable } from "../../lib/model/stable_read.ts";

async function withTempDir(fn: (root: string) => Promise<void>): Promise<void> {
  const root = await Deno.makeTempDir({ prefix: "stable_read_test_" });
  try {
    await fn(root);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

async function writeVersion(dir: string, version: string): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  await Deno.writeTextFile(join(dir, "a"), version);
  await Deno.writeTextFile(join(dir, "b"), version);
}

Deno.test("readStable reads again when a save replaced the directory mid-read", async () => {
  await withTempDir(async (root) => {
    const dir = join(root, "m");
    await writeVersion(dir, "1");
    let calls = 0;
    const pair = await readStable(dir, async (from) => {
      const a = await Deno.readTextFile(join(from, "a"));
      if (calls++ === 0) {
        // A save installs version 2 between this reader's two reads.
        await writeVersion(`${dir}.tmp-1-1`, "2");
        await Deno.rename(dir, `${dir}.old-1-1-1`);
        await Deno.rename(`${dir}.tmp-1-1`, dir);
        await Deno.remove(`${dir}.old-1-1-1`, { recursive: true });
      }
      return a + (await Deno.readTextFile(join(from, "b")));
    });
    assertEquals([pair, calls], ["22", 2]);
  });
});

Deno.test("readStable waits while a save holds the lock between its renames", async () => {
  await withTempDir(async (root) => {
    const dir = join(root, "m");
    await writeVersion(`${dir}.old-1700000000000-1-1`, "old");
    const lock = await lockModelDir(dir);
    setTimeout(async () => {
      await writeVersion(dir, "new");
      await lock.release();
    }, 100);
    assertEquals(await readStable(dir, (from) => Deno.readTextFile(join(from, "a"))), "new");
  });
});

Deno.test("readStable passes on the error of a read of an unchanged directory", async () => {
  await withTempDir(async (root) => {
    const dir = join(root, "m");
    await writeVersion(dir, "1");
    let calls = 0;
    await assertRejects(
      () => readStable(dir, () => (calls++, Promise.reject(new ModelLoadError("bad")))),
      ModelLoadError,
      "bad",
    );
    assertEquals(calls, 1);
    await assertRejects(
      () => readStable(join(dir, "a"), () => Promise.resolve(0)),
      ModelLoadError,
      "is not a model directory",
    );
  });
});
