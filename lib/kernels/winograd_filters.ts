/**
 * Winograd-transformed filters kept between calls, for inference on small
 * batches.
 *
 * The Winograd convolution transforms its 3×3 filter before every call. For
 * one image that transform is most of the work: on the shipped strong CNN at
 * batch 1 it costs 0.05 + 0.10 + 0.21 ms of the three convolutions' 0.22 +
 * 0.20 + 0.28 ms, and a whole reading about 0.86 ms. Weights do not change
 * between readings, so the transform is kept, keyed by the filter's data id:
 * tfjs never writes a tensor's data in place (a variable's `assign` takes a
 * new data id), so a data id names one set of values for good.
 *
 * Only small batches use it (see {@linkcode CACHED_BATCH_MAX}): training
 * changes every filter at every step, and at a batch of 64 the transform is
 * a few percent of the convolution. The transform is the same code either
 * way, so a batch's results do not depend on whether it was kept.
 *
 * @module
 */

import type * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { simdKernels, winogradFilterSize, type WinogradTile } from "./simd/mod.ts";
import { disposeInfos } from "./wasm_kernel.ts";

/**
 * Largest batch whose convolutions keep their filters' transforms: a
 * reading (1 image), a number's digits, the draw page's small batches.
 */
export const CACHED_BATCH_MAX = 16;

/**
 * Transforms kept at most, the least recently used dropped first. The
 * strong CNN has three Winograd convolutions; 16 serve five such models
 * at once. A 64×64 filter's transform is 0.6 MB, so the cap bounds memory.
 */
export const CACHED_FILTERS_MAX = 16;

interface Entry {
  backend: BackendWasm;
  /** The filter's data id, held so that the key stays meaningful. */
  dataId: object;
  inChannels: number;
  outChannels: number;
  tile: WinogradTile;
  u: tf.TensorInfo;
}

/** By filter data id, in order of last use (a Map keeps insertion order). */
const kept = new Map<object, Entry>();

/**
 * The transform of `filter` (`[3, 3, inChannels, outChannels]`) for tile
 * `tile` on
 * `backend`: kept from an earlier call, or made now and kept.
 * The caller must not dispose it.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
 * import { assertEquals, assertStrictEquals } from "@std/assert";
 * import { setupBackend } from "./backend.ts";
 * import { keptWinogradFilters, winogradFilterOf, dropWinogradFilters } from "./winograd_filters.ts";
 * await setupBackend();
 * const backend = tf.backend() as BackendWasm;
 * const filter = tf.ones([3, 3, 4, 8]);
 * const u = winogradFilterOf(backend, filter, 4, 8, 4);
 * assertStrictEquals(winogradFilterOf(backend, filter, 4, 8, 4), u); // kept
 * assertEquals(keptWinogradFilters(), 1);
 * dropWinogradFilters();
 * assertEquals(keptWinogradFilters(), 0);
 * filter.dispose();
 * ```
 */
export function winogradFilterOf(
  backend: BackendWasm,
  filter: tf.TensorInfo,
  inChannels: number,
  outChannels: number,
  tile: WinogradTile,
): tf.TensorInfo {
  const dataId = filter.dataId as object;
  const found = kept.get(dataId);
  if (
    found !== undefined && found.backend === backend && found.inChannels === inChannels &&
    found.outChannels === outChannels && found.tile === tile
  ) {
    kept.delete(dataId); // moved to the end: most recently used
    kept.set(dataId, found);
    return found.u;
  }
  if (found !== undefined) drop(dataId, found);
  const u = backend.makeOutput([winogradFilterSize(inChannels, outChannels, tile)], "float32");
  try {
    simdKernels(backend).winogradFilter({ filter, u }, {
      inChannels,
      outChannels,
      tile,
    });
  } catch (e) {
    disposeInfos(backend, u);
    throw e;
  }
  kept.set(dataId, { backend, dataId, inChannels, outChannels, tile, u });
  for (const [oldest, entry] of kept) {
    if (kept.size <= CACHED_FILTERS_MAX) break;
    drop(oldest, entry);
  }
  return u;
}

function drop(dataId: object, entry: Entry): void {
  kept.delete(dataId);
  try {
    disposeInfos(entry.backend, entry.u);
  } catch {
    // The backend was disposed (tests that reset tfjs): its memory went with it.
  }
}

/** How many transforms are kept (for tests and memory accounting). */
export function keptWinogradFilters(): number {
  return kept.size;
}

/** Frees every kept transform. */
export function dropWinogradFilters(): void {
  for (const [dataId, entry] of [...kept]) drop(dataId, entry);
}
