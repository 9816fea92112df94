/**
 * The basics every layer uses: typed errors, the seeded random generator, project paths
 * and the plain records of a training run (history, metrics).
 *
 * May import: nothing in lib/.
 *
 * @module
 */

export * from "./errors.ts";
export * from "./paths.ts";
export * from "./random.ts";
export * from "./records.ts";
