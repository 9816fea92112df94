import { assert, assertEquals, assertNotEquals, assertRejects } from "@std/assert";
import * as tf from "@tensorflow/tfjs";
import { join } from "node:path";
import { setupBackend } from "../../lib/kernels/backend.ts";
import { DigitLabError, ModelLoadError } from "../../lib/core/errors.ts";
import { loadModel, readMetrics, saveModel } from "../../lib/model/save_load.ts";
import type { ModelMetrics } from "../../lib/core/records.ts";

await setupBackend();

const METRICS: ModelMetrics = {
  data_source: "test",
  splits: { train: 10, validation: 2, test: 3 },
  epochs: 1,
  batch_size: 4,
  seed: 7,
  augment: false,
  train_accuracy: 0.5,
  val_accuracy: 0.5,
  test_accuracy: 1 / 3,
  test_loss: 2.25,
  training_seconds: 1.5,
  seconds_per_epoch: 1.5,
  parameters: 0,
  versions: { tfjs: tf.version.tfjs, deno: Deno.version.deno, backend: "wasm" },
  command: "deno test",
  created_at: "2024-01-01T00:00:00.000Z",
  history: [],
};

/** conv2d(4) + flatten + dense(10) on 28x28x1; untrained, seeded initialisers. */
function tinyCnn(seed: number): tf.Sequential {
  return tf.sequential({
    layers: [
      tf.layers.conv2d({
        inputShape: [28, 28, 1],
        filters: 4,
        kernelSize: 3,
        strides: 2,
        activation: "relu",
        kernelInitializer: tf.initializers.glorotUniform({ seed }),
        biasInitializer: tf.initializers.randomNormal({ seed: seed + 1 }),
      }),
      tf.layers.flatten(),
      tf.layers.dense({
        units: 10,
        activation: "softmax",
        kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 2 }),
      }),
    ],
  });
}

/** A model with a single dense layer named "d" on inputs of `inputs` features. */
function denseModel(inputs: number, units: number): tf.Sequential {
  return tf.sequential({ layers: [tf.layers.dense({ name: "d", inputShape: [inputs], units })] });
}

function predict(model: tf.LayersModel): number[] {
  return tf.tidy(() => {
    const x = tf.linspace(0, 1, 2 * 28 * 28).reshape([2, 28, 28, 1]);
    return Array.from((model.predict(x) as tf.Tensor).dataSync());
  });
}

async function leftovers(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const e of Deno.readDir(join(dir, ".."))) {
    if (/\.(tmp|old)-/.test(e.name)) names.push(e.name);
  }
  return names;
}

