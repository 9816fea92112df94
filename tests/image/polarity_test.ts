import { assertEquals } from "@std/assert";
import { invert, measurePolarity } from "../../lib/image/polarity.ts";
import { detectPolarity } from "../_helpers/polarity.ts";
import { drawDigit, inkToGray, placeOnCanvas } from "../../lib/image/synth/scenes.ts";
import type { GrayImage } from "../../lib/image/raster.ts";

function withGradient(img: GrayImage, strength: number): GrayImage {
  return {
    ...img,
    data: img.data.map((v, i) => v * (1 - strength * ((i % img.width) / img.width))),
  };
}

Deno.test("detectPolarity: pen on paper is dark-on-light, white on black is light-on-dark", () => {
  for (const size of [28, 100, 300]) {
    const ink = drawDigit(2, { size });
    assertEquals(detectPolarity(inkToGray(ink)), "dark-on-light", `dark ${size}`);
    assertEquals(
      detectPolarity(inkToGray(ink, { paper: 0, pen: 1 })),
      "light-on-dark",
      `light ${size}`,
    );
  }
});

Deno.test("detectPolarity holds under a lighting gradient and for a very thick digit", () => {
  const thin = drawDigit(7, { size: 200 });
  assertEquals(
    detectPolarity(withGradient(inkToGray(thin, { paper: 0.9, pen: 0.15 }), 0.5)),
    "dark-on-light",
  );
  assertEquals(
    detectPolarity(withGradient(inkToGray(thin, { paper: 0.15, pen: 0.9 }), 0.5)),
    "light-on-dark",
  );
  // A marker 3 filling a whole cell of the coarse background grid.
  const thick = placeOnCanvas(drawDigit(3, { size: 130, penWidth: 30 }), {
    width: 280,
    height: 280,
    x: 120,
    y: 40,
  });
  assertEquals(detectPolarity(inkToGray(thick)), "dark-on-light");
  assertEquals(detectPolarity(inkToGray(thick, { paper: 0, pen: 1 })), "light-on-dark");
});

Deno.test("measurePolarity reports no mass on a blank page and defaults to dark-on-light", () => {
  const blank = { width: 50, height: 40, data: new Float32Array(2000).fill(0.8) };
  assertEquals(measurePolarity(blank), { polarity: "dark-on-light", darkMass: 0, lightMass: 0 });
});

Deno.test("invert flips values", () => {
  assertEquals(
    Array.from(invert({ width: 2, height: 1, data: new Float32Array([0, 0.75]) }).data),
    [1, 0.25],
  );
});
