/**
 * What a fuzz target is: a parser with seeded, format-aware input
 * generation; and how the outcome of one input is classified.
 *
 * @module
 */

import { DigitLabError, type Rng } from "../core/mod.ts";

/**
 * How one input ended: accepted; refused with a typed error (a
 * `DigitLabError` subclass, or for the HTTP API a JSON error answer); an
 * untyped failure (anything else escaping: a bug); or accepted although
 * the result is broken (`"silent"`: a model that predicts NaN), also a bug.
 */
export type Outcome =
  | { kind: "accepted" }
  | { kind: "typed"; label: string }
  | { kind: "untyped" | "silent"; label: string; detail: string };

/** A parser under fuzzing. */
export interface FuzzTarget {
  /** Short name, e.g. `"png"` or `"model.json"`. */
  readonly name: string;
  /** Makes the next mutated input (the same generator state gives the same input). */
  generate(rng: Rng): Promise<Uint8Array>;
  /**
   * Feeds one input to the parser. Resolves with the outcome, or rejects
   * with what the parser threw (classified by {@link classifyError}).
   * `signal` aborts when the input has run past the hard time limit.
   */
  run(input: Uint8Array, signal: AbortSignal): Promise<Outcome>;
  /** Frees what the target holds (temporary files, a server). */
  close(): Promise<void>;
}

/**
 * Classifies what a parser threw: a `DigitLabError` subclass is typed (its
 * class name is the label), anything else is untyped.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { ImageError } from "../core/errors.ts";
 * import { classifyError } from "./target.ts";
 * assertEquals(classifyError(new ImageError("bad")), { kind: "typed", label: "ImageError" });
 * assertEquals(classifyError(new RangeError("Invalid array length")), {
 *   kind: "untyped",
 *   label: "RangeError",
 *   detail: "Invalid array length",
 * });
 * ```
 */
export function classifyError(error: unknown): Outcome {
  if (error instanceof DigitLabError) return { kind: "typed", label: error.name };
  if (error instanceof Error) {
    return { kind: "untyped", label: error.name || "Error", detail: error.message.slice(0, 300) };
  }
  return { kind: "untyped", label: typeof error, detail: String(error).slice(0, 300) };
}
