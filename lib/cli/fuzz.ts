/**
 * `deno task fuzz [--count N] [--seconds S] [--seed K] [--target NAME]`:
 * feeds seeded, format-aware mutated inputs to every parser (IDX, each
 * image format, `model.json`, `weights.bin`, the HTTP API through a real
 * server on 127.0.0.1) and reports, per target, the inputs tried, the typed
 * errors by class, the untyped ones, slow inputs, hangs and peak RSS. The
 * last stdout line is one JSON object with every figure.
 *
 * @module
 */

import { InvalidArgumentError, resolvePath } from "../core/mod.ts";
import { createClassifier } from "../eval/mod.ts";
import {
  createTarget,
  failureCount,
  formatFuzzReport,
  fuzzSummary,
  type FuzzTarget,
  fuzzTargets,
  TARGET_NAMES,
  TINY_MODEL,
} from "../fuzz/mod.ts";
import { setupBackend } from "../kernels/mod.ts";
import { buildModel } from "../model/mod.ts";
import { startServer } from "../web/mod.ts";
import { intFlag, numberFlag } from "./flags.ts";
import { parseFlags, runCli } from "./run.ts";

const HELP = `Usage: deno task fuzz [options]

Feeds seeded, mutated inputs to each parser and reports per target: inputs
tried, accepted, typed errors (by class), untyped errors, silently broken
results (a model that loads but predicts NaN), inputs slower than 2 s, hangs,
peak RSS and leaked tensors. Every failing input is saved and its path
printed. The last line is one JSON object with every figure.

Targets: ${TARGET_NAMES.join(", ")}
(http: raw requests to a server of this process on 127.0.0.1 with a tiny model)

Options:
  --count N        inputs per target (default 1000)
  --seconds S      also stop each target after S seconds
  --seed K         seed; the same seed gives the same inputs (default 1)
  --target NAMES   only these targets, comma-separated (default all)
  --hang-ms N      an input slower than this is a hang (default 10000)
  --max-rss-mib N  an RSS above this is a memory blow-up (default 1024)
  --bomb-mib N     inflated size of the PNG and gzip bombs (default 600)
  --out DIR        where failing inputs are saved (default .tmp/fuzz-failures)
  -h, --help       show this help

Exit code 1 on any untyped error, silently broken result, hang or memory
blow-up; 2 on bad usage.
`;

function targetNames(flag: string | undefined): string[] {
  if (flag === undefined) return [...TARGET_NAMES];
  const names = flag.split(",").map((s) => s.trim()).filter((s) => s !== "");
  for (const name of names) {
    if (!TARGET_NAMES.includes(name)) {
      throw new InvalidArgumentError(
        `unknown --target ${JSON.stringify(name)}; choose from ${TARGET_NAMES.join(", ")}`,
      );
    }
  }
  if (names.length === 0) throw new InvalidArgumentError(`--target names no target`);
  return names;
}

/**
 * Runs the fuzz command with the given arguments and returns the exit code.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { main } from "./fuzz.ts";
 * assertEquals(await main(["--help"]), 0);
 * ```
 */
export async function main(args: string[]): Promise<number> {
  const flags = parseFlags(args, {
    string: ["count", "seconds", "seed", "target", "hang-ms", "max-rss-mib", "bomb-mib", "out"],
    positional: false,
  });
  if (flags.help) {
    console.log(HELP);
    return 0;
  }
  const names = targetNames(flags.target);
  const count = intFlag(flags, "count", 1000, { min: 1 });
  const seconds = flags.seconds === undefined
    ? undefined
    : numberFlag(flags, "seconds", 0, { min: 0, exclusiveMin: true });
  const seed = intFlag(flags, "seed", 1, { min: 0, max: 2 ** 32 - 1 });
  const hangMs = intFlag(flags, "hang-ms", 10_000, { min: 100 });
  const maxRssMib = intFlag(flags, "max-rss-mib", 1024, { min: 64 });
  const bombMib = intFlag(flags, "bomb-mib", 600, { min: 1, max: 4096 });
  const failureDir = resolvePath(flags.out ?? ".tmp/fuzz-failures");

  const backend = await setupBackend();
  let server: ReturnType<typeof startServer> | undefined;
  let model: ReturnType<typeof buildModel> | undefined;
  const targets: FuzzTarget[] = [];
  try {
    if (names.includes("http")) {
      model = buildModel(TINY_MODEL, { seed: 1 });
      server = startServer({ classify: createClassifier(model), port: 0, hostname: "127.0.0.1" });
    }
    for (const name of names) {
      targets.push(
        await createTarget(name, { httpPort: server?.port, bombBytes: bombMib * 2 ** 20 }),
      );
    }
    console.log(
      `Fuzzing ${names.join(", ")}: ${count} inputs each` +
        `${seconds === undefined ? "" : ` or ${seconds} s`}, seed ${seed}; ` +
        `tfjs on ${backend.backend}; failing inputs go to ${failureDir}`,
    );
    const reports = await fuzzTargets(targets, {
      count,
      seconds,
      seed,
      hangMs,
      maxRssBytes: maxRssMib * 2 ** 20,
      failureDir,
      onProgress: (line) => console.error(line),
    });
    console.log("\n" + formatFuzzReport(reports));
    console.log(JSON.stringify(fuzzSummary(reports, {
      seed,
      count,
      seconds: seconds ?? null,
      hang_ms: hangMs,
      max_rss_mib: maxRssMib,
      bomb_mib: bombMib,
    })));
    return failureCount(reports) === 0 ? 0 : 1;
  } finally {
    for (const t of targets) await t.close();
    await server?.shutdown();
    model?.dispose();
  }
}

if (import.meta.main) await runCli(main);
