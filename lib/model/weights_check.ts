/**
 * Checking a saved model's weights: the manifest in `model.json` against
 * the weights its topology needs, and the bytes of `weights.bin` against
 * their recorded SHA-256 and for values no trained model has.
 *
 * @module
 */

import type * as tf from "@tensorflow/tfjs";
import { ModelLoadError } from "../core/mod.ts";
import type { ExpectedWeight } from "./topology_check.ts";

/** The weights manifest of `model.json`, checked for its structure. */
export interface WeightsManifest {
  /** The weight files, in the order their bytes follow each other. */
  paths: string[];
  /** The weights, in the order of their bytes. */
  specs: tf.io.WeightsManifestEntry[];
}

/**
 * Checks the structure of `weightsManifest`: groups of plain file names
 * (no directories) and named, shaped weights.
 *
 * @throws {ModelLoadError} describing what is wrong.
 *
 * @example
 * ```ts
 * import { assertEquals, assertThrows } from "@std/assert";
 * import { parseWeightsManifest } from "./weights_check.ts";
 * import { ModelLoadError } from "../core/errors.ts";
 * const weights = [{ name: "d/bias", shape: [2], dtype: "float32" }];
 * assertEquals(parseWeightsManifest([{ paths: ["weights.bin"], weights }]).paths, ["weights.bin"]);
 * assertThrows(() => parseWeightsManifest([{ paths: ["../x"], weights }]), ModelLoadError, "../x");
 * ```
 */
export function parseWeightsManifest(manifest: unknown): WeightsManifest {
  const groupOk = (g: unknown) =>
    isObject(g) && Array.isArray(g.paths) && g.paths.every((p) => typeof p === "string") &&
    Array.isArray(g.weights) && g.weights.every((w) =>
      isObject(w) && typeof w.name === "string" && typeof w.dtype === "string" &&
      Array.isArray(w.shape) && w.shape.every((d) =>
        Number.isInteger(d) && d >= 0
      )
    );
  if (!Array.isArray(manifest) || !manifest.every(groupOk)) {
    throw new ModelLoadError(
      `"weightsManifest" must be a list of {paths, weights} groups with named, shaped weights`,
    );
  }
  const groups = manifest as { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  const paths = groups.flatMap((g) => g.paths);
  for (const name of paths) {
    if (!/^[^/\\]+$/.test(name) || name === "." || name === "..") {
      throw new ModelLoadError(
        `weights path ${JSON.stringify(name)} is not a file name in the model directory`,
      );
    }
  }
  return { paths, specs: groups.flatMap((g) => g.weights) };
}

/**
 * How the weights `specs` differ from those a topology needs (all float32,
 * unquantized); empty when they match.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { weightsMismatch } from "./weights_check.ts";
 * const expected = [{ name: "d/kernel", shape: [3, 2] }];
 * assertEquals(weightsMismatch([{ name: "d/kernel", shape: [3, 2], dtype: "float32" }], expected), []);
 * assertEquals(weightsMismatch([{ name: "d/kernel", shape: [2, 3], dtype: "float32" }], expected), [
 *   `weight "d/kernel" has shape [2,3] but the topology needs [3,2]`,
 * ]);
 * ```
 */
export function weightsMismatch(
  specs: tf.io.WeightsManifestEntry[],
  expected: ExpectedWeight[],
): string[] {
  const wanted = new Map(expected.map((w) => [w.name, w.shape]));
  const seen = new Set<string>();
  const problems: string[] = [];
  for (const spec of specs) {
    const shape = wanted.get(spec.name);
    if (seen.has(spec.name)) problems.push(`weight "${spec.name}" is listed twice`);
    else if (!shape) problems.push(`weight "${spec.name}" is not in the topology`);
    else if (spec.shape.join() !== shape.join()) {
      problems.push(
        `weight "${spec.name}" has shape [${spec.shape}] but the topology needs [${shape}]`,
      );
    } else if (spec.dtype !== "float32" || spec.quantization !== undefined) {
      const dtype = spec.quantization ? `quantized ${spec.quantization.dtype}` : spec.dtype;
      problems.push(`weight "${spec.name}" is ${dtype} but the topology needs float32`);
    }
    seen.add(spec.name);
  }
  for (const { name, shape } of expected) {
    if (!seen.has(name)) problems.push(`weight "${name}" [${shape}] is missing`);
  }
  return problems;
}

/**
 * Bytes the float32 weights `specs` take.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { weightBytes } from "./weights_check.ts";
 * assertEquals(weightBytes([{ name: "k", shape: [3, 2], dtype: "float32" }, { name: "b", shape: [2], dtype: "float32" }]), 32);
 * ```
 */
export function weightBytes(specs: tf.io.WeightsManifestEntry[]): number {
  return specs.reduce((sum, s) => sum + 4 * s.shape.reduce((a, b) => a * b, 1), 0);
}

/**
 * Refuses weights no trained model has: a NaN or infinite value anywhere,
 * or a negative batch-norm variance (its square root is NaN).
 *
 * @param specs float32 weights, in the order of their bytes in `data`.
 * @throws {ModelLoadError} naming the weight, the value and its index.
 *
 * @example
 * ```ts
 * import { assertThrows } from "@std/assert";
 * import { checkWeightValues } from "./weights_check.ts";
 * import { ModelLoadError } from "../core/errors.ts";
 * const specs = [{ name: "d/bias", shape: [2], dtype: "float32" as const }];
 * checkWeightValues(specs, new Uint8Array(new Float32Array([1, -1]).buffer));
 * assertThrows(
 *   () => checkWeightValues(specs, new Uint8Array(new Float32Array([1, NaN]).buffer)),
 *   ModelLoadError,
 *   `weight "d/bias" has a non-finite value (NaN) at index 1`,
 * );
 * ```
 */
export function checkWeightValues(specs: tf.io.WeightsManifestEntry[], data: Uint8Array): void {
  let offset = data.byteOffset;
  for (const spec of specs) {
    const size = spec.shape.reduce((a, b) => a * b, 1);
    // Copy when unaligned: a Float32Array view needs a multiple of 4 as its offset.
    const values = offset % 4 === 0
      ? new Float32Array(data.buffer, offset, size)
      : new Float32Array(
        data.slice(offset - data.byteOffset, offset - data.byteOffset + 4 * size).buffer,
      );
    const variance = spec.name.endsWith("/moving_variance");
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (!Number.isFinite(v)) {
        throw new ModelLoadError(
          `weight "${spec.name}" has a non-finite value (${v}) at index ${i}`,
        );
      }
      if (variance && v < 0) {
        throw new ModelLoadError(
          `weight "${spec.name}" has a negative variance (${v}) at index ${i}`,
        );
      }
    }
    offset += 4 * size;
  }
}

/**
 * The SHA-256 of `data` in lower-case hex.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { sha256Hex } from "./weights_check.ts";
 * assertEquals(
 *   await sha256Hex(new TextEncoder().encode("abc")),
 *   "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
 * );
 * ```
 */
export async function sha256Hex(data: Uint8Array): Promise<string> {
  const digest = new Uint8Array(
    await crypto.subtle.digest("SHA-256", data as Uint8Array<ArrayBuffer>),
  );
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}
