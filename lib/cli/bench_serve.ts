/**
 * `deno task bench:serve`: the draw page's server under load. Starts the real
 * server on 127.0.0.1, has concurrent clients post digit PNGs, and compares
 * its throughput with reading the same images in this process; then sends a
 * PNG bomb and times a normal request beside it.
 *
 * @module
 */

import { formatServeLoad, serveLoad } from "../bench/mod.ts";
import { intFlag, numberFlag } from "./flags.ts";
import { parseFlags, runCli } from "./run.ts";

const HELP = `Usage: deno task bench:serve [options]

Load-tests the prediction server on 127.0.0.1 against in-process reading of
the same images; the last line is one JSON object with every figure.

Options:
  --clients N    concurrent clients (default 64)
  --seconds S    how long the clients post (default 10)
  --model DIR    model to serve (default data/models/default)
  -h, --help     show this help
`;

/**
 * Runs the load test with the given arguments and returns the exit code.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { main } from "./bench_serve.ts";
 * assertEquals(await main(["--help"]), 0);
 * ```
 */
export async function main(args: string[]): Promise<number> {
  const flags = parseFlags(args, { string: ["clients", "seconds", "model"], positional: false });
  if (flags.help) {
    console.log(HELP);
    return 0;
  }
  const report = await serveLoad({
    clients: intFlag(flags, "clients", 64, { min: 1 }),
    seconds: numberFlag(flags, "seconds", 10, { min: 0, exclusiveMin: true }),
    modelDir: flags.model,
  });
  console.log(formatServeLoad(report));
  console.log(JSON.stringify(report));
  return 0;
}

if (import.meta.main) await runCli(main);
