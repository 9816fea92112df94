import { assertEquals, assertThrows } from "@std/assert";
import { InvalidArgumentError } from "../../lib/core/errors.ts";
import { closeMask, dilateMask, erodeMask, type Mask } from "../../lib/image/binary_morphology.ts";
import { maxFilter, minFilter } from "../../lib/image/filters.ts";
import { createRng } from "../../lib/core/random.ts";

const random = (w: number, h: number, seed: number): Mask => {
  const rng = createRng(seed);
  return {
    width: w,
    height: h,
    data: Uint8Array.from({ length: w * h }, () => (rng() < 0.3 ? 1 : 0)),
  };
};

Deno.test("dilateMask and erodeMask agree with the float max and min filters", () => {
  for (const [w, h, r] of [[17, 9, 1], [30, 21, 2], [8, 40, 3]]) {
    const mask = random(w, h, w + r);
    const gray = { width: w, height: h, data: Float32Array.from(mask.data) };
    assertEquals(Array.from(dilateMask(mask, r).data), Array.from(maxFilter(gray, r).data));
    // Inside (a radius away from the border) erosion is the min filter; outside counts as unset.
    const eroded = erodeMask(mask, r).data, min = minFilter(gray, r).data;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const inside = x >= r && y >= r && x < w - r && y < h - r;
        assertEquals(eroded[y * w + x], inside ? min[y * w + x] : 0, `(${x}, ${y})`);
      }
    }
  }
});

Deno.test("closeMask fills gaps up to twice the radius and keeps every pixel", () => {
  const w = 30, h = 9, data = new Uint8Array(w * h);
  // bars 3 rows thick, separated by gaps of 2 and 5 columns
  for (let y = 3; y < 6; y++) {
    for (let x = 2; x < 28; x++) {
      if (x !== 10 && x !== 11 && !(x >= 18 && x < 23)) data[y * w + x] = 1;
    }
  }
  const closed = closeMask({ width: w, height: h, data }, 1).data;
  const row = Array.from(closed.subarray(4 * w, 5 * w));
  assertEquals(row.slice(10, 12), [1, 1], "the 2-column gap is bridged");
  assertEquals(row.slice(18, 23), [0, 0, 0, 0, 0], "the 5-column gap is not");
  for (let i = 0; i < w * h; i++) if (data[i]) assertEquals(closed[i], 1);
  assertEquals(
    closeMask({ width: w, height: h, data }, 3).data.subarray(4 * w + 18, 4 * w + 23).join(""),
    "11111",
  );
  assertEquals(
    dilateMask({ width: 2, height: 1, data: Uint8Array.of(1, 0) }, 0).data,
    Uint8Array.of(1, 0),
  );
  assertThrows(
    () => dilateMask({ width: 2, height: 2, data: new Uint8Array(3) }, 1),
    InvalidArgumentError,
    "3 values",
  );
  assertThrows(
    () => erodeMask({ width: 1, height: 1, data: new Uint8Array(1) }, 1.5),
    InvalidArgumentError,
    "1.5",
  );
});
