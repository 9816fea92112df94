/**
 * The HTTP target: raw requests, written byte for byte on a TCP connection
 * to a running Digit Lab server (`lib/web`, started by the caller on
 * 127.0.0.1), so that what a browser's `fetch` would never send gets
 * through: any method, odd paths and query strings, missing, repeated and
 * oversized headers, a `Content-Length` that lies (shorter: the rest is read
 * as a next request; longer: an aborted upload), chunked bodies with bad
 * chunk sizes, bodies of mutated images and JSON, a body over the size
 * limit, and byte mutations of the request head. The client half-closes
 * after sending, so a lie about the length ends the upload instead of
 * leaving the server waiting.
 *
 * An answer is typed when it is a JSON `{ error }` with a 4xx status, or a
 * bare 4xx from the HTTP parser itself; a 5xx, a non-JSON error from the
 * API or a non-JSON 200 from `/api/predict` is untyped.
 *
 * @module
 */

import { randomInt, type Rng } from "../core/mod.ts";
import { imageSeeds } from "./image_seeds.ts";
import { type Json, mutateJson } from "./json_mutators.ts";
import { mutateBytes, pick, randomBytes } from "./mutators.ts";
import { mutatePngChunks } from "./png_chunks.ts";
import type { FuzzTarget, Outcome } from "./target.ts";

/** Options of {@linkcode createHttpTarget}. */
export interface HttpTargetOptions {
  /** The server's port on 127.0.0.1. */
  port: number;
  /** The server's body limit, to send a body just over it now and then. Default 10 MiB. */
  maxBodyBytes?: number;
  /** Inflated size of a PNG bomb's zeros. Default 600 MiB. */
  bombBytes?: number;
  /** Chance that a PNG body is a bomb. Default 1/200. */
  bombChance?: number;
}

const METHODS = [
  "GET",
  "POST",
  "HEAD",
  "PUT",
  "DELETE",
  "OPTIONS",
  "PATCH",
  "TRACE",
  "post",
  "FOO",
];
const PATHS = [
  "/",
  "/api/predict",
  "/api/predict?multi=1",
  "/api/predict?multi=0",
  "/api/predict?multi=2",
  "/api/predict?multi=1&multi=0",
  "/api/predict?multi=%00",
  "/api/predict/",
  "//api/predict",
  "/api/../api/predict",
  "/API/PREDICT",
  "/%2e%2e/%2e%2e/etc/passwd",
  "/index.html",
  "*",
  "http://127.0.0.1/api/predict",
  "/api/predict#x",
  "/\u00e9",
];
const CONTENT_TYPES = [
  "image/png",
  "application/json",
  "multipart/form-data; boundary=x",
  "text/plain",
  "application/octet-stream",
  "",
];

interface RequestParts {
  method: string;
  path: string;
  headers: [string, string][];
  body: Uint8Array;
}

const encoder = new TextEncoder();

function serialise(req: RequestParts): Uint8Array {
  const head = `${req.method} ${req.path} HTTP/1.1\r\n` +
    req.headers.map(([k, v]) => `${k}: ${v}\r\n`).join("") + "\r\n";
  const h = encoder.encode(head);
  const out = new Uint8Array(h.length + req.body.length);
  out.set(h);
  out.set(req.body, h.length);
  return out;
}

function setHeader(req: RequestParts, name: string, value: string): void {
  req.headers = req.headers.filter(([k]) => k.toLowerCase() !== name.toLowerCase());
  req.headers.push([name, value]);
}

function chunked(rng: Rng, body: Uint8Array): Uint8Array {
  const parts: Uint8Array[] = [];
  for (let off = 0; off < body.length;) {
    const n = Math.min(body.length - off, 1 + randomInt(rng, 4096));
    const size = rng() < 0.1 ? pick(rng, ["ffffffffffffffff", "-1", "zz", "0"]) : n.toString(16);
    parts.push(encoder.encode(`${size}\r\n`), body.subarray(off, off + n), encoder.encode("\r\n"));
    off += n;
  }
  if (rng() < 0.9) parts.push(encoder.encode("0\r\n\r\n"));
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  parts.reduce((off, p) => (out.set(p, off), off + p.length), 0);
  return out;
}

/** Answers parsed from the raw bytes a server sent back. */
interface Answer {
  status: number;
  contentType: string;
  body: string;
}

