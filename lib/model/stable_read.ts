/**
 * Reading a model directory while another process may be saving to it,
 * without ever renaming or removing anything.
 *
 * A save installs a new model with two renames (the old directory aside,
 * the new one in), so a reader can find the directory missing for a moment,
 * or read `model.json` of one save and `weights.bin` of the next. The reader
 * therefore notes the directory's identity (inode and times) before and after
 * reading it, and reads again when it changed. A missing directory while a
 * save holds the lock is the moment between the renames: wait and look
 * again. A missing directory with no save running is a save that crashed
 * between its renames: read the model it moved aside (the next save puts it
 * back, under its lock).
 *
 * @module
 */

import { ModelLoadError } from "../core/mod.ts";
import { isSaveInProgress } from "./dir_lock.ts";
import { siblingPaths } from "./model_dir.ts";

/** Options of {@linkcode readStable}. */
export interface StableReadOptions {
  /** How long to keep retrying while saves change the directory, in ms (default 10,000). */
  timeoutMs?: number;
}

/**
 * Runs `read(from)` on the model directory `dir` until it completes on a
 * directory that did not change meanwhile, and returns its result. `from` is
 * `dir`, or the model a crashed save moved aside. An error `read` throws is
 * passed on when the directory did not change meanwhile, else `read` is run
 * again.
 *
 * @throws {ModelLoadError} when there is no model directory at `dir` (and no
 *   model moved aside), `dir` is not a directory, or it kept changing for
 *   `timeoutMs`.
 *
 * @example
 * ```ts
 * import { assertEquals, assertRejects } from "@std/assert";
 * import { readStable } from "./stable_read.ts";
 * import { ModelLoadError } from "../core/errors.ts";
 * const root = await Deno.makeTempDir();
 * await Deno.mkdir(`${root}/m`);
 * await Deno.writeTextFile(`${root}/m/model.json`, "{}");
 * const text = await readStable(`${root}/m`, (from) => Deno.readTextFile(`${from}/model.json`));
 * assertEquals(text, "{}");
 * await assertRejects(() => readStable(`${root}/none`, () => Promise.resolve(0)), ModelLoadError, "no model");
 * await Deno.remove(root, { recursive: true });
 * ```
 */
export async function readStable<T>(
  dir: string,
  read: (from: string) => Promise<T>,
  options: StableReadOptions = {},
): Promise<T> {
  const { timeoutMs = 10_000 } = options;
  const deadline = Date.now() + timeoutMs;
  for (let delay = 1;; delay = Math.min(delay * 2, 50)) {
    const from = await modelSource(dir, Date.now() < deadline);
    if (from !== undefined) {
      const before = await identity(from);
      let result: { value: T } | { error: unknown };
      try {
        result = { value: await read(from) };
      } catch (error) {
        result = { error };
      }
      if (before !== undefined && before === await identity(from)) {
        if ("error" in result) throw result.error;
        return result.value;
      }
    }
    if (Date.now() >= deadline) {
      throw new ModelLoadError(
        `${dir} kept changing while being read (saves in progress?) for ${timeoutMs} ms`,
      );
    }
    // Random jitter, so that readers do not retry in step with a saver's loop.
    await new Promise((resolve) => setTimeout(resolve, delay * (0.5 + Math.random())));
  }
}

/**
 * The directory to read: `dir`, or after a crashed save the model it moved
 * aside; `undefined` while a save is between its renames and `wait`.
 */
async function modelSource(dir: string, wait: boolean): Promise<string | undefined> {
  const info = await statOrUndefined(dir);
  if (info) {
    if (!info.isDirectory) throw new ModelLoadError(`${dir} is not a model directory`);
    return dir;
  }
  const [movedAside] = await siblingPaths(dir, "old");
  if (movedAside === undefined) {
    // A save may have finished between the two looks, or be writing the first model there.
    if (await statOrUndefined(dir) || wait && await isSaveInProgress(dir)) return undefined;
    throw new ModelLoadError(`no model directory at ${dir}`);
  }
  if (wait && await isSaveInProgress(dir)) return undefined;
  return movedAside;
}

/** What changes when a directory is renamed away, replaced, or has entries added or removed. */
async function identity(path: string): Promise<string | undefined> {
  const info = await statOrUndefined(path);
  return info &&
    [info.dev, info.ino, info.mtime?.getTime(), info.ctime?.getTime(), info.birthtime?.getTime()]
      .join(":");
}

async function statOrUndefined(path: string): Promise<Deno.FileInfo | undefined> {
  try {
    return await Deno.stat(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory) {
      return undefined;
    }
    throw e;
  }
}
