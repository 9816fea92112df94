/**
 * `deno task bench:serve [--clients N] [--seconds S] [--model DIR]`: the
 * server under load. Starts the real `deno task serve` as its own process
 * on 127.0.0.1 (a free port), measures how fast this process reads the same
 * digit PNGs by itself (decode, normalise, classify: the in-process
 * figure), then has `clients` concurrent clients post them for `seconds`
 * and reports requests/s, p50/p99 latency and errors next to it. Every
 * answer is checked against the in-process reading of its image, to the
 * byte of its probabilities. Last, it posts a PNG bomb (a 1x1 header over
 * an IDAT of 64 MiB of zeros) and times a normal request during and after
 * it.
 *
 * Targets (issue 14): throughput at least 80% of in-process, 0 errors, a
 * normal request within 50 ms of a bomb. Nothing leaves the loopback
 * interface, and both the request count and the time are bounded.
 *
 * @module
 */

import { dataPath, InvalidArgumentError, projectRoot } from "../core/mod.ts";
import { type Classify, decodeImage, encodePng, pngChunk, readDigit } from "../image/mod.ts";
import { drawDigit, inkToGray } from "../image/synth/mod.ts";
import { setupBackend } from "../kernels/mod.ts";
import { loadModel } from "../model/mod.ts";
import { readingClassifier } from "../eval/mod.ts";
import { percentile } from "./timing.ts";

/** Options of {@linkcode serveLoad}. */
export interface ServeLoadOptions {
  /** The model directory to serve. Default `data/models/default`. */
  modelDir?: string;
  /** Concurrent clients. Default 64. */
  clients?: number;
  /** Seconds of load, and of the in-process measurement. Default 10. */
  seconds?: number;
  /** Most requests in all (the load stops at whichever limit comes first). Default 200,000. */
  maxRequests?: number;
  /** The PNGs to post. Default {@linkcode digitPngs}. */
  images?: Uint8Array[];
  /** Zero bytes inflated by the PNG bomb; 0 skips it. Default 64 MiB. */
  bombBytes?: number;
}

/** What a PNG bomb did to the server. */
export interface BombReport {
  /** Compressed size of the bomb, in bytes. */
  bytes: number;
  /** The status the bomb was answered with. */
  status: number;
  /** How long the bomb's answer took, in ms. */
  ms: number;
  /** Latency of a normal request posted while the bomb was being handled, in ms. */
  normalDuringMs: number;
  /** Latency of a normal request posted after the bomb's answer, in ms. */
  normalAfterMs: number;
}

/** What {@linkcode serveLoad} measured. */
export interface ServeLoadReport {
  clients: number;
  /** Seconds the load ran. */
  seconds: number;
  /** Requests answered (with any status). */
  requests: number;
  /** Requests that failed, were not 200, or whose answer differed from the in-process reading. */
  errors: number;
  /** Answered requests per second. */
  requestsPerS: number;
  p50Ms: number;
  p99Ms: number;
  /** Images per second this process reads by itself (decode, normalise, classify). */
  inProcessPerS: number;
  /** `requestsPerS / inProcessPerS`. */
  ratio: number;
  /** Lines the server wrote on stderr during the run. */
  serverStderrLines: number;
  /** The PNG bomb's effect, or null when skipped. */
  bomb: BombReport | null;
}

/**
 * Ten drawn digits, 0 to 9, as 96x96 PNGs (ink dark on light, as the page's
 * canvas sends them).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { digitPngs } from "./serve_load.ts";
 * const pngs = await digitPngs();
 * assertEquals([pngs.length, pngs[0][1]], [10, 0x50]); // "P" of the PNG signature
 * ```
 */
export function digitPngs(): Promise<Uint8Array[]> {
  return Promise.all(
    Array.from({ length: 10 }, (_, d) => encodePng(inkToGray(drawDigit(d, { size: 96 })))),
  );
}

/**
 * A PNG decompression bomb: a valid 1x1 8-bit grey header over an IDAT
 * whose zlib stream inflates to `zeroBytes` zeros (64 MiB deflate to about
 * 64 KiB). The zeros are compressed in 1 MiB pieces, never held at once.
 *
 * @throws {InvalidArgumentError} when `zeroBytes` is not a positive integer.
 *
 * @example
 * ```ts
 * import { assert, assertEquals } from "@std/assert";
 * import { pngBomb } from "./serve_load.ts";
 * const bomb = await pngBomb(4 * 1024 * 1024);
 * const ihdr = new DataView(bomb.buffer, 16, 8);
 * assertEquals([ihdr.getUint32(0), ihdr.getUint32(4)], [1, 1]); // says 1x1
 * assert(bomb.length < 16 * 1024, `${bomb.length}`);
 * ```
 */
