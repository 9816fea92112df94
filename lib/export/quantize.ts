/**
 * Weight quantisation in the form TensorFlow.js's weights manifest defines:
 * `quantization: { dtype: "uint8", min, scale }` (a value is
 * `q * scale + min`) and `quantization: { dtype: "float16" }` (IEEE half
 * precision), which stock `tf.io.decodeWeights` turns back into float32.
 *
 * @module
 */

import type * as tf from "@tensorflow/tfjs";
import { InvalidArgumentError } from "../core/mod.ts";

/** The quantised weight types an export writes. */
export type QuantizedDtype = "uint8" | "float16";

/** One weight, quantised: its bytes and the manifest's `quantization` entry. */
export interface QuantizedWeight {
  /** The quantised values, as they go into `weights.bin`. */
  bytes: Uint8Array;
  /** The entry of the weights manifest that tells TensorFlow.js how to read them back. */
  quantization: NonNullable<tf.io.WeightsManifestEntry["quantization"]>;
}

/** The largest finite float16 value; beyond it a weight would turn infinite. */
const FLOAT16_MAX = 65504;

/**
 * Quantises `values` to 256 levels over their range, the range widened to
 * hold 0 and nudged so that 0 is one of the levels (as TensorFlow.js's
 * converter does: a zero bias or padding stays exactly zero). The error of
 * each value is at most `scale / 2`.
 *
 * @throws {InvalidArgumentError} when a value is not finite.
 *
 * @example
 * ```ts
 * import { assertAlmostEquals, assertEquals } from "@std/assert";
 * import { quantizeUint8 } from "./quantize.ts";
 * const { bytes, quantization } = quantizeUint8(new Float32Array([-1, 0, 0.5, 3]));
 * const back = Array.from(bytes, (q) => q * quantization.scale! + quantization.min!);
 * assertEquals(back[1], 0); // zero is exact
 * back.forEach((v, i) => assertAlmostEquals(v, [-1, 0, 0.5, 3][i], quantization.scale! / 2 + 1e-7));
 * ```
 */
export function quantizeUint8(values: Float32Array): QuantizedWeight {
  let lo = 0;
  let hi = 0;
  for (const v of values) {
    if (!Number.isFinite(v)) {
      throw new InvalidArgumentError(`cannot quantise a non-finite weight value (${v})`);
    }
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const scale = hi > lo ? (hi - lo) / 255 : 1;
  const zero = Math.round(-lo / scale);
  const min = -zero * scale;
  const bytes = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    bytes[i] = Math.min(255, Math.max(0, Math.round((values[i] - min) / scale)));
  }
  return { bytes, quantization: { dtype: "uint8", min, scale } };
}

/**
 * Rounds `values` to IEEE half precision (to nearest, ties to even; about
 * 3 significant digits).
 *
 * @throws {InvalidArgumentError} when a value is not finite or beyond
 *   float16's range (±65504), where it would become infinite.
 *
 * @example
 * ```ts
 * import { assertEquals, assertThrows } from "@std/assert";
 * import { quantizeFloat16 } from "./quantize.ts";
 * import { InvalidArgumentError } from "../core/errors.ts";
 * const { bytes, quantization } = quantizeFloat16(new Float32Array([1, -2.5]));
 * assertEquals([Array.from(bytes), quantization], [[0x00, 0x3c, 0x00, 0xc1], { dtype: "float16" }]);
 * assertThrows(() => quantizeFloat16(new Float32Array([1e6])), InvalidArgumentError, "1000000");
 * ```
 */
export function quantizeFloat16(values: Float32Array): QuantizedWeight {
  for (const v of values) {
    if (!(Math.abs(v) <= FLOAT16_MAX)) {
      throw new InvalidArgumentError(
        `cannot store the weight value ${v} as float16 (finite values within ±${FLOAT16_MAX})`,
      );
    }
  }
  // Float16Array is little-endian here, as the manifest's bytes are.
  const half = new Float16Array(values);
  return {
    bytes: new Uint8Array(half.buffer, half.byteOffset, half.byteLength),
    quantization: { dtype: "float16" },
  };
}

/**
 * Quantises one weight for a `dtype` export. Vectors (biases and batch
 * normalisation's scales, means and variances) stay float32 in a uint8
 * export: they are under 1% of the weights, and 256 levels over a
 * variance's range can round a small variance to 0 and so change
 * `1 / sqrt(variance + 0.001)` many times over. A float16 export stores
 * every weight as float16 (its relative error, 2^-11, does no such harm).
 *
 * @returns the quantised weight, or `undefined` for one kept as float32.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { quantizeWeight } from "./quantize.ts";
 * assertEquals(quantizeWeight("uint8", [2], new Float32Array([1, 2])), undefined);
 * assertEquals(quantizeWeight("uint8", [1, 2], new Float32Array([1, 2]))?.bytes.length, 2);
 * assertEquals(quantizeWeight("float16", [2], new Float32Array([1, 2]))?.bytes.length, 4);
 * ```
 */
export function quantizeWeight(
  dtype: QuantizedDtype,
  shape: readonly number[],
  values: Float32Array,
): QuantizedWeight | undefined {
  if (dtype === "float16") return quantizeFloat16(values);
  return shape.length >= 2 ? quantizeUint8(values) : undefined;
}
