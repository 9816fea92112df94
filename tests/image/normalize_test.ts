import { assert, assertAlmostEquals, assertEquals } from "@std/assert";
import { loadEmbeddedMnist } from "../../lib/data/embedded.ts";
import { decodeImage, readImage } from "../../lib/image/decode.ts";
import { encodePng } from "../../lib/image/encode.ts";
import { centerOfMass, inkBox } from "../../lib/image/mnist_format.ts";
import { naiveNormalize } from "../../lib/image/naive.ts";
import { normalizeImage } from "../../lib/image/normalize.ts";
import {
  BLACK_PEN,
  BLUE_PEN,
  drawDigit,
  inkToGray,
  placeOnCanvas,
  synthPhoto,
} from "../../lib/image/synth/scenes.ts";
import { jpegRoundTrip } from "../_helpers/images.ts";
import { createRng, type Rng } from "../../lib/core/random.ts";
import type { Box, GrayImage } from "../../lib/image/raster.ts";
import { templateDigit } from "./_templates.ts";

type Scene = (digit: number, rng: Rng) => GrayImage | Promise<GrayImage>;

const SCENES: Record<string, Scene> = {
  "paint program": (d, rng) =>
    inkToGray(
      placeOnCanvas(drawDigit(d, { size: 200, penWidth: 16, rng }), {
        width: 280,
        height: 280,
        x: 10 + 60 * rng(),
        y: 20,
      }),
    ),
  "MNIST-sized": (d, rng) =>
    inkToGray(drawDigit(d, { size: 28, penWidth: 2.5, rng, margin: 0.15 }), { paper: 0, pen: 1 }),
  "scan, off-centre": (d, rng) => {
    const page = placeOnCanvas(drawDigit(d, { size: 120, penWidth: 7, rng }), {
      width: 400,
      height: 260,
      x: 240,
      y: 100,
    });
    return inkToGray({ ...page, data: page.data.map((v) => (v > 0.5 ? 1 : 0)) });
  },
  "chalk on a board": (d, rng) =>
    inkToGray(
      placeOnCanvas(drawDigit(d, { size: 150, rng }), { width: 200, height: 200, x: 20, y: 30 }),
      { paper: 0.15, pen: 0.8 },
    ),
  "phone photo": async (d, rng) => {
    const page = placeOnCanvas(drawDigit(d, { size: 200, penWidth: 5, rng }), {
      width: 320,
      height: 280,
      x: 50,
      y: 40,
    });
    const photo = synthPhoto(page, {
      rng,
      pen: rng() < 0.5 ? BLUE_PEN : BLACK_PEN,
      ruling: { spacing: 18, angle: 4 * rng() - 2 },
      gradient: 0.4,
      shadow: 0.3,
      blur: 1,
      noise: 0.015,
    });
    return await jpegRoundTrip(photo, 75);
  },
};

Deno.test("normalizeImage puts every digit in MNIST layout: box 20, centre of mass at (14, 14)", async () => {
  const rng = createRng(100);
  for (const [name, scene] of Object.entries(SCENES)) {
    for (const d of [0, 1, 4, 7]) {
      const r = normalizeImage(await scene(d, rng));
      assert(r.inkFound, `${name} ${d}: no ink`);
      const out = { width: 28, height: 28, data: r.pixels };
      const box = inkBox(out, 0.02)!;
      assertEquals(Math.max(box.width, box.height), 20, `${name} ${d}: box ${JSON.stringify(box)}`);
      const com = centerOfMass(out)!;
      assert(
        Math.abs(com.x - 14) <= 0.5 && Math.abs(com.y - 14) <= 0.5,
        `${name} ${d}: com ${com.x}, ${com.y}`,
      );
      const bad = r.pixels.find((v) => !(v >= 0 && v <= 1));
      assertEquals(bad, undefined, `${name} ${d}: value ${bad}`);
    }
  }
});

Deno.test("normalizeImage keeps every digit recognisable in every scene; the naive squash does not", async () => {
  const rng = createRng(7);
  for (const [name, scene] of Object.entries(SCENES)) {
    let normalized = 0, naive = 0;
    for (let d = 0; d < 10; d++) {
      const img = await scene(d, rng);
      if (templateDigit(normalizeImage(img).pixels) === d) normalized++;
      if (templateDigit(naiveNormalize(img)) === d) naive++;
    }
    assert(normalized >= 9, `${name}: normalised ${normalized}/10`);
    if (name !== "MNIST-sized") {
      assert(naive < normalized, `${name}: naive ${naive} vs ${normalized}`);
    }
  }
});

Deno.test("normalizeImage reports no digit for blank and near-blank images", () => {
  const rng = createRng(3);
  const blank = { width: 120, height: 90, data: new Float32Array(120 * 90).fill(0.93) };
  const grid = synthPhoto({ width: 200, height: 150, data: new Float32Array(30000) }, {
    rng,
    ruling: { spacing: 16 },
    noise: 0.02,
  });
  const gray = {
    width: 200,
    height: 150,
    data: new Float32Array(30000).map((_, i) =>
      0.3 * grid.data[i * 3] + 0.59 * grid.data[i * 3 + 1] + 0.11 * grid.data[i * 3 + 2]
    ),
  };
  for (const img of [blank, gray]) {
    const r = normalizeImage(img);
    assertEquals([r.inkFound, r.box], [false, null]);
    assert(r.pixels.every((v) => v === 0));
  }
});

