/**
 * What notebook 07 calls to show the feedback loop: a scratch copy of a
 * model to fine-tune, corrections of a systematic mistake recorded into a
 * store (digits drawn in a style MNIST lacks, kept when misread), their
 * gallery, the fine-tune's settings for a quick or a full run, and the
 * views of the result: before / after, the corrections' confusion, and the
 * corrections whose reading changed.
 *
 * @module
 */

import { basename, dirname, join } from "@std/path";
import { InvalidArgumentError } from "../core/mod.ts";
import { readingClassifier } from "../eval/mod.ts";
import { type Correction, type CorrectionStore, modelIdOf } from "../feedback/mod.ts";
import type { DigitStyle } from "../image/synth/mod.ts";
import { loadModel } from "../model/mod.ts";
import {
  type CorrectionReading,
  drawnCorrections,
  FINETUNE_DEFAULTS,
  type FinetuneOptions,
  type FinetuneResult,
} from "../train/mod.ts";
import type { TableData } from "./views.ts";

const SCRATCH_PREFIX = "digit_lab_finetune_";

/**
 * Copies the files of the model directory `modelDir` into a fresh
 * temporary directory and returns the copy's path (`<tmp>/model`): a
 * model to fine-tune without touching the original.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { scratchModelCopy } from "./feedback.ts";
 * const copy = await scratchModelCopy("data/models/default");
 * assertEquals(
 *   Deno.readFileSync(`${copy}/weights.bin`),
 *   Deno.readFileSync("data/models/default/weights.bin"),
 * );
 * await Deno.remove(copy.replace(/\/model$/, ""), { recursive: true }); // or removeScratchCopy(copy)
 * ```
 */
export async function scratchModelCopy(modelDir: string): Promise<string> {
  const dir = join(await Deno.makeTempDir({ prefix: SCRATCH_PREFIX }), "model");
  await Deno.mkdir(dir);
  for await (const entry of Deno.readDir(modelDir)) {
    if (entry.isFile) await Deno.copyFile(join(modelDir, entry.name), join(dir, entry.name));
  }
  return dir;
}

/**
 * Removes a copy {@linkcode scratchModelCopy} made, with everything beside
 * it in its temporary directory (a corrections store put there).
 *
 * @throws {InvalidArgumentError} when `dir` is not such a copy (nothing is removed).
 *
 * @example
 * ```ts
 * import { assertEquals, assertRejects } from "@std/assert";
 * import { removeScratchCopy, scratchModelCopy } from "./feedback.ts";
 * const copy = await scratchModelCopy("data/models/default");
 * await removeScratchCopy(copy);
 * assertEquals(await Deno.stat(copy).then(() => true, () => false), false);
 * await assertRejects(() => removeScratchCopy("data/models/default"), Error, "not a copy");
 * ```
 */
export async function removeScratchCopy(dir: string): Promise<void> {
  const parent = dirname(dir);
  if (basename(dir) !== "model" || !basename(parent).startsWith(SCRATCH_PREFIX)) {
    throw new InvalidArgumentError(
      `${dir} is not a copy made by scratchModelCopy (<tmp>/${SCRATCH_PREFIX}…/model): not removed`,
    );
  }
  await Deno.remove(parent, { recursive: true });
}

/** Options of {@linkcode recordDrawnCorrections}. */
export interface RecordDrawnOptions {
  /** The store to record into. */
  store: CorrectionStore;
  /** The model that reads the drawings (calibrated as its directory says). */
  modelDir: string;
  /** The handwriting style. */
  style: DigitStyle;
  /** How many misread drawings to record. */
  count: number;
  /** Seed of the drawings (default 1). */
  seed?: number;
}

/**
 * Draws digits in `style`, reads them with the model in `modelDir` as the
 * draw page would, and records the ones it misreads in `store` as
 * corrections from a notebook. Returns the stored corrections and how many
 * drawings it took.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { recordDrawnCorrections } from "./feedback.ts";
 * import { CorrectionStore } from "../feedback/mod.ts";
 * import { setupBackend } from "../kernels/mod.ts";
 * await setupBackend();
 * const dir = await Deno.makeTempDir();
 * const store = CorrectionStore.open({ dir });
 * const made = await recordDrawnCorrections({
 *   store, modelDir: "data/models/default", style: "flagged-1", count: 2,
 * });
 * assertEquals([store.count(), made.corrections[0].label, made.corrections[0].origin], [2, 1, "notebook"]);
 * store.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function recordDrawnCorrections(
  options: RecordDrawnOptions,
): Promise<{ corrections: Correction[]; drawn: number; readRight: number }> {
  const { store, modelDir, style, count, seed = 1 } = options;
  const { model } = await loadModel(modelDir);
  try {
    const made = await drawnCorrections({
      style,
      count,
      seed,
      classify: await readingClassifier(model, modelDir),
      modelId: await modelIdOf(modelDir),
      origin: "notebook",
    });
    const corrections = made.corrections.map((c) => store.add(c));
    return { corrections, drawn: made.drawn, readRight: made.readRight };
  } finally {
    model.dispose();
  }
}

/**
 * The corrections' 28x28 inputs with captions `read 7 (97%), is 1`.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { correctionGallery } from "./feedback.ts";
 * const c = { pixels: new Float32Array(784), reading: "7", confidence: 0.971, label: 1 };
 * assertEquals(correctionGallery([c]).labels, ["read 7 (97%), is 1"]);
 * ```
 */
export function correctionGallery(
  corrections: readonly Pick<Correction, "pixels" | "reading" | "confidence" | "label">[],
): { images: Float32Array[]; labels: string[] } {
  return {
    images: corrections.map((c) => c.pixels),
    labels: corrections.map((c) =>
      `read ${c.reading || "nothing"} (${Math.round(100 * c.confidence)}%), is ${c.label}`
    ),
  };
}

