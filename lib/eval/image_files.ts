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

/** What {@linkcode findImageFiles} found. */
export interface ImageFileList {
  /** The files to read, in order: image files of directories, and every path given as a file. */
  files: string[];
  /** Files inside directories that were left out because they are not images, in order. */
  skipped: string[];
  /** The paths given that are directories. */
  directories: string[];
}

/**
 * Expands files and directories (recursively, image extensions only, in
 * sorted order) into a list of image files, and says which files of the
 * directories were skipped as not images. A path given directly is always
 * kept, even when it does not exist or is not an image, so that reading it
 * reports the error instead of it vanishing.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { findImageFiles } from "./image_files.ts";
 * const found = await findImageFiles(["data/examples", "missing.png"]);
 * assertEquals(found.files.at(-1), "missing.png");
 * assertEquals(found.skipped, ["data/examples/README.md"]);
 * assertEquals(found.directories, ["data/examples"]);
 * ```
 */
export async function findImageFiles(paths: string[]): Promise<ImageFileList> {
  const found: ImageFileList = { files: [], skipped: [], directories: [] };
  for (const path of paths) {
    let info: Deno.FileInfo | undefined;
    try {
      info = await Deno.stat(path);
    } catch {
      info = undefined;
    }
    if (info?.isDirectory) {
      found.directories.push(path);
      await walk(path, found);
    } else {
      found.files.push(path);
    }
  }
  return found;
}

/**
 * The files of {@linkcode findImageFiles}, without the skipped ones.
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
  return (await findImageFiles(paths)).files;
}

async function walk(dir: string, found: ImageFileList): Promise<void> {
  const entries: Deno.DirEntry[] = [];
  for await (const e of Deno.readDir(dir)) entries.push(e);
  entries.sort((a, b) => a.name.localeCompare(b.name));
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory) await walk(path, found);
    else if (!e.isFile) continue;
    else if (IMAGE_EXTENSIONS.has(extname(e.name).toLowerCase())) found.files.push(path);
    else found.skipped.push(path);
  }
}
