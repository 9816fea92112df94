/**
 * The `web` export: a static folder that reads digits drawn on a canvas
 * entirely in the browser, offline, from any static file host (or
 * `python3 -m http.server`): no server code, and every file the page loads
 * is in the folder (its Content-Security-Policy forbids anything else).
 *
 * The folder holds `index.html` (`web_page.html`), `app.js` (`web_app.js`:
 * the drawing pad and the reading), `preprocess.js` (the project's own
 * `normalizeImage`, bundled: `web_preprocess_js.ts`), the model in the
 * TF.js layers format with float32 weights (`model.json`, `weights.bin`:
 * the reading is the one `deno task serve` gives, to float rounding; uint8
 * weights would cut 0.6 MB of the 2.9 MB but change probabilities), and
 * TensorFlow.js 4.22.0 with its WASM backend, copied from `node_modules/`:
 * the ES2017 builds `tf.es2017.min.js` and `tf-backend-wasm.es2017.min.js`
 * (the ES5 `tf.min.js` carries polyfills that evaluate strings, which the
 * page's policy forbids, and is 0.36 MB larger) and the one-thread `.wasm`
 * builds.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import { sharedPageStyle, withSharedStyle } from "./page_style.ts";
import { dirname, join } from "node:path";
import { fromFileUrl } from "@std/path";
import { DigitLabError, type ModelMetrics } from "../core/mod.ts";
import { sha256Hex, WEIGHTS_SHA256_KEY } from "../model/mod.ts";
import { WEB_PREPROCESS_JS } from "./web_preprocess_js.ts";

/**
 * The TensorFlow.js files the page loads, by package (as `deno.json` maps
 * it) and file name in the package's `dist/`. The threaded WASM build is
 * left out: it needs cross-origin isolation headers that a plain static
 * host does not send, and the page tells TF.js not to look for it.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { TFJS_WEB_FILES } from "./web_export.ts";
 * assertEquals(TFJS_WEB_FILES.map((f) => f.file).includes("tfjs-backend-wasm-simd.wasm"), true);
 * ```
 */
export const TFJS_WEB_FILES: readonly { readonly pkg: string; readonly file: string }[] = Object
  .freeze([
    { pkg: "@tensorflow/tfjs", file: "tf.es2017.min.js" },
    { pkg: "@tensorflow/tfjs-backend-wasm", file: "tf-backend-wasm.es2017.min.js" },
    { pkg: "@tensorflow/tfjs-backend-wasm", file: "tfjs-backend-wasm.wasm" },
    { pkg: "@tensorflow/tfjs-backend-wasm", file: "tfjs-backend-wasm-simd.wasm" },
  ]);

/**
 * Where an npm package's `dist/` folder is in `node_modules/` (the package
 * as `deno.json` maps it, so the pinned version).
 *
 * @throws {DigitLabError} when the package does not resolve to a local file
 *   (no `node_modules/`: run `deno install`).
 *
 * @example
 * ```ts
 * import { assertMatch } from "@std/assert";
 * import { packageDist } from "./web_export.ts";
 * assertMatch(packageDist("@tensorflow/tfjs"), /tfjs@4\.22\.0\/.*\/dist$/);
 * ```
 */
export function packageDist(pkg: string): string {
  let url: string;
  try {
    url = import.meta.resolve(pkg);
  } catch (e) {
    throw new DigitLabError(`cannot resolve ${pkg}: ${(e as Error).message}`, { cause: e });
  }
  if (!url.startsWith("file:")) {
    throw new DigitLabError(
      `${pkg} resolves to ${url}, not a file in node_modules/: run \`deno install\` first`,
    );
  }
  return dirname(fromFileUrl(url));
}

/** Reads one TensorFlow.js file, naming it and the fix when it is missing. */
async function readDistFile(pkg: string, file: string): Promise<Uint8Array> {
  const path = join(packageDist(pkg), file);
  try {
    return await Deno.readFile(path);
  } catch (e) {
    throw new DigitLabError(
      `cannot read ${path} (${pkg}'s browser build): ${(e as Error).message}; ` +
        "run `deno install` to restore node_modules/",
      { cause: e },
    );
  }
}

