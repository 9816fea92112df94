/**
 * `exportModel`: a saved model directory written in another format, all or
 * nothing. The files are written into a fresh sibling of the output
 * (`<out>.tmp-<pid>-<n>`), synced, and only then moved to the output path
 * (a file by a hard link, which refuses to replace anything, a directory by
 * a rename); if anything fails, the sibling is removed and the output path
 * was never created.
 *
 * @module
 */

import type * as tf from "@tensorflow/tfjs";
import { basename, dirname, join } from "node:path";
import { DigitLabError, InvalidArgumentError, type ModelMetrics } from "../core/mod.ts";
import { loadModel, newSiblingPath } from "../model/mod.ts";
import { modelToOnnx } from "./onnx.ts";
import { quantizedTfjsFiles } from "./tfjs_quantized.ts";
import { webFiles } from "./web_export.ts";

/** How one export format writes a model. */
export interface ExportFormat {
  /** One line for `--help`. */
  description: string;
  /** `"file"`: one file at the output path; `"directory"`: a directory of files. */
  kind: "file" | "directory";
  /**
   * The output's files by name (a `"file"` format has exactly one, whose
   * name is not used).
   */
  build(model: tf.LayersModel, metrics?: ModelMetrics): Promise<Map<string, Uint8Array>>;
}

/**
 * The export formats, by the name `--format` takes.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { EXPORT_FORMATS } from "./export_model.ts";
 * assertEquals(Object.keys(EXPORT_FORMATS), ["onnx", "tfjs-uint8", "tfjs-float16", "web"]);
 * assertEquals(EXPORT_FORMATS.onnx.kind, "file");
 * ```
 */
export const EXPORT_FORMATS: Readonly<Record<string, ExportFormat>> = Object.freeze({
  onnx: {
    description: "one .onnx file (opset 13) for ONNX Runtime; input NHWC [batch, 28, 28, 1]",
    kind: "file",
    build: (model) => Promise.resolve(new Map([["model.onnx", modelToOnnx(model)]])),
  },
  "tfjs-uint8": {
    description: "TF.js layers format, kernels as uint8 (about 1/4 of the size)",
    kind: "directory",
    build: (model, metrics) => quantizedTfjsFiles(model, "uint8", metrics),
  },
  "tfjs-float16": {
    description: "TF.js layers format, every weight as float16 (half the size)",
    kind: "directory",
    build: (model, metrics) => quantizedTfjsFiles(model, "float16", metrics),
  },
  web: {
    description: "a static page that reads drawn digits in the browser, offline (index.html)",
    kind: "directory",
    build: (model, metrics) => webFiles(model, metrics),
  },
});

/** What to export where. */
export interface ExportRequest {
  /** The saved model directory (the TF.js layers format of `saveModel`). */
  model: string;
  /** A key of {@linkcode EXPORT_FORMATS}. */
  format: string;
  /** The output path, which must not exist yet. */
  out: string;
}

/** What {@linkcode exportModel} wrote. */
export interface ExportResult {
  /** The format written. */
  format: string;
  /** The output path. */
  out: string;
  /** The files written (relative to `out` for a directory; `out` itself for a file) and their sizes. */
  files: { path: string; bytes: number }[];
  /** All the bytes written. */
  bytes: number;
}

