/**
 * Which files to read: files and directories expanded into the image files
 * in them, in a stable order.
 *
 * @module
 */

import { extname, join } from "@std/path";

/**
 * File extensions {@linkcode collectImageFiles} picks from directories.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { IMAGE_EXTENSIONS } from "./image_files.ts";
 * assert(IMAGE_EXTENSIONS.has(".png") && IMAGE_EXTENSIONS.has(".jpg"));
 * ```
 */
export const IMAGE_EXTENSIONS: ReadonlySet<string> = new Set([
  ".png",
  ".jpg",
  ".jpeg",
  ".gif",
  ".bmp",
  ".webp",
  ".tif",
  ".tiff",
  ".heic",
  ".heif",
  ".avif",
]);

/**
 * Expands files and directories (recursively, image extensions only, in
 * sorted order) into a list of image files. A path that does not exist is
 * kept, so that reading it reports the error.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { collectImageFiles } from "./image_files.ts";
 * const files = await collectImageFiles(["data/examples", "missing.png"]);
 * assertEquals(files.at(0), "data/examples/drawn_3.png");
 * assertEquals(files.at(-1), "missing.png");
 * ```
 */
export async function collectImageFiles(paths: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const path of paths) {
    let info: Deno.FileInfo | undefined;
    try {
      info = await Deno.stat(path);
    } catch {
      info = undefined;
    }
    if (info?.isDirectory) {
      out.push(...await walk(path));
    } else {
      out.push(path);
    }
  }
  return out;
}

async function walk(dir: string): Promise<string[]> {
  const entries: Deno.DirEntry[] = [];
  for await (const e of Deno.readDir(dir)) entries.push(e);
  entries.sort((a, b) => a.name.localeCompare(b.name));
  const out: string[] = [];
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory) out.push(...await walk(path));
    else if (e.isFile && IMAGE_EXTENSIONS.has(extname(e.name).toLowerCase())) out.push(path);
  }
  return out;
}
