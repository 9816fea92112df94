/**
 * Reading the values of command-line flags that the commands share:
 * numbers and integers within bounds, the thread count and the model name,
 * each with one error message naming the flag and the bad value.
 *
 * @module
 */

import { InvalidArgumentError } from "../core/mod.ts";
import { MODEL_CONFIGS, type ModelConfig } from "../model/mod.ts";
import { checkThreads } from "../train/parallel/mod.ts";

/** Bounds a numeric flag must respect. */
export interface FlagBounds {
  /** Smallest allowed value. */
  min?: number;
  /** Largest allowed value. */
  max?: number;
  /** When true, `min` itself is not allowed. */
  exclusiveMin?: boolean;
}

type Flags = Record<string, unknown>;

/**
 * Reads `--name` as a number, or returns `fallback` when it is absent.
 *
 * @throws {InvalidArgumentError} naming the flag and the value when it is not
 *   a number or outside `bounds`.
 *
 * @example
 * ```ts
 * import { assertEquals, assertThrows } from "@std/assert";
 * import { numberFlag } from "./flags.ts";
 * assertEquals(numberFlag({ lr: "0.01" }, "lr", 0.001), 0.01);
 * assertEquals(numberFlag({}, "lr", 0.001), 0.001);
 * const positive = { min: 0, exclusiveMin: true };
 * assertThrows(() => numberFlag({ lr: "0" }, "lr", 1, positive), Error, "greater than 0");
 * ```
 */
export function numberFlag(
  flags: Flags,
  name: string,
  fallback: number,
  bounds: FlagBounds = {},
): number {
  const raw = flags[name];
  if (raw === undefined) return fallback;
  const text = String(raw).trim();
  const value = text === "" ? NaN : Number(text);
  if (!Number.isFinite(value)) {
    throw new InvalidArgumentError(`--${name} must be a number, got ${JSON.stringify(raw)}`);
  }
  const { min, max, exclusiveMin } = bounds;
  if (min !== undefined && (exclusiveMin ? value <= min : value < min)) {
    throw new InvalidArgumentError(
      `--${name} must be ${exclusiveMin ? "greater than" : "at least"} ${min}, got ${value}`,
    );
  }
  if (max !== undefined && value > max) {
    throw new InvalidArgumentError(`--${name} must be at most ${max}, got ${value}`);
  }
  return value;
}

/**
 * Reads `--name` as an integer, or returns `fallback` when it is absent.
 *
 * @throws {InvalidArgumentError} naming the flag and the value when it is not
 *   an integer or outside `bounds`.
 *
 * @example
 * ```ts
 * import { assertEquals, assertThrows } from "@std/assert";
 * import { intFlag } from "./flags.ts";
 * assertEquals(intFlag({ epochs: "3" }, "epochs", 10, { min: 1 }), 3);
 * assertThrows(() => intFlag({ epochs: "2.5" }, "epochs", 10), Error, '"2.5"');
 * ```
 */
export function intFlag(
  flags: Flags,
  name: string,
  fallback: number,
  bounds: FlagBounds = {},
): number {
  const value = numberFlag(flags, name, fallback, bounds);
  if (!Number.isInteger(value)) {
    throw new InvalidArgumentError(
      `--${name} must be an integer, got ${JSON.stringify(flags[name])}`,
    );
  }
  return value;
}

/**
 * Reads `--threads` as `"auto"` (also when absent) or a positive integer
 * that this machine can use: at most 4 per core, and 64 (as the library's
 * `checkThreads` allows, so a command refuses it before any work starts).
 *
 * @throws {InvalidArgumentError} naming the flag and the value (and the
 *   cores, when there are too many threads) otherwise.
 *
 * @example
 * ```ts
 * import { assertEquals, assertThrows } from "@std/assert";
 * import { threadsFlag } from "./flags.ts";
 * assertEquals(threadsFlag({}), "auto");
 * assertEquals(threadsFlag({ threads: "auto" }), "auto");
 * assertEquals(threadsFlag({ threads: "2" }), 2);
 * assertThrows(() => threadsFlag({ threads: "999" }), Error, "--threads must be at most");
 * ```
 */
export function threadsFlag(flags: Flags): number | "auto" {
  if (flags.threads === undefined || flags.threads === "auto") return "auto";
  const threads = intFlag(flags, "threads", 1, { min: 1 });
  checkThreads(threads, { name: "--threads" });
  return threads;
}

/**
 * Reads `--model` as the name of one of the {@linkcode MODEL_CONFIGS}
 * (default `"reference"`) and returns the name with its architecture.
 *
 * @throws {InvalidArgumentError} naming the value and the known names when
 *   there is no architecture of that name.
 *
 * @example
 * ```ts
 * import { assertEquals, assertThrows } from "@std/assert";
 * import { modelFlag } from "./flags.ts";
 * import { STRONG_CNN } from "../model/mod.ts";
 * assertEquals(modelFlag({ model: "strong" }), { name: "strong", config: STRONG_CNN });
 * assertEquals(modelFlag({}).name, "reference");
 * assertThrows(() => modelFlag({ model: "resnet" }), Error, 'unknown --model "resnet"');
 * ```
 */
export function modelFlag(flags: Flags): { name: string; config: ModelConfig } {
  const name = flags.model === undefined ? "reference" : String(flags.model);
  // hasOwn: a name such as "toString" is not an architecture.
  if (!Object.hasOwn(MODEL_CONFIGS, name)) {
    throw new InvalidArgumentError(
      `unknown --model ${JSON.stringify(name)}; choose one of ${modelNames()}`,
    );
  }
  return { name, config: MODEL_CONFIGS[name] };
}

/**
 * The names `--model` takes, for help texts and errors.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { modelNames } from "./flags.ts";
 * assertEquals(modelNames(), "reference, strong");
 * ```
 */
export function modelNames(): string {
  return Object.keys(MODEL_CONFIGS).join(", ");
}

/**
 * Formats a fraction in [0, 1] as a percentage with two decimals.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { percent } from "./flags.ts";
 * assertEquals(percent(0.98765), "98.77%");
 * ```
 */
export function percent(fraction: number): string {
  return `${(fraction * 100).toFixed(2)}%`;
}
