import { CLASS_NAMES } from "../../lib/data/class_names.ts";
import { assert, assertEquals, assertRejects, assertThrows } from "@std/assert";
import { argMax, digitReadingBundle, numberReadingBundle } from "../../lib/display/reading_view.ts";
import { InvalidArgumentError } from "../../lib/core/errors.ts";
import { svgImages } from "../_helpers/svg_images.ts";

const PROBS = [0.01, 0.02, 0.02, 0.05, 0.1, 0.05, 0.05, 0.6, 0.05, 0.05];

Deno.test("argMax picks the first largest value and rejects bad input", () => {
  assertEquals(argMax([0.2, 0.5, 0.5]), 1);
  assertThrows(() => argMax([]), InvalidArgumentError, "no values");
  assertThrows(() => argMax([0.1, NaN]), InvalidArgumentError, "probability 1 is NaN");
});

Deno.test("digitReadingBundle names the prediction, the truth and the top three", async () => {
  const right = await digitReadingBundle({
    title: "scan_7.png",
    input: new Float32Array(784),
    probabilities: PROBS,
    label: 7,
  });
  assertEquals(
    right["text/plain"],
    "scan_7.png: predicted 7 (60.0%), expected 7 (right); top 3: 7 60.0%, 4 10.0%, 3 5.0%",
  );
  const wrong = await digitReadingBundle({
    input: new Float32Array(784),
    probabilities: PROBS,
    label: 1,
  });
  assert((wrong["text/plain"] as string).startsWith("predicted 7 (60.0%), expected 1 (wrong)"));
  const barOf = (html: string) => svgImages(html)[0].match(/<rect class="bar"[^>]*>/g)![7];
  assert(barOf(wrong["text/html"] as string).includes('fill="#d33"'), "a wrong prediction is red");
  assert(barOf(right["text/html"] as string).includes('fill="#2a7"'), "a right one is green");
});

Deno.test("digitReadingBundle draws a bar per class, the images and the steps", async () => {
  const original = { width: 400, height: 200, data: new Float32Array(400 * 200).fill(1) };
  const steps = [
    { name: "crop", width: 10, height: 20, data: new Float32Array(200) },
    { name: "mnist", width: 28, height: 28, data: new Float32Array(784) },
  ];
  const bundle = await digitReadingBundle({
    input: new Float32Array(784),
    probabilities: PROBS,
    original,
    steps,
  });
  const html = bundle["text/html"] as string;
  assert(!html.includes("display:flex"), "tables, not CSS, place the pictures");
  const [barsSvg] = svgImages(html);
  const bars = [...barsSvg.matchAll(/<rect class="bar"[^>]* width="(\d+)"/g)].map((m) =>
    Number(m[1])
  );
  assertEquals(bars, PROBS.map((p) => Math.round(p * 160)));
  assertEquals(html.match(/<img /g)?.length, 5, "original, input, the bars and two steps");
  assert(html.includes('width="140" height="70"'), "the original is shrunk to 140 px");
  assert(html.includes('width="140" height="140"'), "the 28x28 input is enlarged 5 times");
  assert(html.includes("<figcaption>original 400x200</figcaption>"));
  assert(html.includes("<figcaption>crop</figcaption>"));
});

Deno.test("digitReadingBundle of a blank image says no digit was found, and shows no bars", async () => {
  const original = { width: 40, height: 40, data: new Float32Array(1600).fill(1) };
  const bundle = await digitReadingBundle({
    title: "blank.png",
    input: new Float32Array(784),
    probabilities: null,
    original,
    steps: [{ name: "grayscale", ...original }],
  });
  assertEquals(bundle["text/plain"], "blank.png: no digit found");
  const html = bundle["text/html"] as string;
  assert(html.includes('class="digit-lab-prediction"'));
  assert(!html.includes("class probabilities"), "no bars without probabilities");
  assertEquals(html.match(/<img /g)?.length, 3, "original, input and the step");
});

Deno.test("digitReadingBundle rejects class names that do not match", async () => {
  await assertRejects(
    () =>
      digitReadingBundle({
        input: new Float32Array(784),
        probabilities: [0.5, 0.5],
        classNames: ["a"],
      }),
    InvalidArgumentError,
    "1 class names for 2 probabilities",
  );
});

const oneHot = (d: number, p = 1) =>
  Array.from({ length: 10 }, (_, i) => (i === d ? p : (1 - p) / 9));

Deno.test("numberReadingBundle reads the number and boxes each digit on the original", async () => {
  const original = { width: 960, height: 240, data: new Float32Array(960 * 240).fill(1) };
  const digits = [
    {
      input: new Float32Array(784),
      probabilities: oneHot(2, 0.9),
      box: { x: 100, y: 20, width: 200, height: 200 },
    },
    {
      input: new Float32Array(784),
      probabilities: oneHot(4),
      box: { x: 500, y: 40, width: 100, height: 160 },
    },
  ];
  const right = await numberReadingBundle({
    original,
    digits,
    expected: "24",
    title: "number_24.png",
  });
  assertEquals(
    right["text/plain"],
    "number_24.png: read 24, expected 24 (right); digits: 2 90.0%, 4 100.0%",
  );
  const html = right["text/html"] as string;
  assert(html.includes('width="480" height="120"'), "the original is shrunk to 480 px");
  // The boxes are drawn over the original in one SVG picture, scaled by 480 / 960
  // and drawn 1 px inside so that their 2 px stroke stays on the box.
  const [boxed] = svgImages(html);
  assert(boxed.includes('<image href="data:image/png;base64,'), "the original inside");
  assert(boxed.includes('x="51" y="11" width="98" height="98"'), boxed.slice(-400));
  assert(boxed.includes('x="251" y="21" width="48" height="78"'));
  assertEquals(boxed.match(/stroke="#2a7"/g)?.length, 2);
  assert(html.includes("<figcaption>2 · 90.0%</figcaption>"));
  assertEquals(html.match(/<img /g)?.length, 3);

  const wrong = await numberReadingBundle({ original, digits, expected: "28" });
  assert((wrong["text/plain"] as string).startsWith("read 24, expected 28 (wrong)"));
  assertEquals(svgImages(wrong["text/html"] as string)[0].match(/stroke="#d33"/g)?.length, 1);
  const none = await numberReadingBundle({ original, digits: [] });
  assertEquals(none["text/plain"], "no digits found");
});

Deno.test("digitReadingBundle makes room for long class names beside the bars", async () => {
  const fashion = CLASS_NAMES["fashion-mnist"];
  const named = await digitReadingBundle({
    input: new Float32Array(784),
    probabilities: PROBS,
    label: 9,
    classNames: fashion,
  });
  assertEquals(
    named["text/plain"],
    "predicted Sneaker (60.0%), expected Ankle boot (wrong); top 3: Sneaker 60.0%, Coat 10.0%, " +
      "Dress 5.0%",
  );
  const bars = (html: string) => svgImages(html)[0];
  const namedBars = bars(named["text/html"] as string);
  // "T-shirt/top" is about 66 px at font size 10, 73 px at 11: the bars start 10 px after it.
  assert(namedBars.includes('<rect x="83"'), "the bars start after the widest name");
  assert(namedBars.includes('text-anchor="end">T-shirt/top</text>'));
  const digits = await digitReadingBundle({ input: new Float32Array(784), probabilities: PROBS });
  assert(bars(digits["text/html"] as string).includes('<rect x="28"'), "digits keep 28 px");
});
