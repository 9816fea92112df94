import { assert, assertAlmostEquals, assertEquals, assertRejects, assertThrows } from "@std/assert";
import { InvalidArgumentError } from "../../lib/core/errors.ts";
import { median, percentile, timeRuns } from "../../lib/bench/timing.ts";

Deno.test("timeRuns runs the warm-ups untimed, then times each run in turn", async () => {
  const log: string[] = [];
  let n = 0;
  const ms = await timeRuns(async () => {
    const i = n++;
    log.push(`start ${i}`);
    // Runs 2 and 3 (the timed ones) sleep 20 ms; the warm-ups do not.
    if (i >= 2) await new Promise((resolve) => setTimeout(resolve, 20));
    log.push(`end ${i}`);
  }, { warmupRuns: 2, runs: 2 });
  assertEquals(ms.length, 2);
  assert(ms.every((t) => t >= 15), ms.join());
  assertEquals(log, [
    "start 0",
    "end 0",
    "start 1",
    "end 1",
    "start 2",
    "end 2",
    "start 3",
    "end 3",
  ]);
  assertEquals((await timeRuns(() => {}, { runs: 1 })).length, 1);
});

Deno.test("timeRuns rejects counts that are not integers, naming them", async () => {
  await assertRejects(() => timeRuns(() => {}, { runs: 0 }), InvalidArgumentError, "runs");
  await assertRejects(
    () => timeRuns(() => {}, { runs: 1, warmupRuns: 1.5 }),
    InvalidArgumentError,
    "warmupRuns must be a non-negative integer, got 1.5",
  );
});

Deno.test("percentile interpolates between ranks like numpy", () => {
  const values = [4, 1, 3, 2];
  assertEquals(percentile(values, 50), 2.5);
  assertEquals(percentile(values, 0), 1);
  assertEquals(percentile(values, 100), 4);
  assertEquals(values, [4, 1, 3, 2], "the input is not reordered");
  const hundred = Array.from({ length: 101 }, (_, i) => 100 - i);
  assertEquals(percentile(hundred, 95), 95);
  assertAlmostEquals(percentile([0, 10], 95), 9.5);
  assertEquals(percentile([7], 95), 7);
  assertThrows(() => percentile([], 50), InvalidArgumentError, "no values");
  assertThrows(() => percentile([1], 101), InvalidArgumentError, "101");
});

Deno.test("median is the middle value, or the mean of the middle two", () => {
  assertEquals(median([9, 1, 5]), 5);
  assertEquals(median([4, 1, 3, 2]), 2.5);
  assertThrows(() => median([]), InvalidArgumentError, "no values");
});
