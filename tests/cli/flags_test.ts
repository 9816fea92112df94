import { assert, assertEquals, assertThrows } from "@std/assert";
import { InvalidArgumentError } from "../../lib/core/errors.ts";
import { intFlag, numberFlag, percent, threadsFlag } from "../../lib/cli/flags.ts";

Deno.test("numberFlag: parses, defaults and checks bounds naming the flag and value", () => {
  assertEquals(numberFlag({ lr: "0.5" }, "lr", 1), 0.5);
  assertEquals(numberFlag({}, "lr", 1), 1);
  const e = assertThrows(() => numberFlag({ lr: "abc" }, "lr", 1), InvalidArgumentError);
  assert(e.message.includes("--lr") && e.message.includes("abc"), e.message);
  assertThrows(() => numberFlag({ lr: "" }, "lr", 1), InvalidArgumentError);
  assertThrows(
    () => numberFlag({ lr: "0" }, "lr", 1, { min: 0, exclusiveMin: true }),
    InvalidArgumentError,
  );
  assertEquals(numberFlag({ lr: "0" }, "lr", 1, { min: 0 }), 0);
  const big = assertThrows(
    () => numberFlag({ v: "2" }, "v", 1, { max: 0.9 }),
    InvalidArgumentError,
  );
  assert(big.message.includes("0.9") && big.message.includes("2"), big.message);
});

Deno.test("intFlag: rejects fractions and out-of-range values", () => {
  assertEquals(intFlag({ epochs: "3" }, "epochs", 1, { min: 1 }), 3);
  const e = assertThrows(() => intFlag({ epochs: "2.5" }, "epochs", 1), InvalidArgumentError);
  assert(e.message.includes("2.5"), e.message);
  assertThrows(() => intFlag({ epochs: "0" }, "epochs", 1, { min: 1 }), InvalidArgumentError);
  assertThrows(() => intFlag({ epochs: "-4" }, "epochs", 1, { min: 1 }), InvalidArgumentError);
});

Deno.test("percent: two decimals", () => {
  assertEquals(percent(0.98765), "98.77%");
  assertEquals(percent(1), "100.00%");
});

Deno.test("threadsFlag: auto when absent or auto, else a positive integer", () => {
  assertEquals(threadsFlag({}), "auto");
  assertEquals(threadsFlag({ threads: "auto" }), "auto");
  assertEquals(threadsFlag({ threads: "3" }), 3);
  assertThrows(() => threadsFlag({ threads: "0" }), InvalidArgumentError, "--threads");
  assertThrows(() => threadsFlag({ threads: "two" }), InvalidArgumentError, '"two"');
});

Deno.test("threadsFlag: more threads than 4 per core (at most 64) is one error naming value and cores", () => {
  const cores = navigator.hardwareConcurrency;
  const max = Math.min(64, 4 * cores);
  assertEquals(threadsFlag({ threads: String(max) }), max);
  for (const bad of [max + 1, 99, 1e6]) {
    const e = assertThrows(() => threadsFlag({ threads: String(bad) }), InvalidArgumentError);
    assertEquals(e.message, `--threads must be at most ${max} with ${cores} cores, got ${bad}`);
  }
});
