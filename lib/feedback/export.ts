/**
 * Writing corrections out for other tools: as a labelled folder tree
 * (`<label>/<id>__<name>.png`, the layout `deno task score` reads, label
 * folders in the root), or as a pair of gzipped IDX files laid out like
 * MNIST's (uint8 images N x 28 x 28, ink 255; uint8 labels N).
 *
 * @module
 */

import { extname, join } from "@std/path";
import { InvalidArgumentError } from "../core/mod.ts";
import { encodeGrayPng } from "../image/mod.ts";
import type { Correction } from "./store.ts";
import { IMAGE_FORMAT_EXTENSIONS, imageFormatOf } from "./validate.ts";

/** Options of {@linkcode exportTree}. */
export interface ExportTreeOptions {
  /**
   * Write each correction's original image bytes (with its format's
   * extension) instead of the normalised 28x28 the model read, as a PNG.
   * Default false. A digit of a number keeps the whole number's image, so
   * the 28x28 is the one to score or train on.
   */
  original?: boolean;
}

/**
 * The file name a correction gets in a tree: `<id>__<name without extension><ext>`,
 * the extension `.png` for the 28x28, the image format's for the original.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { treeFileName } from "./export.ts";
 * assertEquals(treeFileName(12, "photo_4.jpg", ".png"), "12__photo_4.png");
 * ```
 */
export function treeFileName(id: number, fileName: string, extension: string): string {
  const stem = fileName.slice(0, fileName.length - extname(fileName).length) || fileName;
  return `${id}__${stem}${extension}`;
}

async function emptyOrMissing(dir: string): Promise<void> {
  try {
    for await (const entry of Deno.readDir(dir)) {
      throw new InvalidArgumentError(
        `${dir} is not empty (it holds ${entry.name}): export into a new or empty directory`,
      );
    }
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return;
    if (e instanceof Deno.errors.NotADirectory) {
      throw new InvalidArgumentError(`${dir} is a file, not a directory`);
    }
    throw e;
  }
}

/**
 * Writes `corrections` as a labelled tree under `outDir` (created; it must
 * be new or empty): `outDir/<label>/<id>__<name>.png`. Returns the files
 * written, in the order of `corrections`.
 *
 * @throws {InvalidArgumentError} when `outDir` holds anything already, or a
 *   correction lacks its image bytes with `original` (list them with
 *   `includeImages`).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { exportTree } from "./export.ts";
 * const out = await Deno.makeTempDir();
 * const c = {
 *   id: 7, createdAt: "2026-01-01T00:00:00.000Z", imageBytes: new Uint8Array(0),
 *   fileName: "drawn.png", pixels: new Float32Array(784), reading: "1", confidence: 0.9,
 *   label: 7, modelId: "0".repeat(64), origin: "web" as const,
 * };
 * assertEquals(await exportTree([c], out), [`${out}/7/7__drawn.png`]);
 * await Deno.remove(out, { recursive: true });
 * ```
 */
export async function exportTree(
  corrections: readonly Correction[],
  outDir: string,
  options: ExportTreeOptions = {},
): Promise<string[]> {
  await emptyOrMissing(outDir);
  const written: string[] = [];
  for (const c of corrections) {
    let bytes: Uint8Array;
    let extension = ".png";
    if (options.original) {
      const format = imageFormatOf(c.imageBytes);
      if (format === null) {
        throw new InvalidArgumentError(
          `correction #${c.id} has no image bytes: list the corrections with includeImages`,
        );
      }
      bytes = c.imageBytes;
      extension = IMAGE_FORMAT_EXTENSIONS[format];
    } else {
      bytes = encodeGrayPng({ width: 28, height: 28, data: c.pixels });
    }
    const dir = join(outDir, String(c.label));
    await Deno.mkdir(dir, { recursive: true });
    const file = join(dir, treeFileName(c.id, c.fileName, extension));
    await Deno.writeFile(file, bytes);
    written.push(file);
  }
  return written;
}

function idxHeader(dims: readonly number[]): Uint8Array {
  const header = new Uint8Array(4 + 4 * dims.length);
  const view = new DataView(header.buffer);
  header.set([0, 0, 0x08, dims.length]); // type 0x08: unsigned bytes
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d)); // big-endian, as IDX wants
  return header;
}

/**
 * The corrections' 28x28 inputs as an IDX file like MNIST's images
 * (`idx3-ubyte`: N x 28 x 28 unsigned bytes, ink 255), in their order.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { parseIdx } from "../data/mod.ts";
 * import { idxImages } from "./export.ts";
 * const idx = parseIdx(idxImages([{ pixels: new Float32Array(784).fill(1) }]));
 * assertEquals([idx.dims, idx.data[0]], [[1, 28, 28], 255]);
 * ```
 */
export function idxImages(corrections: readonly Pick<Correction, "pixels">[]): Uint8Array {
  const header = idxHeader([corrections.length, 28, 28]);
  const out = new Uint8Array(header.length + corrections.length * 784);
  out.set(header);
  corrections.forEach((c, k) => {
    for (let i = 0; i < 784; i++) {
      out[header.length + k * 784 + i] = Math.round(Math.min(1, Math.max(0, c.pixels[i])) * 255);
    }
  });
  return out;
}

/**
 * The corrections' labels as an IDX file like MNIST's labels (`idx1-ubyte`).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { parseIdx } from "../data/mod.ts";
 * import { idxLabels } from "./export.ts";
 * assertEquals(Array.from(parseIdx(idxLabels([{ label: 3 }, { label: 9 }])).data), [3, 9]);
 * ```
 */
export function idxLabels(corrections: readonly Pick<Correction, "label">[]): Uint8Array {
  const header = idxHeader([corrections.length]);
  const out = new Uint8Array(header.length + corrections.length);
  out.set(header);
  corrections.forEach((c, k) => out[header.length + k] = c.label);
  return out;
}

async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream()
    .pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/**
 * The files {@linkcode exportIdx} writes in its directory, named like
 * MNIST's (`train-images-idx3-ubyte.gz`).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { IDX_FILES } from "./export.ts";
 * assertEquals(IDX_FILES.labels, "corrections-labels-idx1-ubyte.gz");
 * ```
 */
export const IDX_FILES = {
  images: "corrections-images-idx3-ubyte.gz",
  labels: "corrections-labels-idx1-ubyte.gz",
} as const;

/**
 * Writes the corrections as two gzipped IDX files in `outDir` (created; it
 * must be new or empty), named as in {@linkcode IDX_FILES}; row k of both
 * is `corrections[k]`. Returns the two paths, images first.
 *
 * @throws {InvalidArgumentError} when `outDir` holds anything already.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { readIdxFile } from "../data/mod.ts";
 * import { exportIdx } from "./export.ts";
 * const out = await Deno.makeTempDir();
 * const [, labels] = await exportIdx([{ pixels: new Float32Array(784), label: 4 }], out);
 * assertEquals(Array.from((await readIdxFile(labels)).data), [4]);
 * await Deno.remove(out, { recursive: true });
 * ```
 */
export async function exportIdx(
  corrections: readonly Pick<Correction, "pixels" | "label">[],
  outDir: string,
): Promise<[string, string]> {
  await emptyOrMissing(outDir);
  await Deno.mkdir(outDir, { recursive: true });
  const images = join(outDir, IDX_FILES.images);
  const labels = join(outDir, IDX_FILES.labels);
  await Deno.writeFile(images, await gzip(idxImages(corrections)));
  await Deno.writeFile(labels, await gzip(idxLabels(corrections)));
  return [images, labels];
}
