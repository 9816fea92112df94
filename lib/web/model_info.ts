/**
 * What the draw page says about the model it reads with: its directory, its
 * identity (the SHA-256 of its `weights.bin`, as corrections record it) and
 * its last fine-tuning on corrections, from the `finetune` entries of its
 * `metrics.json`.
 *
 * @module
 */

import { join } from "node:path";
import { ModelLoadError } from "../core/mod.ts";
import { modelIdOf } from "../feedback/mod.ts";
import type { FinetuneRecord } from "../train/mod.ts";

/** The last fine-tuning a model went through. */
export interface FineTuneNote {
  /** How many corrections it was trained on. */
  corrections: number;
  /** When (ISO 8601), or null when the entry does not say. */
  at: string | null;
}

/** The model a server reads with, as `GET /api/info` answers it. */
export interface ModelInfo {
  /** The model directory. */
  dir: string;
  /** Lower-case hex SHA-256 of its `weights.bin` (see `modelIdOf`). */
  id: string;
  /** Its last fine-tuning on corrections, or null when it has none. */
  finetune: FineTuneNote | null;
  /** One line for people: the directory, the short id and the fine-tuning. */
  summary: string;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * The last fine-tuning that changed a model, from its metrics (the
 * `finetune` entries `deno task finetune` records, oldest first; see
 * `FinetuneRecord`), or null when there is none. Runs that kept the old
 * model (`installed: false`) are skipped: the model did not learn from
 * them. The count is of the corrections trained on (the held-out ones
 * only judged the result).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { lastFineTune } from "./model_info.ts";
 * const run = (installed: boolean, trained: number[], at: string) => ({
 *   created_at: at,
 *   installed,
 *   corrections: { count: trained.length + 1, trained_ids: trained, held_out_ids: [99] },
 * });
 * const metrics = {
 *   finetune: [
 *     run(true, [1, 2, 3], "2026-12-01T10:00:00.000Z"),
 *     run(false, [1, 2, 3, 4], "2026-12-02T10:00:00.000Z"),
 *   ],
 * };
 * assertEquals(lastFineTune(metrics), { corrections: 3, at: "2026-12-01T10:00:00.000Z" });
 * assertEquals(lastFineTune({ test_accuracy: 0.99 }), null);
 * ```
 */
export function lastFineTune(metrics: unknown): FineTuneNote | null {
  if (!isRecord(metrics) || !Array.isArray(metrics.finetune)) return null;
  for (let i = metrics.finetune.length - 1; i >= 0; i--) {
    const run: unknown = metrics.finetune[i];
    if (!isRecord(run) || run.installed !== true) continue;
    const { corrections, created_at: at } = run as Partial<FinetuneRecord>;
    if (!Array.isArray(corrections?.trained_ids)) continue;
    return { corrections: corrections.trained_ids.length, at: typeof at === "string" ? at : null };
  }
  return null;
}

/**
 * The one line the page shows for a model.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { modelSummary } from "./model_info.ts";
 * const id = "ab".repeat(32);
 * assertEquals(modelSummary("data/models/default", id, null), "data/models/default (abababababab)");
 * assertEquals(
 *   modelSummary("m", id, { corrections: 12, at: "2026-12-01T10:00:00.000Z" }),
 *   "m (abababababab), fine-tuned on 12 corrections at 2026-12-01 10:00 UTC",
 * );
 * ```
 */
export function modelSummary(dir: string, id: string, finetune: FineTuneNote | null): string {
  const base = `${dir} (${id.slice(0, 12)})`;
  if (finetune === null) return base;
  const n = finetune.corrections;
  const words = `fine-tuned on ${n} correction${n === 1 ? "" : "s"}`;
  if (finetune.at === null) return `${base}, ${words}`;
  const at = new Date(finetune.at);
  const when = Number.isNaN(at.getTime())
    ? finetune.at
    : `${at.toISOString().slice(0, 16).replace("T", " ")} UTC`;
  return `${base}, ${words} at ${when}`;
}

/**
 * Describes the model saved in `dir`: its identity and last fine-tuning. A
 * missing `metrics.json` means no fine-tuning; a `metrics.json` that is not
 * JSON is an error, since it would hide what the model is.
 *
 * @throws {ModelLoadError} when `weights.bin` cannot be read, or
 *   `metrics.json` exists but is not valid JSON (naming the file).
 *
 * @example
 * ```ts
 * import { assertEquals, assertMatch } from "@std/assert";
 * import { describeModel } from "./model_info.ts";
 * const info = await describeModel("data/models/default");
 * assertMatch(info.id, /^[0-9a-f]{64}$/);
 * assertEquals(info.summary.startsWith(`data/models/default (${info.id.slice(0, 12)})`), true);
 * ```
 */
export async function describeModel(dir: string): Promise<ModelInfo> {
  const id = await modelIdOf(dir);
  const path = join(dir, "metrics.json");
  let metrics: unknown = undefined;
  try {
    metrics = JSON.parse(await Deno.readTextFile(path));
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) {
      throw new ModelLoadError(`cannot read ${path}: ${(e as Error).message}`, { cause: e });
    }
  }
  const finetune = lastFineTune(metrics);
  return { dir, id, finetune, summary: modelSummary(dir, id, finetune) };
}
