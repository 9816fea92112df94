import { assert, assertEquals, assertRejects } from "@std/assert";
import { join } from "node:path";
import { DigitLabError } from "../../lib/core/errors.ts";
import { isSaveInProgress, lockModelDir } from "../../lib/model/dir_lock.ts";

async function withTempDir(fn: (root: string) => Promise<void>): Promise<void> {
  const root = await Deno.makeTempDir({ prefix: "dir_lock_test_" });
  try {
    await fn(root);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

/** Starts a process that locks `dir` the way a saver does and holds it until its stdin closes. */
async function holdLockInAnotherProcess(dir: string): Promise<Deno.ChildProcess> {
  const script = `
    import { lockModelDir } from ${
    JSON.stringify(new URL("../../lib/model/dir_lock.ts", import.meta.url).href)
  };
    const lock = await lockModelDir(${JSON.stringify(dir)});
    console.log("locked");
    for await (const _ of Deno.stdin.readable) { /* wait for EOF */ }
    await lock.release();
  `;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["eval", script],
    cwd: Deno.cwd(),
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const { value } = await reader.read();
  assertEquals(value?.trim(), "locked");
  reader.releaseLock();
  return child;
}

Deno.test("lockModelDir writes the owner's pid and removes the lock file on release", async () => {
  await withTempDir(async (root) => {
    const dir = join(root, "m");
    assertEquals(await isSaveInProgress(dir), false);
    const lock = await lockModelDir(dir);
    assertEquals(lock.path, `${dir}.lock`);
    assertEquals((await Deno.readTextFile(`${dir}.lock`)).trim(), String(Deno.pid));
    assertEquals(await isSaveInProgress(dir), true);
    await lock.release();
    assertEquals(await isSaveInProgress(dir), false);
    await assertRejects(() => Deno.stat(`${dir}.lock`), Deno.errors.NotFound);
  });
});

Deno.test("lockModelDir serialises lockers in one process", async () => {
  await withTempDir(async (root) => {
    const dir = join(root, "m");
    const order: string[] = [];
    const first = await lockModelDir(dir);
    const second = lockModelDir(dir).then((lock) => (order.push("second locked"), lock));
    await new Promise((r) => setTimeout(r, 100));
    order.push("first releases");
    await first.release();
    await (await second).release();
    assertEquals(order, ["first releases", "second locked"]);
  });
});

Deno.test("lockModelDir refuses, naming the owner's pid, when another process holds the lock", async () => {
  await withTempDir(async (root) => {
    const dir = join(root, "m");
    const holder = await holdLockInAnotherProcess(dir);
    try {
      assertEquals(await isSaveInProgress(dir), true);
      await assertRejects(
        () => lockModelDir(dir, { timeoutMs: 200 }),
        DigitLabError,
        `process ${holder.pid} is saving a model to ${dir} (lock file ${dir}.lock)`,
      );
    } finally {
      await holder.stdin.close();
      await holder.status;
    }
    const lock = await lockModelDir(dir, { timeoutMs: 5000 });
    await lock.release();
  });
});

Deno.test("lockModelDir takes over a stale lock left by a dead process", async () => {
  await withTempDir(async (root) => {
    const dir = join(root, "m");
    const dead = new Deno.Command("true").spawn();
    await dead.status;
    await Deno.writeTextFile(`${dir}.lock`, `${dead.pid}\n`);
    assertEquals(await isSaveInProgress(dir), false, "a dead owner saves nothing");
    const lock = await lockModelDir(dir, { timeoutMs: 200 });
    assertEquals(lock.staleOwner, dead.pid);
    assertEquals((await Deno.readTextFile(`${dir}.lock`)).trim(), String(Deno.pid));
    await lock.release();
  });
});

Deno.test("a process killed while holding the lock leaves a lock the next saver takes over", async () => {
  await withTempDir(async (root) => {
    const dir = join(root, "m");
    const holder = await holdLockInAnotherProcess(dir);
    holder.kill("SIGKILL");
    await holder.status;
    await holder.stdin.close().catch(() => {});
    assert(await Deno.stat(`${dir}.lock`), "the killed holder left its lock file");
    const lock = await lockModelDir(dir, { timeoutMs: 1000 });
    assertEquals(lock.staleOwner, holder.pid);
    await lock.release();
  });
});
