/**
 * Saving and loading trained models.
 *
 * A model directory holds `model.json` (the TensorFlow.js layers format, its
 * `weightsManifest` naming `weights.bin`, and the SHA-256 of `weights.bin` in
 * `userDefinedMetadata.weightsSha256`), `weights.bin` and `metrics.json`.
 * Stock TensorFlow.js loads such a directory as it is.
 *
 * Saving is atomic and one process at a time: under the directory's lock
 * (`<dir>.lock`, see `dir_lock.ts`) the files are written and synced in a
 * fresh sibling directory `<dir>.tmp-<pid>-<n>`, the previous model is
 * renamed aside to `<dir>.old-<time>-<pid>-<n>`, the new one renamed in, and
 * the old one removed. If anything fails the previous model stays in place;
 * if the process dies between the two renames, the next save puts the old
 * model back (under the lock).
 *
 * Loading never renames or removes anything, so any number of processes can
 * load while one saves: each sees the old complete model or the new complete
 * one (see `stable_read.ts`). Before anything is built, `model.json` is
 * checked (`topology_check.ts`) and the weights against it, their recorded
 * SHA-256 and for non-finite values (`weights_check.ts`).
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import { dirname, join } from "node:path";
import {
  DigitLabError,
  InvalidArgumentError,
  ModelLoadError,
  type ModelMetrics,
} from "../core/mod.ts";
import { lockModelDir } from "./dir_lock.ts";
import { newSiblingPath, siblingPaths } from "./model_dir.ts";
import { readStable } from "./stable_read.ts";
import { checkTopology } from "./topology_check.ts";
import {
  checkWeightValues,
  parseWeightsManifest,
  sha256Hex,
  weightBytes,
  weightsMismatch,
} from "./weights_check.ts";

const MODEL_JSON = "model.json";
const WEIGHTS_BIN = "weights.bin";
const METRICS_JSON = "metrics.json";

/**
 * The `userDefinedMetadata` key of `model.json` under which the SHA-256 of
 * the weights (in hex) is recorded.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { WEIGHTS_SHA256_KEY } from "./save_load.ts";
 * assertEquals(WEIGHTS_SHA256_KEY, "weightsSha256");
 * ```
 */
export const WEIGHTS_SHA256_KEY = "weightsSha256";
const SHA256_KEY = WEIGHTS_SHA256_KEY;

/** The most bytes `model.json` or `metrics.json` may have (both are a few KB). */
const MAX_JSON_BYTES = 16 * 1024 * 1024;

/** Options of {@linkcode saveModel}. */
export interface SaveModelOptions {
  /**
   * Called at each step of the save: `"written"` once the new files are
   * synced in the temporary directory, `"moved-aside"` once the previous
   * model has been renamed aside. A throw aborts the save like a failure
   * would; meant for tests of crash safety.
   */
  onStep?: (step: "written" | "moved-aside") => void | Promise<void>;
  /**
   * How long to wait while another save to the same directory (in this or
   * another process) runs, in milliseconds (default 60,000); after that the
   * save is refused, naming the other process.
   */
  lockTimeoutMs?: number;
}

/**
 * Saves `model` and `metrics` to the model directory `dir`, atomically
 * replacing any model already there. Parent directories are created. Saves
 * to one directory run one at a time: a save waits for the one running.
 *
 * @throws {InvalidArgumentError} when `dir` exists but is not a directory.
 * @throws {DigitLabError} when writing fails (the previous model is kept),
 *   or another process kept saving to `dir` for `lockTimeoutMs`.
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
  const lock = await lockModelDir(dir, { timeoutMs: options.lockTimeoutMs });
  try {
    await install(dir, files, options);
  } finally {
    await lock.release();
  }
}

/** What {@linkcode loadModel} returns. */
export interface LoadedModel {
  /** The model with its saved weights. The caller disposes it. */
  model: tf.LayersModel;
  /** The contents of `metrics.json`, or `undefined` when the directory has none. */
  metrics: ModelMetrics | undefined;
}

