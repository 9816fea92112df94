import { assert, assertAlmostEquals, assertEquals } from "@std/assert";
import { sumRows } from "../../lib/kernels/sum_rows.ts";
import { seededValues } from "./_compare.ts";

Deno.test("sumRows adds each column over every row count around the 4-row passes", () => {
  for (const rows of [0, 1, 3, 4, 5, 8, 11]) {
    const cols = 3;
    const src = seededValues([rows, cols], rows + 1);
    const sums = sumRows(src, rows, cols);
    assertEquals(sums.length, cols);
    for (let c = 0; c < cols; c++) {
      let expected = 0;
      for (let r = 0; r < rows; r++) expected += src[r * cols + c];
      assertAlmostEquals(sums[c], expected, 1e-12, `rows ${rows} column ${c}`);
    }
  }
});

Deno.test("sumRows keeps double precision where float32 accumulation drifts", () => {
  const rows = 1 << 20;
  const src = new Float32Array(rows).fill(0.1);
  const exact = rows * Math.fround(0.1);
  let f32 = 0;
  for (let r = 0; r < rows; r++) f32 = Math.fround(f32 + src[r]);
  // A float32 running sum is far off, so this tells the two apart.
  assert(Math.abs(f32 - exact) > 1, `float32 sum ${f32} vs ${exact}`);
  assertAlmostEquals(sumRows(src, rows, 1)[0], exact, 1e-6);
});

Deno.test("sumRows reads only the first rows * cols elements", () => {
  const sums = sumRows(new Float32Array([1, 2, 3, 4, 100, 100]), 2, 2);
  assertEquals(Array.from(sums), [4, 6]);
});
