/**
 * Fuzzing the parsers: seeded, format-aware mutators (bytes, PNG chunks,
 * JSON, gzip and zlib bombs), one target per parser (IDX raw and gzipped,
 * every image format, `model.json`, `weights.bin`, the HTTP API) and the
 * runner that counts typed and untyped errors, slow inputs, hangs and peak
 * RSS, and saves every failing input.
 *
 * May import: every layer up to `display/`.
 *
 * @module
 */

export * from "./compress.ts";
export * from "./http_target.ts";
export * from "./idx_target.ts";
export * from "./image_fields.ts";
export * from "./image_seeds.ts";
export * from "./image_target.ts";
export * from "./json_mutators.ts";
export * from "./model_targets.ts";
export * from "./mutators.ts";
export * from "./png_chunks.ts";
export * from "./report.ts";
export * from "./runner.ts";
export * from "./target.ts";
export * from "./targets.ts";
export * from "./watchdog.ts";
