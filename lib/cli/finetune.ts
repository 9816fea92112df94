/**
 * `deno task finetune --model DIR`: trains a saved model further on the
 * corrections users recorded (the store in `data/feedback/`, or `--store`)
 * mixed with replayed MNIST training digits, prints the before / after
 * table (MNIST test, held-out corrections, a real-image folder with
 * `--real`) and the decision: the fine-tuned model replaces the old one
 * (atomically, with a refitted calibration) only when the held-out
 * corrections improve and MNIST test accuracy drops by no more than 0.1
 * point. `--record-drawn STYLE:N` first records N digits drawn in a
 * handwriting style the model misreads, for a demonstration without users
 * (a model that reads most of them right, as one trained with
 * `--augment-styles` reads flagged 1s, gets one line saying so, and stops).
 *
 * @module
 */

import { InvalidArgumentError, resolvePath } from "../core/mod.ts";
import { setupBackend } from "../kernels/mod.ts";
import { CorrectionStore, modelIdOf } from "../feedback/mod.ts";
import { readMetrics } from "../model/mod.ts";
import { loadReadingModel } from "./reading_model.ts";
import { DIGIT_STYLES, digitStyle } from "../image/synth/mod.ts";
import { formatTable } from "../display/mod.ts";
import {
  drawnCorrections,
  FINETUNE_DEFAULTS,
  type FinetuneFigures,
  finetuneModel,
  loadFinetuneData,
  readsStyleRight,
  readsStyleRightLine,
} from "../train/mod.ts";
import { intFlag, numberFlag, percent, threadsFlag } from "./flags.ts";
import { parseFlags, runCli } from "./run.ts";

const d = FINETUNE_DEFAULTS;

const HELP = `Usage: deno task finetune --model DIR [options]

Trains the model in DIR further on the recorded corrections, mixed with
replayed MNIST training digits so that it does not forget, and holds out a
quarter of the corrections to judge the result. Prints MNIST test accuracy,
the held-out corrections (and --real) before and after, and installs the new
model in DIR (with a refitted calibration.json) only when the held-out
corrections improve and MNIST test accuracy drops by no more than 0.1 point.
Every run is recorded in DIR/metrics.json under "finetune".

Options:
  --model DIR          the model to fine-tune (required)
  --store DIR          the corrections store (default data/feedback)
  --data DIR           MNIST IDX directory (default: $DIGIT_LAB_DATA, else the one
                       in metrics.json when present, else the embedded digits)
  --real DIR           also score a labelled folder tree of real images
                       (e.g. ../shared/data/real-digits)
  --epochs N           epochs (default ${d.epochs})
  --lr X               learning rate (default ${d.learningRate})
  --replay N           replayed MNIST training digits (default ${d.replay})
  --seed N             seed of the hold-out, replay, batches (default ${d.seed})
  --threads N|auto     threads for training steps (default auto)
  --dry-run            measure and decide, change nothing
  --record-drawn STYLE:N
                       first record N digits drawn in STYLE that the model
                       misreads into the store (a demonstration; when it reads
                       most of them right, it says so and stops); STYLE is
                       one of ${Object.keys(DIGIT_STYLES).join(", ")}
  -h, --help           show this help
`;

function parseDrawn(value: string): { style: ReturnType<typeof digitStyle>; count: number } {
  const m = /^([a-z0-9-]+):(\d+)$/.exec(value);
  if (!m) {
    throw new InvalidArgumentError(
      `--record-drawn must be STYLE:N (e.g. flagged-1:40), got ${JSON.stringify(value)}`,
    );
  }
  const count = Number(m[2]);
  if (count < 2 || count > 10_000) {
    throw new InvalidArgumentError(`--record-drawn wants 2 to 10000 digits, got ${count}`);
  }
  return { style: digitStyle(m[1]), count };
}

/**
 * The before / after table of a fine-tune.
 *
 * @example
 * ```ts
 * import { assertStringIncludes } from "@std/assert";
 * import { beforeAfterTable } from "./finetune.ts";
 * const s = (correct: number, count: number) => ({ correct, count, accuracy: correct / count });
 * const at = (held: number) => ({
 *   mnistTest: { ...s(9964, 10000), loss: 0.01 }, heldOut: s(held, 10), trained: s(held, 30),
 * });
 * const table = beforeAfterTable(at(0), at(9));
 * assertStringIncludes(table, "held-out corrections");
 * assertStringIncludes(table, "9/10");
 * ```
 */
