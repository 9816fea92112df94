/**
 * `deno task evaluate --model DIR`: re-evaluates a saved model on the test
 * split it was trained against (recreated from its `metrics.json`), or on the
 * test set of `--data DIR`.
 *
 * @module
 */

import { setupBackend } from "../kernels/mod.ts";
import { autoInferenceThreads, BatchPredictor } from "../train/parallel/mod.ts";
import { dataOfRun, loadSplits } from "../data/mod.ts";
import { loadModel } from "../model/mod.ts";
import { dataPath, resolvePath } from "../core/mod.ts";
import { formatClassMetrics, formatTable } from "../display/mod.ts";
import { percent } from "./flags.ts";
import { parseFlags, runCli } from "./run.ts";

const HELP = `Usage: deno task evaluate [--model DIR] [--data DIR] [--json]

Evaluates a saved model on the test split recorded in its metrics.json
(embedded digits re-split with the same seed, or the IDX test set it used),
or on the test set of --data DIR.

Options:
  --model DIR   model directory (default data/models/latest)
  --data DIR    IDX dataset directory whose test set to use
  --json        print one JSON object instead of tables
  -h, --help    show this help
`;

/**
 * Runs the evaluate command and returns the exit code.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { main } from "./evaluate.ts";
 * assertEquals(await main(["--help"]), 0);
 * ```
 */
export async function main(args: string[]): Promise<number> {
  const flags = parseFlags(args, {
    string: ["model", "data"],
    boolean: ["json"],
    positional: false,
  });
  if (flags.help) {
    console.log(HELP);
    return 0;
  }
  const dir = resolvePath(flags.model ?? dataPath("models", "latest"));
  await setupBackend();
  const { model, metrics } = await loadModel(dir);
  try {
    // The data the model was trained on, unless --data says otherwise.
    const { data, root } = dataOfRun(flags.data, metrics?.data_source);
    const validation = metrics?.validation_fraction ?? 0.1;
    const splits = await loadSplits({ data, root, seed: metrics?.seed ?? 42, validation });
    using predictor = await BatchPredictor.start(model, {
      threads: autoInferenceThreads(splits.test.count),
    });
    const result = await predictor.evaluate(splits.test);
    if (flags.json) {
      console.log(JSON.stringify({
        model: dir,
        data_source: splits.source,
        test_examples: result.count,
        test_accuracy: result.accuracy,
        test_loss: result.loss,
        macro_f1: result.macroF1,
        saved_test_accuracy: metrics?.test_accuracy ?? null,
        confusion: result.confusion,
        per_class: result.perClass,
      }));
      return 0;
    }
    console.log(`Model: ${dir}\nData:  ${splits.source} (test split: ${result.count} images)\n`);
    console.log(formatTable(
      [
        ["accuracy", percent(result.accuracy)],
        ["loss", result.loss.toFixed(4)],
        ["macro F1", result.macroF1.toFixed(4)],
        ["accuracy saved at training", metrics ? percent(metrics.test_accuracy) : "n/a"],
      ],
      { header: ["test", "value"], align: ["left", "right"] },
    ));
    console.log("\nConfusion matrix (rows: true digit, columns: predicted):");
    console.log(formatTable(
      result.confusion.map((row, i) => [String(i), ...row.map(String)]),
      {
        header: ["", ...result.confusion.map((_, i) => String(i))],
        align: result.confusion.map(() => "right" as const).concat(["right"]),
      },
    ));
    console.log("\nPer class:");
    console.log(formatClassMetrics(result.perClass));
    const worst = result.worstMistakes.slice(0, 5);
    if (worst.length) {
      console.log("\nMost confident mistakes:");
      console.log(formatTable(
        worst.map((
          m,
        ) => [String(m.index), String(m.label), String(m.predicted), percent(m.confidence)]),
        {
          header: ["index", "true", "predicted", "confidence"],
          align: ["right", "right", "right", "right"],
        },
      ));
    }
    return 0;
  } finally {
    model.dispose();
  }
}

if (import.meta.main) await runCli(main);
