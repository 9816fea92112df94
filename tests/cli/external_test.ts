import { captureLog, stubMetrics } from "../_helpers/cli.ts";
import * as tf from "@tensorflow/tfjs";
import { assert, assertEquals, assertRejects, assertStringIncludes } from "@std/assert";
import { join } from "@std/path";
import { setupBackend } from "../../lib/kernels/backend.ts";
import { main } from "../../lib/cli/external.ts";
import { InvalidArgumentError, ModelLoadError } from "../../lib/core/errors.ts";
import { SCENE_KINDS } from "../../lib/eval/mod.ts";
import { normalizeImage } from "../../lib/image/normalize.ts";
import { drawDigit, inkToGray } from "../../lib/image/synth/scenes.ts";
import { saveModel } from "../../lib/model/save_load.ts";
import { createRng } from "../../lib/core/random.ts";

function idx(magic: number, dims: number[], data: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, magic);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d));
  out.set(data, 4 + 4 * dims.length);
  return out;
}

/** An IDX data set of this project's stroke digits (train and test alike). */
async function writeStrokeIdx(dir: string, count: number): Promise<void> {
  const rng = createRng(2);
  const images = new Uint8Array(count * 784);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    labels[i] = (i * 3) % 10;
    const ink = drawDigit(labels[i], { size: 120, penWidth: 10, rng, variation: 0.5 });
    normalizeImage(inkToGray(ink)).pixels.forEach((v, k) => images[i * 784 + k] = v * 255);
  }
  for (const prefix of ["train", "t10k"]) {
    await Deno.writeFile(
      join(dir, `${prefix}-images-idx3-ubyte`),
      idx(0x803, [count, 28, 28], images),
    );
    await Deno.writeFile(join(dir, `${prefix}-labels-idx1-ubyte`), idx(0x801, [count], labels));
  }
}

/** A one-layer model that matches the canonical stroke glyphs (a template matcher). */
function templateModel(): tf.Sequential {
  const kernel = new Float32Array(784 * 10);
  for (let d = 0; d < 10; d++) {
    const t = normalizeImage(inkToGray(drawDigit(d, { size: 120, penWidth: 10 }))).pixels;
    const norm = Math.hypot(...t);
    t.forEach((v, k) => kernel[k * 10 + d] = (20 * v) / norm);
  }
  const model = tf.sequential({
    layers: [
      tf.layers.flatten({ inputShape: [28, 28, 1] }),
      tf.layers.dense({ units: 10, activation: "softmax" }),
    ],
  });
  tf.tidy(() => model.layers[1].setWeights([tf.tensor2d(kernel, [784, 10]), tf.zeros([10])]));
  return model;
}

const METRICS = stubMetrics();

Deno.test("external: measures a model on every scene kind, prints JSON or tables, saves images", async () => {
  const root = await Deno.makeTempDir({ prefix: "external_cli_" });
  try {
    await setupBackend();
    const model = templateModel();
    await saveModel(model, join(root, "model"), METRICS);
    model.dispose();
    await Deno.mkdir(join(root, "data"));
    await writeStrokeIdx(join(root, "data"), 12);
    const before = tf.memory().numTensors;
    const args = ["--model", join(root, "model"), "--data", join(root, "data"), "--seed", "2"];
    const json = await captureLog(() =>
      main([...args, "--per-kind", "4", "--numbers", "2", "--json", "--save", join(root, "out")])
    );
    assertEquals(tf.memory().numTensors, before, "external leaked tensors");
    const r = JSON.parse(json);
    assertEquals(r.data_source, `idx:${join(root, "data")}`);
    assertEquals(r.kinds.map((k: { kind: string }) => k.kind), [...SCENE_KINDS]);
    assertEquals(r.overall.count, 4 * SCENE_KINDS.length);
    assert(r.overall.ours_accuracy >= 0.9, `template model, ours: ${r.overall.ours_accuracy}`);
    assert(r.overall.naive_accuracy < r.overall.ours_accuracy);
    assertEquals(r.numbers.count, 2);
    assert(r.mnist_accuracy >= 0.9, `template model on the source digits: ${r.mnist_accuracy}`);
    const saved = [...Deno.readDirSync(join(root, "out"))].map((e) => e.name).sort();
    assertEquals(saved, [...SCENE_KINDS, "numbers"].sort());
    assertEquals([...Deno.readDirSync(join(root, "out", "photo"))].length, 4);

    const table = await captureLog(() => main([...args, "--per-kind", "1", "--numbers", "0"]));
    for (const word of [...SCENE_KINDS, "overall", "naive", "ours", "no pipeline"]) {
      assertStringIncludes(table, word);
    }
    assert(!table.includes("exact reads"), "no number table without numbers");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("external: bad flags fail with errors naming the flag and value", async () => {
  for (
    const [args, text] of [
      [["--per-kind", "0"], "--per-kind"],
      [["--per-kind", "x"], '"x"'],
      [["--numbers=-1"], "--numbers"],
      [["--seed", "1.5"], "--seed"],
      [["--per-kind"], "--per-kind"],
      [["--perkind", "3"], "--perkind"],
      [["extra"], '"extra"'],
      [["--save"], "--save"],
    ] as const
  ) {
    const e = await assertRejects(() => main([...args]), InvalidArgumentError);
    assertStringIncludes(e.message, text);
  }
});

Deno.test("external: a missing model directory is a clear ModelLoadError", async () => {
  const missing = join(await Deno.makeTempDir(), "no-model");
  const e = await assertRejects(() => main(["--model", missing]), ModelLoadError);
  assertStringIncludes(e.message, missing);
});
