/**
 * Saving and loading trained models.
 *
 * A model directory holds `model.json` (the TensorFlow.js layers format, its
 * `weightsManifest` naming `weights.bin`), `weights.bin` and `metrics.json`.
 *
 * Saving is atomic: the files are written and synced in a fresh sibling
 * directory `<dir>.tmp-<id>`, the previous model is renamed aside to
 * `<dir>.old-<id>`, the new one renamed in, and the old one removed. If
 * anything fails the previous model stays in place; if the process dies
 * between the two renames, the next save or load puts `<dir>.old-<id>` back.
 * One process should save to a directory at a time.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import { basename, dirname, join } from "node:path";
import {
  DigitLabError,
  InvalidArgumentError,
  ModelLoadError,
  type ModelMetrics,
} from "../core/mod.ts";

const MODEL_JSON = "model.json";
const WEIGHTS_BIN = "weights.bin";
const METRICS_JSON = "metrics.json";

/** Bytes per stored element, by weight dtype or quantized dtype. */
const BYTES_PER_ELEMENT: Record<string, number> = {
  float32: 4,
  int32: 4,
  bool: 1,
  complex64: 8,
  uint8: 1,
  uint16: 2,
  float16: 2,
};

/** Options of {@linkcode saveModel}. */
export interface SaveModelOptions {
  /**
   * Called at each step of the save: `"written"` once the new files are
   * synced in the temporary directory, `"moved-aside"` once the previous
   * model has been renamed aside. A throw aborts the save like a failure
   * would; meant for tests of crash safety.
   */
  onStep?: (step: "written" | "moved-aside") => void | Promise<void>;
}

/**
 * Saves `model` and `metrics` to the model directory `dir`, atomically
 * replacing any model already there. Parent directories are created.
 *
 * @throws {InvalidArgumentError} when `dir` exists but is not a directory.
 * @throws {DigitLabError} when writing fails; the previous model is kept.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { assertEquals } from "@std/assert";
 * import { saveModel } from "./save_load.ts";
 * import type { ModelMetrics } from "../core/records.ts";
 * import { setupBackend } from "../kernels/mod.ts";
 * await setupBackend();
 * const model = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3] })] });
 * const dir = await Deno.makeTempDir();
 * await saveModel(model, `${dir}/model`, { test_accuracy: 0.98 } as ModelMetrics);
 * const files = [...Deno.readDirSync(`${dir}/model`)].map((e) => e.name).sort();
 * assertEquals(files, ["metrics.json", "model.json", "weights.bin"]);
 * model.dispose();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function saveModel(
  model: tf.LayersModel,
  dir: string,
  metrics: ModelMetrics,
  options: SaveModelOptions = {},
): Promise<void> {
  dir = trimSlashes(dir);
  const files = await serialise(model, metrics);
  const info = await statOrUndefined(dir);
  if (info && !info.isDirectory) {
    throw new InvalidArgumentError(
      `cannot save a model to ${dir}: it exists and is not a directory`,
    );
  }
  await Deno.mkdir(dirname(dir), { recursive: true });
  await recover(dir);
  for (const stale of await siblings(dir, "tmp")) await Deno.remove(stale, { recursive: true });
  if (await statOrUndefined(dir)) {
    for (const stale of await siblings(dir, "old")) await Deno.remove(stale, { recursive: true });
  }

  const tmp = `${dir}.tmp-${suffix()}`;
  let old: string | undefined;
  let swapped = false;
  try {
    await Deno.mkdir(tmp);
    for (const [name, bytes] of Object.entries(files)) await writeSynced(join(tmp, name), bytes);
    await syncDir(tmp);
    await options.onStep?.("written");
    if (await statOrUndefined(dir)) {
      old = `${dir}.old-${suffix()}`;
      await Deno.rename(dir, old);
      await options.onStep?.("moved-aside");
    }
    await Deno.rename(tmp, dir);
    swapped = true;
    await syncDir(dirname(dir));
  } catch (e) {
    if (!swapped && old !== undefined) await Deno.rename(old, dir);
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
    throw new DigitLabError(
      `could not save the model to ${dir} (the previous model is kept): ${(e as Error).message}`,
      { cause: e },
    );
  }
  // The new model is in place; a failure here only leaves a stale copy that the next save removes.
  if (old !== undefined) await Deno.remove(old, { recursive: true }).catch(() => {});
}

/** What {@linkcode loadModel} returns. */
export interface LoadedModel {
  /** The model with its saved weights. The caller disposes it. */
  model: tf.LayersModel;
  /** The contents of `metrics.json`, or `undefined` when the directory has none. */
  metrics: ModelMetrics | undefined;
}

