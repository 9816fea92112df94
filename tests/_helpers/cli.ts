/**
 * Shared test helpers for the command-line modules.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import type { ModelMetrics } from "../../lib/core/records.ts";

/**
 * Runs `fn` with `console.log` captured (and `console.error` silenced when
 * `quietErrors`); returns what it logged, one line per call.
 *
 * @example
 * ```ts
 * import { captureLog } from "./cli.ts";
 * const out = await captureLog(async () => console.log("hi"));
 * console.assert(out === "hi");
 * ```
 */
export async function captureLog(
  fn: () => Promise<unknown>,
  options: { quietErrors?: boolean } = {},
): Promise<string> {
  const lines: string[] = [];
  const { log, error } = console;
  console.log = (...args: unknown[]) => lines.push(args.map(String).join(" "));
  if (options.quietErrors) console.error = () => {};
  try {
    await fn();
  } finally {
    console.log = log;
    console.error = error;
  }
  return lines.join("\n");
}

/**
 * A `metrics.json` record for models saved by tests; `overrides` replace fields.
 *
 * @example
 * ```ts
 * import { stubMetrics } from "./cli.ts";
 * console.assert(stubMetrics({ seed: 3 }).seed === 3);
 * ```
 */
export function stubMetrics(overrides: Partial<ModelMetrics> = {}): ModelMetrics {
  return {
    data_source: "test",
    splits: { train: 1, validation: 1, test: 1 },
    epochs: 1,
    batch_size: 1,
    seed: 1,
    augment: false,
    train_accuracy: 0,
    val_accuracy: 0,
    test_accuracy: 0,
    test_loss: 0,
    training_seconds: 0,
    seconds_per_epoch: 0,
    parameters: 7850,
    versions: { tfjs: tf.version.tfjs, deno: Deno.version.deno, backend: "wasm" },
    command: "deno test",
    created_at: "2024-01-01T00:00:00.000Z",
    history: [],
    ...overrides,
  };
}
