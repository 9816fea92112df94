/**
 * Every fuzz target by name, and how to make one: the name list is what
 * `deno task fuzz --target` accepts.
 *
 * @module
 */

import { InvalidArgumentError } from "../core/mod.ts";
import { createHttpTarget } from "./http_target.ts";
import { createIdxTarget } from "./idx_target.ts";
import { createImageTarget } from "./image_target.ts";
import { IMAGE_FORMATS } from "./image_seeds.ts";
import { createModelTarget } from "./model_targets.ts";
import type { FuzzTarget } from "./target.ts";

/**
 * The names of every target, in the order a full run takes them.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { TARGET_NAMES } from "./targets.ts";
 * assertEquals(TARGET_NAMES.length, 12);
 * assertEquals(TARGET_NAMES.at(-1), "http");
 * ```
 */
export const TARGET_NAMES: readonly string[] = [
  "idx",
  "idx-gzip",
  ...IMAGE_FORMATS,
  "model.json",
  "weights.bin",
  "http",
];

/** Options of {@linkcode createTarget}. */
export interface TargetOptions {
  /** The port of the server the `"http"` target sends to (on 127.0.0.1). */
  httpPort?: number;
  /** Inflated size of a bomb's zeros (PNG and gzip). Default 600 MiB. */
  bombBytes?: number;
  /** Chance that a PNG or gzip input is a bomb. Default 1/200. */
  bombChance?: number;
}

/**
 * Makes the target called `name`.
 *
 * @throws {InvalidArgumentError} for an unknown name (naming the known
 *   ones), or `"http"` without `httpPort`.
 *
 * @example
 * ```ts
 * import { assertEquals, assertRejects } from "@std/assert";
 * import { createTarget } from "./targets.ts";
 * const target = await createTarget("idx");
 * assertEquals(target.name, "idx");
 * await target.close();
 * await assertRejects(() => createTarget("pdf"), Error, 'unknown fuzz target "pdf"');
 * ```
 */
export function createTarget(name: string, options: TargetOptions = {}): Promise<FuzzTarget> {
  const bombs = { bombBytes: options.bombBytes, bombChance: options.bombChance };
  switch (name) {
    case "idx":
      return createIdxTarget(bombs);
    case "idx-gzip":
      return createIdxTarget({ gzip: true, ...bombs });
    case "model.json":
    case "weights.bin":
      return createModelTarget(name);
    case "http":
      if (options.httpPort === undefined) {
        return Promise.reject(new InvalidArgumentError(`the http target needs a server's port`));
      }
      return createHttpTarget({ port: options.httpPort, ...bombs });
  }
  const format = IMAGE_FORMATS.find((f) => f === name);
  if (format === undefined) {
    return Promise.reject(
      new InvalidArgumentError(
        `unknown fuzz target ${JSON.stringify(name)}; choose from ${TARGET_NAMES.join(", ")}`,
      ),
    );
  }
  return createImageTarget({ format, ...bombs });
}
