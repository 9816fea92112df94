import { assert, assertAlmostEquals, assertEquals, assertThrows } from "@std/assert";
import { createRng } from "../../lib/core/random.ts";
import { InvalidArgumentError } from "../../lib/core/errors.ts";
import {
  digitLogOdds,
  digitProbability,
  expectedCalibrationError,
  fitDigitCheck,
  fitTemperature,
  softmaxAt,
  temperatureNll,
} from "../../lib/eval/calibration.ts";

/** Labels drawn from softmax(logits / trueT): the fit should find trueT. */
function sampled(trueT: number, n: number, seed: number) {
  const rng = createRng(seed);
  const logits = new Float64Array(n * 10), labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 10; c++) logits[i * 10 + c] = 6 * rng();
    const p = softmaxAt(logits.subarray(i * 10, i * 10 + 10), trueT);
    let u = rng(), c = 0;
    while (c < 9 && u >= p[c]) u -= p[c++];
    labels[i] = c;
  }
  return { logits, labels };
}

Deno.test("fitTemperature recovers the temperature the labels were drawn at", () => {
  for (const trueT of [0.5, 1, 2]) {
    const { logits, labels } = sampled(trueT, 4000, 7);
    const fit = fitTemperature(logits, labels);
    assertAlmostEquals(fit.temperature, trueT, 0.1 * trueT);
    assert(fit.nllAfter <= fit.nllBefore + 1e-12);
    assertAlmostEquals(fit.nllAfter, temperatureNll(logits, labels, fit.temperature), 1e-12);
    // The minimum: a little either way is worse.
    assert(temperatureNll(logits, labels, fit.temperature * 1.05) > fit.nllAfter);
    assert(temperatureNll(logits, labels, fit.temperature / 1.05) > fit.nllAfter);
  }
});

Deno.test("fitTemperature and temperatureNll: bad input names the problem", () => {
  assertThrows(() => fitTemperature([1, 2, 3], [0]), InvalidArgumentError, "10 logits per label");
  assertThrows(() => fitTemperature([], []), InvalidArgumentError, "0 labels");
  assertThrows(() => fitTemperature([0, NaN], [0], 2), InvalidArgumentError, "logits[1]");
  assertThrows(() => fitTemperature([0, 1], [2], 2), InvalidArgumentError, "got 2");
  assertThrows(() => temperatureNll([0, 1], [0], 0, 2), InvalidArgumentError, "got 0");
});

Deno.test("expectedCalibrationError: 0 when calibrated, the gap otherwise", () => {
  // Half right at 0.5, all right at 1: perfectly calibrated.
  assertEquals(expectedCalibrationError([0.5, 0.5, 1, 1], [true, false, true, true]), 0);
  // Over-confident: all at 0.95, half right.
  assertAlmostEquals(expectedCalibrationError([0.95, 0.95], [true, false]), 0.45, 1e-12);
  // Bins are weighted by their share: one bin off by 0.2 holding a quarter.
  assertAlmostEquals(
    expectedCalibrationError([0.8, 1, 1, 1], [false, true, true, true], 10),
    0.8 / 4,
    1e-12,
  );
  assertThrows(() => expectedCalibrationError([], []), InvalidArgumentError, "got 0 and 0");
  assertThrows(() => expectedCalibrationError([1.5], [true]), InvalidArgumentError, "1.5");
  assertThrows(() => expectedCalibrationError([1], [true], 0), InvalidArgumentError, "bins");
});

Deno.test("fitDigitCheck separates two clouds and is deterministic", () => {
  const rng = createRng(3);
  const cloud = (n: number, cx: number) =>
    Float64Array.from({ length: n * 2 }, (_, i) => (i % 2 === 0 ? cx : -cx) + rng() - 0.5);
  const digits = cloud(200, 1), others = cloud(50, -1);
  const check = fitDigitCheck(digits, others, 2);
  assertEquals(fitDigitCheck(digits, others, 2), check);
  let right = 0;
  for (let i = 0; i < 200; i++) {
    right += digitProbability(check, digits.subarray(2 * i, 2 * i + 2)) > 0.5 ? 1 : 0;
  }
  for (let i = 0; i < 50; i++) {
    right += digitProbability(check, others.subarray(2 * i, 2 * i + 2)) < 0.5 ? 1 : 0;
  }
  assertEquals(right, 250);
  // Classes weigh equally: the midpoint sits near even odds despite 4x more digits.
  assertAlmostEquals(digitProbability(check, [0, 0]), 0.5, 0.2);
  // A prior shifts the log-odds by exactly its value.
  assertAlmostEquals(
    digitLogOdds(check, [0.3, 0.1], Math.log(9)) - digitLogOdds(check, [0.3, 0.1]),
    Math.log(9),
    1e-12,
  );
});

Deno.test("fitDigitCheck and digitLogOdds: bad input names the problem", () => {
  assertThrows(() => fitDigitCheck([], [1], 1), InvalidArgumentError, "digits");
  assertThrows(() => fitDigitCheck([1, 2, 3], [1, 2], 2), InvalidArgumentError, "3 values");
  assertThrows(() => fitDigitCheck([1], [Infinity], 1), InvalidArgumentError, "nonDigits[0]");
  assertThrows(() => fitDigitCheck([1], [1], 0), InvalidArgumentError, "dim");
  const check = { mean: [0], scale: [1], weights: [1], bias: 0 };
  assertThrows(() => digitLogOdds(check, [1, 2]), InvalidArgumentError, "takes 1 features, got 2");
});
