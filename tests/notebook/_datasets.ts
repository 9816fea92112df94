/** Small datasets the notebook tests share. */

import type { Dataset } from "../../lib/data/dataset.ts";
import type { LoadedSplits } from "../../lib/data/load_splits.ts";
import { createRng } from "../../lib/core/random.ts";

/** One example per label, each image filled with its own value, (i + 1) / count. */
export function tiny(labels: number[], rows = 2, cols = 2): Dataset {
  const size = rows * cols;
  const images = new Float32Array(labels.length * size);
  labels.forEach((_, i) => images.fill((i + 1) / labels.length, i * size, (i + 1) * size));
  return {
    images,
    labels: Uint8Array.from(labels),
    count: labels.length,
    rows,
    cols,
    numClasses: 10,
    source: "t",
  };
}

/** Random 28x28 digits whose class is drawn into the image (a bright column per class). */
export function digits(count: number, seed: number): Dataset {
  const rng = createRng(seed);
  const images = new Float32Array(count * 784);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    labels[i] = i % 10;
    for (let p = 0; p < 784; p++) images[i * 784 + p] = rng() * 0.2;
    for (let y = 4; y < 24; y++) images[i * 784 + y * 28 + 4 + 2 * labels[i]] = 1;
  }
  return { images, labels, count, rows: 28, cols: 28, numClasses: 10, source: "synthetic" };
}

/** Splits of {@link digits}: `count` training examples, 20 validation, 20 test. */
export function splitsOf(count: number): LoadedSplits {
  return {
    train: digits(count, 1),
    validation: digits(20, 2),
    test: digits(20, 3),
    source: "synthetic",
    classNames: ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
  };
}

/** An environment reader over `vars`, for `notebookSettings({ env })`. */
export const env = (vars: Record<string, string>) => (name: string) => vars[name];

/** An IDX file's bytes: magic (0, 0, 0x08 = uint8, rank), big-endian dimensions, data. */
function idx(dims: number[], data: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, 0x0800 + dims.length);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d));
  out.set(data, 4 + 4 * dims.length);
  return out;
}

/**
 * Writes the four IDX files of a small MNIST-like dataset to `dir`: `train`
 * and `test` random 28x28 images (bytes from the seed) labelled `i % 10`.
 */
export async function writeIdxDir(
  dir: string,
  counts: { train: number; test: number },
  seed = 1,
): Promise<void> {
  const rng = createRng(seed);
  for (const [set, count] of [["train", counts.train], ["t10k", counts.test]] as const) {
    const pixels = Uint8Array.from({ length: count * 784 }, () => Math.floor(rng() * 256));
    const labels = Uint8Array.from({ length: count }, (_, i) => i % 10);
    await Deno.writeFile(`${dir}/${set}-images-idx3-ubyte`, idx([count, 28, 28], pixels));
    await Deno.writeFile(`${dir}/${set}-labels-idx1-ubyte`, idx([count], labels));
  }
}
