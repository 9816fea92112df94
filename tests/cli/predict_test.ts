import * as tf from "@tensorflow/tfjs";
import {
  assert,
  assertEquals,
  assertMatch,
  assertRejects,
  assertStringIncludes,
} from "@std/assert";
import { setupBackend } from "../../lib/kernels/backend.ts";
import { main } from "../../lib/cli/predict.ts";
import { ImageError, InvalidArgumentError, ModelLoadError } from "../../lib/core/errors.ts";
import { readMetrics } from "../../lib/model/save_load.ts";
import { dataPath } from "../../lib/core/paths.ts";
import type { FileReading } from "../../lib/eval/read_file.ts";
import { captureLog } from "../_helpers/cli.ts";
import { createRng } from "../../lib/core/random.ts";
import { encodePng } from "../../lib/image/encode.ts";
import { makeNonDigits, renderLetter } from "../../lib/image/synth/non_digits.ts";
import { CorrectionStore } from "../../lib/feedback/store.ts";
import { modelIdOf } from "../../lib/feedback/model_id.ts";
import { decodeImage } from "../../lib/image/decode.ts";
import { readDigit } from "../../lib/image/read.ts";
import { loadReadingModel } from "../../lib/cli/reading_model.ts";

const EXAMPLES = dataPath("examples");

/** Runs `fn` with console.log and console.error captured separately. */
async function captureBoth(fn: () => Promise<unknown>): Promise<{ out: string; err: string[] }> {
  const err: string[] = [];
  const { error } = console;
  console.error = (...args: unknown[]) => err.push(args.map(String).join(" "));
  try {
    return { out: await captureLog(fn), err };
  } finally {
    console.error = error;
  }
}

Deno.test("the shipped model: >= 99.5% on MNIST test, under 5 MB, made by the train command", async () => {
  const metrics = await readMetrics(dataPath("models", "default"));
  if (metrics === undefined) throw new Error("data/models/default/metrics.json is missing");
  assert(metrics.test_accuracy >= 0.995, `test accuracy ${metrics.test_accuracy}`);
  assertEquals(metrics.splits.test, 10000);
  assert(metrics.command.startsWith("deno task train "), metrics.command);
  let bytes = 0;
  for (const f of ["model.json", "weights.bin", "metrics.json"]) {
    bytes += (await Deno.stat(dataPath("models", "default", f))).size;
  }
  assert(bytes < 5 * 1024 * 1024, `${bytes} bytes`);
});

Deno.test("predict --json: the shipped model reads every example image", async () => {
  await setupBackend();
  const before = tf.memory().numTensors;
  let code = -1;
  const { out, err } = await captureBoth(async () => {
    code = await main(["--json", EXAMPLES]);
  });
  assertEquals(code, 0);
  assertEquals(err.length, 1, err.join("\n"));
  assertMatch(err[0], /^\d+ files read, \d+ skipped \(not images\)$/);
  assertEquals(tf.memory().numTensors, before);
  const rows: FileReading[] = out.trim().split("\n").map((l) => JSON.parse(l));
  const singles = rows.filter((r) => /_(\d)\.\w+$/.test(r.file));
  assert(singles.length >= 3, `found ${singles.length} single-digit examples`);
  for (const r of singles) {
    const expected = Number(r.file.match(/_(\d)\.\w+$/)![1]);
    assertEquals(r.digit, expected, `${r.file}: read ${r.digit}`);
    assert(r.confidence! > 0.5 && r.alternatives.length === 3 && r.error === null);
    assertEquals(r.hint, null, `${r.file}: one digit, no hint`);
  }
});

Deno.test("predict without --multi: the example number is several digits, with a hint", async () => {
  const file = `${EXAMPLES}/number_2024.png`;
  const r: FileReading = JSON.parse(await captureLog(() => main(["--json", file])));
  assertEquals([r.status, r.error, r.number], ["several-digits", null, "2024"]);
  assertEquals(r.hint, "4 digits found side by side: use --multi to read the number");
  const table = await captureLog(() => main([file]));
  assertStringIncludes(table, "several digits");
  assertStringIncludes(table, "use --multi to read the number");
  assertMatch(table, /2024 .*several digits/);
  const multi: FileReading = JSON.parse(await captureLog(() => main(["--multi", "--json", file])));
  assertEquals([multi.hint, multi.number], [null, "2024"]);
});

Deno.test("predict --multi: reads the example number exactly", async () => {
  const out = await captureLog(() => main(["--multi", "--json", `${EXAMPLES}/number_2024.png`]));
  const r: FileReading = JSON.parse(out.trim());
  assertEquals([r.number, r.status, r.digits.length], ["2024", "ok", 4]);
});