Deno.test("normalizeImage returns the digit's box in input pixels, and the steps on request", () => {
  const ink = placeOnCanvas(drawDigit(1, { size: 1000, penWidth: 60, margin: 0 }), {
    width: 1600,
    height: 1200,
    x: 400,
    y: 100,
  });
  const r = normalizeImage(inkToGray(ink), { returnSteps: true });
  const b = r.box!, truth = inkBox(ink, 0.5)!;
  // Found on a copy shrunk to 800 px, so within a couple of input pixels.
  for (const k of ["x", "y", "width", "height"] as const) {
    assert(
      Math.abs(b[k] - truth[k]) <= 4,
      `${k}: ${JSON.stringify(b)} vs ${JSON.stringify(truth)}`,
    );
  }
  const names = r.steps!.map((s) => s.name);
  assertEquals(names.slice(0, 5), [
    "grayscale",
    "working size",
    "background",
    "ink strength",
    "ink",
  ]);
  assertEquals(names.at(-1), "mnist");
});

Deno.test("normalizeImage reads the shipped examples", async () => {
  for (
    const [file, digit] of [["drawn_3.png", 3], ["scan_7.png", 7], ["photo_4.jpg", 4]] as const
  ) {
    const r = normalizeImage(await readImage(`data/examples/${file}`));
    assert(r.inkFound, file);
    assertEquals(templateDigit(r.pixels), digit, file);
  }
});

/** Sum, index-weighted sum and sum of squares of 784 pixels: a fingerprint of an MNIST image. */
function fingerprint(pixels: Float32Array): [number, number, number] {
  let sum = 0, moment = 0, squares = 0;
  pixels.forEach((v, i) => {
    sum += v;
    moment += v * i;
    squares += v * v;
  });
  return [sum, moment, squares];
}

function assertFingerprint(pixels: Float32Array, expected: number[], what: string): void {
  fingerprint(pixels).forEach((v, k) => assertAlmostEquals(v, expected[k], 1e-6, `${what} [${k}]`));
}

// Recorded with the implementation before the speed work (sharp decoding,
// unoptimised helpers): the output must not change.
Deno.test("normalizeImage gives the recorded output for every shipped example", async () => {
  const recorded: Record<string, { box: Box; fingerprint: number[] }> = {
    "drawn_3.png": {
      box: { x: 74, y: 36, width: 102, height: 176 },
      fingerprint: [75.17538662417064, 29890.742044342413, 62.30055717549577],
    },
    "number_2024.png": {
      box: { x: 37, y: 30, width: 347, height: 80 },
      fingerprint: [74.83836790459463, 30412.023266168835, 68.34137364504957],
    },
    "photo_4.jpg": {
      box: { x: 194, y: 93, width: 126, height: 186 },
      fingerprint: [93.65763761650123, 38887.323985101546, 78.0340950342255],
    },
    "scan_7.png": {
      box: { x: 257, y: 79, width: 92, height: 141 },
      fingerprint: [49.20598151581362, 20299.639287286438, 39.39645462188787],
    },
  };
  for (const [file, { box, fingerprint }] of Object.entries(recorded)) {
    const r = normalizeImage(await readImage(`data/examples/${file}`));
    assertEquals([r.inkFound, r.box], [true, box], file);
    assertFingerprint(r.pixels, fingerprint, file);
  }
});

/** MNIST image `index` as dark ink on white, scaled 2x, centred on a 64x64 PNG page (as the benchmark makes it). */
function digitPage(images: Float32Array, index: number): Promise<Uint8Array> {
  const data = new Float32Array(64 * 64).fill(1);
  for (let y = 0; y < 56; y++) {
    for (let x = 0; x < 56; x++) {
      data[(4 + y) * 64 + 4 + x] = 1 - images[index * 784 + (y >> 1) * 28 + (x >> 1)];
    }
  }
  return encodePng({ width: 64, height: 64, data });
}

Deno.test("normalizeImage gives the recorded output for the benchmark's 64x64 digit pages", async () => {
  const recorded = [
    [120.53199320938438, 47578.27718702005, 110.4617780127919],
    [137.69169940799475, 54858.9135190174, 128.34123130395807],
    [141.7586186118424, 58748.415906362236, 131.4428028640063],
    [144.66278300479462, 59050.63462906395, 134.35014457110987],
    [176.53868293203413, 73136.59707827494, 163.7988028596535],
  ];
  const ds = await loadEmbeddedMnist();
  for (const [i, expected] of recorded.entries()) {
    const r = normalizeImage(await decodeImage(await digitPage(ds.images, i)));
    assertFingerprint(r.pixels, expected, `digit page ${i}`);
  }
});
