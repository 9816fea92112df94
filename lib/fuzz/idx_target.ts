/**
 * The IDX targets: `decodeIdx` on mutated IDX files, raw (`"idx"`) and
 * gzipped (`"idx-gzip"`). Seeds are small valid files of every element
 * type; mutations aim at the header (magic, type code, dimension count, each
 * dimension), and the gzip target re-wraps mutated files in a valid gzip
 * stream (so the mutation reaches the IDX parser), mutates the compressed
 * bytes themselves, or sends a gzip bomb whose header declares a few labels.
 *
 * @module
 */

import type { Rng } from "../core/mod.ts";
import { decodeIdx } from "../data/mod.ts";
import { compressedZeros, gzip } from "./compress.ts";
import { type Field, mutateBytes, pick } from "./mutators.ts";
import type { FuzzTarget, Outcome } from "./target.ts";

/** Options of {@linkcode createIdxTarget}. */
export interface IdxTargetOptions {
  /** Gzip the inputs (the `"idx-gzip"` target). Default false. */
  gzip?: boolean;
  /** Inflated size of a gzip bomb's zeros. Default 600 MiB. */
  bombBytes?: number;
  /** Chance that a gzip input is a bomb. Default 1/200. */
  bombChance?: number;
}

function idxFile(typeCode: number, dims: number[], elementSize: number): Uint8Array {
  const count = dims.reduce((a, b) => a * b, 1);
  const out = new Uint8Array(4 + 4 * dims.length + count * elementSize);
  const view = new DataView(out.buffer);
  out[2] = typeCode;
  out[3] = dims.length;
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d));
  for (let i = 4 + 4 * dims.length; i < out.length; i++) out[i] = (i * 37) & 0xff;
  return out;
}

/**
 * Small valid IDX files: MNIST-like images and labels, and one file of
 * each wider element type.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { decodeIdx } from "../data/mod.ts";
 * import { idxSeeds } from "./idx_target.ts";
 * const seeds = idxSeeds();
 * assertEquals((await decodeIdx(seeds[0])).dims, [3, 4, 4]);
 * ```
 */
export function idxSeeds(): Uint8Array[] {
  return [
    idxFile(0x08, [3, 4, 4], 1), // images
    idxFile(0x08, [7], 1), // labels
    idxFile(0x09, [2, 3], 1),
    idxFile(0x0b, [2, 2], 2),
    idxFile(0x0c, [3], 4),
    idxFile(0x0d, [2, 1, 2], 4),
    idxFile(0x0e, [2], 8),
  ];
}

/** The header fields of an IDX file: type code, dimension count and each dimension. */
function idxFields(bytes: Uint8Array): Field[] {
  const rank = Math.min(bytes[3] ?? 0, 8);
  const fields: Field[] = [{ offset: 2, size: 1 }, { offset: 3, size: 1 }];
  for (let i = 0; i < rank; i++) fields.push({ offset: 4 + 4 * i, size: 4 });
  return fields;
}

/**
 * Creates the `"idx"` or (`options.gzip`) `"idx-gzip"` target.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { createRng } from "../core/random.ts";
 * import { createIdxTarget } from "./idx_target.ts";
 * const target = await createIdxTarget({ gzip: true, bombChance: 0 });
 * const input = await target.generate(createRng(1));
 * const outcome = await target.run(input, new AbortController().signal).catch(() => null);
 * assert(outcome === null || outcome.kind === "accepted");
 * await target.close();
 * ```
 */
export function createIdxTarget(options: IdxTargetOptions = {}): Promise<FuzzTarget> {
  const seeds = idxSeeds();
  const zipped = options.gzip ?? false;
  async function generate(rng: Rng): Promise<Uint8Array> {
    const seed = pick(rng, seeds);
    if (!zipped) return mutateBytes(rng, seed, { fields: idxFields(seed) });
    const roll = rng();
    if (roll < (options.bombChance ?? 1 / 200)) {
      // A header that declares a handful of labels, then far more bytes than that.
      return await compressedZeros("gzip", seed.subarray(0, 8), options.bombBytes ?? 600 * 2 ** 20);
    }
    if (roll < 0.7) return gzip(mutateBytes(rng, seed, { fields: idxFields(seed) }));
    const packed = gzip(seed);
    // The compressed bytes themselves, sparing the magic number half the time so decodeIdx gunzips.
    const out = mutateBytes(rng, packed);
    if (rng() < 0.5 && out.length >= 2) (out[0] = 0x1f, out[1] = 0x8b);
    return out;
  }
  return Promise.resolve({
    name: zipped ? "idx-gzip" : "idx",
    generate,
    async run(input: Uint8Array): Promise<Outcome> {
      await decodeIdx(input, { name: "fuzz.idx" });
      return { kind: "accepted" };
    },
    close: () => Promise.resolve(),
  });
}
