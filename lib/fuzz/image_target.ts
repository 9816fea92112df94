/**
 * The image targets, one per format: `decodeImage` (and, for one input in
 * sixteen, `readImage` on a file) with the default limits, on mutated files
 * of that format. PNGs get chunk-aware mutations (CRCs recomputed) most of
 * the time; every format gets byte mutations with interesting integers
 * written into its size and length fields.
 *
 * @module
 */

import type { Rng } from "../core/mod.ts";
import { decodeImage, readImage } from "../image/mod.ts";
import { imageFields } from "./image_fields.ts";
import { type FuzzImageFormat, imageSeeds } from "./image_seeds.ts";
import { mutateBytes, pick } from "./mutators.ts";
import { mutatePngChunks, type PngMutationOptions } from "./png_chunks.ts";
import type { FuzzTarget, Outcome } from "./target.ts";

/** Options of {@linkcode createImageTarget}. */
export interface ImageTargetOptions extends PngMutationOptions {
  /** The format whose files are mutated. */
  format: FuzzImageFormat;
}

/**
 * Creates the target of one image format (named after it). Needs
 * `--allow-ffi` for every format but BMP.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { createRng } from "../core/random.ts";
 * import { createImageTarget } from "./image_target.ts";
 * const target = await createImageTarget({ format: "bmp" });
 * const rng = createRng(1);
 * const input = await target.generate(rng);
 * assertEquals(input, await (await createImageTarget({ format: "bmp" })).generate(createRng(1)));
 * await target.close();
 * ```
 */
export async function createImageTarget(options: ImageTargetOptions): Promise<FuzzTarget> {
  const { format } = options;
  const seeds = await imageSeeds(format);
  let dir: string | undefined;
  let count = 0;
  return {
    name: format,
    async generate(rng: Rng): Promise<Uint8Array> {
      const seed = pick(rng, seeds);
      if (format === "png" && rng() < 0.6) return await mutatePngChunks(rng, seed, options);
      return mutateBytes(rng, seed, { fields: imageFields(format, seed) });
    },
    async run(input: Uint8Array): Promise<Outcome> {
      if (++count % 16 === 0) {
        dir ??= await Deno.makeTempDir({ prefix: "digit-lab-fuzz-" });
        const path = `${dir}/input.${format}`;
        await Deno.writeFile(path, input);
        await readImage(path);
      } else {
        await decodeImage(input, { name: `fuzz.${format}` });
      }
      return { kind: "accepted" };
    },
    async close(): Promise<void> {
      if (dir !== undefined) await Deno.remove(dir, { recursive: true });
    },
  };
}
