import { assert, assertEquals, assertThrows } from "@std/assert";
import { quantizeFloat16, quantizeUint8, quantizeWeight } from "../../lib/export/quantize.ts";
import { InvalidArgumentError } from "../../lib/core/errors.ts";
import { createRng } from "../../lib/core/random.ts";

/** What TensorFlow.js makes of a uint8 weight (io_utils: `v * scale + min`, into float32). */
function dequantize(bytes: Uint8Array, min: number, scale: number): Float32Array {
  return Float32Array.from(bytes, (q) => q * scale + min);
}

Deno.test("uint8: every value within scale/2 of the original; zero, min and max kept", () => {
  const rng = createRng(5);
  for (const [lo, hi] of [[-0.8, 0.3], [0.1, 2.5], [-3, -0.01]]) {
    const values = Float32Array.from({ length: 1000 }, () => lo + (hi - lo) * rng());
    values[0] = 0;
    const { bytes, quantization } = quantizeUint8(values);
    const { min, scale } = quantization as { min: number; scale: number };
    const back = dequantize(bytes, min, scale);
    // The range is widened to hold 0, so the step is at most (max(hi,0) - min(lo,0)) / 255.
    assert(scale <= (Math.max(hi, 0) - Math.min(lo, 0)) / 255 * 1.0001, `scale ${scale}`);
    let worst = 0;
    for (let i = 0; i < values.length; i++) worst = Math.max(worst, Math.abs(back[i] - values[i]));
    assert(worst <= scale / 2 + 1e-6, `worst error ${worst} for step ${scale}`);
    assertEquals(back[0], 0);
  }
});

Deno.test("uint8: a constant or all-zero weight comes back exactly", () => {
  for (const c of [0, 0.25, -4]) {
    const { bytes, quantization } = quantizeUint8(new Float32Array(7).fill(c));
    const back = dequantize(bytes, quantization.min!, quantization.scale!);
    assertEquals(Array.from(back), new Array(7).fill(c));
  }
});

Deno.test("uint8 and float16: a non-finite value is refused, naming it", () => {
  assertThrows(() => quantizeUint8(new Float32Array([1, NaN])), InvalidArgumentError, "NaN");
  assertThrows(
    () => quantizeFloat16(new Float32Array([Infinity])),
    InvalidArgumentError,
    "Infinity",
  );
  assertThrows(() => quantizeFloat16(new Float32Array([-70000])), InvalidArgumentError, "-70000");
});

Deno.test("float16: relative error at most 2^-11 over a wide range", () => {
  const rng = createRng(9);
  const values = Float32Array.from({ length: 2000 }, () => (rng() - 0.5) * 10 ** (4 * rng()));
  const { bytes } = quantizeFloat16(values);
  assertEquals(bytes.length, 2 * values.length);
  const back = new Float16Array(bytes.slice().buffer);
  for (let i = 0; i < values.length; i++) {
    // Normal float16 numbers (|v| >= 2^-14) carry 11 significant bits.
    if (Math.abs(values[i]) >= 2 ** -14) {
      assert(Math.abs(back[i] - values[i]) <= Math.abs(values[i]) * 2 ** -11, `${values[i]}`);
    }
  }
});

Deno.test("quantizeWeight: uint8 keeps vectors as float32, float16 converts everything", () => {
  const v = new Float32Array([0.5, -0.5, 0.25, 1]);
  assertEquals(quantizeWeight("uint8", [4], v), undefined);
  assertEquals(quantizeWeight("uint8", [2, 2], v)?.quantization.dtype, "uint8");
  assertEquals(quantizeWeight("float16", [4], v)?.quantization, { dtype: "float16" });
  assertEquals(quantizeWeight("float16", [2, 2], v)?.bytes.length, 8);
});
