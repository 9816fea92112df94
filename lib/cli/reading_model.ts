/**
 * The model the commands that read images (`predict`, `score`) read with:
 * the one `--model` names, else the shipped one, loaded with a hint when
 * the shipped one is missing, and its classifier calibrated as the
 * directory's `calibration.json` says (see `readingClassifier`).
 *
 * @module
 */

import type * as tf from "@tensorflow/tfjs";
import { setupBackend } from "../kernels/mod.ts";
import { dataPath, ModelLoadError, resolvePath } from "../core/mod.ts";
import { loadModel } from "../model/mod.ts";
import { readingClassifier } from "../eval/mod.ts";

/** A loaded model, its directory and the classifier that reads with it. */
export interface ReadingModel {
  model: tf.LayersModel;
  /** The model directory, resolved. */
  dir: string;
  /** A 28×28 input in, 10 probabilities out (calibrated when the directory has a calibration). */
  classify: (pixels: Float32Array) => Float32Array;
}

/**
 * Loads the model of `--model` (`flag`), else `data/models/default`, and
 * its reading classifier. The caller disposes `model`.
 *
 * @throws {ModelLoadError} when the directory holds no valid model; for
 *   the default one, with a line saying how to train one.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { loadReadingModel } from "./reading_model.ts";
 * const { model, classify } = await loadReadingModel(undefined); // the shipped model
 * assertEquals((await classify(new Float32Array(784))).length, 10);
 * model.dispose();
 * ```
 */
export async function loadReadingModel(flag: string | undefined): Promise<ReadingModel> {
  const dir = resolvePath(flag ?? dataPath("models", "default"));
  await setupBackend();
  const { model } = await loadModel(dir).catch((e) => {
    if (e instanceof ModelLoadError && flag === undefined) {
      throw new ModelLoadError(
        `${e.message}\nThe shipped model should be in data/models/default; train one with ` +
          "`deno task train` and pass --model data/models/latest.",
        { cause: e },
      );
    }
    throw e;
  });
  return { model, dir, classify: await readingClassifier(model, dir) };
}