/** The model as stock TF.js layers-format files, float32 weights, SHA-256 recorded. */
async function floatModelFiles(model: tf.LayersModel): Promise<[string, Uint8Array][]> {
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(tf.io.withSaveHandler((a) => {
    artifacts = a;
    return Promise.resolve({ modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(a) });
  }));
  if (!artifacts?.modelTopology || !artifacts.weightSpecs || !artifacts.weightData) {
    throw new DigitLabError("TensorFlow.js produced no model topology or weights to export");
  }
  const weights = new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData));
  const json: tf.io.ModelJSON = {
    modelTopology: artifacts.modelTopology,
    format: artifacts.format,
    generatedBy: artifacts.generatedBy,
    convertedBy: "digit-lab export (web)",
    weightsManifest: [{ paths: ["weights.bin"], weights: artifacts.weightSpecs }],
    userDefinedMetadata: { [WEIGHTS_SHA256_KEY]: await sha256Hex(weights) },
  };
  return [
    ["weights.bin", weights],
    ["model.json", new TextEncoder().encode(JSON.stringify(json))],
  ];
}

const HTML_ESCAPES: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/**
 * The line the page's footer shows about the model, e.g. `strong CNN, 198,762
 * parameters, 99.64% on its test split`, from its metrics (or `a saved
 * model` without them).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { describeModel } from "./web_export.ts";
 * import type { ModelMetrics } from "../core/mod.ts";
 * const metrics = { model: "strong", parameters: 198762, test_accuracy: 0.9964 } as ModelMetrics;
 * assertEquals(describeModel(metrics), "strong CNN, 198,762 parameters, 99.64% on its test split");
 * assertEquals(describeModel(undefined), "a saved model");
 * ```
 */
export function describeModel(metrics: ModelMetrics | undefined): string {
  if (!metrics) return "a saved model";
  const parts = [
    metrics.model ? `${metrics.model} CNN` : "a saved model",
    Number.isFinite(metrics.parameters)
      ? `${metrics.parameters.toLocaleString("en-US")} parameters`
      : "",
    Number.isFinite(metrics.test_accuracy)
      ? `${(100 * metrics.test_accuracy).toFixed(2)}% on its test split`
      : "",
  ];
  return parts.filter((p) => p !== "").join(", ");
}

/**
 * The files of the static page for `model`, by name, in the order they are
 * written (`index.html` last: a folder with an `index.html` is complete).
 *
 * @throws {DigitLabError} when a TensorFlow.js file cannot be read from
 *   `node_modules/` (the message names it and says to run `deno install`).
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { assertEquals, assertStringIncludes } from "@std/assert";
 * import { webFiles } from "./web_export.ts";
 * import { setupBackend } from "../kernels/mod.ts";
 * await setupBackend();
 * const model = tf.sequential({
 *   layers: [
 *     tf.layers.flatten({ inputShape: [28, 28, 1] }),
 *     tf.layers.dense({ units: 10, activation: "softmax" }),
 *   ],
 * });
 * const files = await webFiles(model);
 * assertEquals([...files.keys()], [
 *   "tf.es2017.min.js", "tf-backend-wasm.es2017.min.js", "tfjs-backend-wasm.wasm",
 *   "tfjs-backend-wasm-simd.wasm", "preprocess.js", "app.js", "weights.bin", "model.json",
 *   "index.html",
 * ]);
 * assertEquals(files.get("weights.bin")!.length, (784 * 10 + 10) * 4);
 * const html = new TextDecoder().decode(files.get("index.html"));
 * assertStringIncludes(html, "Model: a saved model");
 * model.dispose();
 * ```
 */
export async function webFiles(
  model: tf.LayersModel,
  metrics?: ModelMetrics,
): Promise<Map<string, Uint8Array>> {
  const files = new Map<string, Uint8Array>();
  for (const { pkg, file } of TFJS_WEB_FILES) files.set(file, await readDistFile(pkg, file));
  const encoder = new TextEncoder();
  files.set("preprocess.js", encoder.encode(WEB_PREPROCESS_JS));
  files.set("app.js", await Deno.readFile(new URL("./web_app.js", import.meta.url)));
  for (const [name, bytes] of await floatModelFiles(model)) files.set(name, bytes);
  const template = withSharedStyle(
    await Deno.readTextFile(new URL("./web_page.html", import.meta.url)),
    await sharedPageStyle(),
  );
  const description = describeModel(metrics).replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
  files.set("index.html", encoder.encode(template.replace("%MODEL%", () => description)));
  return files;
}