/**
 * Whether `dir` holds a saved model (its `model.json` is a file). A missing
 * directory is `false`; other errors (a permission denied) are thrown, since
 * they would hide a model that is there.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { hasSavedModel } from "./save_load.ts";
 * assertEquals(await hasSavedModel("/no/such/model"), false);
 * ```
 */
export async function hasSavedModel(dir: string): Promise<boolean> {
  try {
    return (await Deno.stat(join(dir, "model.json"))).isFile;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory) return false;
    throw e;
  }
}

/**
 * Loads a model saved by {@linkcode saveModel}, checking that `weights.bin`
 * has exactly the bytes its manifest describes and that the weights' names
 * and shapes match the model's topology.
 *
 * @throws {ModelLoadError} naming the path and the problem when the directory
 *   or a file is missing, `model.json` is not valid, `weights.bin` is
 *   truncated, or the weights do not fit the topology.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { assertEquals } from "@std/assert";
 * import { loadModel, saveModel } from "./save_load.ts";
 * import type { ModelMetrics } from "../core/records.ts";
 * import { setupBackend } from "../kernels/mod.ts";
 * await setupBackend();
 * const saved = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3] })] });
 * const dir = await Deno.makeTempDir();
 * await saveModel(saved, `${dir}/model`, { test_accuracy: 0.98 } as ModelMetrics);
 * const { model, metrics } = await loadModel(`${dir}/model`);
 * assertEquals(metrics?.test_accuracy, 0.98);
 * assertEquals(model.getWeights()[0].dataSync(), saved.getWeights()[0].dataSync());
 * saved.dispose();
 * model.dispose();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function loadModel(dir: string): Promise<LoadedModel> {
  dir = trimSlashes(dir);
  await requireModelDir(dir);
  const jsonPath = join(dir, MODEL_JSON);
  const json = parseModelJson(jsonPath, await readText(jsonPath));
  const specs = json.weightsManifest.flatMap((g) => g.weights);

  const buffers: Uint8Array[] = [];
  for (const name of json.weightsManifest.flatMap((g) => g.paths)) {
    if (name !== basename(name) || name === "." || name === "..") {
      throw new ModelLoadError(`${jsonPath}: weights path ${JSON.stringify(name)} leaves ${dir}`);
    }
    buffers.push(await readBytes(join(dir, name), " (named in model.json's weightsManifest)"));
  }
  const expected = specs.reduce((sum, s) => sum + specBytes(jsonPath, s), 0);
  const actual = buffers.reduce((sum, b) => sum + b.length, 0);
  if (actual !== expected) {
    throw new ModelLoadError(
      `${
        join(dir, WEIGHTS_BIN)
      }: has ${actual} bytes but model.json's weightsManifest needs ${expected}` +
        ` (${actual < expected ? "truncated" : "too long"})`,
    );
  }
  const weightData = new Uint8Array(actual);
  buffers.reduce((offset, b) => (weightData.set(b, offset), offset + b.length), 0);

  let model: tf.LayersModel;
  try {
    model = await tf.loadLayersModel(tf.io.fromMemory({
      modelTopology: json.modelTopology,
      trainingConfig: json.trainingConfig,
      userDefinedMetadata: json.userDefinedMetadata,
    }));
  } catch (e) {
    throw new ModelLoadError(
      `${jsonPath}: cannot build a model from its topology: ${(e as Error).message}`,
      { cause: e },
    );
  }
  let tensors: tf.NamedTensorMap = {};
  try {
    const modelSpecs = specs.filter((s) => s.group !== "optimizer");
    checkWeightsMatch(dir, model, modelSpecs);
    tensors = tf.io.decodeWeights(weightData.buffer, specs);
    model.loadWeights(
      Object.fromEntries(modelSpecs.map((s) => [s.name, tensors[s.name]])),
      true,
    );
  } catch (e) {
    model.dispose();
    if (e instanceof ModelLoadError) throw e;
    throw new ModelLoadError(`${dir}: cannot load the weights: ${(e as Error).message}`, {
      cause: e,
    });
  } finally {
    tf.dispose(tensors);
  }
  try {
    return { model, metrics: await readMetrics(dir) };
  } catch (e) {
    model.dispose();
    throw e;
  }
}

/**
 * Reads `metrics.json` of a model directory.
 *
 * @returns the metrics, or `undefined` when the directory has no `metrics.json`.
 * @throws {ModelLoadError} when the directory is missing or the file is not a JSON object.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { readMetrics } from "./save_load.ts";
 * const dir = await Deno.makeTempDir();
 * assertEquals(await readMetrics(dir), undefined); // no metrics.json
 * await Deno.writeTextFile(`${dir}/metrics.json`, '{ "test_accuracy": 0.99 }');
 * assertEquals((await readMetrics(dir))?.test_accuracy, 0.99);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function readMetrics(dir: string): Promise<ModelMetrics | undefined> {
  dir = trimSlashes(dir);
  await requireModelDir(dir);
  const path = join(dir, METRICS_JSON);
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw new ModelLoadError(`${path}: cannot read: ${(e as Error).message}`, { cause: e });
  }
  const value = parseJson(path, text);
  if (!isObject(value)) throw new ModelLoadError(`${path}: expected a JSON object`);
  return value as unknown as ModelMetrics;
}

// ---------------------------------------------------------------- saving

async function serialise(
  model: tf.LayersModel,
  metrics: ModelMetrics,
): Promise<Record<string, Uint8Array>> {
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(tf.io.withSaveHandler((a) => {
    artifacts = a;
    return Promise.resolve({ modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(a) });
  }));
  if (!artifacts?.modelTopology || !artifacts.weightSpecs) {
    throw new DigitLabError("TensorFlow.js produced no model topology or weight specs to save");
  }
  const weights = artifacts.weightData === undefined
    ? new ArrayBuffer(0)
    : tf.io.CompositeArrayBuffer.join(artifacts.weightData);
  const modelJson: tf.io.ModelJSON = {
    modelTopology: artifacts.modelTopology,
    format: artifacts.format,
    generatedBy: artifacts.generatedBy,
    convertedBy: artifacts.convertedBy ?? null,
    weightsManifest: [{ paths: [WEIGHTS_BIN], weights: artifacts.weightSpecs }],
  };
  if (artifacts.trainingConfig) modelJson.trainingConfig = artifacts.trainingConfig;
  if (artifacts.userDefinedMetadata) modelJson.userDefinedMetadata = artifacts.userDefinedMetadata;
  const encoder = new TextEncoder();
  return {
    [WEIGHTS_BIN]: new Uint8Array(weights),
    [METRICS_JSON]: encoder.encode(JSON.stringify(metrics, null, 2) + "\n"),
    // model.json last: a directory with a model.json has all its files.
    [MODEL_JSON]: encoder.encode(JSON.stringify(modelJson)),
  };
}

async function writeSynced(path: string, bytes: Uint8Array): Promise<void> {
  using file = await Deno.open(path, { write: true, createNew: true });
  for (let off = 0; off < bytes.length;) off += await file.write(bytes.subarray(off));
  await file.sync();
}

async function syncDir(path: string): Promise<void> {
  using d = await Deno.open(path, { read: true });
  await d.sync();
}

function suffix(): string {
  return `${Date.now()}-${crypto.randomUUID().slice(0, 8)}`;
}

// ------------------------------------------------------------- recovering

/** Sibling paths `<dir>.<kind>-*`, newest first. */
async function siblings(dir: string, kind: "old" | "tmp"): Promise<string[]> {
  const prefix = `${basename(dir)}.${kind}-`;
  const found: string[] = [];
  try {
    for await (const e of Deno.readDir(dirname(dir))) {
      if (e.name.startsWith(prefix)) found.push(e.name);
    }
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return [];
    throw e;
  }
  const stamp = (name: string) => parseInt(name.slice(prefix.length), 10) || 0;
  return found.sort((a, b) => stamp(b) - stamp(a)).map((name) => join(dirname(dir), name));
}

