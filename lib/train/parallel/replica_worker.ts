/**
 * Worker entry point of a model replica (see `replicas.ts`): builds the
 * model from its topology on its own WASM backend, then answers gradient
 * and prediction requests with the weights the main thread sends.
 *
 * @module
 */

/// <reference lib="deno.worker" />

import * as tf from "@tensorflow/tfjs";
import { setupBackend } from "../../kernels/mod.ts";
import { compileInference, dropoutLayers } from "../../model/mod.ts";
import { assignFlat, modelVariables } from "./flat_weights.ts";
import { type FromReplica, type ToReplica, wallClockMs } from "./protocol.ts";
import { shardGradients, trainableVariables } from "./shard_gradients.ts";
import { SharedShardSum } from "./shard_sum.ts";

/** The replica's model and its inference function, once built. */
let replica: { model: tf.LayersModel; infer: (x: tf.Tensor) => tf.Tensor } | undefined;

function reply(message: FromReplica, transfer: Transferable[] = []): void {
  self.postMessage(message, transfer);
}

async function handle(message: ToReplica): Promise<void> {
  if (message.type === "init") {
    await setupBackend();
    replica?.model.dispose();
    const model = await tf.models.modelFromJSON({ modelTopology: JSON.parse(message.topology) });
    replica = { model, infer: compileInference(model) };
    reply({ type: "ready", id: 0 });
    return;
  }
  if (replica === undefined) throw new Error("the replica got work before its model");
  const { model, infer } = replica;
  if (message.type === "gradients") {
    const startedAt = wallClockMs();
    const start = performance.now();
    if (message.weights) assignFlat(trainableVariables(model), message.weights);
    dropoutLayers(model).forEach((l, i) => l.seed = message.seeds[i]);
    // Every shard adds its batch statistics to the others'; the main
    // thread's shard moves the averages, once per step.
    const sum = message.shardSum && new SharedShardSum(message.shardSum.buffer, message.shardSum);
    sum?.begin();
    let r;
    try {
      r = shardGradients(model, message, message.total, {
        shardSum: sum?.adder,
        updateMovingStatistics: false,
      });
    } catch (e) {
      sum?.abort(); // the other shards would wait for this one's sums
      throw e;
    }
    const computeMs = performance.now() - start;
    reply(
      { type: "gradients", id: message.id, ...r, computeMs, startedAt, finishedAt: wallClockMs() },
      [r.grads.buffer as ArrayBuffer],
    );
    return;
  }
  if (message.weights) assignFlat(modelVariables(model), message.weights);
  const [, rows, cols, channels] = model.inputs[0].shape as number[];
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
