/**
 * Whether a fine-tuned model replaces its parent: only when it reads the
 * held-out corrections better and has not paid for it on MNIST (its test
 * accuracy drops by no more than 0.1 point, 10 digits of the 10,000).
 *
 * @module
 */

import { InvalidArgumentError } from "../core/mod.ts";

/** Right answers out of a count. */
export interface Score {
  /** Read right. */
  correct: number;
  /** Scored. */
  count: number;
  /** `correct / count`, or 0 when `count` is 0. */
  accuracy: number;
}

/** What a model was measured at, before or after a fine-tune. */
export interface FinetuneFigures {
  /** MNIST test accuracy (and mean loss). */
  mnistTest: Score & { loss: number };
  /** The held-out corrections (never trained on). */
  heldOut: Score;
  /** The corrections trained on (how well it fits them; not a measure of the result). */
  trained: Score;
  /** The real-image folder when one was given: its single digits, and its numbers read exactly. */
  real?: Score & { root: string; numbers: { exact: number; count: number } };
}

/** The largest drop of MNIST test accuracy a fine-tune may cost: 0.1 point. */
export const MAX_TEST_DROP = 0.001;

/** What {@linkcode finetuneDecision} decided, and why. */
export interface FinetuneDecision {
  /** Whether the fine-tuned model should replace its parent. */
  install: boolean;
  /** One line per condition, with the figures. */
  reasons: string[];
}

/**
 * A {@linkcode Score} from right answers and a count.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { score } from "./finetune_decision.ts";
 * assertEquals(score(3, 4), { correct: 3, count: 4, accuracy: 0.75 });
 * assertEquals(score(0, 0).accuracy, 0);
 * ```
 */
export function score(correct: number, count: number): Score {
  return { correct, count, accuracy: count === 0 ? 0 : correct / count };
}

const points = (x: number) => `${(100 * x).toFixed(2)}%`;

/**
 * Decides whether to install a fine-tuned model: MNIST test accuracy may
 * drop by at most `maxTestDrop` (default {@linkcode MAX_TEST_DROP}, 0.1
 * point; compared with a 1e-9 tolerance for rounding), and more held-out
 * corrections must be read right than before.
 *
 * @throws {InvalidArgumentError} when the figures were not measured on the
 *   same sets (counts differ) or `maxTestDrop` is not in [0, 1].
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { finetuneDecision, score } from "./finetune_decision.ts";
 * const at = (test: number, held: number) => ({
 *   mnistTest: { ...score(test, 10000), loss: 0 }, heldOut: score(held, 10), trained: score(0, 30),
 * });
 * assertEquals(finetuneDecision(at(9964, 0), at(9958, 9)).install, true); // -0.06 point, 0 -> 9
 * assertEquals(finetuneDecision(at(9964, 0), at(9950, 9)).install, false); // -0.14 point
 * assertEquals(finetuneDecision(at(9964, 2), at(9964, 2)).install, false); // no better
 * ```
 */
export function finetuneDecision(
  before: FinetuneFigures,
  after: FinetuneFigures,
  options: { maxTestDrop?: number } = {},
): FinetuneDecision {
  const { maxTestDrop = MAX_TEST_DROP } = options;
  if (!(maxTestDrop >= 0 && maxTestDrop <= 1)) {
    throw new InvalidArgumentError(`maxTestDrop must be in [0, 1], got ${maxTestDrop}`);
  }
  for (const key of ["mnistTest", "heldOut"] as const) {
    if (before[key].count !== after[key].count) {
      throw new InvalidArgumentError(
        `before and after were measured on different ${key} sets: ${before[key].count} and ` +
          `${after[key].count} examples`,
      );
    }
  }
  const drop = before.mnistTest.accuracy - after.mnistTest.accuracy;
  const testOk = drop <= maxTestDrop + 1e-9;
  const change = `${points(before.mnistTest.accuracy)} -> ${points(after.mnistTest.accuracy)}`;
  const allowed = `${(100 * maxTestDrop).toFixed(2)} point allowed`;
  const testLine = testOk
    ? `MNIST test accuracy ${change}: ${
      drop > 0 ? `down ${(100 * drop).toFixed(2)} point, within the ${allowed}` : "no drop"
    }`
    : `MNIST test accuracy ${change}: down ${
      (100 * drop).toFixed(2)
    } point, more than the ${allowed}`;
  const better = after.heldOut.correct > before.heldOut.correct;
  const heldLine = `held-out corrections ${before.heldOut.correct}/${before.heldOut.count} -> ` +
    `${after.heldOut.correct}/${after.heldOut.count} read right: ${
      better ? "improved" : "not improved"
    }`;
  return { install: testOk && better, reasons: [testLine, heldLine] };
}
