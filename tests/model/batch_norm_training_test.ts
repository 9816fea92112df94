import * as tf from "@tensorflow/tfjs";
import { assert, assertEquals, assertThrows } from "@std/assert";
import { setupBackend } from "../../lib/kernels/backend.ts";
import { InvalidArgumentError } from "../../lib/core/errors.ts";
import {
  batchNormLayer,
  batchNormTraining,
  type ShardSum,
} from "../../lib/model/batch_norm_training.ts";
import { maxAbsDiff, scaleOf, seededValues } from "../kernels/_compare.ts";

/** A batch norm layer over `shape` (channels last), built in a model. */
function normLayer(shape: number[], options: { scale?: boolean; center?: boolean } = {}) {
  const layer = tf.layers.batchNormalization({ inputShape: shape, ...options });
  const model = tf.sequential({ layers: [layer] });
  // Non-trivial gamma and beta, so their gradients and their use both show.
  const c = shape.at(-1)!;
  for (const w of layer.trainableWeights) w.write(tf.tensor1d(seededValues([c], w.name.length)));
  return { layer, model };
}

const weighted = (y: tf.Tensor) => tf.sum(tf.mul(y, tf.tensor(seededValues(y.shape, 11), y.shape)));

for (
  const [shape, options] of [
    [[4, 3, 5], {}],
    [[7], {}],
    [[4, 3, 5], { scale: false }],
    [[7], { center: false }],
  ] as const
) {
  Deno.test(`batchNormTraining matches tfjs-layers on [N, ${shape}] ${JSON.stringify(options)}`, async () => {
    await setupBackend();
    const { layer, model } = normLayer([...shape], options);
    // tfjs-layers cannot train a batch norm without gamma or beta (it reads
    // them anyway): the reference is a full one with gamma 1 or beta 0.
    const full = normLayer([...shape]);
    const c = shape.at(-1)!;
    const find = (l: tf.layers.Layer, name: string) => l.weights.find((w) => w.name.endsWith(name));
    find(full.layer, "/gamma")!.write(find(layer, "/gamma")?.read().clone() ?? tf.ones([c]));
    find(full.layer, "/beta")!.write(find(layer, "/beta")?.read().clone() ?? tf.zeros([c]));
    const norm = batchNormLayer(layer)!;
    // x as a variable: one gradient pass gives the input's gradient too.
    const x = tf.variable(
      tf.tensor(seededValues([6, ...shape], 5).map((v) => 3 * v + 1), [6, ...shape]),
    );
    const names = layer.trainableWeights.map((w) => w.name.split("/").at(-1)!);
    const grads = (l: tf.layers.Layer, forward: () => tf.Tensor) =>
      tf.tidy(() => {
        const vars = [x, ...names.map((n) => find(l, `/${n}`)!.read() as tf.Variable)];
        const { value, grads } = tf.variableGrads(() => weighted(forward()) as tf.Scalar, vars);
        return [value, ...vars.map((v) => grads[v.name])].map((t) => Array.from(t.dataSync()));
      });
    const expected = grads(full.layer, () => full.layer.apply(x, { training: true }) as tf.Tensor);
    const before = tf.memory().numTensors;
    const got = grads(layer, () => batchNormTraining(x, norm));
    assertEquals(tf.memory().numTensors, before);
    assertEquals(got.length, 2 + names.length);
    expected.forEach((e, i) => {
      const diff = maxAbsDiff(got[i], e);
      assert(diff < 1e-4 * scaleOf(e), `output ${i}: off by ${diff}`);
    });
    // The moving statistics moved once, as tfjs-layers moves them.
    for (const name of ["/moving_mean", "/moving_variance"]) {
      const [ours, theirs] = [find(layer, name)!, find(full.layer, name)!];
      assert(maxAbsDiff(ours.read().dataSync(), theirs.read().dataSync()) < 1e-6, name);
    }
    x.dispose();
    model.dispose();
    full.model.dispose();
  });
}

Deno.test("batchNormTraining uses the sums of every shard and returns its own share", async () => {
  await setupBackend();
  const { layer, model } = normLayer([3]);
  const norm = batchNormLayer(layer)!;
  const x = tf.tensor2d(seededValues([4, 3], 2), [4, 3]);
  // Two identical shards: the totals double, the mean and variance stay.
  const calls: number[] = [];
  const twice: ShardSum = (v) => {
    calls.push(v.length);
    return v.map((a) => 2 * a);
  };
  const vars = layer.trainableWeights.map((w) => w.read() as tf.Variable);
  const run = (shardSum?: ShardSum) =>
    tf.tidy(() => {
      const { value, grads } = tf.variableGrads(
        () =>
          weighted(
            batchNormTraining(x, norm, { shardSum, updateMovingStatistics: false }),
          ) as tf.Scalar,
        vars,
      );
      return [value, ...vars.map((v) => grads[v.name])].map((t) => Array.from(t.dataSync()));
    });
  const [one, two] = [run(), run(twice)];
  assertEquals(calls, [7, 6]); // [Σx, Σx², count], then [Σdy, Σdy·x̂]
  one.forEach((o, i) => assert(maxAbsDiff(o, two[i]) < 1e-5, `output ${i}`));
  x.dispose();
  model.dispose();
});

Deno.test("batchNormTraining names an input of the wrong shape", async () => {
  await setupBackend();
  const { layer, model } = normLayer([3]);
  const x = tf.zeros([2, 4]);
  assertThrows(
    () => batchNormTraining(x, batchNormLayer(layer)!),
    InvalidArgumentError,
    "over 3 channels needs a [N, 3] or [N, H, W, 3] input, got [2,4]",
  );
  x.dispose();
  model.dispose();
});

Deno.test("batchNormLayer takes batch norms over the last axis of 2-D and 4-D inputs only", async () => {
  await setupBackend();
  const { layer, model } = normLayer([4, 3, 5]);
  assertEquals(batchNormLayer(layer)?.epsilon, 1e-3);
  const rows = tf.layers.batchNormalization({ inputShape: [4, 3, 5], axis: 1 });
  const other = tf.sequential({ layers: [rows] });
  assertEquals(batchNormLayer(rows), null);
  assertEquals(batchNormLayer(model.layers[0]), batchNormLayer(layer));
  const dense = tf.layers.dense({ inputShape: [2], units: 1 });
  tf.sequential({ layers: [dense] }).dispose();
  assertEquals(batchNormLayer(dense), null);
  model.dispose();
  other.dispose();
});
