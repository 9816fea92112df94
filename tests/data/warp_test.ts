import { assert, assertAlmostEquals, assertThrows } from "@std/assert";
import { mapPoint, quadHomography, randomWarp } from "../../lib/data/warp.ts";
import { InvalidArgumentError } from "../../lib/core/errors.ts";
import { createRng } from "../../lib/core/random.ts";

const corners = (rows: number, cols: number) => [
  [0, 0],
  [cols - 1, 0],
  [cols - 1, rows - 1],
  [0, rows - 1],
];

Deno.test("quadHomography maps the image corners onto the quad, projective or affine", () => {
  const rng = createRng(3);
  for (let t = 0; t < 20; t++) {
    const rows = 20 + t, cols = 28;
    const quad = corners(rows, cols).flatMap(([x, y]) => [x + 6 * rng() - 3, y + 6 * rng() - 3]);
    if (t === 0) { // a parallelogram: the affine branch
      quad[4] = quad[2] + quad[6] - quad[0];
      quad[5] = quad[3] + quad[7] - quad[1];
    }
    const h = quadHomography(quad, rows, cols);
    corners(rows, cols).forEach(([x, y], i) => {
      const [sx, sy] = mapPoint(h, x, y);
      assertAlmostEquals(sx, quad[2 * i], 1e-9);
      assertAlmostEquals(sy, quad[2 * i + 1], 1e-9);
    });
    // Straight lines stay straight: the centre maps onto the quad's diagonals' crossing.
    const [mx, my] = mapPoint(h, (cols - 1) / 2, (rows - 1) / 2);
    const [ax, ay, , , cx, cy] = quad;
    const [, , bx, by, , , dx, dy] = quad;
    const cross1 = (cx - ax) * (my - ay) - (cy - ay) * (mx - ax);
    const cross2 = (dx - bx) * (my - by) - (dy - by) * (mx - bx);
    assertAlmostEquals(cross1, 0, 1e-6);
    assertAlmostEquals(cross2, 0, 1e-6);
  }
});

Deno.test("the identity quad gives the identity map", () => {
  const h = quadHomography(corners(28, 28).flat(), 28, 28);
  for (const [x, y] of [[3.5, 7], [27, 0], [14, 20.25]]) {
    const [sx, sy] = mapPoint(h, x, y);
    assertAlmostEquals(sx, x, 1e-12);
    assertAlmostEquals(sy, y, 1e-12);
  }
});

Deno.test("randomWarp keeps corners within the perspective range plus the slant", () => {
  const rng = createRng(8);
  for (let t = 0; t < 50; t++) {
    const h = randomWarp({ rows: 28, cols: 28, shear: 10, perspective: 2, rng });
    const slantReach = 13.5 * Math.tan(10 * Math.PI / 180);
    for (const [x, y] of corners(28, 28)) {
      const [sx, sy] = mapPoint(h, x, y);
      assert(Math.abs(sx - x) <= 2 + slantReach + 1e-9 && Math.abs(sy - y) <= 2 + 1e-9);
    }
  }
});

Deno.test("randomWarp and quadHomography reject bad input, naming it", () => {
  const base = { rows: 28, cols: 28, shear: 0, perspective: 0, rng: createRng(1) };
  assertThrows(() => randomWarp({ ...base, shear: 90 }), InvalidArgumentError, "90");
  assertThrows(() => randomWarp({ ...base, perspective: -1 }), InvalidArgumentError, "-1");
  assertThrows(() => quadHomography([0, 0, 1], 28, 28), InvalidArgumentError, "[0,0,1]");
  assertThrows(
    () => quadHomography([0, 0, 5, 5, 10, 10, 20, 20], 28, 28),
    InvalidArgumentError,
    "degenerate",
  );
  assertThrows(() => quadHomography(corners(1, 5).flat(), 1, 5), InvalidArgumentError, "1x5");
});