/**
 * Whether `dir` holds a saved model (its `model.json` is a file, or a save
 * is between its renames or crashed there and the model it moved aside has
 * one). A missing directory is `false`; other errors (a permission denied)
 * are thrown, since they would hide a model that is there.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { hasSavedModel } from "./save_load.ts";
 * assertEquals(await hasSavedModel("/no/such/model"), false);
 * ```
 */
export async function hasSavedModel(dir: string): Promise<boolean> {
  if (await isFile(join(dir, MODEL_JSON))) return true;
  for (const old of await siblingPaths(trimSlashes(dir), "old")) {
    if (await isFile(join(old, MODEL_JSON))) return true;
  }
  return false;
}

/**
 * Loads a model saved by {@linkcode saveModel}. Before anything is built it
 * checks the topology in `model.json` (layer classes, every setting, caps on
 * sizes and on the parameter count), that the weights manifest lists exactly
 * the weights the topology needs, that `weights.bin` has exactly their bytes
 * and its recorded SHA-256 (models saved without one load too), and that no
 * weight is NaN or infinite. It renames nothing: a save running meanwhile
 * gives the old complete model or the new one.
 *
 * @throws {ModelLoadError} naming the path, the field and the value when
 *   the directory or a file is missing, `model.json` is not valid, a setting
 *   is nonsense or beyond its cap, `weights.bin` is truncated, changed or
 *   does not fit the topology.
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
  const files = await readStable(trimSlashes(dir), readModelFiles);
  const model = await buildFromTopology(files);
  let tensors: tf.NamedTensorMap = {};
  try {
    tensors = tf.io.decodeWeights(files.weightData.buffer as ArrayBuffer, files.specs);
    model.loadWeights(tensors, true);
  } catch (e) {
    model.dispose();
    throw new ModelLoadError(`${files.dir}: cannot load the weights: ${(e as Error).message}`, {
      cause: e,
    });
  } finally {
    tf.dispose(tensors);
  }
  return { model, metrics: files.metrics };
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
export function readMetrics(dir: string): Promise<ModelMetrics | undefined> {
  return readStable(trimSlashes(dir), readMetricsFile);
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
  const weights = new Uint8Array(
    artifacts.weightData === undefined
      ? new ArrayBuffer(0)
      : tf.io.CompositeArrayBuffer.join(artifacts.weightData),
  );
  const modelJson: tf.io.ModelJSON = {
    modelTopology: artifacts.modelTopology,
    format: artifacts.format,
    generatedBy: artifacts.generatedBy,
    convertedBy: artifacts.convertedBy ?? null,
    weightsManifest: [{ paths: [WEIGHTS_BIN], weights: artifacts.weightSpecs }],
    userDefinedMetadata: {
      ...artifacts.userDefinedMetadata,
      [SHA256_KEY]: await sha256Hex(weights),
    },
  };
  if (artifacts.trainingConfig) modelJson.trainingConfig = artifacts.trainingConfig;
  const encoder = new TextEncoder();
  return {
    [WEIGHTS_BIN]: weights,
    [METRICS_JSON]: encoder.encode(JSON.stringify(metrics, null, 2) + "\n"),
    // model.json last: a directory with a model.json has all its files.
    [MODEL_JSON]: encoder.encode(JSON.stringify(modelJson)),
  };
}

/** Writes `files` as the model directory `dir`; the caller holds its lock. */
async function install(
  dir: string,
  files: Record<string, Uint8Array>,
  options: SaveModelOptions,
): Promise<void> {
  await recover(dir);
  const tmp = newSiblingPath(dir, "tmp");
  let old: string | undefined;
  let swapped = false;
  try {
    await Deno.mkdir(tmp);
    for (const [name, bytes] of Object.entries(files)) await writeSynced(join(tmp, name), bytes);
    await syncDir(tmp);
    await options.onStep?.("written");
    if (await statOrUndefined(dir)) {
      old = newSiblingPath(dir, "old");
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

/**
 * Cleans up after saves that died: puts back the newest `<dir>.old-*` when
 * one died between its two renames, and removes the other leftovers. Only
 * called under the lock, so no save is running; readers never rename.
 */
async function recover(dir: string): Promise<void> {
  if (!await statOrUndefined(dir)) {
    const [newest] = await siblingPaths(dir, "old");
    if (newest !== undefined) await Deno.rename(newest, dir);
  }
  for (const stale of await siblingPaths(dir, "tmp")) await Deno.remove(stale, { recursive: true });
  if (await statOrUndefined(dir)) {
    for (const stale of await siblingPaths(dir, "old")) {
      await Deno.remove(stale, { recursive: true });
    }
  }
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

// ---------------------------------------------------------------- loading

interface StoredModelJson {
  modelTopology: object;
  trainingConfig?: tf.io.TrainingConfig;
  userDefinedMetadata?: Record<string, unknown>;
  weightsManifest: unknown;
}

/** A model directory's files, read and checked, ready to build from. */
interface ModelFiles {
  /** The directory they were read from. */
  dir: string;
  json: StoredModelJson;
  /** The weights in the order of their bytes in `weightData`. */
  specs: tf.io.WeightsManifestEntry[];
  /** Prefixes (`<layer name>/`) of the weights' names. */
  layerPrefixes: string[];
  weightData: Uint8Array;
  metrics: ModelMetrics | undefined;
}

/** Reads and checks the files of the model directory `dir`, each check before the next read. */
async function readModelFiles(dir: string): Promise<ModelFiles> {
  const jsonPath = join(dir, MODEL_JSON);
  const json = parseModelJson(jsonPath, await readText(jsonPath));
  const atJson = <T>(check: () => T): T => prefixed(jsonPath, check);
  const topology = atJson(() => checkTopology(json.modelTopology));
  const { paths, specs } = atJson(() => parseWeightsManifest(json.weightsManifest));
  const weightsPath = join(dir, paths.length === 1 ? paths[0] : WEIGHTS_BIN);
  const problems = weightsMismatch(specs, topology.weights);
  if (problems.length > 0) {
    throw new ModelLoadError(
      `${weightsPath} does not match the topology in ${jsonPath}: ${problems.join("; ")}`,
    );
  }
  const weightData = await readWeights(dir, paths, weightBytes(specs), weightsPath);
  const recorded = json.userDefinedMetadata?.[SHA256_KEY];
  if (recorded !== undefined) {
    const actual = await sha256Hex(weightData);
    if (actual !== recorded) {
      throw new ModelLoadError(
        `${weightsPath} does not match its SHA-256 (${recorded}) recorded in model.json: ` +
          `it has ${actual}; the file was changed or corrupted`,
      );
    }
  }
  prefixed(weightsPath, () => checkWeightValues(specs, weightData));
  return {
    dir,
    json,
    specs,
    layerPrefixes: topology.weights.map((w) => w.name.slice(0, w.name.lastIndexOf("/") + 1)),
    weightData,
    metrics: await readMetricsFile(dir),
  };
}

/**
 * Builds the checked topology with TensorFlow.js (random initial weights,
 * which the saved ones replace). When the build fails part-way, the layers
 * built before the failing one leave their weight variables behind: they
 * are disposed, recognised by their layer-name prefixes.
 */
async function buildFromTopology(files: ModelFiles): Promise<tf.LayersModel> {
  const { json, layerPrefixes } = files;
  const before = new Set(Object.keys(tf.engine().registeredVariables));
  const { [SHA256_KEY]: _, ...metadata } = json.userDefinedMetadata ?? {};
  try {
    return await tf.loadLayersModel(tf.io.fromMemory({
      modelTopology: json.modelTopology,
      trainingConfig: json.trainingConfig,
      userDefinedMetadata: Object.keys(metadata).length > 0 ? metadata : undefined,
    }));
  } catch (e) {
    for (const [name, variable] of Object.entries(tf.engine().registeredVariables)) {
      if (!before.has(name) && layerPrefixes.some((p) => name.startsWith(p))) variable.dispose();
    }
    throw new ModelLoadError(
      `${join(files.dir, MODEL_JSON)}: cannot build a model from its topology: ${
        (e as Error).message
      }`,
      { cause: e },
    );
  }
}

/** Reads the weight files into one buffer, checking their sizes before allocating it. */
async function readWeights(
  dir: string,
  paths: string[],
  expected: number,
  weightsPath: string,
): Promise<Uint8Array> {
  const files: { path: string; file: Deno.FsFile; size: number }[] = [];
  try {
    for (const name of paths) {
      const path = join(dir, name);
      const file = await openFile(path, " (named in model.json's weightsManifest)");
      const info = await file.stat();
      files.push({ path, file, size: info.size });
      if (!info.isFile) throw new ModelLoadError(`${path} is not a file`);
    }
    const actual = files.reduce((sum, f) => sum + f.size, 0);
    if (actual !== expected) {
      throw new ModelLoadError(
        `${weightsPath}: has ${actual} bytes but model.json's weightsManifest needs ${expected}` +
          ` (${actual < expected ? "truncated" : "too long"})`,
      );
    }
    const data = new Uint8Array(expected);
    let offset = 0;
    for (const { path, file, size } of files) {
      await readFully(path, file, data.subarray(offset, offset + size));
      offset += size;
    }
    return data;
  } finally {
    for (const { file } of files) file.close();
  }
}

async function readMetricsFile(dir: string): Promise<ModelMetrics | undefined> {
  const path = join(dir, METRICS_JSON);
  let text: string;
  try {
    text = await readText(path);
  } catch (e) {
    if (e instanceof ModelLoadError && e.cause instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
  const value = parseJson(path, text);
  if (!isObject(value)) throw new ModelLoadError(`${path}: expected a JSON object`);
  return value as unknown as ModelMetrics;
}

function parseModelJson(path: string, text: string): StoredModelJson {
  const json = parseJson(path, text);
  if (!isObject(json) || !isObject(json.modelTopology)) {
    throw new ModelLoadError(`${path}: no "modelTopology" object`);
  }
  if (json.userDefinedMetadata !== undefined && !isObject(json.userDefinedMetadata)) {
    throw new ModelLoadError(`${path}: "userDefinedMetadata" must be an object`);
  }
  if (json.trainingConfig !== undefined && !isObject(json.trainingConfig)) {
    throw new ModelLoadError(`${path}: "trainingConfig" must be an object`);
  }
  const sha = json.userDefinedMetadata?.[SHA256_KEY];
  if (sha !== undefined && (typeof sha !== "string" || !/^[0-9a-f]{64}$/.test(sha))) {
    throw new ModelLoadError(
      `${path}: userDefinedMetadata.${SHA256_KEY} = ${
        JSON.stringify(sha).slice(0, 80)
      } is not a SHA-256 in hex`,
    );
  }
  return json as unknown as StoredModelJson;
}

/** Runs `check`, prefixing the message of a {@linkcode ModelLoadError} it throws with `path`. */
function prefixed<T>(path: string, check: () => T): T {
  try {
    return check();
  } catch (e) {
    if (e instanceof ModelLoadError) throw new ModelLoadError(`${path}: ${e.message}`);
    throw e;
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

async function isFile(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory) return false;
    throw e;
  }
}

async function openFile(path: string, context = ""): Promise<Deno.FsFile> {
  try {
    return await Deno.open(path, { read: true });
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new ModelLoadError(`${path} is missing${context}`, { cause: e });
    }
    throw new ModelLoadError(`${path}: cannot read: ${(e as Error).message}`, { cause: e });
  }
}

async function readFully(path: string, file: Deno.FsFile, into: Uint8Array): Promise<void> {
  for (let offset = 0; offset < into.length;) {
    let n: number | null;
    try {
      n = await file.read(into.subarray(offset));
    } catch (e) {
      throw new ModelLoadError(`${path}: cannot read: ${(e as Error).message}`, { cause: e });
    }
    if (n === null) throw new ModelLoadError(`${path}: ended early while being read`);
    offset += n;
  }
}

/** Reads a JSON file of at most {@linkcode MAX_JSON_BYTES}, checking its size first. */
async function readText(path: string): Promise<string> {
  using file = await openFile(path);
  const { size, isFile } = await file.stat();
  if (!isFile) throw new ModelLoadError(`${path} is not a file`);
  if (size > MAX_JSON_BYTES) {
    throw new ModelLoadError(`${path} has ${size} bytes, more than ${MAX_JSON_BYTES}`);
  }
  const bytes = new Uint8Array(size);
  await readFully(path, file, bytes);
  return new TextDecoder().decode(bytes);
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
