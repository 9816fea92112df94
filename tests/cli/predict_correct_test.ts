import { assert, assertEquals, assertRejects, assertThrows } from "@std/assert";
import { ImageError, InvalidArgumentError } from "../../lib/core/errors.ts";
import { dataPath } from "../../lib/core/paths.ts";
import { correctFlag, correctionsOf } from "../../lib/cli/predict_correct.ts";
import { encodeGrayPng } from "../../lib/image/encode.ts";

const EXAMPLES = dataPath("examples");
const MODEL_ID = "5".repeat(64);
/** A stand-in model that reads every digit as a 2 with 0.8. */
const twos = () => [0.1, 0, 0.8, 0, 0, 0, 0.1, 0, 0, 0];

Deno.test("correctFlag: one digit, or with --multi a number's digits", () => {
  assertEquals([correctFlag("0", false), correctFlag("9", false)], ["0", "9"]);
  assertEquals(correctFlag("007", true), "007"); // leading zeros are digits too
  assertThrows(() => correctFlag("x", false), InvalidArgumentError, 'right digit 0-9, got "x"');
  assertThrows(() => correctFlag("-1", false), InvalidArgumentError, 'got "-1"');
  assertThrows(() => correctFlag("12", false), InvalidArgumentError, "--correct 12 is several");
  assertThrows(() => correctFlag("12a", true), InvalidArgumentError, 'got "12a"');
  assertThrows(() => correctFlag("", true), InvalidArgumentError, 'got ""');
});

Deno.test("correctionsOf: a digit read wrong carries its correction, one read right none", async () => {
  const file = `${EXAMPLES}/drawn_3.png`;
  const [wrong] = await correctionsOf({
    file,
    label: "3",
    multi: false,
    classify: twos,
    modelId: MODEL_ID,
  });
  assertEquals([wrong.reading, wrong.label], ["2", 3]);
  const c = wrong.correction!;
  assertEquals(
    [c.fileName, c.reading, c.label, c.confidence, c.modelId, c.origin],
    ["drawn_3.png", "2", 3, 0.8, MODEL_ID, "cli"],
  );
  assertEquals(c.imageBytes, await Deno.readFile(file));
  assertEquals(c.pixels.length, 784);
  assert(c.pixels.some((v) => v > 0.5), "the 28x28 holds the digit's ink");
  const [right] = await correctionsOf({
    file,
    label: "2",
    multi: false,
    classify: twos,
    modelId: MODEL_ID,
  });
  assertEquals([right.reading, right.label, right.correction], ["2", 2, null]);
});

Deno.test("correctionsOf --multi: one label digit per digit read, counts must agree", async () => {
  const file = `${EXAMPLES}/number_2024.png`;
  const digits = await correctionsOf({
    file,
    label: "2024",
    multi: true,
    classify: twos,
    modelId: MODEL_ID,
  });
  // Read as 2222: the 0 and the 4 are wrong, the two 2s right.
  assertEquals(digits.map((d) => [d.reading, d.label, d.correction !== null]), [
    ["2", 2, false],
    ["2", 0, true],
    ["2", 2, false],
    ["2", 4, true],
  ]);
  // Each correction keeps its own digit's 28x28, not the same one twice.
  assert(digits[1].correction!.pixels.some((v, i) => v !== digits[3].correction!.pixels[i]));
  await assertRejects(
    () => correctionsOf({ file, label: "202", multi: true, classify: twos, modelId: MODEL_ID }),
    InvalidArgumentError,
    `--correct 202 has 3 digits but ${file} reads as 4 digits ("2222")`,
  );
});

Deno.test("correctionsOf: nothing to correct is said, not recorded", async () => {
  const dir = await Deno.makeTempDir();
  const blank = `${dir}/blank.png`;
  await Deno.writeFile(
    blank,
    encodeGrayPng({ width: 40, height: 40, data: new Float32Array(1600).fill(1) }),
  );
  const request = { label: "1", multi: false, classify: twos, modelId: MODEL_ID };
  await assertRejects(
    () => correctionsOf({ ...request, file: blank }),
    ImageError,
    `no digit found in ${blank}: nothing to correct`,
  );
  await assertRejects(
    () => correctionsOf({ ...request, file: `${EXAMPLES}/number_2024.png` }),
    ImageError,
    "number_2024.png holds 4 digits side by side: correct them one per digit with --multi",
  );
  await Deno.writeTextFile(`${dir}/notes.png`, "not a picture");
  await assertRejects(
    () => correctionsOf({ ...request, file: `${dir}/notes.png` }),
    ImageError,
    "notes.png",
  );
  await assertRejects(
    () => correctionsOf({ ...request, file: `${dir}/missing.png` }),
    ImageError,
    `cannot read image file ${dir}/missing.png`,
  );
  await Deno.remove(dir, { recursive: true });
});
