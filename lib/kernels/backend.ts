/**
 * Sets up TensorFlow.js on the WASM backend (SIMD on) before any model is
 * built, and registers the kernels Digit Lab needs for training.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { getThreadsCount } from "@tensorflow/tfjs-backend-wasm";
import { BackendError } from "../core/mod.ts";
import { registerTrainingKernels } from "./registry.ts";

/** What {@linkcode setupBackend} set up. */
export interface BackendInfo {
  /** Always `"wasm"`: Digit Lab never falls back silently. */
  backend: string;
  /** Whether the WASM SIMD build is in use. */
  simd: boolean;
  /** Threads the WASM backend runs on (1 under Deno today). */
  threads: number;
  /** The tfjs version. */
  tfjsVersion: string;
}

// Under Deno tfjs sees Node (IS_NODE), so its cpu backend greets its first tensor with "Hi, looks
// like you are running TensorFlow.js in Node.js … install our node backend". That advice does not
// apply: Digit Lab runs on WASM on purpose and does not use tfjs-node's native addon.
// The banner goes through tfjs's own warn(), which the PROD flag silences (in tfjs 4.22 PROD
// gates nothing but tfjs's warn and log; the correctness checks hang on DEBUG). It is set when
// this module loads, so the cpu backend of a test or a worker stays quiet even before
// setupBackend; setupBackend turns tfjs's warnings back on while it starts WASM, so a failed
// start or a clashing kernel registration is still reported.
tf.env().set("PROD", true);

let ready: Promise<BackendInfo> | undefined;

/**
 * Starts the WASM backend once (later calls return the same result), with
 * SIMD, and registers the training kernels the backend lacks.
 *
 * @throws {BackendError} when WASM cannot start; the cpu backend is never
 *   used as a silent fallback.
 *
 * @example
 * ```ts
 * import { assertEquals, assertStrictEquals } from "@std/assert";
 * import { setupBackend } from "./backend.ts";
 * const info = await setupBackend();
 * assertEquals([info.backend, info.simd], ["wasm", true]);
 * assertStrictEquals(await setupBackend(), info); // started once
 * ```
 */
export function setupBackend(): Promise<BackendInfo> {
  ready ??= start().catch((e) => {
    ready = undefined;
    throw e;
  });
  return ready;
}

async function start(): Promise<BackendInfo> {
  tf.env().set("PROD", false);
  try {
    return await startWasm();
  } finally {
    tf.env().set("PROD", true);
  }
}

async function startWasm(): Promise<BackendInfo> {
  tf.env().set("WASM_HAS_SIMD_SUPPORT", true);
  // Deno has no usable worker path for the threaded build (ERR_WORKER_PATH).
  tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false);
  let ok: boolean;
  try {
    ok = await tf.setBackend("wasm");
    await tf.ready();
  } catch (e) {
    throw new BackendError(
      `the TensorFlow.js WASM backend failed to start: ${(e as Error).message}`,
      { cause: e },
    );
  }
  if (!ok || tf.getBackend() !== "wasm") {
    throw new BackendError(
      `the TensorFlow.js WASM backend failed to start (active backend: ${
        JSON.stringify(tf.getBackend())
      }); refusing to fall back to another backend`,
    );
  }
  registerTrainingKernels();
  return {
    backend: tf.getBackend(),
    simd: await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT") as boolean,
    threads: getThreadsCount(),
    tfjsVersion: tf.version.tfjs,
  };
}
