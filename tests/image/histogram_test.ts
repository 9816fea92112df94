import { assert, assertAlmostEquals, assertEquals } from "@std/assert";
import { BINS, countFrom, histogram, quantile } from "../../lib/image/histogram.ts";
import { createRng } from "../../lib/core/random.ts";

Deno.test("quantile agrees with sorting to within one bin", () => {
  const rng = createRng(2);
  const values = Float32Array.from({ length: 5000 }, () => rng() ** 2);
  const sorted = Float32Array.from(values).sort();
  const h = histogram(values);
  for (const q of [0, 0.1, 0.5, 0.9, 0.98, 1]) {
    const exact = sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
    assertAlmostEquals(quantile(h, q), exact, 1 / BINS);
  }
});

Deno.test("quantile from a level only counts values at or above it", () => {
  const h = histogram(new Float32Array([0.05, 0.1, 0.6, 0.7, 0.8]));
  assertAlmostEquals(quantile(h, 0, 0.5), 0.6, 1 / BINS);
  assertAlmostEquals(quantile(h, 1, 0.5), 0.8, 1 / BINS);
  assertEquals(countFrom(h, 0.5), 3);
  assertEquals(quantile(histogram(new Float32Array([0.1])), 0.5, 0.9), 0);
});

Deno.test("histogram clamps values outside [0, 1]", () => {
  const h = histogram([-3, 7]);
  assertEquals([h.counts[0], h.counts[BINS - 1], h.total], [1, 1, 2]);
});

Deno.test("histogram counts no bin for NaN and has exactly BINS bins", () => {
  const h = histogram(new Float32Array([NaN, 0.5, Infinity, -Infinity, NaN]));
  assertEquals(h.counts.length, BINS);
  assertEquals([h.counts[0], h.counts[BINS / 2], h.counts[BINS - 1], h.total], [1, 1, 1, 5]);
  assertEquals(h.counts.reduce((a, b) => a + b, 0), 3);
});

Deno.test("histogram counts zeros (and -0) in bin 0 like every other value, among any values", () => {
  const rng = createRng(5);
  // Mostly exact zeros, as in an ink map of paper, with -0, NaN, out-of-range and ordinary values.
  const values = Float32Array.from({ length: 3000 }, () => {
    const r = rng();
    return r < 0.6 ? 0 : r < 0.65 ? -0 : r < 0.7 ? NaN : r < 0.75 ? -0.5 : r < 0.8 ? 1.5 : rng();
  });
  const expected = new Array(BINS).fill(0);
  for (const v of values) {
    if (Number.isNaN(v)) continue;
    expected[Math.min(BINS - 1, Math.max(0, Math.floor(v * BINS)))]++;
  }
  const h = histogram(values);
  assertEquals(Array.from(h.counts), expected);
  assertEquals(h.total, 3000);
  assert(h.counts[0] > 1800);
});
