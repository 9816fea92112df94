/**
 * The lock a process holds while it saves to a model directory, so that
 * saves to one directory run one at a time.
 *
 * The lock is the file `<dir>.lock` holding the owner's pid (for messages);
 * the exclusion itself is an OS file lock (`flock`) on it. The OS releases
 * that when its owner dies, so a lock file left behind by a killed saver is
 * stale by construction: the next saver finds it unlocked, notes the dead
 * pid and takes it over. Readers never take the lock; they only ask whether
 * a save is in progress.
 *
 * @module
 */

import { DigitLabError } from "../core/mod.ts";
import { lockPathOf } from "./model_dir.ts";

/** Options of {@linkcode lockModelDir}. */
export interface DirLockOptions {
  /** How long to wait for another saver to finish, in milliseconds (default 60,000). */
  timeoutMs?: number;
}

/** A held lock on a model directory; see {@linkcode lockModelDir}. */
export interface DirLock {
  /** The lock file. */
  readonly path: string;
  /** The pid a stale lock file named when it was taken over, if there was one. */
  readonly staleOwner: number | undefined;
  /** Removes the lock file and releases the lock. */
  release(): Promise<void>;
}

/**
 * Locks the model directory `dir` for saving, waiting while another process
 * (or another save in this one) holds it.
 *
 * @throws {DigitLabError} naming the owner's pid and the lock file when the
 *   lock is still held after `timeoutMs`.
 *
 * @example
 * ```ts
 * import { assertEquals, assertRejects } from "@std/assert";
 * import { lockModelDir } from "./dir_lock.ts";
 * import { DigitLabError } from "../core/errors.ts";
 * const root = await Deno.makeTempDir();
 * const lock = await lockModelDir(`${root}/m`);
 * assertEquals(Deno.readTextFileSync(`${root}/m.lock`).trim(), `${Deno.pid}`);
 * await assertRejects(() => lockModelDir(`${root}/m`, { timeoutMs: 20 }), DigitLabError);
 * await lock.release();
 * await Deno.remove(root, { recursive: true });
 * ```
 */
export async function lockModelDir(dir: string, options: DirLockOptions = {}): Promise<DirLock> {
  const { timeoutMs = 60_000 } = options;
  const path = lockPathOf(dir);
  const deadline = Date.now() + timeoutMs;
  for (let delay = 2;; delay = Math.min(delay * 2, 100)) {
    const file = await Deno.open(path, { read: true, write: true, create: true });
    let owner: number | undefined;
    try {
      // The file may have been removed by the owner releasing it after we opened it:
      // a lock on that unlinked file would exclude nobody, so it counts only if the
      // path still names the file we locked.
      if (await file.tryLock(true)) {
        if (await isSameFile(file, path)) return await takeLock(file, path);
      } else {
        owner = parsePid(await readText(file));
      }
    } catch (e) {
      file.close();
      throw e;
    }
    file.close();
    if (Date.now() >= deadline) {
      throw new DigitLabError(
        `process ${owner ?? "(unknown)"} is saving a model to ${dir} (lock file ${path}); ` +
          `gave up waiting after ${timeoutMs} ms`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

/**
 * Whether a process is saving to `dir` now (holds its lock). A lock file
 * whose owner died does not count.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { isSaveInProgress, lockModelDir } from "./dir_lock.ts";
 * const root = await Deno.makeTempDir();
 * assertEquals(await isSaveInProgress(`${root}/m`), false);
 * const lock = await lockModelDir(`${root}/m`);
 * assertEquals(await isSaveInProgress(`${root}/m`), true);
 * await lock.release();
 * await Deno.remove(root, { recursive: true });
 * ```
 */
export async function isSaveInProgress(dir: string): Promise<boolean> {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(lockPathOf(dir), { read: true });
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
  try {
    if (!await file.tryLock(false)) return true;
    await file.unlock();
    return false;
  } finally {
    file.close();
  }
}

async function takeLock(file: Deno.FsFile, path: string): Promise<DirLock> {
  const staleOwner = parsePid(await readText(file));
  await file.truncate(0);
  await file.seek(0, Deno.SeekMode.Start);
  await file.write(new TextEncoder().encode(`${Deno.pid}\n`));
  let released = false;
  return {
    path,
    staleOwner,
    async release() {
      if (released) return;
      released = true;
      // Remove while still holding the lock, so nobody can lock the file we remove.
      await Deno.remove(path).catch(() => {});
      file.close();
    },
  };
}

async function isSameFile(file: Deno.FsFile, path: string): Promise<boolean> {
  try {
    const [held, named] = await Promise.all([file.stat(), Deno.stat(path)]);
    return held.ino === named.ino && held.dev === named.dev;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

async function readText(file: Deno.FsFile): Promise<string> {
  await file.seek(0, Deno.SeekMode.Start);
  const buffer = new Uint8Array(64);
  const n = await file.read(buffer);
  return new TextDecoder().decode(buffer.subarray(0, n ?? 0));
}

function parsePid(text: string): number | undefined {
  const pid = Number(text.trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}
