/**
 * `deno task external [--model DIR] [--per-kind N] [--numbers N] [--seed N]
 * [--data DIR] [--json] [--save DIR]`: measures how well a model reads
 * external images — MNIST test digits rendered as drawings, scans,
 * light-on-dark images, phone photos and small digits on large canvases,
 * written to PNG/JPEG and decoded again — with the naive pipeline and with
 * ours, plus the exact-read rate of written 3–5 digit numbers.
 *
 * @module
 */

import { setupBackend } from "../kernels/mod.ts";
import { dataPath, ModelLoadError, resolvePath } from "../core/mod.ts";
import {
  createClassifier,
  type ExternalScore,
  generateExternalSet,
  saveExternalSet,
  SCENE_DESCRIPTIONS,
  SCENE_KINDS,
  scoreExternalSet,
} from "../eval/mod.ts";
import { loadSplits } from "../data/mod.ts";
import { loadModel } from "../model/mod.ts";
import { formatTable } from "../display/mod.ts";
import { intFlag, percent } from "./flags.ts";
import { parseFlags, runCli } from "./run.ts";

const HELP = `Usage: deno task external [--model DIR] [--per-kind N] [--numbers N] [--seed N]
                           [--data DIR] [--json] [--save DIR]

Measures how well a model reads external images. MNIST test digits (never
seen in training) are rendered into scenes, written as PNG/JPEG files and
decoded again, then read by the naive pipeline (squash the whole image to
28x28) and by ours (normalisation: polarity, lighting, crop, centring).
Every scene kind renders the same digits. Scene kinds:
${SCENE_KINDS.map((k) => `  ${k.padEnd(9)} ${SCENE_DESCRIPTIONS[k]}`).join("\n")}
Written numbers of 3-5 digits (half on photo paper) are read whole; only
exact reads count.

Options:
  --model DIR     model directory (default data/models/default)
  --per-kind N    images per scene kind (default 200)
  --numbers N     written numbers (default 100)
  --seed N        seed of the digit choice and rendering (default 1)
  --data DIR      IDX dataset whose test set supplies the digits (default
                  DIGIT_LAB_DATA, else the embedded digits' test split, seed 42)
  --json          print one JSON object instead of tables
  --save DIR      also write the images, label in each file name
                  (then: deno task predict --json DIR)
  -h, --help      show this help
`;

/**
 * Runs the external command and returns the exit code.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { main } from "./external.ts";
 * assertEquals(await main(["--help"]), 0);
 * ```
 */
export async function main(args: string[]): Promise<number> {
  const flags = parseFlags(args, {
    string: ["model", "per-kind", "numbers", "seed", "data", "save"],
    boolean: ["json"],
    positional: false,
  });
  if (flags.help) {
    console.log(HELP);
    return 0;
  }
  const perKind = intFlag(flags, "per-kind", 200, { min: 1 });
  const numbers = intFlag(flags, "numbers", 100, { min: 0 });
  const seed = intFlag(flags, "seed", 1);
  const modelDir = resolvePath(flags.model ?? dataPath("models", "default"));
  await setupBackend();
  const { model } = await loadModel(modelDir).catch((e) => {
    if (e instanceof ModelLoadError && flags.model === undefined) {
      throw new ModelLoadError(
        `${e.message}\nThe shipped model should be in data/models/default; pass another ` +
          "with --model DIR.",
        { cause: e },
      );
    }
    throw e;
  });
  try {
    const { test } = await loadSplits({ data: flags.data, seed: 42 });
    const set = await generateExternalSet(test, { perKind, numbers, seed });
    if (flags.save !== undefined) {
      const paths = await saveExternalSet(set, flags.save);
      if (!flags.json) console.log(`Wrote ${paths.length} images to ${flags.save}`);
    }
    const score = await scoreExternalSet(set, createClassifier(model));
    const summary = {
      model: modelDir,
      data_source: test.source,
      seed,
      per_kind: perKind,
      mnist_accuracy: score.mnist,
      kinds: score.kinds.map((k) => ({
        kind: k.kind,
        count: k.count,
        naive_accuracy: k.naive,
        ours_accuracy: k.ours,
        no_digit: k.noDigit,
      })),
      overall: {
        count: score.overall.count,
        naive_accuracy: score.overall.naive,
        ours_accuracy: score.overall.ours,
        no_digit: score.overall.noDigit,
      },
      numbers: {
        count: score.numbers.count,
        exact_rate: score.numbers.exact,
        right_length_rate: score.numbers.rightLength,
      },
    };
    if (flags.json) console.log(JSON.stringify(summary));
    else printScore(modelDir, test.source, seed, score);
    return 0;
  } finally {
    model.dispose();
  }
}

function printScore(model: string, source: string, seed: number, score: ExternalScore): void {
  console.log(`Model: ${model}\nDigits: ${source} test set, seed ${seed}`);
  console.log(
    `The same digits as 28x28 MNIST images (no file, no pipeline): ${percent(score.mnist)}\n`,
  );
  const row = (name: string, a: ExternalScore["overall"]) => [
    name,
    String(a.count),
    percent(a.naive),
    percent(a.ours),
    percent(a.noDigit),
  ];
  console.log(formatTable(
    [...score.kinds.map((k) => row(k.kind, k)), row("overall", score.overall)],
    {
      header: ["scene", "images", "naive", "ours", "ours: no digit"],
      align: ["left", "right", "right", "right", "right"],
    },
  ));
  if (score.numbers.count > 0) {
    console.log(formatTable(
      [[
        "3-5 digit numbers",
        String(score.numbers.count),
        percent(score.numbers.exact),
        percent(score.numbers.rightLength),
      ]],
      {
        header: ["multi-digit", "images", "exact reads", "right digit count"],
        align: ["left", "right", "right", "right"],
      },
    ));
  }
}

if (import.meta.main) await runCli(main);
