/**
 * What every Digit Lab command shares: running `main` as a program and
 * parsing flags that reject unknown options.
 *
 * @module
 */

import { parseArgs } from "@std/cli/parse-args";
import { DigitLabError, InvalidArgumentError } from "../core/mod.ts";

/**
 * The flags a command declares (as `parseArgs` takes them).
 *
 * @example
 * ```ts
 * import type { FlagSpec } from "./run.ts";
 * const spec: FlagSpec<"epochs" | "data", "quick"> = {
 *   string: ["epochs", "data"],
 *   boolean: ["quick"],
 *   positional: false,
 * };
 * ```
 */
export interface FlagSpec<S extends string, B extends string> {
  /** Flags that take a value. */
  string?: readonly S[];
  /** Flags that are on or off (`help` is always added, with `-h`). */
  boolean?: readonly B[];
  /** Whether positional arguments are allowed (default true); when false they are errors. */
  positional?: boolean;
}

/**
 * Parses command-line arguments; any unknown `--option` is an error naming
 * it, positional arguments are kept in `_` (or are errors with
 * `positional: false`).
 *
 * @throws {InvalidArgumentError} for an unknown option or a refused positional argument.
 *
 * @example
 * ```ts
 * import { parseFlags } from "./run.ts";
 * const f = parseFlags(["--epochs", "3", "x.png"], { string: ["epochs"], boolean: ["json"] });
 * console.assert(f.epochs === "3" && f.json === false && f._[0] === "x.png");
 * ```
 */
export function parseFlags<S extends string, B extends string>(
  args: string[],
  spec: FlagSpec<S, B>,
): { [K in S]?: string } & { [K in B | "help"]: boolean } & { _: string[] } {
  const flags = parseArgs(args, {
    string: [...(spec.string ?? [])],
    boolean: [...(spec.boolean ?? []), "help"],
    alias: { h: "help" },
    unknown: (arg: string) => {
      if (arg.startsWith("-")) throw new InvalidArgumentError(`unknown option ${arg} (see --help)`);
      if (spec.positional === false) {
        throw new InvalidArgumentError(`unknown argument ${arg} (see --help)`);
      }
      return true;
    },
  });
  return { ...flags, _: flags._.map(String) } as unknown as
    & { [K in S]?: string }
    & { [K in B | "help"]: boolean }
    & { _: string[] };
}

/**
 * Runs a command's `main` with the process arguments and exits with its
 * code; a Digit Lab error is printed as one line (`error: ...`) with exit
 * code 2, anything else is a bug and keeps its stack trace.
 *
 * @example
 * ```ts ignore
 * import { runCli } from "./run.ts";
 * if (import.meta.main) await runCli(async (args) => (console.log(args), 0));
 * ```
 */
export async function runCli(main: (args: string[]) => Promise<number>): Promise<never> {
  try {
    Deno.exit(await main(Deno.args));
  } catch (e) {
    if (e instanceof DigitLabError) {
      console.error(`error: ${e.message}`);
      Deno.exit(2);
    }
    throw e;
  }
}