/** Puts back the newest `<dir>.old-*` when a save died between its two renames. */
async function recover(dir: string): Promise<void> {
  if (await statOrUndefined(dir)) return;
  const [newest] = await siblings(dir, "old");
  if (newest !== undefined) await Deno.rename(newest, dir);
}

// ---------------------------------------------------------------- loading

interface StoredModelJson {
  modelTopology: object;
  trainingConfig?: tf.io.TrainingConfig;
  userDefinedMetadata?: Record<string, unknown>;
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
}

async function requireModelDir(dir: string): Promise<void> {
  await recover(dir);
  const info = await statOrUndefined(dir);
  if (!info) throw new ModelLoadError(`no model directory at ${dir}`);
  if (!info.isDirectory) throw new ModelLoadError(`${dir} is not a model directory`);
}

function parseModelJson(path: string, text: string): StoredModelJson {
  const json = parseJson(path, text);
  if (!isObject(json) || !isObject(json.modelTopology)) {
    throw new ModelLoadError(`${path}: no "modelTopology" object`);
  }
  const manifest = json.weightsManifest;
  const groupOk = (g: unknown) =>
    isObject(g) && Array.isArray(g.paths) && g.paths.every((p) => typeof p === "string") &&
    Array.isArray(g.weights) && g.weights.every((w) =>
      isObject(w) && typeof w.name === "string" && typeof w.dtype === "string" &&
      Array.isArray(w.shape) && w.shape.every((d) =>
        Number.isInteger(d) && d >= 0
      )
    );
  if (!Array.isArray(manifest) || !manifest.every(groupOk)) {
    throw new ModelLoadError(
      `${path}: "weightsManifest" must be a list of {paths, weights} groups with named, shaped weights`,
    );
  }
  return json as unknown as StoredModelJson;
}

