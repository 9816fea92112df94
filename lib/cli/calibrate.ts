/**
 * `deno task calibrate [--model DIR] [--data DIR]`: fits a saved model's
 * temperature on the validation split it was trained with (recreated from
 * its `metrics.json`: data, validation fraction, seed) and its digit check
 * (training digits against generated letters, shapes and scribbles), and
 * writes `calibration.json` next to the model, which `predict` then uses.
 *
 * @module
 */

import { setupBackend } from "../kernels/mod.ts";
import { dataOfRun, loadSplits } from "../data/mod.ts";
import { loadModel } from "../model/mod.ts";
import { dataPath, resolvePath } from "../core/mod.ts";
import { calibrateSavedModel, CALIBRATION_FILE } from "../eval/mod.ts";
import { formatTable } from "../display/mod.ts";
import { intFlag, numberFlag, percent } from "./flags.ts";
import { parseFlags, runCli } from "./run.ts";

const HELP = `Usage: deno task calibrate [--model DIR] [--data DIR] [--validation X] [--seed N]

Calibrates a saved model's confidence and writes DIR/${CALIBRATION_FILE}:
- the temperature T of softmax(logits / T), fitted on the validation split
  by minimising its negative log-likelihood;
- a digit check on the model's features (10,000 training digits against
  2,100 generated letters, shapes and scribbles), so that what is not a
  digit reads with a low confidence.
predict reads the file whenever it loads the model.

Options:
  --model DIR       model directory (default data/models/default)
  --data DIR        IDX dataset directory (default: the one in metrics.json)
  --validation X    validation fraction (default: the one in metrics.json, else 0.1)
  --seed N          split seed (default: the one in metrics.json, else 42)
  -h, --help        show this help
`;

/**
 * Runs the calibrate command and returns the exit code.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { main } from "./calibrate.ts";
 * assertEquals(await main(["--help"]), 0);
 * ```
 */
export async function main(args: string[]): Promise<number> {
  const flags = parseFlags(args, {
    string: ["model", "data", "validation", "seed"],
    positional: false,
  });
  if (flags.help) {
    console.log(HELP);
    return 0;
  }
  const dir = resolvePath(flags.model ?? dataPath("models", "default"));
  await setupBackend();
  const { model, metrics } = await loadModel(dir);
  try {
    // The data the model was trained on, unless --data says otherwise.
    const { data, root } = dataOfRun(flags.data, metrics?.data_source);
    const validationFraction = numberFlag(
      flags,
      "validation",
      metrics?.validation_fraction ?? 0.1,
      { min: 0, max: 0.9, exclusiveMin: true },
    );
    const seed = intFlag(flags, "seed", metrics?.seed ?? 42);
    const splits = await loadSplits({ data, root, seed, validation: validationFraction });
    console.log(
      `Model: ${dir}\nData:  ${splits.source} (validation split: ${splits.validation.count} ` +
        `images, fraction ${validationFraction}, seed ${seed})\n`,
    );
    const started = performance.now();
    const c = await calibrateSavedModel(model, dir, {
      train: splits.train,
      validation: splits.validation,
      split: { validationFraction, seed },
    });
    console.log(formatTable(
      [
        ["T = 1", c.nll_before.toFixed(5), percent(c.ece_before)],
        [`T = ${c.temperature.toFixed(4)}`, c.nll_after.toFixed(5), percent(c.ece_after)],
        ["T and digit check", "-", percent(c.ece_with_digit_check)],
      ],
      {
        header: ["validation", "NLL", "ECE"],
        align: ["left", "right", "right"],
      },
    ));
    console.log(
      `\nDigit check: ${c.digit_check.digits} training digits against ` +
        `${c.digit_check.non_digits} generated non-digits (seed ${c.digit_check.non_digit_seed}), ` +
        `prior P(digit) = ${c.digit_prior}`,
    );
    console.log(
      `Wrote ${dir}/${CALIBRATION_FILE} in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
    return 0;
  } finally {
    model.dispose();
  }
}

if (import.meta.main) await runCli(main);
