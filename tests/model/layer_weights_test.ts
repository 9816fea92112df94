import * as tf from "@tensorflow/tfjs";
import { assert, assertEquals } from "@std/assert";
import { setupBackend } from "../../lib/kernels/backend.ts";
import { buildModel, STRONG_CNN } from "../../lib/model/architecture.ts";
import { batchNormLayer } from "../../lib/model/batch_norm_training.ts";
import {
  compileInference,
  compileTraining,
  convolution,
  shardableTraining,
} from "../../lib/model/layer_chain.ts";
import { layerWeight } from "../../lib/model/layer_weights.ts";

/** A copy of `model` made from its topology, as loading a saved model makes it. */
async function fromTopology(model: tf.LayersModel): Promise<tf.LayersModel> {
  const copy = await tf.models.modelFromJSON({
    modelTopology: model.toJSON(null, false) as tf.io.ModelJSON["modelTopology"],
  });
  copy.setWeights(model.getWeights());
  return copy;
}

/** The kernels one run of `f` dispatches, in order. */
async function kernelsOf(f: () => void): Promise<string[]> {
  return (await tf.profile(f)).kernels.map((k) => k.name);
}

Deno.test("layerWeight finds a weight by its role after tfjs renamed it", async () => {
  await setupBackend();
  const model = buildModel(STRONG_CNN, { seed: 1 });
  const copies = [await fromTopology(model), await fromTopology(model)];
  try {
    for (const [k, copy] of copies.entries()) {
      const conv = copy.layers[1];
      // Same layer names in one thread: tfjs makes the weights' names unique.
      assertEquals(conv.weights.map((w) => w.name), [
        `${conv.name}/kernel_${k + 1}`,
        `${conv.name}/bias_${k + 1}`,
      ]);
      assertEquals(layerWeight(conv, "kernel"), conv.weights[0]);
      assertEquals(layerWeight(conv, "bias"), conv.weights[1]);
      assertEquals(layerWeight(conv, "gamma"), null);
      assert(convolution(conv) !== null);
      assert(batchNormLayer(copy.layers[2]) !== null);
      assertEquals(shardableTraining(copy), undefined); // batch norm over the shards
    }
  } finally {
    copies.forEach((c) => c.dispose());
    model.dispose();
  }
});

Deno.test("a renamed copy of a model runs the same fused chain, to the bit", async () => {
  await setupBackend();
  const model = buildModel(STRONG_CNN, { seed: 2 });
  const copy = await fromTopology(model);
  try {
    const x = tf.randomUniform([2, 28, 28, 1], 0, 1, "float32", 3);
    const [infer, inferCopy] = [compileInference(model), compileInference(copy)];
    const inference = await kernelsOf(() => tf.tidy(() => void infer(x)));
    assertEquals(await kernelsOf(() => tf.tidy(() => void inferCopy(x))), inference);
    assert(inference.includes("FusedConv2D"), inference.join(" "));
    assertEquals(
      tf.tidy(() => inferCopy(x).dataSync()),
      tf.tidy(() => infer(x).dataSync()),
    );
    const [train, trainCopy] = [compileTraining(model), compileTraining(copy)];
    const training = await kernelsOf(() => tf.tidy(() => void train(x, { dropout: false })));
    assertEquals(
      await kernelsOf(() => tf.tidy(() => void trainCopy(x, { dropout: false }))),
      training,
    );
    assert(!training.includes("Conv2D"), training.join(" ")); // fused, not tfjs-layers' three ops
    x.dispose();
  } finally {
    copy.dispose();
    model.dispose();
  }
});
