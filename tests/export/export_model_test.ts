import * as tf from "@tensorflow/tfjs";
import { assertEquals, assertRejects } from "@std/assert";
import { EXPORT_FORMATS, type ExportFormat, exportModel } from "../../lib/export/export_model.ts";
import { buildModel, REFERENCE_CNN } from "../../lib/model/architecture.ts";
import { loadModel, saveModel } from "../../lib/model/save_load.ts";
import { setupBackend } from "../../lib/kernels/backend.ts";
import { DigitLabError, InvalidArgumentError, ModelLoadError } from "../../lib/core/errors.ts";
import { stubMetrics } from "../_helpers/cli.ts";

/** The files of a web export besides the model's. */
const WEB_PAGE_FILES = [
  "index.html",
  "app.js",
  "preprocess.js",
  "tf.es2017.min.js",
  "tf-backend-wasm.es2017.min.js",
  "tfjs-backend-wasm.wasm",
  "tfjs-backend-wasm-simd.wasm",
];

/** A temporary folder with a saved reference CNN in `model/`. */
async function withSavedModel(fn: (root: string) => Promise<void>): Promise<void> {
  await setupBackend();
  const root = await Deno.makeTempDir();
  const model = buildModel(REFERENCE_CNN, { seed: 4 });
  try {
    await saveModel(model, `${root}/model`, stubMetrics({ seed: 4 }));
    await fn(root);
  } finally {
    model.dispose();
    await Deno.remove(root, { recursive: true });
  }
}

async function entries(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const e of Deno.readDir(dir)) names.push(e.name);
  return names.sort();
}

Deno.test("exportModel writes each format; the tfjs ones load back, with the metrics", async () => {
  await withSavedModel(async (root) => {
    for (const format of Object.keys(EXPORT_FORMATS)) {
      const out = `${root}/out-${format}`;
      const result = await exportModel({ model: `${root}/model`, format, out });
      assertEquals(result.format, format);
      if (EXPORT_FORMATS[format].kind === "file") {
        assertEquals((await Deno.stat(out)).size, result.bytes);
      } else {
        // The web page carries the model without its metrics, and the page's own files.
        assertEquals(
          await entries(out),
          format === "web"
            ? [...WEB_PAGE_FILES, "model.json", "weights.bin"].sort()
            : ["metrics.json", "model.json", "weights.bin"],
        );
        let total = 0;
        for (const f of result.files) total += (await Deno.stat(`${out}/${f.path}`)).size;
        assertEquals(total, result.bytes);
        const { model, metrics } = await loadModel(out);
        assertEquals(model.countParams(), 34826);
        assertEquals(metrics?.seed, format === "web" ? undefined : 4);
        model.dispose();
      }
    }
    // Nothing but the model, its lock and the outputs: no temporary siblings left.
    assertEquals(
      (await entries(root)).filter((n) => n.includes(".tmp-")),
      [],
    );
  });
});

Deno.test("exportModel: unknown format, missing model, existing output: one typed error each", async () => {
  await withSavedModel(async (root) => {
    await assertRejects(
      () => exportModel({ model: `${root}/model`, format: "tflite", out: `${root}/x` }),
      InvalidArgumentError,
      `unknown export format "tflite" (one of onnx, tfjs-uint8, tfjs-float16, web)`,
    );
    await assertRejects(
      () => exportModel({ model: `${root}/none`, format: "onnx", out: `${root}/x.onnx` }),
      ModelLoadError,
      `${root}/none`,
    );
    await Deno.writeTextFile(`${root}/taken.onnx`, "mine");
    await Deno.mkdir(`${root}/taken`);
    for (
      const [format, out] of [["onnx", "taken.onnx"], ["tfjs-uint8", "taken"], ["web", "taken"]]
    ) {
      await assertRejects(
        () => exportModel({ model: `${root}/model`, format, out: `${root}/${out}` }),
        InvalidArgumentError,
        `the output path ${root}/${out} already exists`,
      );
    }
    assertEquals(await Deno.readTextFile(`${root}/taken.onnx`), "mine");
    assertEquals(await entries(`${root}/taken`), []);
    assertEquals((await entries(root)).filter((n) => n.startsWith("x")), []);
  });
});

Deno.test("exportModel: a failure part-way leaves nothing at the output, nor beside it", async () => {
  await withSavedModel(async (root) => {
    const breaking: Record<string, ExportFormat> = {
      // Writes one file, then fails on the second.
      broken: {
        description: "test",
        kind: "directory",
        build: () =>
          Promise.resolve(
            new Map([["a.bin", new Uint8Array(10)], ["../escape.bin", new Uint8Array(1)]]),
          ),
      },
      throws: {
        description: "test",
        kind: "file",
        build: () => Promise.reject(new InvalidArgumentError("weight out of range")),
      },
    };
    const before = await entries(root);
    await assertRejects(
      () => exportModel({ model: `${root}/model`, format: "broken", out: `${root}/b` }, breaking),
      DigitLabError,
      "nothing was written there",
    );
    await assertRejects(
      () => exportModel({ model: `${root}/model`, format: "throws", out: `${root}/t` }, breaking),
      InvalidArgumentError,
      "weight out of range",
    );
    assertEquals(await entries(root), before); // no b, t, escape.bin or temporary sibling
  });
});

Deno.test("exportModel leaves no tensors behind", async () => {
  await withSavedModel(async (root) => {
    await exportModel({ model: `${root}/model`, format: "onnx", out: `${root}/a.onnx` });
    const before = tf.memory().numTensors;
    await exportModel({ model: `${root}/model`, format: "tfjs-uint8", out: `${root}/b` });
    assertEquals(tf.memory().numTensors, before);
  });
});