/**
 * The fine-tune settings of notebook 07: in quick mode a small version (16
 * corrections; 600 replayed digits with corrections 5% of them, 3 epochs:
 * about 30 steps, the size of the tests; a light calibration fit), else
 * the command's defaults (40 corrections).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { notebookFinetuneSettings } from "./feedback.ts";
 * assertEquals(notebookFinetuneSettings(true).count, 16);
 * assertEquals(notebookFinetuneSettings(false).options.replay, 3000);
 * ```
 */
export function notebookFinetuneSettings(
  quick: boolean,
): { count: number; options: Partial<FinetuneOptions> } {
  return quick
    ? {
      count: 16,
      options: {
        replay: 600,
        correctionShare: 0.05,
        epochs: 3,
        calibration: { digits: 500, nonDigitsPerKind: 30, iterations: 300 },
      },
    }
    : { count: 40, options: { replay: FINETUNE_DEFAULTS.replay } };
}

const pct = (correct: number, count: number) =>
  `${correct}/${count} (${(count === 0 ? 0 : 100 * correct / count).toFixed(1)}%)`;

/**
 * Before and after, one row per measure.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { finetuneTable } from "./feedback.ts";
 * const s = (correct: number, count: number) => ({ correct, count, accuracy: correct / count });
 * const at = (held: number) => ({
 *   mnistTest: { ...s(990, 1000), loss: 0.03 }, heldOut: s(held, 4), trained: s(held, 12),
 * });
 * const t = finetuneTable({ before: at(0), after: at(4) });
 * assertEquals(t.rows[1], ["held-out corrections", "0/4 (0.0%)", "4/4 (100.0%)"]);
 * ```
 */
export function finetuneTable(result: Pick<FinetuneResult, "before" | "after">): TableData {
  const { before, after } = result;
  const rows: (string | number)[][] = [
    [
      `MNIST test (${before.mnistTest.count} digits)`,
      pct(before.mnistTest.correct, before.mnistTest.count),
      pct(after.mnistTest.correct, after.mnistTest.count),
    ],
    [
      "held-out corrections",
      pct(before.heldOut.correct, before.heldOut.count),
      pct(after.heldOut.correct, after.heldOut.count),
    ],
    [
      "corrections trained on",
      pct(before.trained.correct, before.trained.count),
      pct(after.trained.correct, after.trained.count),
    ],
  ];
  if (before.real && after.real) {
    rows.push([
      `${before.real.root} (digits)`,
      pct(before.real.correct, before.real.count),
      pct(after.real.correct, after.real.count),
    ]);
  }
  return { header: ["measured on", "before", "after"], rows };
}

/**
 * The confusion of the corrections: for each true digit, how many were
 * read as each digit before and after (held out and trained on together,
 * with the held-out count in brackets).
 *
 * @throws {InvalidArgumentError} when a digit is outside 0..9.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { correctionConfusion } from "./feedback.ts";
 * const t = correctionConfusion([
 *   { id: 1, label: 1, heldOut: true, before: 7, after: 1 },
 *   { id: 2, label: 1, heldOut: false, before: 7, after: 1 },
 * ]);
 * assertEquals(t.header.slice(0, 4), ["true digit", "model", "read 0", "read 1"]);
 * assertEquals(t.rows[0][3], "0");
 * assertEquals(t.rows[1][3], "2 (1)"); // after: both read 1, one of them held out
 * assertEquals(t.rows[0][9], "2 (1)"); // before: both read 7
 * ```
 */
export function correctionConfusion(readings: readonly CorrectionReading[]): TableData {
  const digits = Array.from({ length: 10 }, (_, d) => d);
  for (const r of readings) {
    for (const d of [r.label, r.before, r.after]) {
      if (!Number.isInteger(d) || d < 0 || d > 9) {
        throw new InvalidArgumentError(`correction ${r.id}: a digit must be 0-9, got ${d}`);
      }
    }
  }
  const labels = [...new Set(readings.map((r) => r.label))].sort((a, b) => a - b);
  const rows: (string | number)[][] = [];
  for (const label of labels) {
    for (const when of ["before", "after"] as const) {
      const mine = readings.filter((r) => r.label === label);
      rows.push([
        label,
        when,
        ...digits.map((d) => {
          const read = mine.filter((r) => r[when] === d);
          const held = read.filter((r) => r.heldOut).length;
          return read.length === 0 ? "0" : `${read.length} (${held})`;
        }),
      ]);
    }
  }
  return { header: ["true digit", "model", ...digits.map((d) => `read ${d}`)], rows };
}

/**
 * The corrections whose reading changed, captioned `7 → 1` (and `held out`
 * for those never trained on).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { changedReadings } from "./feedback.ts";
 * const corrections = [1, 2].map((id) => ({ id, pixels: new Float32Array(784) }));
 * const readings = [
 *   { id: 1, label: 1, heldOut: true, before: 7, after: 1 },
 *   { id: 2, label: 1, heldOut: false, before: 1, after: 1 },
 * ];
 * assertEquals(changedReadings(readings, corrections).labels, ["7 → 1, held out"]);
 * ```
 */
export function changedReadings(
  readings: readonly CorrectionReading[],
  corrections: readonly { id: number; pixels: Float32Array }[],
): { images: Float32Array[]; labels: string[] } {
  const byId = new Map(corrections.map((c) => [c.id, c.pixels]));
  const changed = readings.filter((r) => r.before !== r.after && byId.has(r.id));
  return {
    images: changed.map((r) => byId.get(r.id)!),
    labels: changed.map((r) => `${r.before} → ${r.after}${r.heldOut ? ", held out" : ""}`),
  };
}
