/**
 * Parsing and checking of numeric command-line flags, shared by the
 * `train`, `evaluate`, `predict` and `bench` commands.
 *
 * @module
 */

import { InvalidArgumentError } from "../core/mod.ts";

/**
 * Bounds a numeric flag must respect.
 *
 * @example
 * ```ts
 * import type { FlagBounds } from "./flags.ts";
 * const fraction: FlagBounds = { min: 0, max: 1, exclusiveMin: true };
 * ```
 */
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
 * import { numberFlag } from "./flags.ts";
 * console.assert(numberFlag({ lr: "0.01" }, "lr", 0.001) === 0.01);
 * console.assert(numberFlag({}, "lr", 0.001) === 0.001);
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
 * import { intFlag } from "./flags.ts";
 * console.assert(intFlag({ epochs: "3" }, "epochs", 10, { min: 1 }) === 3);
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
 * Reads `--threads` as `"auto"` (also when absent) or a positive integer.
 *
 * @throws {InvalidArgumentError} naming the flag and the value otherwise.
 *
 * @example
 * ```ts
 * import { threadsFlag } from "./flags.ts";
 * console.assert(threadsFlag({}) === "auto" && threadsFlag({ threads: "2" }) === 2);
 * ```
 */
export function threadsFlag(flags: Flags): number | "auto" {
  return flags.threads === undefined || flags.threads === "auto"
    ? "auto"
    : intFlag(flags, "threads", 1, { min: 1 });
}

/**
 * Formats a fraction in [0, 1] as a percentage with two decimals.
 *
 * @example
 * ```ts
 * import { percent } from "./flags.ts";
 * console.assert(percent(0.98765) === "98.77%");
 * ```
 */
export function percent(fraction: number): string {
  return `${(fraction * 100).toFixed(2)}%`;
}
