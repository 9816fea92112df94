import * as tf from "@tensorflow/tfjs";
import { assert, assertEquals } from "@std/assert";
import { toFileUrl } from "@std/path";
import { quantizedTfjsFiles } from "../../lib/export/tfjs_quantized.ts";
import { loadModel } from "../../lib/model/save_load.ts";
import { loadEmbeddedMnist } from "../../lib/data/embedded.ts";
import { setupBackend } from "../../lib/kernels/backend.ts";
import { dataPath } from "../../lib/core/paths.ts";

const SHIPPED = dataPath("models", "default");

/** Writes `files` into a fresh temporary directory and returns it. */
async function writeDir(files: Map<string, Uint8Array>): Promise<string> {
  const dir = await Deno.makeTempDir();
  for (const [name, bytes] of files) await Deno.writeFile(`${dir}/${name}`, bytes);
  return dir;
}

/** Predicted classes of 1,000 embedded MNIST digits (every 10th) and their labels. */
async function predictions(
  model: tf.LayersModel,
): Promise<{ predicted: number[]; labels: number[] }> {
  const ds = await loadEmbeddedMnist();
  const pixels = ds.rows * ds.cols;
  const images = new Float32Array(1000 * pixels);
  const labels: number[] = [];
  for (let i = 0; i < 1000; i++) {
    images.set(ds.images.subarray(i * 10 * pixels, (i * 10 + 1) * pixels), i * pixels);
    labels.push(ds.labels[i * 10]);
  }
  const predicted = tf.tidy(() =>
    Array.from(
      (model.predict(tf.tensor4d(images, [1000, 28, 28, 1])) as tf.Tensor).argMax(-1)
        .dataSync(),
    )
  );
  return { predicted, labels };
}

const accuracy = ({ predicted, labels }: { predicted: number[]; labels: number[] }) =>
  predicted.filter((p, i) => p === labels[i]).length / labels.length;

for (const dtype of ["uint8", "float16"] as const) {
  Deno.test(`tfjs-${dtype}: stock TF.js loads it; accuracy on 1,000 MNIST digits as the float model's`, async () => {
    await setupBackend();
    const { model: float, metrics } = await loadModel(SHIPPED);
    const files = await quantizedTfjsFiles(float, dtype, metrics);
    const dir = await writeDir(files);
    // Stock TF.js's own loader (the one a web page uses), fetching model.json and weights.bin.
    const stock = await tf.loadLayersModel(
      tf.io.http(toFileUrl(`${dir}/model.json`).href, { fetchFunc: fetch }),
    );
    try {
      const ours = await predictions(float);
      const theirs = await predictions(stock);
      const agree = theirs.predicted.filter((p, i) => p === ours.predicted[i]).length;
      // At most one digit of the 1,000 read differently (0 measured, here and on all 10,000).
      assert(agree >= 999, `${agree} of 1000 predictions agree`);
      assert(
        Math.abs(accuracy(theirs) - accuracy(ours)) <= 0.001,
        `${accuracy(theirs)} vs ${accuracy(ours)}`,
      );
      // Sizes: float16 halves every weight; uint8 quarters the kernels (99% of the weights).
      const floatBytes = (await Deno.stat(`${SHIPPED}/weights.bin`)).size;
      const ratio = files.get("weights.bin")!.length / floatBytes;
      if (dtype === "float16") assertEquals(ratio, 0.5);
      else assert(ratio > 0.25 && ratio < 0.27, `uint8 weights are ${ratio} of float32`);
    } finally {
      float.dispose();
      stock.dispose();
      await Deno.remove(dir, { recursive: true });
    }
  });
}

Deno.test("tfjs-uint8: our loader accepts it (SHA-256, sizes) and reads the same weights as stock TF.js", async () => {
  await setupBackend();
  const { model: float } = await loadModel(SHIPPED);
  const dir = await writeDir(await quantizedTfjsFiles(float, "uint8"));
  try {
    const ours = await loadModel(dir);
    const stock = await tf.loadLayersModel(
      tf.io.http(toFileUrl(`${dir}/model.json`).href, { fetchFunc: fetch }),
    );
    const a = ours.model.getWeights();
    const b = stock.getWeights();
    assertEquals(a.length, b.length);
    a.forEach((w, i) => assertEquals(w.dataSync(), b[i].dataSync()));
    assertEquals(ours.metrics, undefined); // no metrics given, none written
    ours.model.dispose();
    stock.dispose();
  } finally {
    float.dispose();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("quantizedTfjsFiles leaves no tensors behind", async () => {
  await setupBackend();
  const model = tf.sequential({ layers: [tf.layers.dense({ units: 3, inputShape: [5] })] });
  try {
    await quantizedTfjsFiles(model, "uint8");
    const before = tf.memory().numTensors;
    await quantizedTfjsFiles(model, "float16");
    assertEquals(tf.memory().numTensors, before);
  } finally {
    model.dispose();
  }
});
