/**
 * Checking a saved model's weights: the manifest in `model.json` against
 * the weights its topology needs (float32, or quantised as TensorFlow.js
 * defines it: uint8, uint16 or float16), and the bytes of `weights.bin`
 * against their recorded SHA-256 and for values no trained model has.
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
 * The quantised weight types a model directory may hold: those TensorFlow.js's
 * weights manifest defines (`quantization.dtype`), each with its bytes per
 * value. A quantised weight is still float32 to the model: TensorFlow.js
 * turns `uint8` and `uint16` values into `q * scale + min` and `float16` ones
 * into float32 as it loads them.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { QUANTIZED_BYTES } from "./weights_check.ts";
 * assertEquals(QUANTIZED_BYTES, { uint8: 1, uint16: 2, float16: 2 });
 * ```
 */
export const QUANTIZED_BYTES: Readonly<Record<string, number>> = Object.freeze({
  uint8: 1,
  uint16: 2,
  float16: 2,
});

/**
 * How the weights `specs` differ from those a topology needs (all float32:
 * stored as float32, or quantised as one of {@linkcode QUANTIZED_BYTES} with,
 * for `uint8` and `uint16`, a finite `min` and a finite, non-negative
 * `scale`); empty when they match.
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
 * const uint8 = { dtype: "uint8" as const, min: -1, scale: 0.01 };
 * assertEquals(weightsMismatch([{ name: "d/kernel", shape: [3, 2], dtype: "float32", quantization: uint8 }], expected), []);
 * assertEquals(weightsMismatch([{ name: "d/kernel", shape: [3, 2], dtype: "float32", quantization: { dtype: "uint8" } }], expected), [
 *   `weight "d/kernel" is quantized uint8 without a finite min and a finite scale >= 0`,
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
    const quantization = spec.quantization as unknown;
    if (seen.has(spec.name)) problems.push(`weight "${spec.name}" is listed twice`);
    else if (!shape) problems.push(`weight "${spec.name}" is not in the topology`);
    else if (spec.shape.join() !== shape.join()) {
      problems.push(
        `weight "${spec.name}" has shape [${spec.shape}] but the topology needs [${shape}]`,
      );
    } else if (spec.dtype !== "float32") {
      problems.push(`weight "${spec.name}" is ${spec.dtype} but the topology needs float32`);
    } else if (quantization !== undefined) {
      const problem = quantizationProblem(quantization);
      if (problem) problems.push(`weight "${spec.name}" ${problem}`);
    }
    seen.add(spec.name);
  }
  for (const { name, shape } of expected) {
    if (!seen.has(name)) problems.push(`weight "${name}" [${shape}] is missing`);
  }
  return problems;
}

/** What is wrong with a manifest's `quantization` entry, or `undefined`. */
function quantizationProblem(q: unknown): string | undefined {
  if (!isObject(q) || typeof q.dtype !== "string" || !Object.hasOwn(QUANTIZED_BYTES, q.dtype)) {
    const dtype = isObject(q) ? JSON.stringify(q.dtype) : JSON.stringify(q);
    return `is quantized as ${dtype?.slice(0, 40)}, not one of ${
      Object.keys(QUANTIZED_BYTES).join(", ")
    }`;
  }
  if (q.dtype === "float16") return undefined;
  const finite = (v: unknown) => typeof v === "number" && Number.isFinite(v);
  if (!finite(q.min) || !finite(q.scale) || (q.scale as number) < 0) {
    return `is quantized ${q.dtype} without a finite min and a finite scale >= 0`;
  }
  return undefined;
}

/** Bytes one value of `spec` takes in the weight files. */
function bytesPerValue(spec: tf.io.WeightsManifestEntry): number {
  return spec.quantization ? QUANTIZED_BYTES[spec.quantization.dtype] ?? 4 : 4;
}

/**
 * Bytes the weights `specs` take: 4 per float32 value, or the size of a
 * quantised one ({@linkcode QUANTIZED_BYTES}).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { weightBytes } from "./weights_check.ts";
 * assertEquals(weightBytes([{ name: "k", shape: [3, 2], dtype: "float32" }, { name: "b", shape: [2], dtype: "float32" }]), 32);
 * assertEquals(weightBytes([{ name: "k", shape: [3, 2], dtype: "float32", quantization: { dtype: "float16" } }]), 12);
 * ```
 */
export function weightBytes(specs: tf.io.WeightsManifestEntry[]): number {
  return specs.reduce((sum, s) => sum + bytesPerValue(s) * s.shape.reduce((a, b) => a * b, 1), 0);
}

/**
 * The float32 values of one weight from its bytes, as TensorFlow.js reads
 * them (dequantised when quantised: `q * scale + min` rounded to float32, or
 * float16 widened).
 */
function weightValues(spec: tf.io.WeightsManifestEntry, bytes: Uint8Array): Float32Array {
  // A copy: typed-array views need offsets aligned to their element size.
  const buffer = bytes.slice().buffer;
  const q = spec.quantization;
  if (q === undefined) return new Float32Array(buffer);
  if (q.dtype === "float16") return new Float32Array(new Float16Array(buffer));
  const raw = q.dtype === "uint8" ? new Uint8Array(buffer) : new Uint16Array(buffer);
  const values = new Float32Array(raw.length);
  for (let i = 0; i < raw.length; i++) values[i] = raw[i] * q.scale! + q.min!;
  return values;
}

/**
 * Refuses weights no trained model has: a NaN or infinite value anywhere,
 * or a negative batch-norm variance (its square root is NaN). Quantised
 * weights are checked as the values TensorFlow.js will make of them.
 *
 * @param specs weights checked by {@linkcode weightsMismatch}, in the order
 *   of their bytes in `data`, which holds {@linkcode weightBytes} of them.
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
 * const variance = [{
 *   name: "bn/moving_variance", shape: [2], dtype: "float32" as const,
 *   quantization: { dtype: "uint8" as const, min: -0.5, scale: 0.25 },
 * }];
 * assertThrows( // 0 * 0.25 - 0.5 = -0.5
 *   () => checkWeightValues(variance, new Uint8Array([4, 0])),
 *   ModelLoadError,
 *   `weight "bn/moving_variance" has a negative variance (-0.5) at index 1`,
 * );
 * ```
 */
export function checkWeightValues(specs: tf.io.WeightsManifestEntry[], data: Uint8Array): void {
  let offset = 0;
  for (const spec of specs) {
    const size = spec.shape.reduce((a, b) => a * b, 1) * bytesPerValue(spec);
    const values = weightValues(spec, data.subarray(offset, offset + size));
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
    offset += size;
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
