/**
 * Training: the loop over epochs (one thread or data-parallel), validation, early
 * stopping, and the run's record (test metrics for `metrics.json`).
 *
 * May import: every layer below it, `train/parallel/` included.
 *
 * @module
 */

export * from "./loop.ts";
export * from "./run_record.ts";
