/**
 * Scoring the external test set (`external_scenes.ts`): every file is
 * decoded and read by the naive pipeline (`naiveNormalize`) and by ours
 * (`readDigit`, `readNumber`), with any {@link Classify}.
 *
 * @module
 */

import { InvalidArgumentError } from "../core/mod.ts";
import { type Classify, decodeImage, naiveNormalize, readDigit, readNumber } from "../image/mod.ts";
import type { ExternalSet, SceneKind } from "./external_scenes.ts";

/** Accuracy of both pipelines on one scene kind (or overall). */
export interface PipelineAccuracy {
  /** Number of images. */
  count: number;
  /** Fraction read correctly after `naiveNormalize`. */
  naive: number;
  /** Fraction read correctly by `readDigit` (no digit found counts as wrong). */
  ours: number;
  /** Fraction where our pipeline found no digit. */
  noDigit: number;
}

/** Scores of one scene kind. */
export interface KindScore extends PipelineAccuracy {
  /** The scene kind. */
  kind: SceneKind;
}

/** Scores of the written numbers. */
export interface NumberScore {
  /** Number of images. */
  count: number;
  /** Fraction read exactly (every digit right, none missing or extra). */
  exact: number;
  /** Fraction read with the right number of digits. */
  rightLength: number;
}

/**
 * What {@link scoreExternalSet} measured.
 */
export interface ExternalScore {
  /** Accuracy on the source digits as they are (28x28, no file, no pipeline): the ceiling. */
  mnist: number;
  /** Per scene kind, in the set's order. */
  kinds: KindScore[];
  /** All single-digit images together. */
  overall: PipelineAccuracy;
  /** The written numbers, read with `readNumber`. */
  numbers: NumberScore;
}

/**
 * Options of {@link scoreExternalSet}.
 */
export interface ScoreOptions {
  /** Called after each image with the count done and the total. */
  onProgress?: (done: number, total: number) => void;
}

function argmaxChecked(p: ArrayLike<number>): number {
  if (p.length !== 10) {
    throw new InvalidArgumentError(`classify must return 10 probabilities, got ${p.length}`);
  }
  let best = 0;
  for (let i = 1; i < 10; i++) if (p[i] > p[best]) best = i;
  return best;
}

const ratio = (n: number, d: number) => d === 0 ? 0 : n / d;

interface Tally {
  count: number;
  naive: number;
  ours: number;
  none: number;
}

/**
 * Decodes every file of the set and reads it with the naive pipeline and
 * with ours, using `classify` for both.
 *
 * @throws {InvalidArgumentError} when `classify` does not return 10 values.
 * @throws {ImageError} when a file does not decode.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { encodePng } from "../image/mod.ts";
 * import { scoreExternalSet } from "./external_score.ts";
 * const page = { width: 60, height: 60, data: new Float32Array(3600).fill(1) };
 * for (let y = 10; y < 50; y++) page.data[y * 60 + 30] = page.data[y * 60 + 31] = 0; // a "1"
 * const bytes = await encodePng(page);
 * const digits = [{ kind: "drawn" as const, label: 1, source: 0, format: "png" as const, bytes }];
 * const sources = [{ index: 0, label: 1, pixels: new Float32Array(784) }];
 * const alwaysOne = () => [0, 1, 0, 0, 0, 0, 0, 0, 0, 0];
 * const score = await scoreExternalSet({ seed: 1, sources, digits, numbers: [] }, alwaysOne);
 * assertEquals([score.mnist, score.overall.ours, score.kinds[0].kind], [1, 1, "drawn"]);
 * ```
 */
export async function scoreExternalSet(
  set: ExternalSet,
  classify: Classify,
  options: ScoreOptions = {},
): Promise<ExternalScore> {
  const total = set.digits.length + set.numbers.length;
  let done = 0;
  let mnist = 0;
  for (const s of set.sources) if (argmaxChecked(await classify(s.pixels)) === s.label) mnist++;
  const tally = new Map<SceneKind, Tally>();
  for (const [i, d] of set.digits.entries()) {
    const image = await decodeImage(d.bytes, { name: `${d.kind} image ${i}` });
    const t = tally.get(d.kind) ?? { count: 0, naive: 0, ours: 0, none: 0 };
    tally.set(d.kind, t);
    t.count++;
    if (argmaxChecked(await classify(naiveNormalize(image))) === d.label) t.naive++;
    const reading = await readDigit(image, classify);
    if (reading.digit === null) t.none++;
    else if (reading.digit === d.label) t.ours++;
    options.onProgress?.(++done, total);
  }
  const accuracy = (t: Tally): PipelineAccuracy => ({
    count: t.count,
    naive: ratio(t.naive, t.count),
    ours: ratio(t.ours, t.count),
    noDigit: ratio(t.none, t.count),
  });
  const all: Tally = { count: 0, naive: 0, ours: 0, none: 0 };
  for (const t of tally.values()) {
    for (const key of ["count", "naive", "ours", "none"] as const) all[key] += t[key];
  }
  let exact = 0, rightLength = 0;
  for (const [i, n] of set.numbers.entries()) {
    const image = await decodeImage(n.bytes, { name: `number image ${i}` });
    const { text } = await readNumber(image, classify);
    if (text === n.text) exact++;
    if (text.length === n.text.length) rightLength++;
    options.onProgress?.(++done, total);
  }
  return {
    mnist: ratio(mnist, set.sources.length),
    kinds: [...tally].map(([kind, t]) => ({ kind, ...accuracy(t) })),
    overall: accuracy(all),
    numbers: {
      count: set.numbers.length,
      exact: ratio(exact, set.numbers.length),
      rightLength: ratio(rightLength, set.numbers.length),
    },
  };
}
