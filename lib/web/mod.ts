/**
 * The draw-a-digit page: its HTML, the JSON API (readings, corrections,
 * the model's description) and the HTTP server.
 *
 * May import: every layer up to `display/`.
 *
 * @module
 */

export * from "./api.ts";
export * from "./batch_classifier.ts";
export * from "./batcher.ts";
export * from "./corrections.ts";
export * from "./handler.ts";
export * from "./model_info.ts";
export * from "./page.ts";
export * from "./server.ts";