function parseAnswer(bytes: Uint8Array): Answer | null {
  const text = new TextDecoder().decode(bytes);
  const match = /^HTTP\/1\.[01] (\d{3})/.exec(text);
  if (!match) return null;
  const split = text.indexOf("\r\n\r\n");
  const head = split < 0 ? text : text.slice(0, split);
  const contentType = /\r\ncontent-type:\s*([^\r\n]*)/i.exec(head)?.[1] ?? "";
  return { status: Number(match[1]), contentType, body: split < 0 ? "" : text.slice(split + 4) };
}

/**
 * Classifies the first answer to a raw request (see the module doc).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { classifyAnswer } from "./http_target.ts";
 * const raw = (s: string) => new TextEncoder().encode(s);
 * const json = 'HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\n\r\n{"error":"x"}';
 * assertEquals(classifyAnswer(raw(json)), { kind: "typed", label: "HTTP 400" });
 * const crash = "HTTP/1.1 500 Internal Server Error\r\n\r\nInternal Server Error";
 * assertEquals(classifyAnswer(raw(crash)).kind, "untyped");
 * ```
 */
export function classifyAnswer(bytes: Uint8Array, path = "/api/predict"): Outcome {
  if (bytes.length === 0) return { kind: "typed", label: "closed, no answer" };
  const answer = parseAnswer(bytes);
  if (answer === null) {
    return {
      kind: "untyped",
      label: "not HTTP",
      detail: new TextDecoder().decode(bytes.slice(0, 200)),
    };
  }
  const { status, contentType, body } = answer;
  const isJson = contentType.startsWith("application/json");
  const detail = `${status} ${contentType}: ${body.slice(0, 200)}`;
  if (status >= 500) return { kind: "untyped", label: `HTTP ${status}`, detail };
  if (status >= 400) {
    if (body === "" && contentType === "") {
      return { kind: "typed", label: `HTTP ${status} (parser)` };
    }
    if (!isJson) return { kind: "untyped", label: `HTTP ${status} not JSON`, detail };
    return { kind: "typed", label: `HTTP ${status}` };
  }
  if (path.startsWith("/api/") && status === 200 && !isJson && body !== "") {
    return { kind: "untyped", label: "HTTP 200 not JSON", detail };
  }
  return { kind: "accepted" };
}

async function exchange(
  port: number,
  request: Uint8Array,
  signal: AbortSignal,
): Promise<Uint8Array> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const onAbort = () => {
    try {
      conn.close();
    } catch { /* already closed */ }
  };
  signal.addEventListener("abort", onAbort, { once: true });
  const received: Uint8Array[] = [];
  try {
    try {
      for (let off = 0; off < request.length;) off += await conn.write(request.subarray(off));
      await conn.closeWrite();
    } catch {
      // The server may answer (413) and close before the whole body is sent: read what it said.
    }
    const buf = new Uint8Array(64 * 1024);
    let total = 0;
    while (total < 1 << 20) {
      const n = await conn.read(buf).catch(() => null);
      if (n === null) break;
      received.push(buf.slice(0, n));
      total += n;
    }
  } finally {
    signal.removeEventListener("abort", onAbort);
    onAbort();
  }
  const out = new Uint8Array(received.reduce((s, c) => s + c.length, 0));
  received.reduce((off, c) => (out.set(c, off), off + c.length), 0);
  return out;
}

/**
 * Creates the `"http"` target against the server listening on
 * `127.0.0.1:options.port`. Needs `--allow-net=127.0.0.1` and `--allow-ffi`
 * (sharp makes the image seeds).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { createRng } from "../core/random.ts";
 * import { createHttpTarget } from "./http_target.ts";
 * const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, () =>
 *   Response.json({ error: "no" }, { status: 400 }));
 * const target = await createHttpTarget({ port: server.addr.port, bombChance: 0 });
 * const input = await target.generate(createRng(2));
 * const outcome = await target.run(input, new AbortController().signal);
 * assertEquals(outcome.kind === "typed" || outcome.kind === "accepted", true);
 * await target.close();
 * await server.shutdown();
 * ```
 */
