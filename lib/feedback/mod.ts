/**
 * Corrections users make to the model's readings, and their store: a
 * SQLite file in `data/feedback/` that the draw page, `deno task predict
 * --correct` and the notebooks write to (safely at the same time), with a
 * schema version and migrations; checks of every field; a model's identity
 * (its weights' SHA-256); export as a labelled folder tree or IDX files.
 *
 * May import: `core/`, `data/`, `image/`, `model/`.
 *
 * @module
 */

export * from "./export.ts";
export * from "./model_id.ts";
export * from "./schema.ts";
export * from "./store.ts";
export * from "./validate.ts";
