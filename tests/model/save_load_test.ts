import { assert, assertEquals, assertNotEquals, assertRejects } from "@std/assert";
import * as tf from "@tensorflow/tfjs";
import { join } from "node:path";
import { setupBackend } from "../../lib/kernels/backend.ts";
import { DigitLabError, ModelLoadError } from "../../lib/core/errors.ts";
import { lockModelDir } from "../../lib/model/dir_lock.ts";
import { hasSavedModel, loadModel, readMetrics, saveModel } from "../../lib/model/save_load.ts";
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

Deno.test("a save that died between its renames: loads read the model moved aside, renaming nothing; the next save recovers", async () => {
  await withTempDir(async (root) => {
    const dir = join(root, "m");
    const first = tinyCnn(30);
    const firstPredictions = predict(first);
    await saveModel(first, dir, METRICS);
    first.dispose();
    // The state a crash leaves: the old model moved aside, a half-written new one, the dead
    // saver's lock file (its OS lock died with it).
    await Deno.rename(dir, `${dir}.old-1700000000000-1-1`);
    await Deno.mkdir(`${dir}.tmp-1-2`);
    await Deno.writeTextFile(`${dir}.tmp-1-2/weights.bin`, "partial");
    await Deno.writeTextFile(`${dir}.lock`, "1\n");

    assert(await hasSavedModel(dir));
    const loaded = await loadModel(dir);
    assertEquals(predict(loaded.model), firstPredictions);
    loaded.model.dispose();
    assertEquals(await readMetrics(dir), METRICS);
    assertEquals((await leftovers(dir)).sort(), ["m.old-1700000000000-1-1", "m.tmp-1-2"]);

    const second = tinyCnn(40);
    const secondPredictions = predict(second);
    await saveModel(second, dir, METRICS);
    second.dispose();
    assertEquals(await leftovers(dir), []);
    await assertRejects(() => Deno.stat(`${dir}.lock`), Deno.errors.NotFound);
    const reloaded = await loadModel(dir);
    assertEquals(predict(reloaded.model), secondPredictions);
    reloaded.model.dispose();
  });
});

Deno.test("concurrent saves to one directory run one at a time; the last one wins", async () => {
  await withTempDir(async (root) => {
    const dir = join(root, "m");
    const models = [tinyCnn(70), tinyCnn(71), tinyCnn(72)];
    const steps: string[] = [];
    await Promise.all(models.map((model, i) =>
      saveModel(model, dir, { ...METRICS, seed: i }, {
        onStep: async (step) => {
          steps.push(`${i} ${step} start`);
          await new Promise((r) => setTimeout(r, 20));
          steps.push(`${i} ${step} end`);
        },
      })
    ));
    // Each save's steps finish before the next save's start: no interleaving.
    for (let k = 0; k < steps.length; k += 2) {
      assertEquals(steps[k].replace("start", "end"), steps[k + 1]);
    }
    const last = Number(steps.at(-1)!.split(" ")[0]);
    const loaded = await loadModel(dir);
    assertEquals(loaded.metrics?.seed, last);
    assertEquals(predict(loaded.model), predict(models[last]));
    loaded.model.dispose();
    models.forEach((m) => m.dispose());
    assertEquals(await leftovers(dir), []);
  });
});

// ------------------------------------------------------------ hardening (issue 14)

/** Parsed model.json, edited freely by the tests below. */
// deno-lint-ignore no-explicit-any
type Json = Record<string, any>;

/** Saves `model`, lets `edit` change the parsed model.json, and writes it back. */
async function saveAndEdit(
  dir: string,
  model: tf.LayersModel,
  edit: (json: Json) => void,
): Promise<void> {
  await saveModel(model, dir, METRICS);
  const path = join(dir, "model.json");
  const json = JSON.parse(await Deno.readTextFile(path));
  edit(json);
  await Deno.writeTextFile(path, JSON.stringify(json));
}

/** dense(4 -> 3), batch norm, dense(3 -> 2). */
function denseBnModel(): tf.Sequential {
  return tf.sequential({
    layers: [
      tf.layers.dense({ units: 3, inputShape: [4] }),
      tf.layers.batchNormalization(),
      tf.layers.dense({ units: 2 }),
    ],
  });
}

const layersOf = (json: Json): Json[] => json.modelTopology.config.layers;