export function beforeAfterTable(before: FinetuneFigures, after: FinetuneFigures): string {
  const ratio = (s: { correct: number; count: number }) =>
    `${s.correct}/${s.count} (${percent(s.count === 0 ? 0 : s.correct / s.count)})`;
  const rows = [
    [
      `MNIST test (${before.mnistTest.count})`,
      percent(before.mnistTest.accuracy),
      percent(after.mnistTest.accuracy),
    ],
    ["held-out corrections", ratio(before.heldOut), ratio(after.heldOut)],
    ["corrections trained on", ratio(before.trained), ratio(after.trained)],
  ];
  if (before.real && after.real) {
    rows.push(
      [`${before.real.root}: digits`, ratio(before.real), ratio(after.real)],
      [
        `${before.real.root}: numbers exact`,
        `${before.real.numbers.exact}/${before.real.numbers.count}`,
        `${after.real.numbers.exact}/${after.real.numbers.count}`,
      ],
    );
  }
  return formatTable(rows, {
    header: ["measured on", "before", "after"],
    align: ["left", "right", "right"],
  });
}

/**
 * Runs the finetune command with the given arguments and returns the exit code.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { main } from "./finetune.ts";
 * assertEquals(await main(["--help"]), 0);
 * ```
 */
export async function main(args: string[]): Promise<number> {
  const flags = parseFlags(args, {
    string: [
      "model",
      "store",
      "data",
      "real",
      "epochs",
      "lr",
      "replay",
      "seed",
      "threads",
      "record-drawn",
    ],
    boolean: ["dry-run"],
    positional: false,
  });
  if (flags.help) {
    console.log(HELP);
    return 0;
  }
  if (flags.model === undefined) {
    throw new InvalidArgumentError("--model DIR is required: the model to fine-tune");
  }
  const epochs = intFlag(flags, "epochs", d.epochs, { min: 1, max: 50 });
  const learningRate = numberFlag(flags, "lr", d.learningRate, {
    min: 0,
    max: 0.01,
    exclusiveMin: true,
  });
  const replay = intFlag(flags, "replay", d.replay, { min: 0 });
  const seed = intFlag(flags, "seed", d.seed, { min: 0 });
  const threads = threadsFlag(flags);
  const drawn = flags["record-drawn"] === undefined ? undefined : parseDrawn(flags["record-drawn"]);
  const dir = resolvePath(flags.model);
  const real = flags.real === undefined ? undefined : resolvePath(flags.real);
  await setupBackend();

  const store = CorrectionStore.open(
    flags.store === undefined ? {} : { dir: resolvePath(flags.store) },
  );
  let corrections;
  try {
    if (drawn) {
      const { model, classify } = await loadReadingModel(dir);
      try {
        const made = await drawnCorrections({
          ...drawn,
          seed,
          classify,
          modelId: await modelIdOf(dir),
        });
        if (readsStyleRight(made)) {
          // No systematic mistake to demonstrate on: say so now, rather than fine-tune on
          // the few it misreads or fail later on an empty store.
          console.log(`${readsStyleRightLine(drawn.style, made)}.`);
          return 0;
        }
        for (const c of made.corrections) store.add(c);
        console.log(
          `Drew ${made.drawn} digits in the style ${drawn.style} (${
            DIGIT_STYLES[drawn.style].description
          }); the model read ${made.readRight} right; recorded the ${made.corrections.length} ` +
            `it misread as corrections in ${store.path}`,
        );
      } finally {
        model.dispose();
      }
    }
    corrections = store.list({ includeImages: false }).map(({ pixels, label, id }) => ({
      pixels,
      label,
      id,
    }));
  } finally {
    store.close();
  }
  if (corrections.length < 2) {
    throw new InvalidArgumentError(
      `${store.path} holds ${corrections.length} correction(s); fine-tuning needs at least 2 ` +
        "(one to train on, one to hold out)",
    );
  }
  const parent = await readMetrics(dir);
  const data = await loadFinetuneData({ data: flags.data, parent });
  console.log(
    `Model: ${dir}\nCorrections: ${corrections.length} in ${store.path}\nMNIST: ${data.source} ` +
      `(replaying from ${data.train.count} training digits, testing on ${data.test.count})`,
  );
  const result = await finetuneModel({
    modelDir: dir,
    corrections,
    data,
    realDir: real,
    epochs,
    learningRate,
    replay,
    seed,
    threads,
    dryRun: flags["dry-run"],
    onStage: (line) => console.log(line),
  });
  console.log("\n" + beforeAfterTable(result.before, result.after));
  const verdict = result.installed
    ? `Installed the fine-tuned model in ${dir}${
      result.record.recalibrated ? " (calibration.json refitted)" : ""
    }.`
    : result.decision.install
    ? "Dry run: the fine-tuned model would be installed; nothing was changed."
    : flags["dry-run"]
    ? "Dry run: the old model would be kept; nothing was changed."
    : `Kept the old model in ${dir}.`;
  console.log(`\n${verdict}\n${result.decision.reasons.map((r) => `- ${r}`).join("\n")}`);
  if (!flags["dry-run"]) {
    console.log(
      `Recorded in ${dir}/metrics.json ("finetune", ${result.record.seconds.toFixed(0)} s).`,
    );
  }
  return 0;
}

if (import.meta.main) await runCli(main);