export async function pngBomb(zeroBytes: number): Promise<Uint8Array> {
  if (!Number.isInteger(zeroBytes) || zeroBytes < 1) {
    throw new InvalidArgumentError(`zeroBytes must be a positive integer, got ${zeroBytes}`);
  }
  const piece = new Uint8Array(Math.min(zeroBytes, 1 << 20));
  const deflate = new CompressionStream("deflate");
  const writer = deflate.writable.getWriter();
  const compressed = new Response(deflate.readable).arrayBuffer();
  for (let left = zeroBytes; left > 0; left -= piece.length) {
    await writer.write(piece.subarray(0, Math.min(left, piece.length)));
  }
  await writer.close();
  const ihdr = new Uint8Array(13);
  new DataView(ihdr.buffer).setUint32(0, 1);
  new DataView(ihdr.buffer).setUint32(4, 1);
  ihdr.set([8, 0, 0, 0, 0], 8); // 8-bit grey, deflate, no filter method, no interlace
  const parts = [
    Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a),
    pngChunk("IHDR", ihdr),
    pngChunk("IDAT", new Uint8Array(await compressed)),
    pngChunk("IEND", new Uint8Array(0)),
  ];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** The server process and the address it printed. */
interface ServerProcess {
  url: string;
  child: Deno.ChildProcess;
  stderr: Promise<string>;
  /** The server's own corrections store, removed with the server. */
  feedbackDir: string;
}

