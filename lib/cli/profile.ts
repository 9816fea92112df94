/**
 * `deno task profile`: where a training step's time goes, kernel by kernel
 * (`profileTrainingStep` on the reference or the strong CNN).
 *
 * @module
 */

import { setupBackend } from "../kernels/mod.ts";
import { formatProfile, profileTrainingStep } from "../bench/mod.ts";
import { buildModel } from "../model/mod.ts";
import { coreThreads, parallelTrainingProblem } from "../train/parallel/mod.ts";
import { intFlag, modelFlag, modelNames, threadsFlag } from "./flags.ts";
import { parseFlags, runCli } from "./run.ts";

const HELP = `Usage: deno task profile [options]

Profiles training steps (seeded random batch, Adam) kernel by kernel on the
WASM backend: milliseconds and calls per step, slowest first.

Options:
  --model NAME       architecture: ${modelNames()} (default reference)
  --batch-size N     samples per step (default 128)
  --steps N          profiled steps, and as many timed ones (default 3)
  --threads N|auto   also time data-parallel steps on N threads (default auto: the
                     cores, up to 4; 1 to skip)
  --json             print the profile as one JSON object
  -h, --help         show this help
`;

/**
 * Runs the profile command with the given arguments and returns the exit code.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { main } from "./profile.ts";
 * assertEquals(await main(["--help"]), 0);
 * ```
 */
export async function main(args: string[]): Promise<number> {
  const flags = parseFlags(args, {
    string: ["model", "batch-size", "steps", "threads"],
    boolean: ["json"],
    positional: false,
  });
  if (flags.help) {
    console.log(HELP);
    return 0;
  }
  const { name, config } = modelFlag(flags);
  const batchSize = intFlag(flags, "batch-size", 128, { min: 1 });
  const steps = intFlag(flags, "steps", 3, { min: 1 });
  const threadsSetting = threadsFlag(flags);
  const threads = threadsSetting === "auto" ? coreThreads() : threadsSetting;
  await setupBackend();
  const model = buildModel(config, { seed: 1 });
  try {
    const parallel = threads > 1 && parallelTrainingProblem(model) === undefined ? threads : 1;
    const profile = await profileTrainingStep({ model, batchSize, steps, threads: parallel });
    console.log(
      flags.json
        ? JSON.stringify({ model: name, ...profile })
        : `model ${name}, ` + formatProfile(profile),
    );
  } finally {
    model.dispose();
  }
  return 0;
}

if (import.meta.main) await runCli(main);
