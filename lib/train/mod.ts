/**
 * Training: the loop over epochs (one thread or data-parallel), validation, early
 * stopping, and the run's record (test metrics for `metrics.json`).
 *
 * May import: every layer below it, `train/parallel/` included.
 *
 * @module
 */

export * from "./loop.ts";
export * from "./recalibrate.ts";
export * from "./run_record.ts";
export * from "./finetune.ts";
export * from "./finetune_data.ts";
export * from "./finetune_decision.ts";
export * from "./model_install.ts";
export * from "./drawn_corrections.ts";
