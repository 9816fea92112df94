/**
 * EMNIST (Cohen, Afshar, Tapson and van Schaik, 2017): handwritten digits
 * and letters from NIST Special Database 19 in MNIST's 28x28 format, read
 * straight from NIST's `gzip.zip` (the archive `deno task data emnist`
 * downloads) without unpacking it.
 *
 * Each split of the archive is four gzipped IDX members,
 * `gzip/emnist-<split>-{train,test}-{images-idx3,labels-idx1}-ubyte.gz`.
 * Two differences from MNIST are undone here: EMNIST stores every image
 * transposed (rows as columns: a digit lies on its side, mirrored), and the
 * letters' labels run 1..26, shifted here to classes 0..25.
 *
 * @module
 */

import { DataFormatError, InvalidArgumentError } from "../core/mod.ts";
import { decodeIdx, DEFAULT_IDX_MAX_BYTES } from "./idx.ts";
import { datasetFromIdx } from "./idx_dataset.ts";
import { openZip } from "./zip_archive.ts";
import type { Dataset } from "./dataset.ts";

/** The EMNIST splits Digit Lab trains on. */
export type EmnistSplit = "digits" | "letters";

/** What Digit Lab knows of one EMNIST split. */
export interface EmnistSplitInfo {
  /** Number of classes. */
  numClasses: number;
  /** The label of class 0 in the files: 0 for digits, 1 for letters (labels 1..26). */
  labelOffset: number;
  /** Training images in the published split. */
  train: number;
  /** Test images in the published split. */
  test: number;
}

/**
 * The splits' sizes and labels, as the EMNIST paper (its Table II) and
 * TensorFlow Datasets list them.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { EMNIST_SPLITS } from "./emnist.ts";
 * assertEquals(EMNIST_SPLITS.digits.train + EMNIST_SPLITS.digits.test, 280_000);
 * assertEquals(EMNIST_SPLITS.letters.numClasses, 26);
 * ```
 */
export const EMNIST_SPLITS: Readonly<Record<EmnistSplit, EmnistSplitInfo>> = Object.freeze({
  digits: { numClasses: 10, labelOffset: 0, train: 240_000, test: 40_000 },
  letters: { numClasses: 26, labelOffset: 1, train: 88_800, test: 14_800 },
});

/**
 * The archive member holding one file of a split.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { emnistMember } from "./emnist.ts";
 * const member = emnistMember("digits", "train", "images");
 * assertEquals(member, "gzip/emnist-digits-train-images-idx3-ubyte.gz");
 * assertEquals(emnistMember("letters", "test", "labels").endsWith("test-labels-idx1-ubyte.gz"), true);
 * ```
 */
export function emnistMember(
  split: string,
  set: "train" | "test",
  kind: "images" | "labels",
): string {
  return `gzip/emnist-${split}-${set}-${kind}-idx${kind === "images" ? 3 : 1}-ubyte.gz`;
}

/** Options of {@linkcode loadEmnist}. */
export interface LoadEmnistOptions {
  /**
   * Refuse an IDX member whose header declares more bytes of elements than
   * this (default {@link DEFAULT_IDX_MAX_BYTES}: `emnist-digits`' training
   * images are 240,000 x 28 x 28 = 188 MB); checked before decompressing.
   */
  maxBytes?: number;
  /** The datasets' `source` (default `emnist-<split>:<archive>`). */
  source?: string;
}

/**
 * Loads the train and test sets of an EMNIST split from NIST's `gzip.zip`,
 * reading only the archive's central directory and the split's four
 * members, with images transposed upright (as MNIST's) and labels from 0.
 *
 * @throws {DataFormatError} naming the archive and member when the archive
 *   is not a zip, lacks a member, or a member is not a valid IDX file of
 *   uint8 images and labels in the split's range.
 * @throws {InvalidArgumentError} for a split other than `digits` or `letters`.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { BlobReader, Uint8ArrayWriter, ZipWriter } from "@zip.js/zip.js";
 * import { emnistMember, loadEmnist } from "./emnist.ts";
 * const gzip = async (bytes: number[]) =>
 *   new Blob([new Uint8Array(bytes)]).stream().pipeThrough(new CompressionStream("gzip"));
 * // One 2x2 image, stored transposed: its lit top row is the first column in the file.
 * const image = [0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 2, 255, 0, 255, 0];
 * const label = [0, 0, 8, 1, 0, 0, 0, 1, 26]; // letters' label 26: "Z", class 25
 * const writer = new ZipWriter(new Uint8ArrayWriter());
 * for (const set of ["train", "test"] as const) {
 *   await writer.add(emnistMember("letters", set, "images"), await gzip(image));
 *   await writer.add(emnistMember("letters", set, "labels"), await gzip(label));
 * }
 * const path = await Deno.makeTempFile({ suffix: ".zip" });
 * await Deno.writeFile(path, await writer.close());
 * const { train, test } = await loadEmnist(path, "letters");
 * assertEquals([...train.images], [1, 1, 0, 0]); // the top row lit, as drawn
 * assertEquals([test.labels[0], test.numClasses], [25, 26]);
 * await Deno.remove(path);
 * ```
 */
export async function loadEmnist(
  archive: string,
  split: EmnistSplit,
  options: LoadEmnistOptions = {},
): Promise<{ train: Dataset; test: Dataset }> {
  if (!Object.hasOwn(EMNIST_SPLITS, split)) {
    throw new InvalidArgumentError(
      `unknown EMNIST split ${JSON.stringify(split)}: choose ${
        Object.keys(EMNIST_SPLITS).join(" or ")
      }`,
    );
  }
  const info = EMNIST_SPLITS[split];
  const maxBytes = options.maxBytes ?? DEFAULT_IDX_MAX_BYTES;
  // A gzipped member may be a little larger than its content when that does not
  // compress (well under 1%), plus the largest IDX header (255 dimensions).
  const maxMemberBytes = maxBytes + Math.ceil(maxBytes / 100) + 4096;
  const source = options.source ?? `emnist-${split}:${archive}`;
  const zip = await openZip(archive);
  try {
    const read = async (set: "train" | "test", kind: "images" | "labels") => {
      const member = emnistMember(split, set, kind);
      const name = `${archive}:${member}`;
      const bytes = await zip.read(member, { maxBytes: maxMemberBytes });
      return { name, idx: await decodeIdx(bytes, { name, maxBytes }) };
    };
    const load = async (set: "train" | "test") => {
      const images = await read(set, "images");
      const labels = await read(set, "labels");
      return datasetFromIdx(images.idx, labels.idx, {
        paths: { images: images.name, labels: labels.name },
        numClasses: info.numClasses,
        labelOffset: info.labelOffset,
        transpose: true,
        source,
      });
    };
    const train = await load("train");
    const test = await load("test");
    if (train.rows !== test.rows || train.cols !== test.cols) {
      throw new DataFormatError(
        `EMNIST ${split} train images in ${archive} are ${train.rows}x${train.cols} but test ` +
          `images are ${test.rows}x${test.cols}`,
      );
    }
    return { train, test };
  } finally {
    await zip.close();
  }
}
