/**
 * The paths next to a model directory `<dir>` that saving uses: the
 * temporary copy a save writes (`<dir>.tmp-<pid>-<n>`), the previous model
 * moved aside while the new one is renamed in (`<dir>.old-<time>-<pid>-<n>`),
 * and the lock file of the process saving (`<dir>.lock`).
 *
 * @module
 */

import { basename, dirname, join } from "node:path";

/** The kinds of sibling a save leaves while it runs (or after it crashed). */
export type SiblingKind = "tmp" | "old";

let counter = 0;

/**
 * A fresh sibling path of `dir` of the given kind, unique to this process.
 * `old` paths start with the time, so that the newest sorts first.
 *
 * @example
 * ```ts
 * import { assertMatch } from "@std/assert";
 * import { newSiblingPath } from "./model_dir.ts";
 * assertMatch(newSiblingPath("models/m", "tmp"), /^models\/m\.tmp-\d+-\d+$/);
 * assertMatch(newSiblingPath("models/m", "old"), /^models\/m\.old-\d{13}-\d+-\d+$/);
 * ```
 */
export function newSiblingPath(dir: string, kind: SiblingKind): string {
  counter++;
  return kind === "tmp"
    ? `${dir}.tmp-${Deno.pid}-${counter}`
    : `${dir}.old-${Date.now()}-${Deno.pid}-${counter}`;
}

/**
 * The existing sibling paths of `dir` of the given kind, newest first (by
 * the time in an `old` name). A missing parent directory has none.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { siblingPaths } from "./model_dir.ts";
 * const root = await Deno.makeTempDir();
 * await Deno.mkdir(`${root}/m.old-1700000000000-1-1`);
 * await Deno.mkdir(`${root}/m.old-1800000000000-1-2`);
 * await Deno.mkdir(`${root}/m.tmp-1-3`);
 * assertEquals(await siblingPaths(`${root}/m`, "old"), [
 *   `${root}/m.old-1800000000000-1-2`,
 *   `${root}/m.old-1700000000000-1-1`,
 * ]);
 * assertEquals(await siblingPaths(`${root}/missing/m`, "tmp"), []);
 * await Deno.remove(root, { recursive: true });
 * ```
 */
export async function siblingPaths(dir: string, kind: SiblingKind): Promise<string[]> {
  const prefix = `${basename(dir)}.${kind}-`;
  const found: string[] = [];
  try {
    for await (const e of Deno.readDir(dirname(dir))) {
      if (e.name.startsWith(prefix)) found.push(e.name);
    }
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return [];
    throw e;
  }
  const stamp = (name: string) => parseInt(name.slice(prefix.length), 10) || 0;
  return found.sort((a, b) => stamp(b) - stamp(a)).map((name) => join(dirname(dir), name));
}

/**
 * The lock file of `dir`, held by the process saving to it.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { lockPathOf } from "./model_dir.ts";
 * assertEquals(lockPathOf("data/models/default"), "data/models/default.lock");
 * ```
 */
export function lockPathOf(dir: string): string {
  return `${dir}.lock`;
}
