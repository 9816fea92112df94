import { assert, assertAlmostEquals, assertEquals, assertRejects, assertThrows } from "@std/assert";
import { InvalidArgumentError } from "../../lib/core/errors.ts";
import { createRng } from "../../lib/core/random.ts";
import {
  bestPath,
  choosePath,
  DEFAULT_PATH_WEIGHTS,
  type Hypothesis,
  MNIST_ASPECT,
  scoreHypotheses,
  shapePenalty,
  widthPenalty,
} from "../../lib/image/number_path.ts";
import { overSegment } from "../../lib/image/oversegment.ts";
import { inkBox } from "../../lib/image/mnist_format.ts";
import { loadSplits } from "../../lib/data/mod.ts";
import { inkToGray } from "../../lib/image/synth/scenes.ts";
import { layoutRow, penDigit } from "./_numbers.ts";
import { templateClassify } from "./_templates.ts";

Deno.test("MNIST_ASPECT holds the 1st and 99th percentiles of MNIST's aspect ratios", async () => {
  const { train } = await loadSplits({ seed: 42 });
  const logs: number[][] = Array.from({ length: 10 }, () => []);
  for (let i = 0; i < train.count; i++) {
    const data = train.images.subarray(i * 784, (i + 1) * 784);
    const box = inkBox({ width: 28, height: 28, data }, 0.5)!;
    logs[train.labels[i]].push(Math.log(box.width / box.height));
  }
  logs.forEach((values, d) => {
    values.sort((a, b) => a - b);
    const q = (p: number) => values[Math.floor(p * (values.length - 1))];
    const mean = values.reduce((s, v) => s + v, 0) / values.length;
    const sd = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length);
    assertAlmostEquals(MNIST_ASPECT[d].low, q(0.01), 1e-3, `digit ${d} low`);
    assertAlmostEquals(MNIST_ASPECT[d].high, q(0.99), 1e-3, `digit ${d} high`);
    assertAlmostEquals(MNIST_ASPECT[d].sd, sd, 1e-3, `digit ${d} sd`);
  });
});

Deno.test("shapePenalty rules out fragments and merged pairs, not thin or short digits", () => {
  assertEquals(shapePenalty(1, 4, 40, 40, 3), 0, "a hairline 1");
  assertEquals(shapePenalty(1, 8, 26, 40), 0, "a 1 two thirds of the line's height");
  assertEquals(shapePenalty(8, 28, 40, 40), 0);
  assert(shapePenalty(8, 28, 12, 40) > 3, "a flat fragment, a third of the height");
  assert(shapePenalty(0, 80, 40, 40) > 1, "two 0s read as one");
  assert(shapePenalty(0, 10, 40, 40) > 2, "half of a 0");
  assert(shapePenalty(4, 30, 90, 40) > 1.5, "twice the line's height");
  assertThrows(() => shapePenalty(10, 1, 1, 1), InvalidArgumentError, "got 10");
  assertThrows(() => shapePenalty(1, 0, 1, 1), InvalidArgumentError, "0x1");
});

/** A hypothesis over atoms [first, end) read as `digit` with probability `p`. */
function hyp(first: number, end: number, digit: number, p: number, extra = {}): Hypothesis {
  const probabilities = new Array(10).fill((1 - p) / 9);
  probabilities[digit] = p;
  return {
    first,
    end,
    box: { x: first * 10, y: 0, width: (end - first) * 10, height: 30 },
    pixels: new Float32Array(784),
    probabilities,
    digit,
    gap: 0,
    cut: 0,
    touch: 0,
    shape: 0,
    ...extra,
  };
}

const line = (masses: number[]) => ({
  atoms: masses.map((mass, k) => ({
    pixels: new Int32Array(0),
    box: { x: 10 * k, y: 0, width: 8, height: 30 },
    mass,
    cluster: k,
  })),
  digitHeight: 30,
  strokeWidth: 3,
});

Deno.test("choosePath weighs the classifier's certainty against cuts, gaps and shape", () => {
  const seg = line([90, 90]);
  // One sure merged digit beats two unsure pieces ...
  assertEquals(
    choosePath(seg, [hyp(0, 1, 1, 0.3), hyp(1, 2, 1, 0.3), hyp(0, 2, 0, 0.99)]).map((d) => d.digit),
    [0],
  );
  // ... unless merging them means a wide blank gap inside one digit.
  assertEquals(
    choosePath(seg, [hyp(0, 1, 1, 0.9), hyp(1, 2, 1, 0.9), hyp(0, 2, 0, 0.99, { gap: 0.5 })])
      .map((d) => d.digit),
    [1, 1],
  );
  // A cut through three strokes is too dear for two sure readings.
  assertEquals(
    choosePath(seg, [
      hyp(0, 1, 1, 0.95, { cut: 1.5, touch: 0.5 }),
      hyp(1, 2, 1, 0.95, { cut: 1.5, touch: 0.5 }),
      hyp(0, 2, 0, 0.9),
    ]).map((d) => d.digit),
    [0],
  );
  // An implausible shape loses to a plausible one.
  assertEquals(
    choosePath(seg, [hyp(0, 1, 7, 0.99, { shape: 5 }), hyp(1, 2, 1, 0.99), hyp(0, 2, 4, 0.7)])
      .map((d) => d.digit),
    [4],
  );
});

