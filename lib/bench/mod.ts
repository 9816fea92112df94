/**
 * Measuring speed and memory: training and inference benchmarks, the PyTorch peer and
 * the per-kernel profile of a training step.
 *
 * May import: every layer up to `display/`.
 *
 * @module
 */

export * from "./measure.ts";
export * from "./peer.ts";
export * from "./profile.ts";
export * from "./timing.ts";
