/**
 * Loads an MNIST-style dataset (four IDX files) from a directory.
 *
 * @module
 */

import { DataFormatError } from "../core/mod.ts";
import { DEFAULT_IDX_MAX_BYTES, type IdxArray, readIdxFile } from "./idx.ts";
import type { Dataset } from "./dataset.ts";

/**
 * Pixels scaled from 0..255 to floats in [0, 1].
 *
 * @example
 * ```ts
 * import { assertAlmostEquals, assertEquals } from "@std/assert";
 * import { normalizePixels } from "./idx_dataset.ts";
 * const f = normalizePixels(new Uint8Array([0, 255, 51]));
 * assertEquals([f[0], f[1]], [0, 1]);
 * assertAlmostEquals(f[2], 0.2, 1e-7);
 * ```
 */
export function normalizePixels(u8: Uint8Array): Float32Array {
  const out = new Float32Array(u8.length);
  for (let i = 0; i < u8.length; i++) out[i] = u8[i] / 255;
  return out;
}

/**
 * The data directory to use: `flag` if given, else the `DIGIT_LAB_DATA`
 * environment variable, else `undefined` (use the embedded digits).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { resolveDataDir } from "./idx_dataset.ts";
 * assertEquals(resolveDataDir("data/mnist"), "data/mnist"); // a flag wins over DIGIT_LAB_DATA
 * ```
 */
export function resolveDataDir(flag?: string): string | undefined {
  return flag || Deno.env.get("DIGIT_LAB_DATA") || undefined;
}

/** Options for {@linkcode loadIdxDataset}. */
export interface LoadIdxDatasetOptions {
  /** Number of classes; every label must be below it (default 10). */
  numClasses?: number;
  /**
   * Refuse a file whose header declares more bytes of elements than this
   * (default {@link DEFAULT_IDX_MAX_BYTES}); checked before it is decompressed.
   */
  maxBytes?: number;
  /** The datasets' `source` (default `idx:<dir>`). */
  source?: string;
}

const FILES = {
  trainImages: "train-images-idx3-ubyte",
  trainLabels: "train-labels-idx1-ubyte",
  testImages: "t10k-images-idx3-ubyte",
  testLabels: "t10k-labels-idx1-ubyte",
};

type Role = keyof typeof FILES;

async function exists(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

/** The first existing spelling of `base`: raw before gzipped, `-idx` before `.idx`. */
async function findFile(dir: string, base: string): Promise<string | undefined> {
  const dotted = base.replace("-idx", ".idx");
  for (const name of [base, `${base}.gz`, dotted, `${dotted}.gz`]) {
    if (await exists(`${dir}/${name}`)) return `${dir}/${name}`;
  }
  return undefined;
}

/** Options of {@linkcode datasetFromIdx}. */
export interface DatasetFromIdxOptions {
  /** Names of the two files, for error messages. */
  paths: { images: string; labels: string };
  /** Number of classes: every label, less `labelOffset`, must be in [0, numClasses). */
  numClasses: number;
  /** The dataset's `source`. */
  source: string;
  /** Subtracted from every label: 1 for EMNIST letters, whose labels run 1..26 (default 0). */
  labelOffset?: number;
  /**
   * Transpose every image (row r, column c becomes row c, column r): EMNIST
   * stores its images so, relative to MNIST (default false).
   */
  transpose?: boolean;
}

/**
 * A {@linkcode Dataset} from decoded IDX images (3-dimensional uint8) and
 * labels (1-dimensional uint8): pixels scaled to [0, 1], each image
 * transposed when asked, labels shifted down by `labelOffset`.
 *
 * @throws {DataFormatError} naming the file when images or labels have the
 *   wrong type or shape, their counts differ, or a label is out of range.
 *
 * @example
 * ```ts
 * import { assertEquals, assertThrows } from "@std/assert";
 * import { datasetFromIdx } from "./idx_dataset.ts";
 * import { DataFormatError } from "../core/errors.ts";
 * // One 2x3 image whose top row is lit; its label 1 means class 0 here.
 * const pixels = new Uint8Array([255, 255, 255, 0, 0, 0]);
 * const images = { dtype: "uint8" as const, dims: [1, 2, 3], data: pixels };
 * const labels = { dtype: "uint8" as const, dims: [1], data: new Uint8Array([1]) };
 * const options = { paths: { images: "images", labels: "labels" }, numClasses: 2, source: "x" };
 * const ds = datasetFromIdx(images, labels, { ...options, labelOffset: 1, transpose: true });
 * // 3 rows of 2: the lit top row is now the left column.
 * assertEquals([ds.rows, ds.cols, [...ds.images], [...ds.labels]], [3, 2, [1, 0, 1, 0, 1, 0], [0]]);
 * assertThrows(() => datasetFromIdx(images, labels, { ...options, numClasses: 1 }), DataFormatError);
 * ```
 */
export function datasetFromIdx(
  images: IdxArray,
  labels: IdxArray,
  options: DatasetFromIdxOptions,
): Dataset {
  const { paths, numClasses, source, labelOffset = 0, transpose = false } = options;
  if (images.dtype !== "uint8" || images.dims.length !== 3) {
    throw new DataFormatError(
      `${paths.images} must hold 3-dimensional uint8 images, found ${images.dims.length}-dimensional ` +
        `${images.dtype} ${images.dims.join("x")}`,
    );
  }
  if (labels.dtype !== "uint8" || labels.dims.length !== 1) {
    throw new DataFormatError(
      `${paths.labels} must hold 1-dimensional uint8 labels, found ${labels.dims.length}-dimensional ` +
        `${labels.dtype} ${labels.dims.join("x")}`,
    );
  }
  const [count, fileRows, fileCols] = images.dims;
  if (labels.dims[0] !== count) {
    throw new DataFormatError(
      `${paths.images} has ${count} images but ${paths.labels} has ${labels.dims[0]} labels`,
    );
  }
  const labelData = labels.data as Uint8Array;
  const bad = labelData.findIndex((l) => l < labelOffset || l - labelOffset >= numClasses);
  if (bad >= 0) {
    throw new DataFormatError(
      labelOffset === 0
        ? `label ${labelData[bad]} at index ${bad} of ${paths.labels} is not below ${numClasses} ` +
          `classes`
        : `label ${labelData[bad]} at index ${bad} of ${paths.labels} is not in ` +
          `${labelOffset}..${labelOffset + numClasses - 1} (${numClasses} classes)`,
    );
  }
  const pixels = images.data as Uint8Array;
  return {
    images: transpose
      ? transposeNormalized(pixels, count, fileRows, fileCols)
      : normalizePixels(pixels),
    labels: labelData.map((l) => l - labelOffset),
    count,
    rows: transpose ? fileCols : fileRows,
    cols: transpose ? fileRows : fileCols,
    numClasses,
    source,
  };
}

/**
 * `count` images of `rows` x `cols` bytes, each transposed (to `cols` x
 * `rows`) and scaled to [0, 1] in one pass.
 */
function transposeNormalized(
  pixels: Uint8Array,
  count: number,
  rows: number,
  cols: number,
): Float32Array {
  const out = new Float32Array(pixels.length);
  const px = rows * cols;
  for (let i = 0; i < count; i++) {
    const base = i * px;
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) out[base + c * rows + r] = pixels[base + r * cols + c] / 255;
    }
  }
  return out;
}