export async function createHttpTarget(options: HttpTargetOptions): Promise<FuzzTarget> {
  const images = [
    ...await imageSeeds("png"),
    ...(await imageSeeds("jpeg")).slice(0, 3),
    ...(await imageSeeds("webp")).slice(0, 2),
    ...(await imageSeeds("bmp")).slice(0, 1),
  ];
  const maxBody = options.maxBodyBytes ?? 10 * 1024 * 1024;

  async function body(rng: Rng): Promise<Uint8Array> {
    const roll = rng();
    const image = pick(rng, images);
    if (roll < 0.3) return image;
    if (roll < 0.6) return await mutatePngChunks(rng, pick(rng, images.slice(0, 4)), options);
    if (roll < 0.8) return mutateBytes(rng, image);
    if (roll < 0.9) {
      const json: Json = { image: "data:image/png;base64,AAAA", multi: true, size: [28, 28] };
      return encoder.encode(JSON.stringify(mutateJson(rng, json)));
    }
    if (roll < 0.997) {
      return rng() < 0.5 ? new Uint8Array(0) : randomBytes(rng, randomInt(rng, 512));
    }
    return new Uint8Array(maxBody + 1); // just over the limit
  }

  async function generate(rng: Rng): Promise<Uint8Array> {
    const req: RequestParts = {
      method: rng() < 0.8 ? "POST" : pick(rng, METHODS),
      path: rng() < 0.7 ? pick(rng, PATHS.slice(1, 4)) : pick(rng, PATHS),
      headers: [["Host", "127.0.0.1"], ["Connection", "close"]],
      body: await body(rng),
    };
    setHeader(req, "Content-Type", pick(rng, CONTENT_TYPES));
    setHeader(req, "Content-Length", String(req.body.length));
    // Half the requests are well-formed, so the handler and the decoders get their share.
    for (let i = rng() < 0.5 ? 0 : 1 + randomInt(rng, 2); i > 0; i--) {
      switch (randomInt(rng, 8)) {
        case 0: { // Content-Length lies
          const n = req.body.length;
          const lie = pick(rng, [
            0,
            Math.floor(n / 2),
            n - 1,
            n + 1,
            n + 1000,
            2 ** 31 - 1,
            2 ** 53,
          ]);
          setHeader(
            req,
            "Content-Length",
            rng() < 0.1 ? pick(rng, ["-1", "abc", " 5", "1e3"]) : String(lie),
          );
          break;
        }
        case 1: // two Content-Lengths
          req.headers.push(["Content-Length", String(randomInt(rng, req.body.length + 2))]);
          break;
        case 2: // chunked instead
          req.headers = req.headers.filter(([k]) => k !== "Content-Length");
          req.headers.push([
            "Transfer-Encoding",
            pick(rng, ["chunked", "gzip, chunked", "identity"]),
          ]);
          req.body = chunked(rng, req.body);
          break;
        case 3: // a huge or odd header
          req.headers.push(
            pick(rng, [
              ["X-Big", "a".repeat(pick(rng, [1000, 20_000, 200_000]))],
              ["Expect", "100-continue"],
              ["Content-Encoding", "gzip"],
              ["Host", ""],
              ["X-Ctl", "\u0001\u007f"],
            ] as [string, string][]),
          );
          break;
        case 4: // many headers
          for (let k = 0; k < 200; k++) req.headers.push([`X-H${k}`, String(k)]);
          break;
        case 5: // Connection header dropped (the server keeps the connection open)
          req.headers = req.headers.filter(([k]) => k !== "Connection");
          break;
        case 6:
          req.method = pick(rng, METHODS);
          break;
        default:
          req.path = pick(rng, [...PATHS, "/" + "a".repeat(pick(rng, [100, 10_000, 100_000]))]);
      }
    }
    let bytes = serialise(req);
    if (rng() < 0.1) {
      // Byte mutations of the request head only, so the parser meets them.
      const headLength = bytes.length - req.body.length;
      const head = mutateBytes(rng, bytes.slice(0, headLength));
      const out = new Uint8Array(head.length + req.body.length);
      out.set(head);
      out.set(req.body, head.length);
      bytes = out;
    }
    return bytes;
  }

  return {
    name: "http",
    generate,
    async run(input: Uint8Array, signal: AbortSignal): Promise<Outcome> {
      const line = new TextDecoder().decode(input.subarray(0, 2048));
      const path = /^\S+ (\S+)/.exec(line)?.[1] ?? "/api/predict";
      return classifyAnswer(await exchange(options.port, input, signal), path);
    },
    close: () => Promise.resolve(),
  };
}
