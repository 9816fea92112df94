/**
 * A model in the TensorFlow.js layers format with quantised weights: the
 * same `model.json` topology, a weights manifest whose entries carry
 * `quantization` (see `quantize.ts`), and a smaller `weights.bin`. Stock
 * `tf.loadLayersModel` loads it, and so does our `loadModel` (which checks
 * it as it checks a float model, the recorded SHA-256 included).
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import { DigitLabError, type ModelMetrics } from "../core/mod.ts";
import { sha256Hex, WEIGHTS_SHA256_KEY } from "../model/mod.ts";
import { type QuantizedDtype, quantizeWeight } from "./quantize.ts";

/**
 * The files of a quantised TF.js model directory: `model.json`,
 * `weights.bin`, and `metrics.json` when `metrics` is given.
 *
 * @throws {InvalidArgumentError} when a weight cannot be quantised (a
 *   non-finite value, or one beyond float16's range).
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { assertEquals } from "@std/assert";
 * import { quantizedTfjsFiles } from "./tfjs_quantized.ts";
 * import { setupBackend } from "../kernels/mod.ts";
 * await setupBackend();
 * const model = tf.sequential({ layers: [tf.layers.dense({ units: 4, inputShape: [8] })] });
 * const files = await quantizedTfjsFiles(model, "uint8");
 * // the 8x4 kernel as 32 bytes, the bias of 4 kept as float32 (16 bytes)
 * assertEquals(files.get("weights.bin")!.length, 32 + 16);
 * const json = JSON.parse(new TextDecoder().decode(files.get("model.json")));
 * assertEquals(json.weightsManifest[0].weights[0].quantization.dtype, "uint8");
 * model.dispose();
 * ```
 */
export async function quantizedTfjsFiles(
  model: tf.LayersModel,
  dtype: QuantizedDtype,
  metrics?: ModelMetrics,
): Promise<Map<string, Uint8Array>> {
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(tf.io.withSaveHandler((a) => {
    artifacts = a;
    return Promise.resolve({ modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(a) });
  }));
  if (!artifacts?.modelTopology || !artifacts.weightSpecs || !artifacts.weightData) {
    throw new DigitLabError("TensorFlow.js produced no model topology or weights to export");
  }
  const data = tf.io.CompositeArrayBuffer.join(artifacts.weightData);
  const parts: Uint8Array[] = [];
  const specs: tf.io.WeightsManifestEntry[] = [];
  let offset = 0;
  for (const spec of artifacts.weightSpecs) {
    if (spec.dtype !== "float32" || spec.quantization) {
      throw new DigitLabError(`weight ${spec.name} is ${spec.dtype}, not float32: cannot quantise`);
    }
    const size = spec.shape.reduce((a, b) => a * b, 1);
    const values = new Float32Array(data.slice(offset, offset + 4 * size));
    offset += 4 * size;
    const quantized = quantizeWeight(dtype, spec.shape, values);
    if (quantized === undefined) {
      parts.push(new Uint8Array(values.buffer));
      specs.push({ name: spec.name, shape: spec.shape, dtype: "float32" });
    } else {
      parts.push(quantized.bytes);
      specs.push({
        name: spec.name,
        shape: spec.shape,
        dtype: "float32",
        quantization: quantized.quantization,
      });
    }
  }
  const weights = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((at, p) => (weights.set(p, at), at + p.length), 0);
  const json: tf.io.ModelJSON = {
    modelTopology: artifacts.modelTopology,
    format: artifacts.format,
    generatedBy: artifacts.generatedBy,
    convertedBy: `digit-lab export (${dtype} weights)`,
    weightsManifest: [{ paths: ["weights.bin"], weights: specs }],
    userDefinedMetadata: { [WEIGHTS_SHA256_KEY]: await sha256Hex(weights) },
  };
  const encoder = new TextEncoder();
  const files = new Map<string, Uint8Array>([["weights.bin", weights]]);
  if (metrics) files.set("metrics.json", encoder.encode(JSON.stringify(metrics, null, 2) + "\n"));
  // model.json last: a directory with a model.json has all its files.
  files.set("model.json", encoder.encode(JSON.stringify(json)));
  return files;
}
