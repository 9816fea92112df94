/**
 * A model's identity, as corrections record it: the SHA-256 of its
 * weights. Two directories with the same weights are the same model; a
 * fine-tuned model gets a new identity.
 *
 * @module
 */

import { join } from "@std/path";
import { ModelLoadError } from "../core/mod.ts";

/**
 * SHA-256 (hex) of a saved model directory's weights.bin: the model's identity.
 *
 * @throws {ModelLoadError} when `modelDir/weights.bin` cannot be read, naming it.
 *
 * @example
 * ```ts
 * import { assertMatch } from "@std/assert";
 * import { modelIdOf } from "./model_id.ts";
 * assertMatch(await modelIdOf("data/models/default"), /^[0-9a-f]{64}$/);
 * ```
 */
export async function modelIdOf(modelDir: string): Promise<string> {
  const path = join(modelDir, "weights.bin");
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    bytes = await Deno.readFile(path);
  } catch (e) {
    throw new ModelLoadError(
      `cannot read ${path} to identify the model: ${e instanceof Error ? e.message : e}`,
      { cause: e },
    );
  }
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}
