/**
 * What every Digit Lab command shares: parsing its flags, so that a bad or
 * unknown flag gets the same one-line error everywhere, and running its
 * `main` as a program, so that the error is printed the same way with the
 * same exit code.
 *
 * @module
 */

import { parseArgs } from "@std/cli/parse-args";
import { DigitLabError, InvalidArgumentError } from "../core/mod.ts";

/**
 * The flags a command declares (as `parseArgs` takes them) and how many
 * positional arguments it takes.
 */
export interface FlagSpec<S extends string, B extends string> {
  /** Flags that take a value; given without one (`--out` or `--out=`) they are errors. */
  string?: readonly S[];
  /** Flags that are on or off (`help` is always added, with `-h`). */
  boolean?: readonly B[];
  /**
   * Positional arguments allowed: `true` (the default) any number, `false`
   * none, a number at most that many; the ones beyond are errors.
   */
  positional?: boolean | number;
  /**
   * Keep the arguments after `--` apart, in `"--"`, for another program
   * (default false: they are positional arguments like the others).
   */
  passThrough?: boolean;
}

/**
 * What {@linkcode parseFlags} returns: each value flag's text (absent when
 * not given), each boolean flag, the positional arguments in `_`, and the
 * arguments after `--` when the spec passes them through (else empty).
 */
export type ParsedFlags<S extends string, B extends string> =
  & { [K in S]?: string }
  & { [K in B | "help"]: boolean }
  & { _: string[]; "--": string[] };

/** A negative number as a user types it: `-1`, `-0.5`, `-.5`, `-1e-3`. */
const NEGATIVE_NUMBER = /^-(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/**
 * Writes `--name -1` as `--name=-1` for the value flags in `names`:
 * `parseArgs` takes an argument starting with `-` for an option, so
 * `--epochs -1` would be "unknown option -1" instead of reaching the check
 * of `--epochs`, which names the flag and says what it must be.
 */
function joinNegativeValues(args: string[], names: readonly string[]): string[] {
  const joined: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    // Everything after "--" is left as given.
    if (arg === "--") return [...joined, ...args.slice(i)];
    const next = args[i + 1];
    if (
      arg.startsWith("--") && names.includes(arg.slice(2)) && next !== undefined &&
      NEGATIVE_NUMBER.test(next)
    ) {
      joined.push(`${arg}=${next}`);
      i++;
    } else joined.push(arg);
  }
  return joined;
}

/**
 * Parses command-line arguments against `spec`. Every command does it this
 * way, so every command words its usage errors the same.
 *
 * A value flag followed by a negative number (`--lr -1`) takes it as its
 * value, so the flag's own check can say what is wrong with it.
 *
 * @throws {InvalidArgumentError} for an unknown option, a value flag without
 *   a value, or a positional argument beyond those `spec` allows, naming it.
 *
 * @example
 * ```ts
 * import { assertEquals, assertThrows } from "@std/assert";
 * import { parseFlags } from "./run.ts";
 * const f = parseFlags(["--epochs", "3", "x.png"], { string: ["epochs"], boolean: ["json"] });
 * assertEquals([f.epochs, f.json, f._], ["3", false, ["x.png"]]);
 * assertEquals(parseFlags(["--lr", "-1"], { string: ["lr"] }).lr, "-1");
 * assertThrows(() => parseFlags(["--epocs", "3"], {}), Error, "unknown option --epocs");
 * assertThrows(() => parseFlags(["a", "b"], { positional: 1 }), Error, 'unexpected argument "b"');
 * ```
 */
export function parseFlags<S extends string = never, B extends string = never>(
  args: string[],
  spec: FlagSpec<S, B>,
): ParsedFlags<S, B> {
  const positional: string[] = [];
  const parsed = parseArgs(joinNegativeValues(args, spec.string ?? []), {
    string: [...(spec.string ?? [])],
    boolean: [...(spec.boolean ?? []), "help"],
    alias: { h: "help" },
    "--": spec.passThrough ?? false,
    unknown: (arg: string) => {
      if (arg.startsWith("-")) throw new InvalidArgumentError(`unknown option ${arg} (see --help)`);
      // Kept as given: parseArgs would turn a file named "007" into the number 7.
      positional.push(arg);
      return false;
    },
  });
  for (const name of spec.string ?? []) {
    if (parsed[name] === "") throw new InvalidArgumentError(`--${name} needs a value (see --help)`);
  }
  // What is left in `_` came after "--" (when not passed through), untouched.
  positional.push(...parsed._.map(String));
  const allowed = spec.positional === false
    ? 0
    : spec.positional === true || spec.positional === undefined
    ? Infinity
    : spec.positional;
  if (positional.length > allowed) {
    throw new InvalidArgumentError(
      `unexpected argument ${JSON.stringify(positional[allowed])} (see --help)`,
    );
  }
  const passedThrough = (parsed as { "--"?: unknown[] })["--"] ?? [];
  const flags = { ...parsed, _: positional, "--": passedThrough.map(String) };
  return flags as unknown as ParsedFlags<S, B>;
}

/**
 * Runs a command's `main` with the process arguments and exits with its
 * code; a Digit Lab error is printed as one line (`error: ...`) with exit
 * code 2, anything else is a bug and keeps its stack trace.
 *
 * @example
 * ```ts ignore
 * // Not run: it ends the process it runs in.
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
