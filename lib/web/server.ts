/**
 * Serving the drawing page and its prediction API over HTTP.
 *
 * @module
 */

import type { Classify } from "../image/mod.ts";
import type { CorrectionSink } from "./corrections.ts";
import { createHandler, jsonError } from "./handler.ts";
import type { ModelInfo } from "./model_info.ts";

/** Options of {@link startServer}. */
export interface ServerOptions {
  /** The model: 784 ink values in, 10 probabilities out. */
  classify: Classify;
  /** Port to listen on; 0 picks a free one. Default 8000. */
  port?: number;
  /** Interface to listen on. Default `"127.0.0.1"` (this machine only). */
  hostname?: string;
  /** Aborting it shuts the server down. */
  signal?: AbortSignal;
  /** Largest accepted request body in bytes. Default 10 MiB. */
  maxBodyBytes?: number;
  /** Longest wait for the whole request body, in ms (then 408). Default 10 s. */
  bodyTimeoutMs?: number;
  /** The model `classify` reads with, for `GET /api/info` and the corrections. */
  model?: ModelInfo;
  /** Where `POST /api/corrections` records corrections; needs `model`. Default: none (503). */
  corrections?: CorrectionSink;
  /** Largest correction body in bytes. Default 5 MiB. */
  maxCorrectionBytes?: number;
}

/** A running server. */
export interface WebServer {
  /** The page's address, e.g. `http://127.0.0.1:8000/`. */
  url: string;
  /** The port actually listened on. */
  port: number;
  /** Resolves once the server has shut down. */
  finished: Promise<void>;
  /** Stops accepting connections and finishes the open requests. */
  shutdown(): Promise<void>;
}

/**
 * Starts serving the drawing page (`GET /`), the prediction API (`POST
 * /api/predict`) with `classify` as the model, and with a store the
 * corrections (`POST /api/corrections`, `GET /api/info`). The caller closes
 * the store after `finished`: every correction is written (or refused)
 * before its request is answered, and `finished` waits for open requests.
 *
 * @throws {InvalidArgumentError} for a bad `bodyTimeoutMs` or
 *   `maxCorrectionBytes`, or `corrections` without `model`.
 *
 * @example
 * ```ts
 * import { assertEquals, assertMatch } from "@std/assert";
 * import { startServer } from "./server.ts";
 * const server = startServer({ classify: () => [0, 0, 0, 0, 0, 0, 0, 1, 0, 0], port: 0 });
 * const page = await fetch(server.url);
 * assertEquals(page.status, 200);
 * assertMatch(await page.text(), /<canvas/);
 * await server.shutdown();
 * await server.finished;
 * ```
 */
export function startServer(options: ServerOptions): WebServer {
  const handler = createHandler({
    classify: options.classify,
    maxBodyBytes: options.maxBodyBytes,
    bodyTimeoutMs: options.bodyTimeoutMs,
    model: options.model,
    corrections: options.corrections,
    maxCorrectionBytes: options.maxCorrectionBytes,
  });
  const server = Deno.serve({
    port: options.port ?? 8000,
    hostname: options.hostname ?? "127.0.0.1",
    signal: options.signal,
    onListen: () => {},
    // The handler answers every failure itself; should one still escape, the
    // client gets the API's JSON shape and the operator one line, not a stack.
    onError: (e) => {
      const message = e instanceof Error ? e.message : String(e);
      console.error(`request failed: ${message.replaceAll("\n", " ")}`);
      return jsonError(500, `the server failed: ${message}`);
    },
  }, handler);
  const { hostname, port } = server.addr;
  const host = hostname.includes(":") ? `[${hostname}]` : hostname;
  return {
    url: `http://${host}:${port}/`,
    port,
    finished: server.finished,
    shutdown: () => server.shutdown(),
  };
}
