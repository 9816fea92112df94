/**
 * Replacing a model directory with a model derived from it (a fine-tune),
 * atomically and only if it still holds the parent: under the directory's
 * save lock (`model/dir_lock.ts`) the parent's identity is checked, the new
 * directory is written complete in a fresh sibling `<dir>.tmp-<pid>-<n>`
 * (`model/model_dir.ts`), the parent is renamed aside to `<dir>.old-…`, the
 * new one renamed in, and the old one removed: readers see the old complete
 * model or the new complete one, and a crash between the renames is undone
 * by the next save (`saveModel` puts the newest `.old-` back). Also the
 * in-place rewrite of a kept model's `metrics.json` (written aside, renamed).
 *
 * @module
 */

import { dirname, join } from "@std/path";
import { DigitLabError } from "../core/mod.ts";
import { modelIdOf } from "../feedback/mod.ts";
import { lockModelDir, newSiblingPath } from "../model/mod.ts";

/** Options of {@linkcode installDerivedModel} and {@linkcode rewriteModelMetrics}. */
export interface DerivedModelOptions {
  /** The identity ({@linkcode modelIdOf}) the directory must still have. */
  parentId: string;
  /** How long to wait for another save to the directory, in ms (default 60,000). */
  lockTimeoutMs?: number;
}

async function checkParent(dir: string, parentId: string): Promise<void> {
  const now = await modelIdOf(dir);
  if (now !== parentId) {
    throw new DigitLabError(
      `the model in ${dir} changed while it was fine-tuned (its weights were ` +
        `${parentId.slice(0, 12)}…, now ${now.slice(0, 12)}…): nothing was installed; run again`,
    );
  }
}

async function syncDir(path: string): Promise<void> {
  using d = await Deno.open(path, { read: true });
  await d.sync();
}

/**
 * Replaces the model directory `dir` with the one `write` makes in the
 * empty-to-be directory it is given (a sibling of `dir`, which does not
 * exist yet: `write` creates it, e.g. with `saveModel`), if `dir` still
 * holds the model `parentId` names. On any failure `dir` is left as it was
 * and the sibling removed.
 *
 * @throws {DigitLabError} when `dir` holds another model than `parentId`
 *   (nothing is written), or when `write` or a rename fails.
 *
 * @example
 * ```ts
 * import { assertEquals, assertRejects } from "@std/assert";
 * import { installDerivedModel } from "./model_install.ts";
 * import { modelIdOf } from "../feedback/mod.ts";
 * const root = await Deno.makeTempDir();
 * await Deno.mkdir(`${root}/m`);
 * await Deno.writeTextFile(`${root}/m/weights.bin`, "old");
 * const parentId = await modelIdOf(`${root}/m`);
 * await installDerivedModel(`${root}/m`, async (tmp) => {
 *   await Deno.mkdir(tmp);
 *   await Deno.writeTextFile(`${tmp}/weights.bin`, "new");
 * }, { parentId });
 * assertEquals(await Deno.readTextFile(`${root}/m/weights.bin`), "new");
 * // The parent is gone now: a second install from it is refused.
 * await assertRejects(() => installDerivedModel(`${root}/m`, () => Promise.resolve(), { parentId }));
 * assertEquals([...Deno.readDirSync(root)].map((e) => e.name), ["m"]); // no sibling left
 * await Deno.remove(root, { recursive: true });
 * ```
 */
export async function installDerivedModel(
  dir: string,
  write: (staging: string) => Promise<void>,
  options: DerivedModelOptions,
): Promise<void> {
  const lock = await lockModelDir(dir, { timeoutMs: options.lockTimeoutMs });
  const staging = newSiblingPath(dir, "tmp");
  let old: string | undefined;
  let swapped = false;
  try {
    await checkParent(dir, options.parentId);
    await write(staging);
    await syncDir(staging);
    old = newSiblingPath(dir, "old");
    await Deno.rename(dir, old);
    await Deno.rename(staging, dir);
    swapped = true;
    await syncDir(dirname(dir));
  } catch (e) {
    if (!swapped && old !== undefined) await Deno.rename(old, dir).catch(() => {});
    await Deno.remove(staging, { recursive: true }).catch(() => {});
    if (e instanceof DigitLabError) throw e;
    throw new DigitLabError(
      `could not install the new model in ${dir} (the previous one is kept): ${
        (e as Error).message
      }`,
      { cause: e },
    );
  } finally {
    await lock.release();
  }
  // The new model is in place; a failure here leaves only a stale copy the next save removes.
  if (old !== undefined) await Deno.remove(old, { recursive: true }).catch(() => {});
}

/**
 * Rewrites `dir/metrics.json` with what `update` returns for its current
 * contents (`undefined` when it has none), if `dir` still holds the model
 * `parentId` names: under the save lock, written aside and renamed, so a
 * reader sees the old file or the new one.
 *
 * @throws {DigitLabError} when `dir` holds another model (nothing is written).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { rewriteModelMetrics } from "./model_install.ts";
 * import { modelIdOf } from "../feedback/mod.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/weights.bin`, "w");
 * await Deno.writeTextFile(`${dir}/metrics.json`, '{"epochs": 3}');
 * await rewriteModelMetrics(dir, (m) => ({ ...m, note: "kept" }), {
 *   parentId: await modelIdOf(dir),
 * });
 * assertEquals(JSON.parse(await Deno.readTextFile(`${dir}/metrics.json`)), { epochs: 3, note: "kept" });
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function rewriteModelMetrics(
  dir: string,
  update: (metrics: Record<string, unknown> | undefined) => Record<string, unknown>,
  options: DerivedModelOptions,
): Promise<void> {
  const lock = await lockModelDir(dir, { timeoutMs: options.lockTimeoutMs });
  const path = join(dir, "metrics.json");
  const aside = `${path}.tmp-${Deno.pid}`;
  try {
    await checkParent(dir, options.parentId);
    let current: Record<string, unknown> | undefined;
    try {
      current = JSON.parse(await Deno.readTextFile(path));
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) {
        throw new DigitLabError(`cannot read ${path}: ${(e as Error).message}`, { cause: e });
      }
    }
    await Deno.writeTextFile(aside, JSON.stringify(update(current), null, 2) + "\n");
    await Deno.rename(aside, path);
  } catch (e) {
    await Deno.remove(aside).catch(() => {});
    throw e;
  } finally {
    await lock.release();
  }
}
