import { assert, assertAlmostEquals, assertEquals, assertRejects, assertThrows } from "@std/assert";
import { InvalidArgumentError } from "../../lib/core/errors.ts";
import { encodePng } from "../../lib/image/encode.ts";
import type { Classify, GrayImage } from "../../lib/image/raster.ts";
import { drawDigit, inkToGray, placeOnCanvas, sideBySide } from "../../lib/image/synth/scenes.ts";
import { readImageFile } from "../../lib/eval/read_file.ts";
import {
  calibrationOf,
  classifyTreePath,
  listLabelledTree,
  type ScoredReading,
  scoreItem,
  scoreTree,
  summarizeScores,
  type TreeItem,
} from "../../lib/eval/score_tree.ts";

/**
 * A stand-in model that tells thin digits from full ones by the ink of the
 * 28x28 input: a drawn 1 holds about 62 units of ink, a 0 or 8 120–132, so
 * below 90 it reads 1 (at 0.95), above it 8 (at 0.6, 0 second at 0.3).
 */
const inkClassify: Classify = (pixels) => {
  const ink = pixels.reduce((a, b) => a + b, 0);
  const p = new Array(10).fill(0.1 / 8);
  if (ink < 90) return p.map((_, i) => (i === 1 ? 0.95 : 0.05 / 9));
  p[8] = 0.6;
  p[0] = 0.3;
  return p;
};

function drawn(digit: number): GrayImage {
  return inkToGray(
    placeOnCanvas(drawDigit(digit, { size: 80 }), { width: 160, height: 120, x: 40, y: 20 }),
  );
}

async function write(path: string, img: GrayImage): Promise<void> {
  await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
  await Deno.writeFile(path, await encodePng(img));
}

/**
 * A tree with every case: g1/ read right; g2/ a 0 read as 8, a blank page,
 * a file that is not a picture; two numbers (one read right); files to skip.
 */
async function makeTree(root: string): Promise<void> {
  await write(`${root}/g1/1/a.png`, drawn(1));
  await write(`${root}/g1/8/b.png`, drawn(8));
  await write(`${root}/g2/0/c.png`, drawn(0));
  await write(`${root}/g2/3/blank.png`, {
    width: 64,
    height: 64,
    data: new Float32Array(64 * 64).fill(1),
  });
  await Deno.mkdir(`${root}/g2/5`, { recursive: true });
  await Deno.writeTextFile(`${root}/g2/5/broken.png`, "not a picture");
  const row = (digits: number[]) =>
    inkToGray(sideBySide(digits.map((d) => drawDigit(d, { size: 60 }))));
  await write(`${root}/multi/011__row.png`, row([0, 1, 1]));
  await write(`${root}/multi/11__pair.png`, row([1, 1]));
  await write(`${root}/multi/no_number.png`, row([1]));
  await write(`${root}/stray.png`, drawn(1));
  await Deno.writeTextFile(`${root}/README.md`, "notes");
}

const reading = (
  digit: number | null,
  confidence: number | null,
  more: Partial<ScoredReading> = {},
): ScoredReading => ({
  status: digit === null ? "no-digit" : "ok",
  digit,
  number: null,
  confidence,
  alternatives: digit === null ? [] : [{ digit, probability: confidence ?? 0 }],
  digits: digit === null ? [] : [{ digit, confidence: confidence ?? 0 }],
  error: null,
  hint: null,
  ...more,
});

const item = (truth: string, group = "g", file = `${group}/${truth}/x.png`): TreeItem => ({
  file,
  path: file,
  kind: "digit",
  truth,
  group,
});

Deno.test("classifyTreePath: label folders, groups, numbers and what is skipped", () => {
  assertEquals(classifyTreePath("a/b/3/x.PNG", "set"), { kind: "digit", truth: "3", group: "a/b" });
  assertEquals(classifyTreePath("0/x.jpg", "set"), { kind: "digit", truth: "0", group: "set" });
  assertEquals(classifyTreePath("phones/multi/007__a.jpg", "set"), {
    kind: "number",
    truth: "007",
    group: "phones/multi",
  });
  assertEquals(classifyTreePath("multi/3/x.png", "set"), {
    kind: "digit",
    truth: "3",
    group: "multi",
  });
  assertEquals(classifyTreePath("g/10/x.png", "set"), {
    reason: "not in a label folder (0-9) or multi/",
  });
  assertEquals(classifyTreePath("multi/12_a.png", "set"), {
    reason: 'a number\'s file name must start with its digits and "__"',
  });
  assertEquals(classifyTreePath("g/3/notes.txt", "set"), { reason: "not an image" });
});