Deno.test("predict: a bad file is reported, the others still run, exit code 1", async () => {
  const dir = await Deno.makeTempDir({ prefix: "predict_cli_" });
  try {
    await Deno.copyFile(`${EXAMPLES}/scan_7.png`, `${dir}/a_7.png`);
    await Deno.writeTextFile(`${dir}/b.png`, "not a picture");
    await Deno.writeTextFile(`${dir}/notes.txt`, "not an image either");
    await Deno.writeTextFile(`${dir}/readme.md`, "# nor this");
    let code = -1;
    const json = await captureBoth(async () => {
      code = await main(["--json", dir]);
    });
    assertEquals(code, 1);
    // stdout stays pure JSON lines; the error and the closing count go to stderr.
    const rows: FileReading[] = json.out.trim().split("\n").map((l) => JSON.parse(l));
    assertEquals(rows.map((r) => r.status), ["ok", "failed"]);
    assertEquals(rows[0].digit, 7);
    assertStringIncludes(rows[1].error!, "b.png");
    assertEquals(json.err, [rows[1].error, "2 files read, 2 skipped (not images)"]);

    code = -1;
    const table = await captureBoth(async () => {
      code = await main([dir]);
    });
    assertEquals(code, 1);
    assertEquals(table.err, [rows[1].error]);
    const lines = table.out.split("\n");
    assertMatch(lines[1], /file .*digit .*confidence .*alternatives .*status .*error \/ hint/);
    // The same alternatives as the JSON, the digit read first.
    const seven = lines.find((l) => l.includes("a_7.png"))!;
    assertMatch(seven, / 7 \d+\.\d\d%, \d /);
    // The error in its own column, the path shown once.
    const bad = lines.find((l) => l.includes("b.png"))!;
    assertEquals(bad.split("b.png").length, 2, bad);
    assertMatch(bad, /│ failed +│ not a readable image: /);
    assertEquals(lines.at(-1), "2 files read, 2 skipped (not images)");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("predict: a directory without images says how many files it skipped", async () => {
  const dir = await Deno.makeTempDir({ prefix: "predict_none_" });
  try {
    await Deno.writeTextFile(`${dir}/notes.txt`, "no image here");
    await assertRejects(
      () => main([dir]),
      InvalidArgumentError,
      `no image files found in ${dir}; 1 skipped (not images)`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("predict: usage errors", async () => {
  await assertRejects(() => main([]), InvalidArgumentError, "no image given");
  await assertRejects(() => main(["--bogus", "x.png"]), InvalidArgumentError, "--bogus");
  const e = await assertRejects(
    () => main(["--model", "/nonexistent/model", `${EXAMPLES}/scan_7.png`]),
    ModelLoadError,
  );
  assertStringIncludes(e.message, "/nonexistent/model");
});

Deno.test("predict: the shipped model's calibration keeps non-digits below 0.9 (at most 5%)", async () => {
  await setupBackend();
  const dir = await Deno.makeTempDir({ prefix: "predict_non_digits_" });
  try {
    // Seed 11: not the seed the digit check was fitted on (7). 300 images:
    // on seeds 1, 2, 12, 13, 14 (1,500 images) 2.1% read at >= 0.9.
    const set = await makeNonDigits({ rng: createRng(11), perKind: 100 });
    for (const [i, { image }] of set.entries()) {
      await Deno.writeFile(`${dir}/${String(i).padStart(3, "0")}.png`, await encodePng(image));
    }
    const { out } = await captureBoth(() => main(["--json", dir]));
    const rows: FileReading[] = out.trim().split("\n").map((l) => JSON.parse(l));
    assertEquals(rows.length, set.length);
    const sure = rows.filter((r) => (r.confidence ?? 0) >= 0.9).length;
    assert(sure <= 0.05 * rows.length, `${sure} of ${rows.length} read at >= 0.9`);
    assert(rows.filter((r) => r.status === "unsure").length >= rows.length / 2);
    // Without the calibration (a copy of the model without calibration.json),
    // the same model reads most of them at >= 0.9: the calibration does it.
    const raw = `${dir}/raw`;
    await Deno.mkdir(raw);
    for (const f of ["model.json", "weights.bin", "metrics.json"]) {
      await Deno.copyFile(dataPath("models", "default", f), `${raw}/${f}`);
    }
    const before = await captureBoth(() => main(["--json", "--model", raw, dir]));
    const rawRows: FileReading[] = before.out.trim().split("\n").map((l) => JSON.parse(l));
    const rawSure = rawRows.filter((r) => (r.confidence ?? 0) >= 0.9).length;
    assert(rawSure >= 0.3 * rawRows.length, `uncalibrated: ${rawSure} of ${rawRows.length}`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("predict: a capital A in a font is not read as a sure 4", async () => {
  const style = { family: "serif", weight: "normal", style: "normal" } as const;
  const a = await renderLetter("A", { ...style, size: 120 });
  if (a === null) return; // no font on this machine: the stroke letters above cover it
  const file = await Deno.makeTempFile({ suffix: ".png" });
  try {
    await Deno.writeFile(file, await encodePng(a));
    const r: FileReading = JSON.parse(await captureLog(() => main(["--json", file])));
    // "Sure" as the issue counts it: >= 0.9 (uncalibrated, 0.988). The model shipped with the
    // styles reads this A as a 4 at 0.52 (its predecessor at under 0.5): not sure, and the
    // alternatives are there for the user to see.
    assert(r.confidence! < 0.9, `read ${r.digit} at ${r.confidence}`);
    assertEquals(r.alternatives.length, 3);
  } finally {
    await Deno.remove(file);
  }
});

/** The corrections in a store directory, with their images. */
function storedIn(dir: string) {
  const store = CorrectionStore.open({ dir });
  try {
    return store.list({ includeImages: true });
  } finally {
    store.close();
  }
}

Deno.test("predict --correct: records the digit read wrong, as the model saw it", async () => {
  await setupBackend();
  const dir = await Deno.makeTempDir({ prefix: "predict_correct_" });
  const file = `${EXAMPLES}/drawn_3.png`;
  try {
    const before = tf.memory().numTensors;
    let code = -1;
    const { out } = await captureBoth(async () => {
      code = await main(["--feedback-dir", dir, "--correct", "8", file]);
    });
    assertEquals(tf.memory().numTensors, before);
    assertEquals(code, 0);
    assertMatch(out, /drawn_3\.png │\s+3 │/); // the reading, as predict prints it
    assertEquals(out.split("\n").at(-1), "recorded correction #1: 3 → 8");
    const [c] = storedIn(dir);
    assertEquals(
      [c.fileName, c.reading, c.label, c.origin, c.modelId],
      ["drawn_3.png", "3", 8, "cli", await modelIdOf(dataPath("models", "default"))],
    );
    assertEquals(c.imageBytes, await Deno.readFile(file));
    // The 28x28 and confidence stored are the shipped model's reading of the file.
    const { model, classify } = await loadReadingModel(undefined);
    const r = await readDigit(await decodeImage(c.imageBytes), classify);
    model.dispose();
    assertEquals(c.pixels, r.input);
    assertEquals(c.confidence, Math.max(...r.probabilities!));
    // Read right already: nothing recorded, said so.
    const same = await captureLog(() => main(["--feedback-dir", dir, "--correct", "3", file]));
    assertEquals(same.split("\n").at(-1), `nothing recorded: ${file} already reads 3`);
    assertEquals(storedIn(dir).length, 1);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("predict --multi --correct: one label per digit; a count that differs is refused", async () => {
  const dir = await Deno.makeTempDir({ prefix: "predict_correct_" });
  const file = `${EXAMPLES}/number_2024.png`;
  try {
    const out = await captureLog(() =>
      main(["--feedback-dir", dir, "--multi", "--correct", "7029", file])
    );
    assertEquals(out.split("\n").slice(-2), [
      "recorded correction #1: 2 → 7",
      "recorded correction #2: 4 → 9",
    ]);
    assertEquals(storedIn(dir).map((c) => [c.reading, c.label]), [["2", 7], ["4", 9]]);
    await assertRejects(
      () => captureLog(() => main(["--feedback-dir", dir, "--multi", "--correct", "202", file])),
      InvalidArgumentError,
      `--correct 202 has 3 digits but ${file} reads as 4 digits ("2024")`,
    );
    await assertRejects(
      () => captureLog(() => main(["--feedback-dir", dir, "--correct", "2", file])),
      ImageError,
      "holds 4 digits side by side: correct them one per digit with --multi",
    );
    assertEquals(storedIn(dir).length, 2);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("predict --json --correct: stdout stays one JSON reading, the record goes to stderr", async () => {
  const dir = await Deno.makeTempDir({ prefix: "predict_correct_" });
  try {
    const { out, err } = await captureBoth(() =>
      main(["--json", "--feedback-dir", dir, "--correct", "1", `${EXAMPLES}/scan_7.png`])
    );
    const r: FileReading = JSON.parse(out);
    assertEquals([r.digit, err], [7, ["recorded correction #1: 7 → 1"]]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("predict --correct and --review: usage errors, before anything is read or written", async () => {
  const dir = await Deno.makeTempDir({ prefix: "predict_correct_" });
  const scan = `${EXAMPLES}/scan_7.png`;
  const cases: [string[], string][] = [
    [["--correct", "x", scan], '--correct must be the right digit 0-9, got "x"'],
    [["--correct", "12", scan], "--correct 12 is several digits: add --multi"],
    [["--correct", "1", scan, scan], `--correct takes one image file, got "${scan}", "${scan}"`],
    [
      ["--correct", "1", EXAMPLES],
      `--correct takes one image file, got "${EXAMPLES}" (a directory)`,
    ],
    [["--feedback-dir", dir, scan], "--feedback-dir is for --correct and --review"],
    [["--review", "--json", scan], "--review asks for each file's digit: it goes without --json"],
    [["--review", "--correct", "1", scan], "it goes without --correct"],
  ];
  try {
    for (const [args, message] of cases) {
      await assertRejects(
        () => main(["--feedback-dir", dir, ...args]),
        InvalidArgumentError,
        message,
      );
    }
    assertEquals([...Deno.readDirSync(dir)], []); // not even the store was created
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
