/**
 * Measuring speed and memory: training and inference benchmarks, the PyTorch peer,
 * the per-kernel profile of a training step and the server under load.
 *
 * May import: every layer up to `display/`.
 *
 * @module
 */

export * from "./child.ts";
export * from "./drift.ts";
export * from "./measure.ts";
export * from "./peer.ts";
export * from "./profile.ts";
export * from "./rounds.ts";
export * from "./serve_load.ts";
export * from "./timing.ts";
