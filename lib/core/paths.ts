/**
 * Where Digit Lab keeps its files, resolved from this module's location so
 * callers (notebook cells, which cannot use `import.meta`) get absolute paths
 * whatever their working directory.
 *
 * @module
 */

import { fromFileUrl, isAbsolute, join, resolve } from "@std/path";

/**
 * Absolute path of the project root (the folder holding `deno.json`).
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { projectRoot } from "./paths.ts";
 * assert((await Deno.stat(`${projectRoot()}/deno.json`)).isFile);
 * ```
 */
export function projectRoot(): string {
  return fromFileUrl(new URL("../..", import.meta.url)).replace(/\/$/, "");
}

/**
 * Absolute path of `data/` or of a path inside it.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { dataPath, projectRoot } from "./paths.ts";
 * assertEquals(dataPath("models", "latest"), `${projectRoot()}/data/models/latest`);
 * ```
 */
export function dataPath(...parts: string[]): string {
  return join(projectRoot(), "data", ...parts);
}

/**
 * Resolves a user-given path against the current directory; absolute paths
 * are kept.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { resolvePath } from "./paths.ts";
 * assertEquals(resolvePath("/tmp/x"), "/tmp/x");
 * assertEquals(resolvePath("data/mnist"), `${Deno.cwd()}/data/mnist`);
 * ```
 */
export function resolvePath(path: string): string {
  return isAbsolute(path) ? path : resolve(path);
}