Deno.test("choosePath leaves dust out but never a real digit", () => {
  // A speck (ink of a tenth of a stroke) that reads as nothing in particular.
  const seg = line([90, 3, 90]);
  const path = choosePath(seg, [
    hyp(0, 1, 2, 0.99),
    hyp(1, 2, 0, 0.2, { shape: 6 }),
    hyp(2, 3, 7, 0.99),
  ]);
  assertEquals(path.map((d) => [d.digit, d.atoms]), [[2, [0]], [7, [2]]]);
  // A whole unsure digit is still read rather than dropped.
  const sure = choosePath(line([90, 90]), [hyp(0, 1, 2, 0.99), hyp(1, 2, 5, 0.2)]);
  assertEquals(sure.map((d) => d.digit), [2, 5]);
  // Unclassified hypotheses are never chosen; nothing at all gives no digits.
  const unclassified = { ...hyp(0, 1, 3, 1), probabilities: null };
  assertEquals(choosePath(line([90]), [unclassified]), []);
  assertEquals(choosePath(line([]), []), []);
  assertThrows(() => choosePath(seg, [], { weights: { cut: -1 } }), InvalidArgumentError, "-1");
});

Deno.test("scoreHypotheses classifies runs of atoms up to the widest digit", async () => {
  const rng = createRng(5);
  const row = layoutRow([3, 7, 2].map((d) => penDigit(d, 60, { rng })), { gaps: [15, 15] });
  const seg = overSegment(inkToGray(row));
  assertEquals(seg.atoms.length, 3);
  const seen: Float32Array[] = [];
  const hs = await scoreHypotheses(seg, (p) => {
    seen.push(p);
    return templateClassify(p);
  });
  // Three single digits, two pairs; three digits together are wider than 1.6 digit heights.
  assertEquals(hs.map((h) => [h.first, h.end]), [[0, 1], [0, 2], [1, 2], [1, 3], [2, 3]]);
  assertEquals(seen.length, 5);
  // With a strong enough shape prior, a pair (about twice the line's digit width) is ruled
  // out by its width alone and never shown to the classifier.
  const strict = await scoreHypotheses(seg, templateClassify, { weights: { shape: 20 } });
  assertEquals(strict.map((h) => h.probabilities === null), [false, true, false, true, false]);
  assertEquals(hs.filter((h) => h.end - h.first === 1).map((h) => h.digit), [3, 7, 2]);
  assert(hs.every((h) => h.gap >= 0 && h.cut === 0 && h.shape >= 0));
  assert(hs[1].gap > 0.2, `a pair holds the blank space between: ${hs[1].gap}`);
  assertEquals(
    await scoreHypotheses(seg, templateClassify, { maxAtoms: 1 }).then((h) => h.length),
    3,
  );
  await assertRejects(() => scoreHypotheses(seg, () => [1]), InvalidArgumentError, "10 finite");
  await assertRejects(
    () => scoreHypotheses(seg, templateClassify, { maxAtoms: 0 }),
    InvalidArgumentError,
    "maxAtoms",
  );
  await assertRejects(
    () => scoreHypotheses(seg, templateClassify, { maxWidth: 0 }),
    InvalidArgumentError,
    "maxWidth",
  );
});

Deno.test("bestPath reads a row of digits and the default weights are all used", async () => {
  const rng = createRng(6);
  const row = layoutRow([5, 0, 9, 4].map((d) => penDigit(d, 50, { rng })), { gaps: [12, 9, 14] });
  const digits = await bestPath(overSegment(inkToGray(row)), templateClassify);
  assertEquals(digits.map((d) => d.digit).join(""), "5094");
  assert(Object.values(DEFAULT_PATH_WEIGHTS).every((w) => w > 0));
});

Deno.test("widthPenalty grows with width past 1.5 typical digits", () => {
  assertEquals(widthPenalty(44, 30), 0);
  assert(widthPenalty(46, 30) > 0);
  const pair = widthPenalty(66, 30), triple = widthPenalty(99, 30);
  assert(pair > 1 && triple > 3 * pair, `${pair}, ${triple}`);
  assertThrows(() => widthPenalty(0, 30), InvalidArgumentError, "got 0 and 30");
});