Deno.test("loadModel refuses a topology bomb from its caps, before building anything", async () => {
  await withTempDir(async (root) => {
    const model = tinyCnn(50);
    const dir = join(root, "m");
    const bytesBefore = tf.memory().numBytes;
    // Dense units 10 -> 1,000,000: the old loader built 7,690,000 random weights first.
    await saveAndEdit(dir, model, (json) => layersOf(json)[2].config.units = 1_000_000);
    await assertRejects(
      () => loadModel(dir),
      ModelLoadError,
      `${join(dir, "model.json")}: layers[2].config.units = 1000000 exceeds 65536`,
    );
    await saveAndEdit(dir, model, (json) => layersOf(json)[0].config.kernel_size = [1e6, 1e6]);
    await assertRejects(
      () => loadModel(dir),
      ModelLoadError,
      "layers[0].config.kernel_size = [1000000,1000000] is larger than its 28x28 input",
    );
    // Within every per-field cap, but 784 * 65536 weights: the parameter cap refuses it.
    await saveAndEdit(dir, model, (json) => {
      layersOf(json)[0].config.padding = "same";
      layersOf(json)[0].config.strides = [1, 1];
      layersOf(json)[2].config.units = 65536;
    });
    await assertRejects(() => loadModel(dir), ModelLoadError, "more than 50000000");
    assertEquals(tf.memory().numBytes, bytesBefore, "nothing was allocated");
    model.dispose();
  });
});

Deno.test("loadModel refuses nonsense layer settings, naming the field and value", async () => {
  await withTempDir(async (root) => {
    const model = denseBnModel();
    const dir = join(root, "m");
    const cases: [(layers: Json[]) => void, string][] = [
      [(l) => l[1].config.epsilon = ".", `layers[1].config.epsilon = "." must be a number`],
      [(l) => l[1].config.epsilon = -1, `layers[1].config.epsilon = -1 must be in (0, 1]`],
      [(l) => l[1].config.momentum = 7, `layers[1].config.momentum = 7 must be in [0, 1]`],
      [(l) => l[1].config.axis = 7, `layers[1].config.axis = 7 must be -1 or 1`],
      [
        (l) => l[0].config.activation = "nope",
        `layers[0].config.activation = "nope" is not one of`,
      ],
      [(l) => l[2].config.units = 2.5, `layers[2].config.units = 2.5 must be an integer`],
      [(l) => l[1].class_name = "Lambda", `layers[1].class_name = "Lambda" is not a layer`],
      [(l) => l[0].config.batch_input_shape = [null, -4], "batch_input_shape = [null,-4]"],
      [(l) => l[2].config.bias_regularizer = { class_name: "L2" }, "bias_regularizer"],
      [(l) => l[0].config.surprise = 1, `layers[0].config.surprise = 1 is not a setting of Dense`],
    ];
    for (const [edit, message] of cases) {
      await saveAndEdit(dir, model, (json) => edit(layersOf(json)));
      await assertRejects(() => loadModel(dir), ModelLoadError, message);
    }
    model.dispose();
  });
});

Deno.test("loadModel leaks no tensors when building from a bad topology fails", async () => {
  await withTempDir(async (root) => {
    const model = denseBnModel();
    const dir = join(root, "m");
    const edits: ((layers: Json[]) => void)[] = [
      (l) => l[1].config.axis = 7, // fails in TF.js after the first dense layer was built
      (l) => l[2].config.kernel_initializer.config.mode = "nonsense", // fails at layer 2
    ];
    for (const edit of edits) {
      await saveAndEdit(dir, model, (json) => edit(layersOf(json)));
      const before = tf.memory().numTensors;
      await assertRejects(() => loadModel(dir), ModelLoadError);
      assertEquals(tf.memory().numTensors, before, "tensors leaked by a failed load");
    }
    model.dispose();
  });
});

Deno.test("saveModel records the SHA-256 of weights.bin and loadModel checks it", async () => {
  await withTempDir(async (root) => {
    const dir = join(root, "m");
    const model = tinyCnn(60);
    await saveModel(model, dir, METRICS);
    model.dispose();
    const weightsPath = join(dir, "weights.bin");
    const bytes = await Deno.readFile(weightsPath);
    const hex = Array.from(
      new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)),
      (b) => b.toString(16).padStart(2, "0"),
    ).join("");
    const json = JSON.parse(await Deno.readTextFile(join(dir, "model.json")));
    assertEquals(json.userDefinedMetadata, { weightsSha256: hex });

    // Stock TF.js reads the folder as it always did.
    const stock = await tf.loadLayersModel(tf.io.fromMemory({
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest[0].weights,
      weightData: bytes.buffer,
      userDefinedMetadata: json.userDefinedMetadata,
    }));
    stock.dispose();

    const loaded = await loadModel(dir);
    assertEquals(
      loaded.model.getUserDefinedMetadata(),
      undefined,
      "the hash is not model metadata",
    );
    loaded.model.dispose();

    const flipped = bytes.slice();
    flipped[100] ^= 0x04;
    await Deno.writeFile(weightsPath, flipped);
    await assertRejects(
      () => loadModel(dir),
      ModelLoadError,
      `${weightsPath} does not match its SHA-256 (${hex}) recorded in model.json`,
    );

    // A model saved before hashes were recorded still loads.
    delete json.userDefinedMetadata;
    await Deno.writeTextFile(join(dir, "model.json"), JSON.stringify(json));
    const unhashed = await loadModel(dir);
    unhashed.model.dispose();
  });
});

