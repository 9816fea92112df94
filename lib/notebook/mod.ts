/**
 * What the notebooks call: settings, the model's lifecycle, data views and reading
 * files, so that each cell is one call.
 *
 * May import: every layer up to `display/`.
 *
 * @module
 */

export * from "./files.ts";
export * from "./model.ts";
export * from "./settings.ts";
export * from "./views.ts";
export * from "./feedback.ts";
