/**
 * The HTTP routes of the drawing page: `GET /` serves the page, `POST
 * /api/predict` reads the digit (or with `?multi=1` the number) in the
 * posted image, `POST /api/corrections?label=D[&multi=1&digit=I]` records
 * that the posted image's reading (or its digit `I`) is the digit `D`, and
 * `GET /api/info` says which model reads and how many corrections the store
 * holds. Errors come back as JSON `{ error }` with a status that names the
 * kind of problem: 400 bad image, query or unreadable body, 404 unknown
 * path, 405 wrong method, 408 body too slow, 413 body too large, 500 a
 * failing model, 503 no store or a store that cannot write. Every response
 * carries `X-Content-Type-Options: nosniff`.
 *
 * @module
 */

import { ImageError, InvalidArgumentError } from "../core/mod.ts";
import type { Classify } from "../image/mod.ts";
import { readDigitUpload, readNumberUpload } from "./api.ts";
import {
  CorrectionNotStoredError,
  type CorrectionSink,
  parseCorrectionQuery,
  recordUploadCorrection,
} from "./corrections.ts";
import type { ModelInfo } from "./model_info.ts";
import { readPage } from "./page.ts";

/**
 * Largest request body {@link createHandler} accepts by default (10 MiB).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { DEFAULT_MAX_BODY_BYTES } from "./handler.ts";
 * assertEquals(DEFAULT_MAX_BODY_BYTES, 10 * 1024 * 1024);
 * ```
 */
export const DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024;

/**
 * Longest {@link createHandler} waits for a whole request body by default
 * (10 s): a client that sends slower than that holds a connection and its
 * buffers for nothing.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { DEFAULT_BODY_TIMEOUT_MS } from "./handler.ts";
 * assertEquals(DEFAULT_BODY_TIMEOUT_MS, 10_000);
 * ```
 */
export const DEFAULT_BODY_TIMEOUT_MS = 10_000;

/**
 * Largest image `POST /api/corrections` accepts by default (5 MiB, the
 * corrections store's own limit per image): a larger body is refused with
 * a 413 before it is read whole.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { DEFAULT_MAX_CORRECTION_BYTES } from "./handler.ts";
 * assertEquals(DEFAULT_MAX_CORRECTION_BYTES, 5 * 1024 * 1024);
 * ```
 */
export const DEFAULT_MAX_CORRECTION_BYTES = 5 * 1024 * 1024;

/**
 * Options of {@link createHandler}.
 */
export interface HandlerOptions {
  /** The model: 784 ink values in, 10 probabilities out. */
  classify: Classify;
  /** Largest accepted request body in bytes. Default {@link DEFAULT_MAX_BODY_BYTES}. */
  maxBodyBytes?: number;
  /** Longest wait for the whole request body, in ms. Default {@link DEFAULT_BODY_TIMEOUT_MS}. */
  bodyTimeoutMs?: number;
  /** The model `classify` reads with, for `GET /api/info` and the corrections' model id. */
  model?: ModelInfo;
  /**
   * Where `POST /api/corrections` records corrections (a `CorrectionStore`);
   * needs `model`. Without it, that route answers 503.
   */
  corrections?: CorrectionSink;
  /**
   * Largest correction body in bytes (the smaller of this and `maxBodyBytes`
   * applies). Default {@link DEFAULT_MAX_CORRECTION_BYTES}.
   */
  maxCorrectionBytes?: number;
}

/** A request handler, as `Deno.serve` takes it. */
export type Handler = (request: Request) => Promise<Response>;

/** Keeps the page to itself: nothing loads from elsewhere, so it works offline. */
const PAGE_CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; " +
  "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; " +
  // and no other site may frame it (clickjacking)
  "frame-ancestors 'none'";

/** Browsers must take the content type as given, never guess one from the bytes. */
const NOSNIFF = { "x-content-type-options": "nosniff" };

function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", ...NOSNIFF, ...headers },
  });
}

/**
 * Answers a failure of the request body as the JSON error of the API.
 * Exported for `startServer`'s last-resort error handler.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { jsonError } from "./handler.ts";
 * const res = jsonError(408, "too slow");
 * assertEquals([res.status, await res.json()], [408, { error: "too slow" }]);
 * assertEquals(res.headers.get("x-content-type-options"), "nosniff");
 * ```
 */
export function jsonError(
  status: number,
  error: string,
  headers: Record<string, string> = {},
): Response {
  return json({ error }, status, headers);
}

