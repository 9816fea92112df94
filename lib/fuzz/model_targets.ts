/**
 * The model targets: `loadModel` on a temporary model directory that holds a
 * valid small model (convolution, batch normalisation, pooling, dropout,
 * dense: every layer type the architectures use) with one file mutated,
 * `model.json` (`"model.json"`: JSON-aware mutations, sometimes raw bytes)
 * or `weights.bin` (`"weights.bin"`: byte mutations and non-finite floats).
 * A model that loads must predict finite probabilities; one that predicts
 * NaN or infinity was accepted silently broken.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import type { ModelMetrics, Rng } from "../core/mod.ts";
import { randomInt } from "../core/mod.ts";
import { setupBackend } from "../kernels/mod.ts";
import { buildModel, loadModel, type ModelConfig, saveModel } from "../model/mod.ts";
import { type Json, mutateJson } from "./json_mutators.ts";
import { mutateBytes, pick } from "./mutators.ts";
import type { FuzzTarget, Outcome } from "./target.ts";

/** Which file of the model directory a target mutates. */
export type ModelFile = "model.json" | "weights.bin";

/**
 * The small model every model target saves and then mutates.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { validateModelConfig } from "../model/mod.ts";
 * import { TINY_MODEL } from "./model_targets.ts";
 * assertEquals(validateModelConfig(TINY_MODEL).at(-1), [10]);
 * ```
 */
export const TINY_MODEL: ModelConfig = {
  inputShape: [28, 28, 1],
  layers: [
    { type: "conv2d", filters: 2, kernelSize: 3, activation: "relu" },
    { type: "batchNorm" },
    { type: "maxPool2d", poolSize: 4 },
    { type: "dropout", rate: 0.25 },
    { type: "flatten" },
    { type: "dense", units: 10, activation: "softmax" },
  ],
  numClasses: 10,
};

const NON_FINITE = [NaN, Infinity, -Infinity, 3.4e38, -0];

function mutateWeights(rng: Rng, weights: Uint8Array): Uint8Array {
  if (rng() < 0.3 && weights.length >= 4) {
    // A float32 made non-finite or extreme: what a flipped exponent bit does.
    const out = weights.slice();
    const at = 4 * randomInt(rng, out.length / 4);
    new DataView(out.buffer).setFloat32(at, pick(rng, NON_FINITE), true);
    return out;
  }
  return mutateBytes(rng, weights);
}

function mutateModelJson(rng: Rng, json: Json, text: Uint8Array): Uint8Array {
  if (rng() < 0.1) return mutateBytes(rng, text);
  let out = json;
  for (let i = 1 + randomInt(rng, 3); i > 0; i--) out = mutateJson(rng, out);
  return new TextEncoder().encode(JSON.stringify(out));
}

/** Whether the loaded model predicts finite values on a blank image. */
function predictsFinite(model: tf.LayersModel): boolean {
  const shape = (model.inputs[0]?.shape ?? []).map((d) => d ?? 1);
  if (shape.reduce((a, b) => a * b, 1) > 1_000_000) return true; // not ours to run
  return tf.tidy(() => {
    const out = model.predict(tf.zeros(shape)) as tf.Tensor | tf.Tensor[];
    return [out].flat().every((t) => (t.dataSync() as Float32Array).every(Number.isFinite));
  });
}

/**
 * Creates the target that mutates `file` of a saved small model. Sets up
 * the WASM backend.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { createRng } from "../core/random.ts";
 * import { createModelTarget } from "./model_targets.ts";
 * const target = await createModelTarget("weights.bin");
 * const input = await target.generate(createRng(5));
 * const outcome = await target.run(input, new AbortController().signal).catch((e) => e.name);
 * assertEquals(typeof outcome === "string" || outcome.kind !== "untyped", true);
 * await target.close();
 * ```
 */
export async function createModelTarget(file: ModelFile): Promise<FuzzTarget> {
  await setupBackend();
  const root = await Deno.makeTempDir({ prefix: "digit-lab-fuzz-model-" });
  const model = buildModel(TINY_MODEL, { seed: 1 });
  try {
    await saveModel(model, `${root}/seed`, { data_source: "fuzz" } as ModelMetrics);
  } finally {
    model.dispose();
  }
  const files = new Map<string, Uint8Array>();
  for (const name of ["model.json", "weights.bin", "metrics.json"]) {
    files.set(name, await Deno.readFile(`${root}/seed/${name}`));
  }
  const original = files.get(file)!;
  const json = file === "model.json" ? JSON.parse(new TextDecoder().decode(original)) : null;
  const dir = `${root}/model`;
  await Deno.mkdir(dir);
  return {
    name: file,
    generate(rng: Rng): Promise<Uint8Array> {
      return Promise.resolve(
        file === "model.json" ? mutateModelJson(rng, json, original) : mutateWeights(rng, original),
      );
    },
    async run(input: Uint8Array): Promise<Outcome> {
      // Every file rewritten: a load must not depend on what the last input left.
      await Deno.mkdir(dir, { recursive: true });
      for (const [name, bytes] of files) {
        await Deno.writeFile(`${dir}/${name}`, name === file ? input : bytes);
      }
      const { model } = await loadModel(dir);
      try {
        if (!predictsFinite(model)) {
          return {
            kind: "silent",
            label: "loads, predicts non-finite values",
            detail: "the model loaded and predicted NaN or infinity for a blank image",
          };
        }
      } finally {
        model.dispose();
      }
      return { kind: "accepted" };
    },
    async close(): Promise<void> {
      await Deno.remove(root, { recursive: true });
    },
  };
}
