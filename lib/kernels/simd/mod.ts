/**
 * The WASM SIMD module built from `kernels.c` (`kernels_wasm.ts`, generated) and
 * its typed bindings on the tfjs WASM heap.
 *
 * May import: `core/`.
 *
 * @module
 */

export * from "./bindings.ts";