/** Why a request body could not be read, as the status and message to answer. */
class BodyFailure {
  constructor(readonly status: number, readonly message: string) {}
}

/**
 * The body's bytes, read in at most `timeoutMs`; a body over `max` bytes
 * (declared or streamed), a slow one, or one that breaks off (the client
 * went away mid-upload) is a {@link BodyFailure}, never an exception.
 */
async function readBody(
  request: Request,
  max: number,
  timeoutMs: number,
): Promise<Uint8Array | BodyFailure> {
  const tooLarge = new BodyFailure(413, `request body is larger than the limit of ${max} bytes`);
  if (Number(request.headers.get("content-length") ?? 0) > max) return tooLarge;
  if (request.body === null) return new Uint8Array(0);
  const reader = request.body.getReader();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<BodyFailure>((resolve) => {
    timer = setTimeout(
      () => resolve(new BodyFailure(408, `request body did not arrive within ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  const chunks: Uint8Array[] = [];
  let total = 0;
  let failure: BodyFailure | undefined;
  try {
    while (true) {
      const read = reader.read();
      read.catch(() => {}); // a read left behind by the timeout must not reject unhandled
      const next = await Promise.race([read, timedOut]);
      if (next instanceof BodyFailure) {
        failure = next;
        break;
      }
      if (next.done) break;
      total += next.value.length;
      if (total > max) {
        failure = tooLarge;
        break;
      }
      chunks.push(next.value);
    }
  } catch (e) {
    failure = new BodyFailure(
      400,
      `request body could not be read: ${e instanceof Error ? e.message : String(e)}`,
    );
  } finally {
    clearTimeout(timer);
  }
  if (failure !== undefined) {
    // Stop the transfer and free what the stream holds; a broken stream may refuse.
    reader.cancel(failure.message).catch(() => {});
    return failure;
  }
  reader.releaseLock();
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

function parseMulti(value: string | null): boolean | undefined {
  if (value === null || value === "" || value === "0" || value === "false") return false;
  if (value === "1" || value === "true") return true;
  return undefined;
}

/** The body limits of a handler, checked once. */
interface BodyLimits {
  maxBodyBytes: number;
  bodyTimeoutMs: number;
  maxCorrectionBytes: number;
}

function bodyLimits(options: HandlerOptions): BodyLimits {
  const {
    maxBodyBytes = DEFAULT_MAX_BODY_BYTES,
    bodyTimeoutMs = DEFAULT_BODY_TIMEOUT_MS,
    maxCorrectionBytes = DEFAULT_MAX_CORRECTION_BYTES,
  } = options;
  if (!(bodyTimeoutMs > 0 && bodyTimeoutMs < Infinity)) {
    throw new InvalidArgumentError(
      `bodyTimeoutMs must be a positive number of milliseconds, got ${bodyTimeoutMs}`,
    );
  }
  if (!(Number.isInteger(maxCorrectionBytes) && maxCorrectionBytes > 0)) {
    throw new InvalidArgumentError(
      `maxCorrectionBytes must be a positive integer, got ${maxCorrectionBytes}`,
    );
  }
  if (options.corrections !== undefined && options.model === undefined) {
    throw new InvalidArgumentError(
      "recording corrections needs the model's identity: pass options.model with corrections",
    );
  }
  return {
    maxBodyBytes,
    bodyTimeoutMs,
    maxCorrectionBytes: Math.min(maxCorrectionBytes, maxBodyBytes),
  };
}

/** One line on the server's stderr for a failure the client cannot fix. */
function logFailure(request: Request, url: URL, status: number, error: string): void {
  console.error(
    `${request.method} ${url.pathname}${url.search}: ${status} ${error.replaceAll("\n", " ")}`,
  );
}

async function correct(
  request: Request,
  url: URL,
  options: HandlerOptions,
  limits: BodyLimits,
): Promise<Response> {
  const { corrections: store, model } = options;
  if (store === undefined || model === undefined) {
    return jsonError(503, "this server records no corrections: it was started without a store");
  }
  let query;
  try {
    query = parseCorrectionQuery(url.searchParams);
  } catch (e) {
    return jsonError(400, (e as Error).message);
  }
  // The query is checked first: a bad label costs no upload.
  const bytes = await readBody(request, limits.maxCorrectionBytes, limits.bodyTimeoutMs);
  if (bytes instanceof BodyFailure) return jsonError(bytes.status, bytes.message);
  try {
    const recorded = await recordUploadCorrection(bytes, query, {
      classify: options.classify,
      store,
      modelId: model.id,
    });
    return json(recorded, 201);
  } catch (e) {
    if (e instanceof ImageError || e instanceof InvalidArgumentError) {
      return jsonError(400, e.message);
    }
    if (e instanceof CorrectionNotStoredError) {
      logFailure(request, url, 503, e.message);
      return jsonError(503, e.message);
    }
    const error = `the model failed: ${e instanceof Error ? e.message : String(e)}`;
    logFailure(request, url, 500, error);
    return jsonError(500, error);
  }
}

function info(options: HandlerOptions): Response {
  const store = options.corrections;
  let count: number | null = null;
  if (store !== undefined) {
    try {
      count = store.count();
    } catch (e) {
      return jsonError(503, `cannot count the corrections: ${(e as Error).message}`);
    }
  }
  return json(
    {
      model: options.model ?? null,
      corrections: store === undefined ? null : { count },
    },
    200,
    { "cache-control": "no-store" },
  );
}

function methodNotAllowed(request: Request, path: string, allow: string): Response {
  return jsonError(405, `${request.method} ${path} is not allowed; use ${allow.split(",")[0]}`, {
    allow,
  });
}

async function predict(
  request: Request,
  url: URL,
  options: HandlerOptions,
  limits: BodyLimits,
): Promise<Response> {
  const raw = url.searchParams.get("multi");
  const multi = parseMulti(raw);
  if (multi === undefined) {
    return jsonError(400, `query parameter multi must be 1 or 0, got ${JSON.stringify(raw)}`);
  }
  const bytes = await readBody(request, limits.maxBodyBytes, limits.bodyTimeoutMs);
  if (bytes instanceof BodyFailure) return jsonError(bytes.status, bytes.message);
  try {
    const classify = options.classify;
    return json(
      multi ? await readNumberUpload(bytes, classify) : await readDigitUpload(bytes, classify),
    );
  } catch (e) {
    if (e instanceof ImageError) return jsonError(400, e.message);
    const error = `the model failed: ${e instanceof Error ? e.message : String(e)}`;
    // One line for the operator; the client gets the same words.
    logFailure(request, url, 500, error);
    return jsonError(500, error);
  }
}

/**
 * Creates the request handler of the drawing page and its prediction API.
 * Serve it with `Deno.serve` (see `startServer`) or call it directly.
 *
 * @throws {InvalidArgumentError} when `bodyTimeoutMs` is not a positive,
 *   finite number, `maxCorrectionBytes` not a positive integer, or
 *   `corrections` comes without `model`.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { createHandler } from "./handler.ts";
 * const handle = createHandler({ classify: () => [0, 0, 0, 1, 0, 0, 0, 0, 0, 0] });
 * const body = await Deno.readFile("data/examples/scan_7.png");
 * const res = await handle(new Request("http://localhost/api/predict", { method: "POST", body }));
 * assertEquals((await res.json()).digit, 3);
 * assertEquals((await handle(new Request("http://localhost/nowhere"))).status, 404);
 * ```
 */
export function createHandler(options: HandlerOptions): Handler {
  const limits = bodyLimits(options);
  return async (request) => {
    let url: URL;
    try {
      // Deno builds the URL from the Host header, which a client may send
      // as anything (`]]]127.0.0.1`): a bad request, not the server's failure.
      url = new URL(request.url);
    } catch {
      return jsonError(400, `the request's URL is not valid: ${request.url.slice(0, 200)}`);
    }
    if (url.pathname === "/") {
      if (request.method !== "GET" && request.method !== "HEAD") {
        return jsonError(405, `${request.method} / is not allowed; use GET`, {
          allow: "GET, HEAD",
        });
      }
      return new Response(request.method === "HEAD" ? null : await readPage(), {
        headers: {
          "content-type": "text/html; charset=utf-8",
          "content-security-policy": PAGE_CSP,
          "cache-control": "no-cache",
          ...NOSNIFF,
        },
      });
    }
    if (url.pathname === "/api/predict") {
      if (request.method !== "POST") return methodNotAllowed(request, url.pathname, "POST");
      return await predict(request, url, options, limits);
    }
    if (url.pathname === "/api/corrections") {
      if (request.method !== "POST") return methodNotAllowed(request, url.pathname, "POST");
      return await correct(request, url, options, limits);
    }
    if (url.pathname === "/api/info") {
      if (request.method !== "GET") return methodNotAllowed(request, url.pathname, "GET");
      return info(options);
    }
    return jsonError(404, `no such path: ${url.pathname}`);
  };
}