Deno.test("loadModel refuses non-finite weights and negative variances, naming the weight", async () => {
  await withTempDir(async (root) => {
    const dir = join(root, "m");
    const model = denseBnModel();
    await saveAndEdit(dir, model, (json) => delete json.userDefinedMetadata);
    model.dispose();
    const json = JSON.parse(await Deno.readTextFile(join(dir, "model.json")));
    const specs: { name: string; shape: number[] }[] = json.weightsManifest[0].weights;
    const offsetOf = (name: string) => {
      let offset = 0;
      for (const s of specs) {
        if (s.name === name) return offset;
        offset += s.shape.reduce((a, b) => a * b, 1);
      }
      throw new Error(`no weight ${name}`);
    };
    const weightsPath = join(dir, "weights.bin");
    const original = await Deno.readFile(weightsPath);
    const kernel = specs[0].name;
    const variance = specs.find((s) => s.name.endsWith("/moving_variance"))!.name;
    const cases: [string, number, number, string][] = [
      [kernel, 5, NaN, `weight "${kernel}" has a non-finite value (NaN) at index 5`],
      [kernel, 0, Infinity, `weight "${kernel}" has a non-finite value (Infinity) at index 0`],
      [variance, 1, -2, `weight "${variance}" has a negative variance (-2) at index 1`],
    ];
    for (const [name, index, value, message] of cases) {
      const floats = new Float32Array(original.slice().buffer);
      floats[offsetOf(name) + index] = value;
      await Deno.writeFile(weightsPath, new Uint8Array(floats.buffer));
      await assertRejects(() => loadModel(dir), ModelLoadError, message);
    }
  });
});

Deno.test("the shipped data/models/default carries its weights' hash and loads", async () => {
  const topology = JSON.parse(await Deno.readTextFile("data/models/default/model.json"));
  assertEquals(typeof topology.userDefinedMetadata?.weightsSha256, "string");
  const before = tf.memory().numTensors;
  const { model, metrics } = await loadModel("data/models/default");
  assert(metrics !== undefined);
  assertEquals(model.countParams(), 198_762);
  model.dispose();
  assertEquals(tf.memory().numTensors, before);
});

Deno.test("a model saved before hashes were recorded still loads", async () => {
  await withTempDir(async (root) => {
    const dir = join(root, "old");
    await Deno.mkdir(dir);
    const topology = JSON.parse(await Deno.readTextFile("data/models/default/model.json"));
    delete topology.userDefinedMetadata;
    await Deno.writeTextFile(join(dir, "model.json"), JSON.stringify(topology));
    await Deno.copyFile("data/models/default/weights.bin", join(dir, "weights.bin"));
    const { model } = await loadModel(dir);
    assertEquals(model.countParams(), 198_762);
    model.dispose();
  });
});

Deno.test("saveModel refuses, naming the saving process, when the lock stays held", async () => {
  await withTempDir(async (root) => {
    const dir = join(root, "m");
    const lock = await lockModelDir(dir);
    const model = tinyCnn(80);
    await assertRejects(
      () => saveModel(model, dir, METRICS, { lockTimeoutMs: 50 }),
      DigitLabError,
      `process ${Deno.pid} is saving a model to ${dir} (lock file ${dir}.lock)`,
    );
    await lock.release();
    await saveModel(model, dir, METRICS, { lockTimeoutMs: 50 });
    model.dispose();
  });
});

Deno.test("loadModel gives a ModelLoadError when a file is a directory", async () => {
  await withTempDir(async (root) => {
    const dir = join(root, "m");
    const model = tinyCnn(90);
    await saveModel(model, dir, METRICS);
    model.dispose();
    await Deno.remove(join(dir, "weights.bin"));
    await Deno.mkdir(join(dir, "weights.bin"));
    await assertRejects(() => loadModel(dir), ModelLoadError, "weights.bin");
    await Deno.remove(join(dir, "metrics.json"));
    await Deno.mkdir(join(dir, "metrics.json"));
    await assertRejects(() => readMetrics(dir), ModelLoadError, "metrics.json is not a file");
  });
});

/**
 * Rewrites the saved model in `dir` with quantised weights, written here by
 * hand (not by lib/export): the first weight as uint8 over [-1, 1] (step
 * 2/255), the others as float16; records the new SHA-256 unless `hash` is
 * false. Returns the float32 values TensorFlow.js should make of them.
 */
