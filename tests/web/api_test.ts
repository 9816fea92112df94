import { assert, assertAlmostEquals, assertEquals, assertRejects } from "@std/assert";
import { Buffer } from "node:buffer";
import { ImageError, InvalidArgumentError } from "../../lib/core/errors.ts";
import { decodeImage } from "../../lib/image/decode.ts";
import { encodePng } from "../../lib/image/encode.ts";
import { drawDigit, inkToGray, sideBySide } from "../../lib/image/synth/scenes.ts";
import { inputPngDataUrl, NO_DIGIT, readDigitUpload, readNumberUpload } from "../../lib/web/api.ts";
import { inkWidth, ONE, SEVEN, widthClassifier } from "./_stand_in.ts";

const drawn = (digit: number) => encodePng(inkToGray(drawDigit(digit, { size: 96 })));

async function fromDataUrl(url: string): Promise<Float32Array> {
  const prefix = "data:image/png;base64,";
  assert(url.startsWith(prefix), url.slice(0, 40));
  const img = await decodeImage(new Uint8Array(Buffer.from(url.slice(prefix.length), "base64")));
  assertEquals([img.width, img.height], [28, 28]);
  return img.data;
}

function assertSamePixels(actual: Float32Array, expected: Float32Array) {
  assertEquals(actual.length, expected.length);
  for (let i = 0; i < actual.length; i++) assertAlmostEquals(actual[i], expected[i], 0.51 / 255);
}

Deno.test("readDigitUpload: reads a drawn 7 and returns the image the model saw", async () => {
  const model = widthClassifier();
  const r = await readDigitUpload(await drawn(7), model.classify);
  assertEquals(model.inputs.length, 1);
  assert(inkWidth(model.inputs[0]) >= 9);
  assertEquals([r.digit, r.confidence, r.probabilities, r.error], [7, 0.83, SEVEN, null]);
  assertEquals([r.status, r.number, r.hint], ["ok", null, null]);
  assertEquals(r.top3.map((a) => a.digit), [7, 1, 2]);
  assertSamePixels(await fromDataUrl(r.input_png!), model.inputs[0]);
});

Deno.test("readDigitUpload: reads a drawn 1 as the narrow digit", async () => {
  const model = widthClassifier();
  const r = await readDigitUpload(await drawn(1), model.classify);
  assertEquals([r.digit, r.confidence, r.probabilities], [1, 0.86, ONE]);
});

Deno.test("readDigitUpload: a blank image is no digit and never reaches the model", async () => {
  const model = widthClassifier();
  const blank = await encodePng({ width: 64, height: 64, data: new Float32Array(64 * 64).fill(1) });
  const r = await readDigitUpload(blank, model.classify);
  assertEquals(r, {
    digit: null,
    confidence: null,
    probabilities: null,
    top3: [],
    input_png: null,
    error: NO_DIGIT,
    status: "no-digit",
    number: null,
    hint: null,
  });
  assertEquals(model.inputs.length, 0);
});

Deno.test("readNumberUpload: reads digits left to right, each with its own input image", async () => {
  const model = widthClassifier();
  const row = inkToGray(sideBySide([drawDigit(1, { size: 96 }), drawDigit(7, { size: 96 })]));
  const r = await readNumberUpload(await encodePng(row), model.classify);
  assertEquals([r.number, r.error, r.digits.map((d) => d.digit)], ["17", null, [1, 7]]);
  assertEquals(model.inputs.length, 2);
  for (let i = 0; i < 2; i++) {
    assertSamePixels(await fromDataUrl(r.digits[i].input_png!), model.inputs[i]);
  }
  const blank = await encodePng({ width: 90, height: 30, data: new Float32Array(2700).fill(1) });
  assertEquals(await readNumberUpload(blank, model.classify), {
    number: null,
    confidence: null,
    digits: [],
    status: "no-digit",
    error: NO_DIGIT,
  });
});

Deno.test("readDigitUpload/readNumberUpload: bad bytes and a bad model name the problem", async () => {
  const model = widthClassifier();
  const text = new TextEncoder().encode("not an image");
  await assertRejects(
    () => readDigitUpload(text, model.classify),
    ImageError,
    "request body: not a",
  );
  await assertRejects(
    () => readNumberUpload(new Uint8Array(0), model.classify),
    ImageError,
    "empty",
  );
  await assertRejects(
    () => readDigitUpload(text, model.classify, { name: "upload.png" }),
    ImageError,
    "upload.png",
  );
  const three = await drawn(3);
  await assertRejects(() => readDigitUpload(three, () => [1, 0]), InvalidArgumentError, "10");
});

Deno.test("inputPngDataUrl: round-trips 28x28 ink values", async () => {
  const pixels = Float32Array.from({ length: 784 }, (_, i) => (i % 29) / 28);
  assertSamePixels(await fromDataUrl(inputPngDataUrl(pixels)), pixels);
});

Deno.test("readDigitUpload: below 0.5 the reading is unsure, with its alternatives", async () => {
  const doubtful = [0.02, 0.05, 0.03, 0.3, 0.01, 0.25, 0.01, 0.02, 0.21, 0.1];
  const r = await readDigitUpload(await drawn(3), () => doubtful);
  assertEquals([r.status, r.digit, r.confidence], ["unsure", 3, 0.3]);
  assertEquals(r.top3.map((a) => a.digit), [3, 5, 8]);
  // just at the threshold it is ok
  const even = [0.5, 0.5, 0, 0, 0, 0, 0, 0, 0, 0];
  assertEquals((await readDigitUpload(await drawn(3), () => even)).status, "ok");
});

Deno.test("readDigitUpload: digits side by side are several-digits, with the number and a hint", async () => {
  const model = widthClassifier();
  const row = inkToGray(sideBySide([7, 1, 1].map((d) => drawDigit(d, { size: 80 }))));
  const r = await readDigitUpload(await encodePng(row), model.classify);
  assertEquals([r.status, r.number], ["several-digits", "711"]);
  assertEquals(r.hint, '3 digits found side by side: switch on "Number" to read the number');
  assert(r.digit !== null, "the image read as one digit is still given");
  // one digit alone is not
  assertEquals((await readDigitUpload(await drawn(7), model.classify)).status, "ok");
});

Deno.test("readNumberUpload: the number's confidence is its digits' product; below 0.5 unsure", async () => {
  const model = widthClassifier();
  const row = inkToGray(sideBySide([1, 7].map((d) => drawDigit(d, { size: 96 }))));
  const png = await encodePng(row);
  const r = await readNumberUpload(png, model.classify);
  assertAlmostEquals(r.confidence!, 0.86 * 0.83, 1e-12);
  assertEquals([r.status, r.digits.map((d) => d.status)], ["ok", ["ok", "ok"]]);
  const third = [0.4, 0.3, 0.3, 0, 0, 0, 0, 0, 0, 0];
  const u = await readNumberUpload(png, () => third);
  assertEquals(u.status, "unsure");
  assert(u.digits.every((d) => d.status === "unsure"));
});
