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
 * import { projectRoot } from "./paths.ts";
 * console.log(projectRoot()); // e.g. /home/me/digit-lab
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
 * import { dataPath } from "./paths.ts";
 * console.log(dataPath("models", "latest")); // <root>/data/models/latest
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
 * import { resolvePath } from "./paths.ts";
 * console.assert(resolvePath("/tmp/x") === "/tmp/x");
 * ```
 */
export function resolvePath(path: string): string {
  return isAbsolute(path) ? path : resolve(path);
}
