import { assertEquals, assertStringIncludes, assertThrows } from "@std/assert";
import { InvalidArgumentError } from "../../lib/core/errors.ts";
import {
  finetuneDecision,
  type FinetuneFigures,
  MAX_TEST_DROP,
  score,
} from "../../lib/train/finetune_decision.ts";

const at = (test: number, held: number, testCount = 10000, heldCount = 10): FinetuneFigures => ({
  mnistTest: { ...score(test, testCount), loss: 0.01 },
  heldOut: score(held, heldCount),
  trained: score(0, 30),
});

Deno.test("finetuneDecision: installs only when held-out improves and MNIST drops <= 0.1 point", () => {
  assertEquals(MAX_TEST_DROP, 0.001);
  const cases: [number, number, number, number, boolean][] = [
    [9964, 0, 9962, 10, true], // -0.02 point
    [9964, 0, 9954, 10, true], // -0.10 point exactly: allowed
    [9964, 0, 9953, 10, false], // -0.11 point
    [9964, 0, 9970, 1, true], // better on both
    [9964, 5, 9970, 5, false], // held-out not better
    [9964, 5, 9970, 4, false], // held-out worse
  ];
  for (const [t0, h0, t1, h1, install] of cases) {
    assertEquals(
      finetuneDecision(at(t0, h0), at(t1, h1)).install,
      install,
      `${t0}/${h0} -> ${t1}/${h1}`,
    );
  }
  const kept = finetuneDecision(at(9964, 0), at(9940, 10));
  assertStringIncludes(
    kept.reasons[0],
    "99.64% -> 99.40%: down 0.24 point, more than the 0.10 point allowed",
  );
  assertStringIncludes(kept.reasons[1], "0/10 -> 10/10 read right: improved");
  const fine = finetuneDecision(at(9964, 3), at(9966, 3));
  assertStringIncludes(fine.reasons[0], "no drop");
  assertStringIncludes(fine.reasons[1], "not improved");
  // Another threshold; figures from different sets; a nonsense threshold.
  assertEquals(finetuneDecision(at(9964, 0), at(9940, 10), { maxTestDrop: 0.005 }).install, true);
  assertThrows(
    () => finetuneDecision(at(9964, 0), at(996, 1, 1000)),
    InvalidArgumentError,
    "10000 and 1000",
  );
  assertThrows(
    () => finetuneDecision(at(1, 0), at(1, 1, 10000, 9)),
    InvalidArgumentError,
    "heldOut",
  );
  assertThrows(
    () => finetuneDecision(at(1, 0), at(1, 1), { maxTestDrop: -1 }),
    InvalidArgumentError,
    "got -1",
  );
});
