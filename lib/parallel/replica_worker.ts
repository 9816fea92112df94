/**
 * Worker entry point of a model replica (see `replicas.ts`): builds the
 * model from its topology on its own WASM backend, then answers gradient
 * and prediction requests with the weights the main thread sends.
 *
 * @module
 */

/// <reference lib="deno.worker" />

import * as tf from "@tensorflow/tfjs";
import { setupBackend } from "../backend.ts";
import { compileInference } from "../inference_chain.ts";
import type { FromReplica, ToReplica } from "./protocol.ts";
import { shardGradients, trainableVariables } from "./shard_gradients.ts";

let model: tf.LayersModel | undefined;

function reply(message: FromReplica, transfer: Transferable[] = []): void {
  self.postMessage(message, transfer);
}

/** Writes flattened values into `vars` (in order), replacing their values. */
function assignFlat(vars: tf.Variable[], flat: Float32Array): void {
  let at = 0;
  tf.tidy(() => {
    for (const v of vars) {
      v.assign(tf.tensor(flat.subarray(at, at + v.size), v.shape, "float32"));
      at += v.size;
    }
  });
}

function allVariables(m: tf.LayersModel): tf.Variable[] {
  return m.weights.map((w) => w.read() as tf.Variable);
}

async function handle(message: ToReplica): Promise<void> {
  if (message.type === "init") {
    await setupBackend();
    model?.dispose();
    model = await tf.models.modelFromJSON({ modelTopology: JSON.parse(message.topology) });
    reply({ type: "ready", id: 0 });
    return;
  }
  if (model === undefined) throw new Error("the replica got work before its model");
  if (message.type === "gradients") {
    const start = performance.now();
    if (message.weights) assignFlat(trainableVariables(model), message.weights);
    const dropouts = model.layers.filter((l) => l.getClassName() === "Dropout");
    dropouts.forEach((l, i) => (l as unknown as { seed?: number }).seed = message.seeds[i]);
    const r = shardGradients(model, message, message.total);
    const computeMs = performance.now() - start;
    reply({ type: "gradients", id: message.id, ...r, computeMs }, [r.grads.buffer as ArrayBuffer]);
    return;
  }
  if (message.weights) assignFlat(allVariables(model), message.weights);
  const [, rows, cols, channels] = model.inputs[0].shape as number[];
  const infer = compileInference(model);
  const size = rows * cols * channels;
  const classes = model.outputs[0].shape[1] as number;
  const probs = new Float32Array(message.count * classes);
  for (let start = 0; start < message.count; start += message.batchSize) {
    const n = Math.min(message.batchSize, message.count - start);
    const pixels = message.pixels.subarray(start * size, (start + n) * size);
    probs.set(
      tf.tidy(() => infer(tf.tensor4d(pixels, [n, rows, cols, channels])).dataSync()),
      start * classes,
    );
  }
  reply({ type: "predict", id: message.id, probs }, [probs.buffer as ArrayBuffer]);
}

self.onmessage = async (event: MessageEvent<ToReplica>) => {
  const id = "id" in event.data ? event.data.id : 0;
  try {
    await handle(event.data);
  } catch (e) {
    reply({ type: "error", id, message: e instanceof Error ? e.message : String(e) });
  }
};
