/**
 * `deno task bench:drift`: how far training on several threads drifts from
 * training on one, next to a one-ulp nudge of one weight on one thread
 * (`measureDrift`), so that a gap between two runs' accuracies can be told
 * apart from a difference in what the threads compute.
 *
 * @module
 */

import { measureDrift } from "../bench/mod.ts";
import { InvalidArgumentError } from "../core/mod.ts";
import { loadSplits } from "../data/mod.ts";
import { formatTable } from "../display/mod.ts";
import { setupBackend } from "../kernels/mod.ts";
import { intFlag, modelFlag, modelNames, numberFlag } from "./flags.ts";
import { parseFlags, runCli } from "./run.ts";
import { forClasses } from "./train.ts";

const HELP = `Usage: deno task bench:drift [options]

Trains one model three ways from the same initial weights, on the same
batches and dropout masks: on one thread; on --threads threads; and on one
thread after moving one initial weight by one unit in the last place (a
change of 6e-8 of its value). At each checkpoint it prints how far the second
and third runs' weights are from the first's (relative distance). Threads
that compute the one-thread step up to float rounding drift no faster than
the nudge; a different gradient drifts faster from the first step on.

Options:
  --data DIR         IDX dataset (default: $DIGIT_LAB_DATA, else the embedded digits)
  --model NAME       architecture: ${modelNames()} (default strong)
  --threads N        threads of the second run, main one included (default 2)
  --steps LIST       checkpoints, comma-separated ascending step counts
                     (default 1,2,5,10,20,50,100,200,400)
  --seed N           seed of the weights, batches and masks, as train's (default 42)
  --batch-size N     examples per step (default 128)
  --lr X             Adam's learning rate, constant (default 0.003)
  -h, --help         show this help

The last line is one JSON object with every figure.
`;

/** The checkpoints of `--steps`: ascending positive integers. */
function stepsFlag(value: string | undefined): number[] {
  const text = value ?? "1,2,5,10,20,50,100,200,400";
  const steps = text.split(",").map((s) => Number(s.trim()));
  if (
    steps.some((s, i) => !Number.isInteger(s) || s < 1 || (i > 0 && s <= steps[i - 1]))
  ) {
    throw new InvalidArgumentError(
      `--steps must be ascending positive integers separated by commas, got ${
        JSON.stringify(text)
      }`,
    );
  }
  return steps;
}

/**
 * Runs the drift command with the given arguments and returns the exit code.
 *
 * @example
 * ```ts
 * import { assertEquals, assertRejects } from "@std/assert";
 * import { main } from "./bench_drift.ts";
 * assertEquals(await main(["--help"]), 0);
 * await assertRejects(() => main(["--steps", "5,2"]), Error, 'got "5,2"');
 * ```
 */
export async function main(args: string[]): Promise<number> {
  const flags = parseFlags(args, {
    string: ["data", "model", "threads", "steps", "seed", "batch-size", "lr"],
    positional: false,
  });
  if (flags.help) {
    console.log(HELP);
    return 0;
  }
  const { name, config } = modelFlag({ model: "strong", ...flags });
  const checkpoints = stepsFlag(flags.steps as string | undefined);
  const threads = intFlag(flags, "threads", 2, { min: 2 });
  const seed = intFlag(flags, "seed", 42, { min: 0 });
  const batchSize = intFlag(flags, "batch-size", 128, { min: 1 });
  const learningRate = numberFlag(flags, "lr", 0.003, { min: 0, exclusiveMin: true });
  await setupBackend();
  // The training split `train` would use with this seed (validation 0.1).
  const { train, source } = await loadSplits({ data: flags.data as string | undefined, seed });
  console.error(
    `Training ${name} on ${source} (${train.count} examples) three ways, to step ${
      checkpoints.at(-1)
    }…`,
  );
  const points = await measureDrift({
    config: forClasses(config, train.numClasses),
    train,
    seed,
    checkpoints,
    threads,
    batchSize,
    learningRate,
  });
  console.log(
    `model ${name}, seed ${seed}, batch ${batchSize}: distance from the one-thread run's ` +
      `weights, relative to their norm\n` +
      formatTable(
        points.map((p) => [
          String(p.step),
          p.threads.toExponential(2),
          p.oneUlp.toExponential(2),
        ]),
        {
          header: ["step", `${threads} threads`, "1 thread, one-ulp nudge"],
          align: ["right", "right", "right"],
        },
      ),
  );
  console.log(JSON.stringify({ model: name, seed, batch_size: batchSize, threads, points }));
  return 0;
}

if (import.meta.main) await runCli(main);
