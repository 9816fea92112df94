/**
 * Column sums of a row-major matrix in double precision: the core of the
 * `Sum` and `Mean` kernels over leading axes (`[N, H, W, C]` viewed as
 * `N * H * W` rows of `C`).
 *
 * @module
 */

/**
 * Sums `rows` rows of `cols` elements of `src` (row-major, from index 0)
 * column by column, in double precision. Four rows are added per pass,
 * which halves the accumulator traffic of a plain row loop.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { sumRows } from "./sum_rows.ts";
 * const sums = sumRows(new Float32Array([1, 2, 3, 4, 5, 6]), 3, 2);
 * assertEquals(Array.from(sums), [9, 12]);
 * ```
 */
export function sumRows(src: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const acc = new Float64Array(cols);
  let r = 0;
  let base = 0;
  for (; r + 4 <= rows; r += 4, base += 4 * cols) {
    const b1 = base + cols;
    const b2 = b1 + cols;
    const b3 = b2 + cols;
    for (let c = 0; c < cols; c++) {
      acc[c] += (src[base + c] + src[b1 + c]) + (src[b2 + c] + src[b3 + c]);
    }
  }
  for (; r < rows; r++, base += cols) {
    for (let c = 0; c < cols; c++) acc[c] += src[base + c];
  }
  return acc;
}
