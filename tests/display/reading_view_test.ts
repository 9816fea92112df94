import { assert, assertEquals, assertRejects, assertThrows } from "@std/assert";
import { argMax, digitReadingBundle, numberReadingBundle } from "../../lib/display/reading_view.ts";
import { InvalidArgumentError } from "../../lib/core/errors.ts";

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
  assert((wrong["text/html"] as string).includes("background:#d33"), "a wrong prediction is red");
  assert((right["text/html"] as string).includes("background:#2a7"), "a right prediction is green");
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
  const bars = [...html.matchAll(/display:block;width:(\d+)px/g)].map((m) => Number(m[1]));
  assertEquals(bars, PROBS.map((p) => Math.round(p * 160)));
  assertEquals(html.match(/<img /g)?.length, 4, "original, input and two steps");
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
  // boxes scaled by 480 / 960
  assert(html.includes("left:50px;top:10px;width:100px;height:100px;"), html);
  assert(html.includes("left:250px;top:20px;width:50px;height:80px;"));
  assertEquals(html.match(/border:2px solid #2a7/g)?.length, 2);
  assert(html.includes("<figcaption>2 · 90.0%</figcaption>"));
  assertEquals(html.match(/<img /g)?.length, 3);

  const wrong = await numberReadingBundle({ original, digits, expected: "28" });
  assert((wrong["text/plain"] as string).startsWith("read 24, expected 28 (wrong)"));
  assertEquals((wrong["text/html"] as string).match(/solid #d33/g)?.length, 1);
  const none = await numberReadingBundle({ original, digits: [] });
  assertEquals(none["text/plain"], "no digits found");
});