/**
 * Exports the model directory `request.model` as `request.format` to
 * `request.out`, one of `formats` (by default {@linkcode EXPORT_FORMATS}).
 *
 * @throws {InvalidArgumentError} for an unknown format (the message lists the
 *   known ones) or an output path that exists.
 * @throws {ModelLoadError} when the model directory is missing or fails its checks.
 * @throws {DigitLabError} when writing fails; nothing is left at `out` then.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { assertEquals, assertRejects } from "@std/assert";
 * import { exportModel } from "./export_model.ts";
 * import { loadModel, saveModel } from "../model/mod.ts";
 * import { InvalidArgumentError, type ModelMetrics } from "../core/mod.ts";
 * import { setupBackend } from "../kernels/mod.ts";
 * await setupBackend();
 * const dir = await Deno.makeTempDir();
 * const model = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3] })] });
 * await saveModel(model, `${dir}/m`, { test_accuracy: 0.9 } as ModelMetrics);
 * const result = await exportModel({ model: `${dir}/m`, format: "tfjs-float16", out: `${dir}/m16` });
 * assertEquals(result.files.map((f) => f.path), ["weights.bin", "metrics.json", "model.json"]);
 * const loaded = await loadModel(`${dir}/m16`);
 * assertEquals(loaded.model.getWeights()[0].dataSync(), model.getWeights()[0].dataSync().map((v) => Math.fround(new Float16Array([v])[0])));
 * await assertRejects(
 *   () => exportModel({ model: `${dir}/m`, format: "onnx", out: `${dir}/m16` }),
 *   InvalidArgumentError,
 *   "already exists",
 * );
 * model.dispose();
 * loaded.model.dispose();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function exportModel(
  request: ExportRequest,
  formats: Readonly<Record<string, ExportFormat>> = EXPORT_FORMATS,
): Promise<ExportResult> {
  const { format: name, model: dir } = request;
  const format = Object.hasOwn(formats, name) ? formats[name] : undefined;
  if (format === undefined) {
    throw new InvalidArgumentError(
      `unknown export format ${JSON.stringify(name)} (one of ${Object.keys(formats).join(", ")})`,
    );
  }
  const out = request.out.length > 1 ? request.out.replace(/\/+$/, "") : request.out;
  if (out === "") throw new InvalidArgumentError("the output path must not be empty");
  await refuseExisting(out);
  const { model, metrics } = await loadModel(dir);
  let files: Map<string, Uint8Array>;
  try {
    files = await format.build(model, metrics);
  } finally {
    model.dispose();
  }
  await Deno.mkdir(dirname(out), { recursive: true });
  const written = format.kind === "file"
    ? await installFile(out, [...files.values()][0])
    : await installDirectory(out, files);
  return {
    format: name,
    out,
    files: written,
    bytes: written.reduce((n, f) => n + f.bytes, 0),
  };
}

async function refuseExisting(out: string): Promise<void> {
  try {
    await Deno.lstat(out);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return;
    throw new DigitLabError(`cannot check the output path ${out}: ${(e as Error).message}`, {
      cause: e,
    });
  }
  throw new InvalidArgumentError(
    `the output path ${out} already exists: remove it or choose another (an export never replaces anything)`,
  );
}

async function installFile(out: string, bytes: Uint8Array): Promise<ExportResult["files"]> {
  const tmp = newSiblingPath(out, "tmp");
  try {
    await writeSynced(tmp, bytes);
    // link() fails if `out` appeared meanwhile: the export never replaces a file.
    await Deno.link(tmp, out);
  } catch (e) {
    throw failed(out, e);
  } finally {
    await Deno.remove(tmp).catch(() => {});
  }
  return [{ path: out, bytes: bytes.length }];
}

async function installDirectory(
  out: string,
  files: Map<string, Uint8Array>,
): Promise<ExportResult["files"]> {
  const tmp = newSiblingPath(out, "tmp");
  try {
    await Deno.mkdir(tmp);
    for (const [name, bytes] of files) {
      if (basename(name) !== name) throw new DigitLabError(`bad file name ${name}`);
      await writeSynced(join(tmp, name), bytes);
    }
    await refuseExisting(out);
    await Deno.rename(tmp, out);
  } catch (e) {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
    throw failed(out, e);
  }
  return [...files].map(([path, bytes]) => ({ path, bytes: bytes.length }));
}

function failed(out: string, e: unknown): Error {
  if (e instanceof InvalidArgumentError) return e;
  if (e instanceof Deno.errors.AlreadyExists) {
    return new InvalidArgumentError(`the output path ${out} already exists (created meanwhile)`, {
      cause: e,
    });
  }
  return new DigitLabError(
    `could not export to ${out} (nothing was written there): ${(e as Error).message}`,
    { cause: e },
  );
}

async function writeSynced(path: string, bytes: Uint8Array): Promise<void> {
  using file = await Deno.open(path, { write: true, createNew: true });
  for (let off = 0; off < bytes.length;) off += await file.write(bytes.subarray(off));
  await file.sync();
}