async function quantizeSaved(dir: string, hash = true): Promise<Float32Array[]> {
  const json = JSON.parse(await Deno.readTextFile(join(dir, "model.json")));
  const floats = new Float32Array((await Deno.readFile(join(dir, "weights.bin"))).buffer);
  const specs: Json[] = json.weightsManifest[0].weights;
  const parts: Uint8Array[] = [];
  const expected: Float32Array[] = [];
  let offset = 0;
  specs.forEach((spec, i) => {
    const size = (spec.shape as number[]).reduce((a, b) => a * b, 1);
    const values = floats.subarray(offset, offset + size);
    offset += size;
    if (i === 0) {
      const scale = 2 / 255;
      const q = Uint8Array.from(
        values,
        (v) => Math.round((Math.max(-1, Math.min(1, v)) + 1) / scale),
      );
      spec.quantization = { dtype: "uint8", min: -1, scale };
      parts.push(q);
      expected.push(Float32Array.from(q, (v) => v * scale - 1));
    } else {
      const half = new Float16Array(values);
      spec.quantization = { dtype: "float16" };
      parts.push(new Uint8Array(half.buffer));
      expected.push(new Float32Array(half));
    }
  });
  const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((at, p) => (bytes.set(p, at), at + p.length), 0);
  await Deno.writeFile(join(dir, "weights.bin"), bytes);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  json.userDefinedMetadata = hash
    ? { weightsSha256: Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("") }
    : undefined;
  await Deno.writeTextFile(join(dir, "model.json"), JSON.stringify(json));
  return expected;
}

Deno.test("loadModel reads uint8 and float16 weights, checked as float ones are", async () => {
  await withTempDir(async (root) => {
    const dir = join(root, "m");
    const model = denseBnModel();
    await saveModel(model, dir, METRICS);
    model.dispose();
    const expected = await quantizeSaved(dir);
    // dense 4x3 kernel: 12 bytes as uint8; 3 + 4 * 3 + 3 * 2 + 2 = 23 float16 values: 46 bytes.
    assertEquals((await Deno.stat(join(dir, "weights.bin"))).size, 12 + 46);
    const loaded = await loadModel(dir);
    loaded.model.getWeights().forEach((w, i) => assertEquals(w.dataSync(), expected[i]));
    loaded.model.dispose();

    const weightsPath = join(dir, "weights.bin");
    const good = await Deno.readFile(weightsPath);
    // The recorded SHA-256 covers the quantised bytes.
    const flipped = good.slice();
    flipped[3] ^= 1;
    await Deno.writeFile(weightsPath, flipped);
    await assertRejects(() => loadModel(dir), ModelLoadError, "does not match its SHA-256");
    // Sizes follow the quantised types: one byte short is truncated.
    await Deno.writeFile(weightsPath, good.subarray(0, good.length - 1));
    await assertRejects(
      () => loadModel(dir),
      ModelLoadError,
      `has ${good.length - 1} bytes but model.json's weightsManifest needs ${good.length}`,
    );
  });
});

Deno.test("loadModel refuses bad quantisation entries and quantised negative variances", async () => {
  await withTempDir(async (root) => {
    const dir = join(root, "m");
    const model = denseBnModel();
    await saveModel(model, dir, METRICS);
    model.dispose();
    await quantizeSaved(dir, false);
    const path = join(dir, "model.json");
    const json = JSON.parse(await Deno.readTextFile(path));
    const edits: [(specs: Json[]) => void, string][] = [
      [
        (s) => s[0].quantization.scale = -1,
        "is quantized uint8 without a finite min and a finite scale >= 0",
      ],
      [(s) => delete s[0].quantization.min, "is quantized uint8 without a finite min"],
      [
        (s) => s[1].quantization = { dtype: "int4" },
        `is quantized as "int4", not one of uint8, uint16, float16`,
      ],
      [(s) => s[1].dtype = "int32", "is int32 but the topology needs float32"],
    ];
    for (const [edit, message] of edits) {
      const copy = structuredClone(json);
      edit(copy.weightsManifest[0].weights);
      await Deno.writeTextFile(path, JSON.stringify(copy));
      await assertRejects(() => loadModel(dir), ModelLoadError, message);
    }
    // A float16 variance of -2 (0xc000), as TensorFlow.js would read it.
    await Deno.writeTextFile(path, JSON.stringify(json));
    const specs: Json[] = json.weightsManifest[0].weights;
    let offset = 0;
    for (const s of specs) {
      if (String(s.name).endsWith("/moving_variance")) break;
      offset += (s.shape as number[]).reduce((a, b) => a * b, 1) *
        (s.quantization.dtype === "uint8" ? 1 : 2);
    }
    const bytes = await Deno.readFile(join(dir, "weights.bin"));
    bytes.set([0x00, 0xc0], offset + 2); // index 1
    await Deno.writeFile(join(dir, "weights.bin"), bytes);
    await assertRejects(
      () => loadModel(dir),
      ModelLoadError,
      "has a negative variance (-2) at index 1",
    );
  });
});