Deno.test("listLabelledTree: items and skipped files in path order; a file is no tree", async () => {
  const root = await Deno.makeTempDir({ prefix: "score_tree_" });
  try {
    await makeTree(root);
    const tree = await listLabelledTree(root);
    assertEquals(tree.items.map((i) => [i.path, i.kind, i.truth, i.group]), [
      ["g1/1/a.png", "digit", "1", "g1"],
      ["g1/8/b.png", "digit", "8", "g1"],
      ["g2/0/c.png", "digit", "0", "g2"],
      ["g2/3/blank.png", "digit", "3", "g2"],
      ["g2/5/broken.png", "digit", "5", "g2"],
      ["multi/011__row.png", "number", "011", "multi"],
      ["multi/11__pair.png", "number", "11", "multi"],
    ]);
    assertEquals(tree.items[0].file, `${root}/g1/1/a.png`);
    assertEquals(tree.skipped.map((s) => [s.path, s.reason]), [
      ["README.md", "not an image"],
      ["multi/no_number.png", 'a number\'s file name must start with its digits and "__"'],
      ["stray.png", "not in a label folder (0-9) or multi/"],
    ]);
    const err = await assertRejects(
      () => listLabelledTree(`${root}/README.md`),
      InvalidArgumentError,
    );
    assert(err.message.includes(`${root}/README.md`), err.message);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("scoreTree: reads digits one by one and numbers with multi, through readImageFile", async () => {
  const root = await Deno.makeTempDir({ prefix: "score_tree_" });
  try {
    await makeTree(root);
    const calls: string[] = [];
    const progress: number[] = [];
    const score = await scoreTree(root, (file, options) => {
      calls.push(`${options.multi ? "multi" : "digit"} ${file.slice(root.length + 1)}`);
      return readImageFile(file, inkClassify, options);
    }, { onProgress: (done, total) => progress.push(done / total) });
    assertEquals(calls.slice(-2), ["multi multi/011__row.png", "multi multi/11__pair.png"]);
    assertEquals(calls[0], "digit g1/1/a.png");
    assertEquals(progress.length, 7);
    assertEquals(progress.at(-1), 1);

    assertEquals(score.groups.map((g) => [g.group, g.images, g.correct, g.noDigit, g.failed]), [
      ["g1", 2, 2, 0, 0],
      ["g2", 3, 0, 1, 1],
    ]);
    assertEquals([score.overall.images, score.overall.correct], [5, 2]);
    assertAlmostEquals(score.overall.accuracy, 0.4, 1e-12);
    assertEquals(score.confusions, [
      { truth: "0", read: "8", count: 1 },
      { truth: "3", read: "no digit", count: 1 },
      { truth: "5", read: "failed", count: 1 },
    ]);
    assertEquals(score.numbers.items.map((n) => [n.truth, n.read, n.correct]), [
      ["011", "811", false],
      ["11", "11", true],
    ]);
    assertEquals([score.numbers.exact, score.numbers.count], [1, 2]);
    // Three single digits have a confidence: 1 (0.95, right), 8 (0.6, right), 0 (0.6, wrong).
    const cal = score.calibration;
    assertEquals(cal.count, 3);
    assertAlmostEquals(cal.ece!, (1 / 3) * 0.05 + (2 / 3) * 0.1, 1e-6);
    assertEquals(cal.bands.map((b) => b.count), [0, 2, 0, 1, 0]);
    assertEquals(cal.confidentWrong, 0);
    assertEquals(score.statuses.map((s) => [s.status, s.count, s.correct]), [
      ["ok", 3, 2],
      ["failed", 1, 0],
      ["no-digit", 1, 0],
    ]);
    assertEquals(score.failures.map((f) => f.path), ["g2/5/broken.png"]);
    assert(score.failures[0].error.length > 0);
    assertEquals(score.skipped.length, 3);
    const wrong = score.items.find((i) => i.path === "g2/0/c.png")!;
    assertEquals(wrong.alternatives.map((a) => a.digit), [8, 0, wrong.alternatives[2].digit]);
    assertEquals(wrong.status, "ok");
    // The whole score is plain data: it survives JSON unchanged (no NaN, no undefined).
    assertEquals(JSON.parse(JSON.stringify(score)), score);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("scoreTree: a tree without labelled images is an error naming it", async () => {
  const root = await Deno.makeTempDir({ prefix: "score_tree_" });
  try {
    await Deno.writeTextFile(`${root}/notes.txt`, "x");
    const err = await assertRejects(
      () => scoreTree(root, () => Promise.reject(new Error("must not read"))),
      InvalidArgumentError,
    );
    assert(err.message.includes(root) && err.message.includes("1 files skipped"), err.message);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("calibrationOf: band edges, the ECE of calibrated and overconfident readers", () => {
  const at = (confidence: number, correct = true) => ({ confidence, correct });
  const edges = calibrationOf([at(0.5), at(0.7), at(0.9), at(0.99), at(1), at(0.4999)]);
  assertEquals(edges.bands.map((b) => [b.label, b.count]), [
    ["<0.5", 1],
    ["0.5–0.7", 1],
    ["0.7–0.9", 1],
    ["0.9–0.99", 1],
    ["≥0.99", 2],
  ]);
  // Right 8 times of 10 at 0.8, and 3 of 10 at 0.3: calibrated, ECE 0.
  const calibrated = [
    ...Array.from({ length: 10 }, (_, i) => at(0.8, i < 8)),
    ...Array.from({ length: 10 }, (_, i) => at(0.3, i < 3)),
  ];
  assertAlmostEquals(calibrationOf(calibrated).ece!, 0, 1e-12);
  // Always sure, right half the time: ECE 0.5, and every wrong one is confidently wrong.
  const sure = calibrationOf(Array.from({ length: 10 }, (_, i) => at(1, i % 2 === 0)));
  assertAlmostEquals(sure.ece!, 0.5, 1e-12);
  assertEquals([sure.confidentWrong, sure.bands[4].accuracy, sure.bands[4].meanConfidence], [
    5,
    0.5,
    1,
  ]);
  const none = calibrationOf([]);
  assertEquals([none.ece, none.count, none.bands[0].accuracy, none.bands[0].meanConfidence], [
    null,
    0,
    null,
    null,
  ]);
  assertThrows(() => calibrationOf([at(1.2)]), InvalidArgumentError, "1.2");
  assertThrows(() => calibrationOf([at(NaN)]), InvalidArgumentError, "NaN");
});

Deno.test("summarizeScores: confusions most frequent first; statuses passed through as given", () => {
  const scored = [
    scoreItem(item("7"), reading(1, 0.9)),
    scoreItem(item("7"), reading(1, 0.95)),
    scoreItem(item("4"), reading(9, 0.5)),
    scoreItem(item("2"), reading(2, 0.55, { status: "unsure" })),
    scoreItem(item("3"), reading(3, 0.99, { hint: "2 digits found side by side" })),
    scoreItem(item("9", "h"), reading(9, 0.999)),
  ];
  const score = summarizeScores("root", scored, []);
  assertEquals(score.confusions, [
    { truth: "7", read: "1", count: 2 },
    { truth: "4", read: "9", count: 1 },
  ]);
  assertEquals(score.statuses, [
    { status: "ok", count: 4, correct: 1 },
    { status: "several digits", count: 1, correct: 1 },
    { status: "unsure", count: 1, correct: 1 },
  ]);
  assertEquals(score.groups.map((g) => [g.group, g.images, g.correct]), [["g", 5, 2], ["h", 1, 1]]);
  assertEquals(score.calibration.confidentWrong, 2);
  assertEquals(score.numbers, { count: 0, exact: 0, items: [] });
});

Deno.test("scoreItem: a number is exact only with every digit, leading zeros kept", () => {
  const number: TreeItem = {
    file: "m/007__a.png",
    path: "007__a.png",
    kind: "number",
    truth: "007",
    group: "m",
  };
  const read = (text: string | null): ScoredReading => ({
    ...reading(null, null),
    status: text === null ? "no-digit" : "ok",
    number: text,
    confidence: text === null ? null : 0.9,
  });
  assertEquals(scoreItem(number, read("007")).correct, true);
  assertEquals(scoreItem(number, read("07")).correct, false);
  assertEquals(scoreItem(number, read("7")).correct, false);
  assertEquals(scoreItem(number, read(null)).read, null);
  // A number read with a hint keeps its status: the hint is about single-digit mode.
  assertEquals(scoreItem(number, { ...read("007"), hint: "x" }).status, "ok");
});
