/**
 * Small EMNIST archives made on the spot, laid out as NIST's `gzip.zip`:
 * gzipped IDX members `gzip/emnist-<split>-<set>-<kind>-idxN-ubyte.gz`,
 * images stored transposed, letters labelled 1..26. Written with
 * `@zip.js/zip.js`, the library that reads them.
 *
 * Run as a script it writes such an archive from MNIST's digits, for a
 * training run anyone can repeat offline:
 *
 * ```sh
 * deno run -A tests/_helpers/emnist_archive.ts /tmp/emnist-small [--mnist DIR] [--train N] [--test N]
 * deno task train --data emnist-digits --data-root /tmp/emnist-small
 * ```
 *
 * @module
 */

import { BlobReader, Uint8ArrayWriter, ZipWriter } from "@zip.js/zip.js";
import { parseArgs } from "@std/cli/parse-args";
import { emnistMember, type EmnistSplit } from "../../lib/data/emnist.ts";
import { readIdxFile } from "../../lib/data/idx.ts";

/** One set (train or test) of a split, upright images as a person drew them. */
export interface EmnistSet {
  /** `count * rows * cols` bytes, row-major, upright (not yet transposed). */
  images: Uint8Array;
  /** Labels as the archive stores them (letters: 1..26). */
  labels: Uint8Array;
  rows: number;
  cols: number;
}

/** The splits to put in an archive. */
export type EmnistArchiveContent = Partial<
  Record<EmnistSplit, { train: EmnistSet; test: EmnistSet }>
>;

/** An uncompressed IDX file of uint8 elements. */
export function idxBytes(dims: number[], data: Uint8Array): Uint8Array {
  const header = new Uint8Array(4 + 4 * dims.length);
  const view = new DataView(header.buffer);
  view.setUint8(2, 0x08);
  view.setUint8(3, dims.length);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d));
  const out = new Uint8Array(header.length + data.length);
  out.set(header);
  out.set(data, header.length);
  return out;
}

/** Each `rows` x `cols` image transposed, as EMNIST stores it. */
export function transposeImages(images: Uint8Array, rows: number, cols: number): Uint8Array {
  const out = new Uint8Array(images.length);
  const px = rows * cols;
  for (let base = 0; base < images.length; base += px) {
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) out[base + c * rows + r] = images[base + r * cols + c];
    }
  }
  return out;
}

/** `bytes` gzipped. */
export async function gzip(bytes: Uint8Array): Promise<Uint8Array<ArrayBuffer>> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream()
    .pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** The bytes of a zip archive laid out as NIST's `gzip.zip`, holding `content`. */
export async function emnistArchiveBytes(content: EmnistArchiveContent): Promise<Uint8Array> {
  const writer = new ZipWriter(new Uint8ArrayWriter());
  for (const [split, sets] of Object.entries(content)) {
    for (const set of ["train", "test"] as const) {
      const { images, labels, rows, cols } = sets[set];
      const count = labels.length;
      const stored = transposeImages(images, rows, cols);
      const members: [string, Uint8Array][] = [
        [emnistMember(split, set, "images"), idxBytes([count, cols, rows], stored)],
        [emnistMember(split, set, "labels"), idxBytes([count], labels)],
      ];
      for (const [name, idx] of members) {
        const packed = await gzip(idx);
        await writer.add(name, new BlobReader(new Blob([packed])));
      }
    }
  }
  return await writer.close();
}

/** Writes an archive holding `content` to `path`. */
export async function writeEmnistArchive(
  path: string,
  content: EmnistArchiveContent,
): Promise<void> {
  await Deno.writeFile(path, await emnistArchiveBytes(content));
}

/**
 * `count` 28x28 glyphs of `numClasses` classes that a small network tells
 * apart: class k is a bright horizontal bar on row 1 + k (rows 1..26) with a
 * short vertical stroke at its left end, plus faint noise from `seed`.
 * Labels start at `labelOffset` (1 for letters).
 */
export function barGlyphs(
  count: number,
  numClasses: number,
  labelOffset: number,
  seed = 1,
): EmnistSet {
  let state = seed >>> 0 || 1;
  const random = () => {
    // xorshift32: deterministic noise without tfjs.
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
  const images = new Uint8Array(count * 784);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const k = i % numClasses;
    labels[i] = k + labelOffset;
    const image = images.subarray(i * 784, (i + 1) * 784);
    for (let p = 0; p < 784; p++) image[p] = Math.floor(random() * 40);
    const row = 1 + k;
    for (let c = 4; c < 24; c++) image[row * 28 + c] = 255;
    for (let r = Math.max(0, row - 3); r <= row; r++) image[r * 28 + 4] = 255;
  }
  return { images, labels, rows: 28, cols: 28 };
}

/** The first `count` images and labels of an MNIST IDX pair, as an upright set. */
export async function mnistSet(
  imagesPath: string,
  labelsPath: string,
  count: number,
): Promise<EmnistSet> {
  const images = await readIdxFile(imagesPath);
  const labels = await readIdxFile(labelsPath);
  const [, rows, cols] = images.dims;
  const n = Math.min(count, labels.dims[0]);
  return {
    images: (images.data as Uint8Array).slice(0, n * rows * cols),
    labels: (labels.data as Uint8Array).slice(0, n),
    rows,
    cols,
  };
}

if (import.meta.main) {
  const args = parseArgs(Deno.args, {
    string: ["mnist", "train", "test"],
    default: { mnist: "/work/shared/data/mnist", train: "6000", test: "1000" },
  });
  const root = String(args._[0] ?? "");
  if (root === "") {
    console.error("usage: emnist_archive.ts OUT_ROOT [--mnist DIR] [--train N] [--test N]");
    Deno.exit(2);
  }
  const dir = args.mnist;
  const find = async (base: string) => {
    for (const name of [base, `${base}.gz`]) {
      if (await Deno.stat(`${dir}/${name}`).then(() => true, () => false)) return `${dir}/${name}`;
    }
    throw new Error(`no ${base}(.gz) in ${dir}`);
  };
  const train = await mnistSet(
    await find("train-images-idx3-ubyte"),
    await find("train-labels-idx1-ubyte"),
    Number(args.train),
  );
  const test = await mnistSet(
    await find("t10k-images-idx3-ubyte"),
    await find("t10k-labels-idx1-ubyte"),
    Number(args.test),
  );
  await Deno.mkdir(`${root}/emnist`, { recursive: true });
  const path = `${root}/emnist/gzip.zip`;
  await writeEmnistArchive(path, {
    digits: { train, test },
    letters: { train: barGlyphs(2600, 26, 1, 1), test: barGlyphs(520, 26, 1, 2) },
  });
  console.log(
    `wrote ${path}: emnist-digits ${train.labels.length} + ${test.labels.length} (MNIST's ` +
      `first digits from ${dir}, transposed as EMNIST stores them), emnist-letters 2600 + 520 ` +
      `(bar glyphs)`,
  );
}