async function startServeProcess(modelDir: string): Promise<ServerProcess> {
  // A store of its own: a load test must not touch the user's data/feedback/.
  const feedbackDir = await Deno.makeTempDir({ prefix: "digit-lab-serve-load-" });
  const args = [
    "run",
    "--allow-read",
    // the server opens a corrections store, as `deno task serve` does
    "--allow-write",
    "--allow-env",
    "--allow-ffi",
    "--allow-net=127.0.0.1",
    new URL("../cli/serve.ts", import.meta.url).pathname,
    "--model",
    modelDir,
    "--port",
    "0",
    "--feedback",
    feedbackDir,
  ];
  const child = new Deno.Command(Deno.execPath(), {
    args,
    cwd: projectRoot(),
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  }).spawn();
  const stderr = new Response(child.stderr).text();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  while (true) {
    const { value, done } = await lines.read();
    if (done) {
      throw new InvalidArgumentError(
        `the server stopped before listening: ${seen}${await stderr}`.trim(),
      );
    }
    seen += value;
    const url = seen.match(/http:\/\/127\.0\.0\.1:\d+\//)?.[0];
    if (url) {
      // keep draining stdout so the server never blocks on a full pipe
      (async () => {
        while (!(await lines.read()).done) { /* discard */ }
      })().catch(() => {});
      return { url, child, stderr, feedbackDir };
    }
  }
}

/** The in-process reading of each image: its probabilities as the API would answer them. */
async function readInProcess(classify: Classify, png: Uint8Array): Promise<string> {
  const reading = await readDigit(await decodeImage(png), classify);
  return JSON.stringify(reading.probabilities);
}

async function post(url: string, body: Uint8Array): Promise<{ status: number; text: string }> {
  const res = await fetch(url, { method: "POST", body: body.slice() });
  return { status: res.status, text: await res.text() };
}

async function timedPost(url: string, body: Uint8Array): Promise<number> {
  const start = performance.now();
  const { status } = await post(url, body);
  if (status !== 200) throw new InvalidArgumentError(`a normal request got ${status}`);
  return performance.now() - start;
}

async function measureBomb(api: string, normal: Uint8Array, zeroBytes: number) {
  const bomb = await pngBomb(zeroBytes);
  const start = performance.now();
  const answered = post(api, bomb).then((r) => ({ ...r, ms: performance.now() - start }));
  await new Promise((resolve) => setTimeout(resolve, 2));
  const normalDuringMs = await timedPost(api, normal);
  const { status, ms } = await answered;
  const normalAfterMs = await timedPost(api, normal);
  return { bytes: bomb.length, status, ms, normalDuringMs, normalAfterMs };
}

function positive(name: string, value: number, integer: boolean): number {
  if (!(value > 0 && Number.isFinite(value)) || (integer && !Number.isInteger(value))) {
    throw new InvalidArgumentError(
      `${name} must be a positive ${integer ? "integer" : "number"}, got ${value}`,
    );
  }
  return value;
}

/**
 * Runs the load measurement described in the module doc and returns its figures.
 *
 * @throws {InvalidArgumentError} for a bad option, or when the server does not start.
 *
 * @example
 * ```ts
 * import { assertRejects } from "@std/assert";
 * import { InvalidArgumentError } from "../core/mod.ts";
 * import { serveLoad } from "./serve_load.ts";
 * // (a real run starts a server process for seconds: see `deno task bench:serve`)
 * await assertRejects(() => serveLoad({ clients: 0 }), InvalidArgumentError, "got 0");
 * ```
 */
export async function serveLoad(options: ServeLoadOptions = {}): Promise<ServeLoadReport> {
  const clients = positive("clients", options.clients ?? 64, true);
  const seconds = positive("seconds", options.seconds ?? 10, false);
  const maxRequests = positive("maxRequests", options.maxRequests ?? 200_000, true);
  const bombBytes = options.bombBytes ?? 64 * 1024 * 1024;
  const images = options.images ?? await digitPngs();
  if (images.length === 0) throw new InvalidArgumentError("images must not be empty");
  const modelDir = options.modelDir ?? dataPath("models", "default");

  const server = await startServeProcess(modelDir);
  let report: ServeLoadReport;
  try {
    report = await measure(new URL("api/predict", server.url).href, modelDir, images, {
      clients,
      seconds,
      maxRequests,
      bombBytes,
    });
  } finally {
    server.child.kill("SIGTERM");
    await server.child.status;
    await Deno.remove(server.feedbackDir, { recursive: true }).catch(() => {});
  }
  const stderr = await server.stderr;
  report.serverStderrLines = stderr.split("\n").filter((line) => line.trim() !== "").length;
  return report;
}

interface Limits {
  clients: number;
  seconds: number;
  maxRequests: number;
  bombBytes: number;
}

async function measure(
  api: string,
  modelDir: string,
  images: Uint8Array[],
  { clients, seconds, maxRequests, bombBytes }: Limits,
): Promise<ServeLoadReport> {
  await setupBackend();
  const { model } = await loadModel(modelDir);
  let expected: string[];
  let inProcessPerS: number;
  try {
    // The server reads with the model's calibration, as predict does.
    const classify = await readingClassifier(model, modelDir);
    expected = await Promise.all(images.map((png) => readInProcess(classify, png)));
    let read = 0;
    const inStart = performance.now();
    const inDeadline = inStart + seconds * 1000;
    while (read < maxRequests && performance.now() < inDeadline) {
      await readInProcess(classify, images[read++ % images.length]);
    }
    inProcessPerS = read / ((performance.now() - inStart) / 1000);
  } finally {
    model.dispose();
  }

  await Promise.all(images.map((png) => post(api, png))); // warm the server up
  const latencies: number[] = [];
  let issued = 0, errors = 0;
  const start = performance.now();
  const deadline = start + seconds * 1000;
  const client = async () => {
    while (issued < maxRequests && performance.now() < deadline) {
      const i = issued++ % images.length;
      const t0 = performance.now();
      try {
        const { status, text } = await post(api, images[i]);
        latencies.push(performance.now() - t0);
        const probabilities = JSON.stringify(JSON.parse(text).probabilities);
        if (status !== 200 || probabilities !== expected[i]) errors++;
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: clients }, client));
  const elapsed = (performance.now() - start) / 1000;
  const bomb = bombBytes > 0 ? await measureBomb(api, images[0], bombBytes) : null;
  const requestsPerS = latencies.length / elapsed;
  return {
    clients,
    seconds: elapsed,
    requests: latencies.length,
    errors,
    requestsPerS,
    p50Ms: latencies.length ? percentile(latencies, 50) : NaN,
    p99Ms: latencies.length ? percentile(latencies, 99) : NaN,
    inProcessPerS,
    ratio: requestsPerS / inProcessPerS,
    serverStderrLines: 0,
    bomb,
  };
}

/** The report as the lines `deno task bench:serve` prints. */
/**
 * The report as the lines `deno task bench:serve` prints.
 *
 * @example
 * ```ts
 * import { assertStringIncludes } from "@std/assert";
 * import { formatServeLoad } from "./serve_load.ts";
 * const line = formatServeLoad({
 *   clients: 64, seconds: 10, requests: 4000, errors: 0, requestsPerS: 400, p50Ms: 160,
 *   p99Ms: 230, inProcessPerS: 320, ratio: 1.25, serverStderrLines: 0, bomb: null,
 * });
 * assertStringIncludes(line, "server, 64 clients: 400.0 requests/s");
 * ```
 */
export function formatServeLoad(r: ServeLoadReport): string {
  const f = (v: number, digits = 1) => v.toFixed(digits);
  const lines = [
    `server, ${r.clients} clients: ${f(r.requestsPerS)} requests/s over ${f(r.seconds)} s ` +
    `(${r.requests} requests, ${r.errors} errors), p50 ${f(r.p50Ms)} ms, p99 ${f(r.p99Ms)} ms`,
    `in-process (decode, normalise, classify): ${f(r.inProcessPerS)} images/s; ` +
    `server/in-process ${f(r.ratio * 100)}% (target >= 80%)`,
    `server stderr: ${r.serverStderrLines} lines`,
  ];
  if (r.bomb) {
    const b = r.bomb;
    lines.push(
      `PNG bomb (${b.bytes} bytes): answered ${b.status} in ${f(b.ms)} ms; a normal request ` +
        `took ${f(b.normalDuringMs)} ms during it, ${
          f(b.normalAfterMs)
        } ms after (target <= 50 ms)`,
    );
  }
  return lines.join("\n");
}
