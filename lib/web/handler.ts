/**
 * The HTTP routes of the drawing page: `GET /` serves the page, `POST
 * /api/predict` reads the digit (or with `?multi=1` the number) in the
 * posted image. Errors come back as JSON `{ error }` with a status that
 * names the kind of problem: 400 bad image or query, 404 unknown path, 405
 * wrong method, 413 body too large, 500 a failing model.
 *
 * @module
 */

import { ImageError } from "../core/mod.ts";
import type { Classify } from "../image/mod.ts";
import { readDigitUpload, readNumberUpload } from "./api.ts";
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
 * Options of {@link createHandler}.
 */
export interface HandlerOptions {
  /** The model: 784 ink values in, 10 probabilities out. */
  classify: Classify;
  /** Largest accepted request body in bytes. Default {@link DEFAULT_MAX_BODY_BYTES}. */
  maxBodyBytes?: number;
}

/** A request handler, as `Deno.serve` takes it. */
export type Handler = (request: Request) => Promise<Response>;

/** Keeps the page to itself: nothing loads from elsewhere, so it works offline. */
const PAGE_CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; " +
  "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'";

function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", ...headers },
  });
}

function jsonError(status: number, error: string, headers: Record<string, string> = {}): Response {
  return json({ error }, status, headers);
}

/** The body's bytes, or null when it holds more than `max` bytes. */
async function readBody(request: Request, max: number): Promise<Uint8Array | null> {
  if (Number(request.headers.get("content-length") ?? 0) > max) return null;
  if (request.body === null) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of request.body) {
    total += chunk.length;
    if (total > max) return null; // leaving the loop cancels the stream
    chunks.push(chunk);
  }
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

async function predict(request: Request, url: URL, options: HandlerOptions): Promise<Response> {
  const raw = url.searchParams.get("multi");
  const multi = parseMulti(raw);
  if (multi === undefined) {
    return jsonError(400, `query parameter multi must be 1 or 0, got ${JSON.stringify(raw)}`);
  }
  const max = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const bytes = await readBody(request, max);
  if (bytes === null) {
    return jsonError(413, `request body is larger than the limit of ${max} bytes`);
  }
  try {
    const classify = options.classify;
    return json(
      multi ? await readNumberUpload(bytes, classify) : await readDigitUpload(bytes, classify),
    );
  } catch (e) {
    if (e instanceof ImageError) return jsonError(400, e.message);
    console.error(e);
    return jsonError(500, `the model failed: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/**
 * Creates the request handler of the drawing page and its prediction API.
 * Serve it with `Deno.serve` (see `startServer`) or call it directly.
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
  return async (request) => {
    const url = new URL(request.url);
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
        },
      });
    }
    if (url.pathname === "/api/predict") {
      if (request.method !== "POST") {
        return jsonError(405, `${request.method} /api/predict is not allowed; use POST`, {
          allow: "POST",
        });
      }
      return await predict(request, url, options);
    }
    return jsonError(404, `no such path: ${url.pathname}`);
  };
}
