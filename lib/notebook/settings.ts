/**
 * How the notebooks run, from the environment, and the data splits every
 * notebook uses.
 *
 * Environment variables:
 * - `DIGIT_LAB_QUICK=1`: a small subset and one epoch (what the tests use;
 *   a notebook's first cell can also pass `quick` to {@linkcode notebookSettings});
 * - `DIGIT_LAB_DATA=DIR`: a full IDX dataset instead of the embedded digits;
 * - `DIGIT_LAB_NOTEBOOK_MODEL=DIR`: where notebook 04 saves the model and
 *   the later notebooks load it (default `data/models/notebook`).
 *
 * @module
 */

import { dataPath, InvalidArgumentError, resolvePath } from "../core/mod.ts";
import { type LoadedSplits, loadSplits, resolveDataDir } from "../data/mod.ts";

/** How the notebooks run, from the environment. */
export interface NotebookSettings {
  /** `DIGIT_LAB_QUICK=1`: a small subset and one epoch. */
  quick: boolean;
  /** The IDX dataset directory (`DIGIT_LAB_DATA`), or `undefined` for the embedded digits. */
  data: string | undefined;
  /** At most this many training examples (`undefined`: all). */
  limit: number | undefined;
  /** Epochs to train. */
  epochs: number;
  /** Examples per optimiser step. */
  batchSize: number;
  /** Seed of the split, initialisation, shuffling and augmentation. */
  seed: number;
  /** Fraction of the training data held out for validation. */
  validation: number;
  /** Where notebook 04 saves the model and later notebooks load it. */
  modelDir: string;
}

/**
 * Options of {@linkcode notebookSettings}.
 */
export interface NotebookSettingsOptions {
  /** Reads a variable (default `Deno.env.get`). */
  env?: (name: string) => string | undefined;
  /**
   * Quick mode switched in the notebook's first cell: `true` or `false` win
   * over `DIGIT_LAB_QUICK` (which must be set before Jupyter starts);
   * `undefined` leaves the choice to it.
   */
  quick?: boolean;
}

/**
 * Training examples in quick mode.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { QUICK_LIMIT } from "./settings.ts";
 * assertEquals(QUICK_LIMIT, 2000);
 * ```
 */
export const QUICK_LIMIT = 2000;

/**
 * The settings of a notebook run, from `DIGIT_LAB_QUICK`, `DIGIT_LAB_DATA`
 * and `DIGIT_LAB_NOTEBOOK_MODEL`. Quick mode trains one epoch on
 * {@linkcode QUICK_LIMIT} examples in batches of 32; the full run trains 8
 * epochs on the embedded digits (3 on an IDX dataset) in batches of 128, as
 * `deno task train` does. `options.quick`, when given, decides instead of
 * `DIGIT_LAB_QUICK`, so that a notebook's first cell can switch it.
 *
 * @throws {InvalidArgumentError} when `DIGIT_LAB_QUICK` is set to something
 *   other than `1`, `true`, `0`, `false` or the empty string (checked even
 *   when `options.quick` decides, so that a typo does not go unnoticed).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { notebookSettings } from "./settings.ts";
 * const s = notebookSettings({ env: (name) => ({ DIGIT_LAB_QUICK: "1" })[name] });
 * assertEquals([s.quick, s.epochs, s.limit, s.batchSize], [true, 1, 2000, 32]);
 * // Switched in the first cell: `quick` wins over the variable.
 * const full = notebookSettings({ quick: false, env: (name) => ({ DIGIT_LAB_QUICK: "1" })[name] });
 * assertEquals([full.quick, full.epochs, full.limit], [false, 8, undefined]);
 * ```
 */
export function notebookSettings(options: NotebookSettingsOptions = {}): NotebookSettings {
  const env = options.env ?? ((name: string) => Deno.env.get(name));
  const flag = (env("DIGIT_LAB_QUICK") ?? "").trim().toLowerCase();
  if (!["", "0", "1", "true", "false"].includes(flag)) {
    throw new InvalidArgumentError(
      `DIGIT_LAB_QUICK must be 1 or 0 (or true / false), got ${JSON.stringify(flag)}`,
    );
  }
  const quick = options.quick ?? (flag === "1" || flag === "true");
  const data = env("DIGIT_LAB_DATA") || undefined;
  const model = env("DIGIT_LAB_NOTEBOOK_MODEL");
  return {
    quick,
    data,
    limit: quick ? QUICK_LIMIT : undefined,
    epochs: quick ? 1 : data ? 3 : 8,
    batchSize: quick ? 32 : 128,
    seed: 42,
    validation: 0.1,
    modelDir: model ? resolvePath(model) : dataPath("models", "notebook"),
  };
}

/**
 * Loads the train / validation / test splits the settings describe (the
 * same splits in every notebook, from the seed).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { loadNotebookSplits, notebookSettings } from "./settings.ts";
 * const quick = notebookSettings({ env: (name) => ({ DIGIT_LAB_QUICK: "1" })[name] });
 * const splits = await loadNotebookSplits(quick);
 * assertEquals(splits.train.count, 2000); // quick mode: at most QUICK_LIMIT training examples
 * ```
 */
export function loadNotebookSplits(settings: NotebookSettings): Promise<LoadedSplits> {
  return loadSplits({
    data: resolveDataDir(settings.data),
    seed: settings.seed,
    validation: settings.validation,
    limit: settings.limit,
  });
}