async function withTempDir(fn: (root: string) => Promise<void>): Promise<void> {
  const root = await Deno.makeTempDir({ prefix: "model_io_test_" });
  const before = tf.memory().numTensors;
  try {
    await fn(root);
    assertEquals(tf.memory().numTensors, before, "tensors leaked");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

Deno.test("saveModel/loadModel round trip gives identical predictions and metrics", async () => {
  await withTempDir(async (root) => {
    const dir = join(root, "models", "latest");
    const model = tinyCnn(1);
    const expected = predict(model);
    await saveModel(model, dir, METRICS);
    const params = model.countParams();
    model.dispose();

    const json = JSON.parse(await Deno.readTextFile(join(dir, "model.json")));
    assertEquals(json.weightsManifest.length, 1);
    assertEquals(json.weightsManifest[0].paths, ["weights.bin"]);
    assertEquals((await Deno.stat(join(dir, "weights.bin"))).size, params * 4);
    const metricsText = await Deno.readTextFile(join(dir, "metrics.json"));
    assert(metricsText.includes('\n  "data_source": "test"'), "metrics.json is pretty-printed");

    const loaded = await loadModel(dir);
    assertEquals(predict(loaded.model), expected);
    assertEquals(loaded.metrics, METRICS);
    assertEquals(await readMetrics(dir), METRICS);
    loaded.model.dispose();

    const files: string[] = [];
    for await (const entry of Deno.readDir(dir)) files.push(entry.name);
    assertEquals(files.sort(), ["metrics.json", "model.json", "weights.bin"]);
    assertEquals(await leftovers(dir), []);
  });
});

Deno.test("loadModel without metrics.json gives undefined metrics", async () => {
  await withTempDir(async (root) => {
    const model = tinyCnn(2);
    await saveModel(model, root + "/m/", METRICS);
    model.dispose();
    await Deno.remove(join(root, "m", "metrics.json"));
    const loaded = await loadModel(join(root, "m"));
    assertEquals(loaded.metrics, undefined);
    loaded.model.dispose();
  });
});

Deno.test("loadModel rejects truncated and over-long weights.bin, naming the file", async () => {
  await withTempDir(async (root) => {
    const dir = join(root, "m");
    const model = tinyCnn(3);
    await saveModel(model, dir, METRICS);
    model.dispose();
    const weightsPath = join(dir, "weights.bin");
    const bytes = await Deno.readFile(weightsPath);
    await Deno.writeFile(weightsPath, bytes.subarray(0, bytes.length - 4));
    await assertRejects(
      () => loadModel(dir),
      ModelLoadError,
      `${weightsPath}: has ${
        bytes.length - 4
      } bytes but model.json's weightsManifest needs ${bytes.length} (truncated)`,
    );
    await Deno.writeFile(weightsPath, new Uint8Array([...bytes, 0]));
    await assertRejects(() => loadModel(dir), ModelLoadError, "(too long)");
    await Deno.remove(weightsPath);
    await assertRejects(() => loadModel(dir), ModelLoadError, `${weightsPath} is missing`);
  });
});

Deno.test("loadModel rejects a corrupt or incomplete model.json, naming the file", async () => {
  await withTempDir(async (root) => {
    const dir = join(root, "m");
    const model = tinyCnn(4);
    await saveModel(model, dir, METRICS);
    model.dispose();
    const jsonPath = join(dir, "model.json");
    const text = await Deno.readTextFile(jsonPath);
    await Deno.writeTextFile(jsonPath, text.slice(0, text.length / 2));
    await assertRejects(() => loadModel(dir), ModelLoadError, `${jsonPath}: invalid JSON`);
    await Deno.writeTextFile(jsonPath, JSON.stringify({ ...JSON.parse(text), weightsManifest: 3 }));
    await assertRejects(() => loadModel(dir), ModelLoadError, `"weightsManifest" must be a list`);
    await Deno.writeTextFile(jsonPath, JSON.stringify({ weightsManifest: [] }));
    await assertRejects(() => loadModel(dir), ModelLoadError, `no "modelTopology"`);
    await Deno.writeTextFile(join(dir, "metrics.json"), "[1, 2");
    await assertRejects(() => readMetrics(dir), ModelLoadError, "metrics.json: invalid JSON");
    await Deno.remove(jsonPath);
    await assertRejects(() => loadModel(dir), ModelLoadError, `${jsonPath} is missing`);
  });
});

Deno.test("loadModel rejects a missing directory", async () => {
  await withTempDir(async (root) => {
    const dir = join(root, "nope");
    await assertRejects(() => loadModel(dir), ModelLoadError, `no model directory at ${dir}`);
    await assertRejects(() => readMetrics(dir), ModelLoadError, dir);
  });
});

Deno.test("loadModel rejects weights that do not fit the topology, leaking nothing", async () => {
  await withTempDir(async (root) => {
    // Same byte count (6*10+10 = 13*5+5 = 70 floats), different shapes.
    const a = denseModel(6, 10);
    const b = denseModel(13, 5);
    await saveModel(a, join(root, "a"), METRICS);
    await saveModel(b, join(root, "b"), METRICS);
    a.dispose();
    b.dispose();
    const jsonA = JSON.parse(await Deno.readTextFile(join(root, "a", "model.json")));
    const jsonB = JSON.parse(await Deno.readTextFile(join(root, "b", "model.json")));
    // b's topology with a's weights and manifest.
    await Deno.writeTextFile(
      join(root, "a", "model.json"),
      JSON.stringify({ ...jsonA, modelTopology: jsonB.modelTopology }),
    );
    await assertRejects(
      () => loadModel(join(root, "a")),
      ModelLoadError,
      `weight "d/kernel" has shape [6,10] but the topology needs [13,5]`,
    );

    // A model.json of another architecture (a CNN) next to b's weights.
    const cnn = tinyCnn(5);
    await saveModel(cnn, join(root, "c"), METRICS);
    cnn.dispose();
    const jsonC = JSON.parse(await Deno.readTextFile(join(root, "c", "model.json")));
    await Deno.writeTextFile(join(root, "b", "model.json"), JSON.stringify(jsonC));
    await assertRejects(() => loadModel(join(root, "b")), ModelLoadError, "truncated");
    // ...and with the manifest adjusted to b's weights, the names do not match.
    await Deno.writeTextFile(
      join(root, "b", "model.json"),
      JSON.stringify({ ...jsonB, modelTopology: jsonC.modelTopology }),
    );
    const err = await assertRejects(() => loadModel(join(root, "b")), ModelLoadError);
    assert(err.message.includes(`weight "d/kernel" is not in the topology`), err.message);
    assert(/weight "conv2d\w*\/kernel" \[3,3,1,4\] is missing/.test(err.message), err.message);
  });
});

Deno.test("a failed save keeps the previous model and leaves no temporary directories", async () => {
  await withTempDir(async (root) => {
    const dir = join(root, "m");
    const first = tinyCnn(10);
    const firstPredictions = predict(first);
    await saveModel(first, dir, METRICS);
    first.dispose();
    const second = tinyCnn(20);
    const secondPredictions = predict(second);
    assertNotEquals(secondPredictions, firstPredictions);

    for (const failAt of ["written", "moved-aside"] as const) {
      await assertRejects(
        () =>
          saveModel(second, dir, { ...METRICS, seed: 99 }, {
            onStep: (step) => {
              if (step === failAt) throw new Error(`disk full at ${step}`);
            },
          }),
        DigitLabError,
        `disk full at ${failAt}`,
      );
      assertEquals(await leftovers(dir), [], `after a failure at ${failAt}`);
      const loaded = await loadModel(dir);
      assertEquals(predict(loaded.model), firstPredictions, `after a failure at ${failAt}`);
      assertEquals(loaded.metrics?.seed, METRICS.seed);
      loaded.model.dispose();
    }

    await saveModel(second, dir, METRICS);
    second.dispose();
    const loaded = await loadModel(dir);
    assertEquals(predict(loaded.model), secondPredictions);
    loaded.model.dispose();
    assertEquals(await leftovers(dir), []);
  });
});

Deno.test("a save that died between its renames is recovered by the next load and save", async () => {
  await withTempDir(async (root) => {
    const dir = join(root, "m");
    const first = tinyCnn(30);
    const firstPredictions = predict(first);
    await saveModel(first, dir, METRICS);
    first.dispose();
    // The state a crash leaves: the old model moved aside, a half-written new one.
    await Deno.rename(dir, `${dir}.old-1700000000000-abcd1234`);
    await Deno.mkdir(`${dir}.tmp-1700000000001-ffff0000`);
    await Deno.writeTextFile(`${dir}.tmp-1700000000001-ffff0000/weights.bin`, "partial");

    const loaded = await loadModel(dir);
    assertEquals(predict(loaded.model), firstPredictions);
    loaded.model.dispose();
    assertEquals(await leftovers(dir), ["m.tmp-1700000000001-ffff0000"]);

    const second = tinyCnn(40);
    const secondPredictions = predict(second);
    await saveModel(second, dir, METRICS);
    second.dispose();
    assertEquals(await leftovers(dir), []);
    const reloaded = await loadModel(dir);
    assertEquals(predict(reloaded.model), secondPredictions);
    reloaded.model.dispose();
  });
});