/**
 * Loads the standard four IDX files (`train-images-idx3-ubyte`,
 * `train-labels-idx1-ubyte`, `t10k-images-idx3-ubyte`,
 * `t10k-labels-idx1-ubyte`, each optionally `.gz` and with `.idx` instead of
 * `-idx`) from `dir`, with pixels normalised to [0, 1].
 *
 * @throws {DataFormatError} listing the files missing from `dir`, or when a
 * file is malformed, images are not 3-dimensional uint8, labels not
 * 1-dimensional uint8, counts differ, train and test image sizes differ, a
 * label is not below `numClasses`, or a header declares more than
 * `maxBytes` bytes of elements (checked before decompressing).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { loadIdxDataset } from "./idx_dataset.ts";
 * const dir = await Deno.makeTempDir();
 * // One 2x2 image (uint8, 3 dimensions) and its label 7 (uint8, 1 dimension).
 * const images = new Uint8Array([0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 2, 0, 255, 255, 0]);
 * const labels = new Uint8Array([0, 0, 8, 1, 0, 0, 0, 1, 7]);
 * for (const set of ["train", "t10k"]) {
 *   await Deno.writeFile(`${dir}/${set}-images-idx3-ubyte`, images);
 *   await Deno.writeFile(`${dir}/${set}-labels-idx1-ubyte`, labels);
 * }
 * const { train, test } = await loadIdxDataset(dir);
 * assertEquals([train.count, train.rows, train.cols, [...train.images]], [1, 2, 2, [0, 1, 1, 0]]);
 * assertEquals([...test.labels], [7]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function loadIdxDataset(
  dir: string,
  options: LoadIdxDatasetOptions = {},
): Promise<{ train: Dataset; test: Dataset }> {
  const numClasses = options.numClasses ?? 10;
  const limit = { maxBytes: options.maxBytes ?? DEFAULT_IDX_MAX_BYTES };
  const roles = Object.keys(FILES) as Role[];
  const found = await Promise.all(roles.map((r) => findFile(dir, FILES[r])));
  const missing = roles.filter((_, i) => found[i] === undefined).map((r) => `${FILES[r]}(.gz)`);
  if (missing.length > 0) {
    throw new DataFormatError(`missing IDX files in ${dir}: ${missing.join(", ")}`);
  }
  const [trainImages, trainLabels, testImages, testLabels] = found as string[];
  const source = options.source ?? `idx:${dir}`;
  const load = async (images: string, labels: string) =>
    datasetFromIdx(await readIdxFile(images, limit), await readIdxFile(labels, limit), {
      paths: { images, labels },
      numClasses,
      source,
    });
  const train = await load(trainImages, trainLabels);
  const test = await load(testImages, testLabels);
  if (train.rows !== test.rows || train.cols !== test.cols) {
    throw new DataFormatError(
      `train images in ${dir} are ${train.rows}x${train.cols} but test images are ` +
        `${test.rows}x${test.cols}`,
    );
  }
  return { train, test };
}