function specBytes(path: string, spec: tf.io.WeightsManifestEntry): number {
  const dtype = spec.quantization?.dtype ?? spec.dtype;
  const size = BYTES_PER_ELEMENT[dtype];
  if (size === undefined) {
    throw new ModelLoadError(`${path}: weight "${spec.name}" has unsupported dtype ${dtype}`);
  }
  return size * spec.shape.reduce((a, b) => a * b, 1);
}

function checkWeightsMatch(
  dir: string,
  model: tf.LayersModel,
  specs: tf.io.WeightsManifestEntry[],
): void {
  const stored = new Map(specs.map((s) => [s.name, s.shape]));
  const wanted = new Map(model.weights.map((w) => [w.originalName, w.shape]));
  const problems: string[] = [];
  for (const [name, shape] of wanted) {
    const got = stored.get(name);
    if (!got) problems.push(`weight "${name}" [${shape}] is missing`);
    else if (got.join() !== shape.join()) {
      problems.push(`weight "${name}" has shape [${got}] but the topology needs [${shape}]`);
    }
  }
  for (const name of stored.keys()) {
    if (!wanted.has(name)) problems.push(`weight "${name}" is not in the topology`);
  }
  if (problems.length > 0) {
    throw new ModelLoadError(
      `${join(dir, WEIGHTS_BIN)} does not match the topology in ${join(dir, MODEL_JSON)}: ${
        problems.join("; ")
      }`,
    );
  }
}

// ---------------------------------------------------------------- helpers

function trimSlashes(dir: string): string {
  if (dir === "") throw new InvalidArgumentError(`model directory must not be empty`);
  return dir.length > 1 ? dir.replace(/\/+$/, "") || "/" : dir;
}

async function statOrUndefined(path: string): Promise<Deno.FileInfo | undefined> {
  try {
    return await Deno.stat(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
}

async function readBytes(path: string, context = ""): Promise<Uint8Array> {
  try {
    return await Deno.readFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) throw new ModelLoadError(`${path} is missing${context}`);
    throw new ModelLoadError(`${path}: cannot read: ${(e as Error).message}`, { cause: e });
  }
}

async function readText(path: string): Promise<string> {
  return new TextDecoder().decode(await readBytes(path));
}

function parseJson(path: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ModelLoadError(`${path}: invalid JSON: ${(e as Error).message}`, { cause: e });
  }
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}
