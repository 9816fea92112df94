import { assert, assertAlmostEquals, assertEquals, assertThrows } from "@std/assert";
import { elasticField, elasticRms } from "../../lib/data/elastic.ts";
import { InvalidArgumentError } from "../../lib/core/errors.ts";
import { createRng } from "../../lib/core/random.ts";

Deno.test("elasticField's RMS displacement away from the border matches elasticRms", () => {
  // Average over many fields on a large grid, inner region only (the border
  // sees fewer noise samples through the zero padding).
  for (const [alpha, sigma] of [[34, 4], [10, 2]]) {
    const rows = 64, cols = 64, r = Math.ceil(3 * sigma);
    let sq = 0, n = 0;
    const rng = createRng(9);
    for (let t = 0; t < 20; t++) {
      const { dx, dy } = elasticField({ rows, cols, alpha, sigma, rng });
      for (let y = r; y < rows - r; y++) {
        for (let x = r; x < cols - r; x++) {
          sq += dx[y * cols + x] ** 2 + dy[y * cols + x] ** 2;
          n += 2;
        }
      }
    }
    assertAlmostEquals(
      Math.sqrt(sq / n),
      elasticRms(alpha, sigma),
      0.05 * elasticRms(alpha, sigma),
    );
  }
});

Deno.test("elasticField is smooth: neighbours move together far more than distant pixels", () => {
  const rows = 28, cols = 28;
  let near = 0, far = 0, n = 0;
  for (let seed = 0; seed < 10; seed++) {
    const { dx } = elasticField({ rows, cols, alpha: 34, sigma: 4, rng: createRng(seed) });
    for (let y = 4; y < 24; y++) {
      near += (dx[y * cols + 10] - dx[y * cols + 11]) ** 2;
      far += (dx[y * cols + 4] - dx[y * cols + 20]) ** 2;
      n++;
    }
  }
  assert(near * 20 < far, `near ${near / n} vs far ${far / n}`);
});

Deno.test("elasticField: alpha 0 gives no displacement; out and scratch are reused", () => {
  const out = { dx: new Float32Array(100), dy: new Float32Array(100) };
  const field = elasticField({
    rows: 10,
    cols: 10,
    alpha: 0,
    sigma: 2,
    rng: createRng(1),
    out,
    scratch: new Float32Array(100),
  });
  assert(field === out);
  assert(field.dx.every((v) => v === 0) && field.dy.every((v) => v === 0));
});

Deno.test("elasticField rejects bad parameters, naming the value", () => {
  const base = { rows: 8, cols: 8, alpha: 1, sigma: 2, rng: createRng(1) };
  assertThrows(() => elasticField({ ...base, alpha: -1 }), InvalidArgumentError, "-1");
  assertThrows(() => elasticField({ ...base, sigma: 0 }), InvalidArgumentError, "sigma");
  assertThrows(() => elasticField({ ...base, rows: 0 }), InvalidArgumentError, "0x8");
  assertThrows(
    () => elasticField({ ...base, scratch: new Float32Array(10) }),
    InvalidArgumentError,
    "fewer than 8x8",
  );
  assertEquals(elasticRms(0, 4), 0);
});
