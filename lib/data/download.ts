/**
 * Checksum-verified, atomic downloads with mirror fallback.
 *
 * A file is written to a temporary file next to its destination and renamed
 * into place only once its size and SHA-256 are right, so a failed download
 * never replaces or leaves behind a file. A mirror that sends no headers, or
 * stops sending bytes, for longer than a timeout counts as failed, and the
 * next one is tried. The temporary file is named after the process writing
 * it (`.<file>.part-<pid>-<n>`), so that a later run can tell one left by a
 * killed download from one still being written, and remove it.
 *
 * A large file can instead be downloaded with `resume`: it is written to
 * `<file>.part`, which is kept when the connection breaks, and the next run
 * asks for the rest with an HTTP `Range` request (or starts over when the
 * server answers with the whole file). EMNIST's 562 MB archive is fetched so.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { DownloadError, InvalidArgumentError } from "../core/mod.ts";
import { catalogEntry, type CatalogFile } from "./catalog.ts";

/** Progress of one download, reported after each received chunk. */
export interface DownloadProgress {
  /** The URL being downloaded. */
  url: string;
  /** Bytes of the file so far (a resumed download counts the part kept from before). */
  received: number;
  /** Bytes of the whole file, from `Content-Length` (plus the kept part), if announced. */
  total: number | undefined;
}

/** Options for {@linkcode downloadFile}. */
export interface DownloadFileOptions {
  /** URL or mirror URLs of the file, tried in order. */
  urls: string | string[];
  /** Destination path. */
  dest: string;
  /** Expected lower-case hex SHA-256 of the file. */
  sha256: string;
  /** The fetch implementation (default `globalThis.fetch`). */
  fetch?: typeof fetch;
  /** Called as bytes arrive. */
  onProgress?: (progress: DownloadProgress) => void;
  /**
   * Milliseconds a mirror may take to answer with its headers before it
   * counts as failed (default {@linkcode DEFAULT_HEADERS_TIMEOUT_MS}).
   */
  headersTimeoutMs?: number;
  /**
   * Milliseconds a mirror may send no byte of the body before it counts as
   * failed (default {@linkcode DEFAULT_IDLE_TIMEOUT_MS}).
   */
  idleTimeoutMs?: number;
  /**
   * Download into `<dest>.part` and keep it when the download breaks off, so
   * that the next call (or the next mirror) asks only for the missing bytes
   * (default false: a failed download leaves nothing).
   */
  resume?: boolean;
}

/**
 * How long a mirror may take to send its response headers, in
 * milliseconds, by default.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { DEFAULT_HEADERS_TIMEOUT_MS } from "./download.ts";
 * assertEquals(DEFAULT_HEADERS_TIMEOUT_MS, 30_000);
 * ```
 */
export const DEFAULT_HEADERS_TIMEOUT_MS = 30_000;

/**
 * How long a mirror may send no byte of the body, in milliseconds, by
 * default: a mirror that stalls mid-body would otherwise hang the download.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { DEFAULT_IDLE_TIMEOUT_MS } from "./download.ts";
 * assertEquals(DEFAULT_IDLE_TIMEOUT_MS, 30_000);
 * ```
 */
export const DEFAULT_IDLE_TIMEOUT_MS = 30_000;

/** What {@linkcode downloadFile} did. */
export interface DownloadResult {
  /** Destination path. */
  dest: string;
  /** `"skipped"`: `dest` already had the right checksum; `"downloaded"`: fetched now. */
  status: "skipped" | "downloaded";
  /** Size of the file in bytes. */
  bytes: number;
  /** The mirror that served the file, when downloaded. */
  url?: string;
  /** Bytes of an earlier, broken-off download that were kept and not fetched again. */
  resumedFrom?: number;
}

/**
 * Lower-case hex SHA-256 of `bytes`.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { sha256Hex } from "./download.ts";
 * assertEquals(
 *   await sha256Hex(new TextEncoder().encode("abc")),
 *   "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
 * );
 * ```
 */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Bytes hashed at a time: a 562 MB archive is hashed without being held in memory. */
const HASH_CHUNK = 4 * 1024 * 1024;

/** Lower-case hex SHA-256 of the file at `path`, read in chunks; undefined when there is none. */
async function fileSha256(path: string): Promise<string | undefined> {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { read: true });
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
  try {
    const hash = createHash("sha256");
    const buffer = new Uint8Array(HASH_CHUNK);
    while (true) {
      const n = await file.read(buffer);
      if (n === null) break;
      hash.update(buffer.subarray(0, n));
    }
    return hash.digest("hex");
  } finally {
    file.close();
  }
}

/** An error's message followed by its cause's (fetch says just "fetch failed"). */
function message(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  return e.cause === undefined ? e.message : `${e.message} (${message(e.cause)})`;
}

/** `ms` milliseconds as an error message says it: `30 s`, `0.2 s`. */
function seconds(ms: number): string {
  return `${ms / 1000} s`;
}

/**
 * Settles as `work` does, or rejects with `timedOut()` after `ms`
 * milliseconds, whichever comes first, and then calls `giveUp` to stop the
 * work; the timer never outlives it.
 */
async function within<T>(
  work: Promise<T>,
  ms: number,
  timedOut: () => Error,
  giveUp: () => void,
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      // Rejected first: stopping the work may settle it too (a cancelled read is "done").
      reject(timedOut());
      giveUp();
    }, ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The first byte of a `Content-Range: bytes <first>-<last>/<size>` header,
 * and the size (undefined when `*`); undefined when the header is malformed.
 */
function contentRange(header: string | null): { first: number; size?: number } | undefined {
  const match = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(header?.trim() ?? "");
  if (match === null) return undefined;
  return { first: Number(match[1]), size: match[3] === "*" ? undefined : Number(match[3]) };
}

/**
 * Fetches `url` into `file`. With `offset` > 0 the file already holds that
 * many bytes of an earlier download: only the rest is asked for (HTTP
 * `Range`) and appended; a server that sends the whole file instead (200)
 * has the file emptied and rewritten. Returns the size of the file.
 */
async function fetchToFile(
  url: string,
  file: Deno.FsFile,
  options: DownloadFileOptions,
  offset = 0,
): Promise<number> {
  const headersTimeout = options.headersTimeoutMs ?? DEFAULT_HEADERS_TIMEOUT_MS;
  const idleTimeout = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  // Aborting ends the request and its body, also a body stream stalled mid-read.
  const abort = new AbortController();
  let response: Response;
  try {
    const headers: HeadersInit = offset > 0 ? { range: `bytes=${offset}-` } : {};
    const request = (options.fetch ?? fetch)(url, { signal: abort.signal, headers });
    response = await within(
      request,
      headersTimeout,
      () => new DownloadError(`no response from ${url} within ${seconds(headersTimeout)}`),
      () => {
        abort.abort();
        // A stand-in fetch may ignore the signal; its answer is not awaited any more.
        request.then((r) => r.body?.cancel(), () => {}).catch(() => {});
      },
    );
  } catch (e) {
    if (e instanceof DownloadError) throw e;
    throw new DownloadError(`request to ${url} failed: ${message(e)}`, { cause: e });
  }
  // 416 Range Not Satisfiable: the kept part is already as long as the file
  // (or longer); its checksum decides whether it is the file.
  if (offset > 0 && response.status === 416) {
    await response.body?.cancel();
    return offset;
  }
  if (!response.ok || response.body === null) {
    await response.body?.cancel();
    throw new DownloadError(`HTTP ${response.status} ${response.statusText} for ${url}`.trim());
  }
  let start = 0;
  if (offset > 0 && response.status === 206) {
    const range = contentRange(response.headers.get("content-range"));
    if (range?.first !== offset) {
      await response.body.cancel();
      throw new DownloadError(
        `${url} answered a request for bytes ${offset}- with Content-Range ` +
          `${JSON.stringify(response.headers.get("content-range"))}`,
      );
    }
    start = offset;
  } else if (offset > 0) {
    // The server ignored the Range header and sends the whole file: start over.
    await file.truncate(0);
    await file.seek(0, Deno.SeekMode.Start);
  }
  // With a Content-Encoding the header counts encoded bytes, not what we receive.
  const length = response.headers.has("content-encoding")
    ? NaN
    : Number(response.headers.get("content-length") ?? NaN);
  const total = Number.isSafeInteger(length) ? start + length : undefined;
  let received = start;
  const reader = response.body.getReader();
  try {
    while (true) {
      const { done, value } = await within(
        reader.read(),
        idleTimeout,
        () =>
          new DownloadError(
            `download of ${url} stalled: no bytes for ${seconds(idleTimeout)} after ${received} ` +
              `of ${total ?? "?"} bytes`,
          ),
        () => {
          abort.abort();
          // Not awaited: a stalled stream may never confirm the cancel.
          reader.cancel().catch(() => {});
        },
      );
      if (done) break;
      await file.write(value);
      received += value.length;
      options.onProgress?.({ url, received, total });
    }
  } catch (e) {
    if (e instanceof DownloadError) throw e;
    await reader.cancel().catch(() => {});
    throw new DownloadError(
      `download of ${url} broke off after ${received} of ${total ?? "?"} bytes: ${message(e)}`,
      { cause: e },
    );
  }
  if (total !== undefined && received !== total) {
    throw new DownloadError(
      `truncated download of ${url}: Content-Length is ${total - start} bytes, received ` +
        `${received - start}`,
    );
  }
  return received;
}

/** A temporary file left this long without a write is abandoned, whoever wrote it. */
const STALE_AFTER_MS = 3600_000;

/** Numbers this process's temporary files, so that two downloads of one file never share one. */
let tempFiles = 0;

/** The temporary file this process writes `name` to: `.<name>.part-<pid>-<n>`. */
function tempName(name: string): string {
  return `.${name}.part-${Deno.pid}-${++tempFiles}`;
}

/**
 * Whether process `pid` is running; undefined where that cannot be told
 * (no `/proc`, as on macOS and Windows, or no permission to read it).
 */
function processRunning(pid: number): boolean | undefined {
  try {
    Deno.statSync(`/proc/${pid}`);
    return true;
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) return undefined;
    try {
      Deno.statSync("/proc/self");
      return false;
    } catch {
      return undefined;
    }
  }
}

/**
 * Removes the temporary files of earlier downloads of `name` in `dir` that
 * no download will finish: their process has ended, or nothing was written
 * to them for an hour. Older versions named them `.<name>.<random>.tmp`;
 * those go after the hour too.
 */
async function removeStaleTempFiles(dir: string, name: string): Promise<void> {
  const prefix = `.${name}.`;
  let entries: Deno.DirEntry[];
  try {
    entries = await Array.fromAsync(Deno.readDir(dir));
  } catch (e) {
    if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory) return;
    throw e;
  }
  for (const entry of entries) {
    if (!entry.isFile || !entry.name.startsWith(prefix)) continue;
    const rest = entry.name.slice(prefix.length);
    const part = /^part-(\d+)-\d+$/.exec(rest);
    if (part === null && !/^\w+\.tmp$/.test(rest)) continue;
    const path = `${dir}/${entry.name}`;
    try {
      const pid = part === null ? undefined : Number(part[1]);
      const dead = pid !== undefined && pid !== Deno.pid && processRunning(pid) === false;
      const mtime = (await Deno.stat(path)).mtime?.getTime() ?? Date.now();
      if (dead || Date.now() - mtime > STALE_AFTER_MS) await Deno.remove(path);
    } catch (e) {
      // Gone already: another run cleaned it up, or its download finished.
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
  }
}

function checkTimeout(name: string, ms: number | undefined): void {
  if (ms !== undefined && !(ms > 0)) {
    throw new InvalidArgumentError(`${name} must be a positive number, got ${ms}`);
  }
}

/**
 * Downloads a file unless `dest` already has the expected SHA-256. Mirrors
 * are tried in order; the first one that delivers a complete file with the
 * right checksum wins. `dest` is replaced atomically, and only by a verified
 * file.
 *
 * @throws {InvalidArgumentError} when `sha256` is not 64 hex digits or no URL is given.
 * @throws {DownloadError} naming each URL and what went wrong (HTTP status,
 * truncated body, expected and actual checksum) when no mirror succeeds.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { downloadFile, sha256Hex } from "./download.ts";
 * const body = new TextEncoder().encode("7 2 1 0 4");
 * const dir = await Deno.makeTempDir();
 * const options = {
 *   urls: ["https://mirror.example/labels.txt"],
 *   dest: `${dir}/labels.txt`,
 *   sha256: await sha256Hex(body),
 *   fetch: () => Promise.resolve(new Response(body)), // a stand-in for the network
 * };
 * assertEquals((await downloadFile(options)).status, "downloaded");
 * assertEquals((await downloadFile(options)).status, "skipped"); // already there, checksum right
 * assertEquals(await Deno.readTextFile(options.dest), "7 2 1 0 4");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function downloadFile(options: DownloadFileOptions): Promise<DownloadResult> {
  const { dest } = options;
  const urls = typeof options.urls === "string" ? [options.urls] : options.urls;
  const expected = options.sha256.toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(expected)) {
    throw new InvalidArgumentError(
      `sha256 must be 64 hex digits, got "${options.sha256}" for ${dest}`,
    );
  }
  if (urls.length === 0) throw new InvalidArgumentError(`no URL given for ${dest}`);
  checkTimeout("headersTimeoutMs", options.headersTimeoutMs);
  checkTimeout("idleTimeoutMs", options.idleTimeoutMs);
  const slash = Math.max(dest.lastIndexOf("/"), dest.lastIndexOf("\\"));
  const dir = slash >= 0 ? dest.slice(0, slash) || "/" : ".";
  const name = dest.slice(slash + 1);
  await removeStaleTempFiles(dir, name);
  if (await fileSha256(dest) === expected) {
    return { dest, status: "skipped", bytes: (await Deno.stat(dest)).size };
  }
  if (options.resume) return await downloadResuming(urls, dest, expected, options);
  const failures: DownloadError[] = [];
  for (const url of urls) {
    const tmp = `${dir}/${tempName(name)}`;
    try {
      // Private (0600) until verified, like a temporary file; then ordinary data.
      const file = await Deno.open(tmp, { write: true, createNew: true, mode: 0o600 });
      let bytes: number;
      try {
        bytes = await fetchToFile(url, file, options);
      } finally {
        file.close();
      }
      const actual = await fileSha256(tmp);
      if (actual !== expected) {
        throw new DownloadError(
          `checksum mismatch for ${url}: expected SHA-256 ${expected}, got ${actual}`,
        );
      }
      if (Deno.build.os !== "windows") await Deno.chmod(tmp, 0o644);
      await Deno.rename(tmp, dest);
      return { dest, status: "downloaded", bytes, url };
    } catch (e) {
      await Deno.remove(tmp).catch(() => {});
      if (!(e instanceof DownloadError)) throw e;
      failures.push(e);
    }
  }
  throw allFailed(urls, dest, failures);
}

/** The error of a download for which every mirror failed. */
function allFailed(urls: string[], dest: string, failures: DownloadError[]): DownloadError {
  return new DownloadError(
    urls.length === 1 ? failures[0].message : `all ${urls.length} mirrors failed for ${dest}: ` +
      failures.map((f) => f.message).join("; "),
    { cause: failures.length === 1 ? failures[0] : new AggregateError(failures) },
  );
}

/**
 * Where a resumable download of `dest` keeps its bytes until they are
 * verified: `<dest>.part`.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { partPath } from "./download.ts";
 * assertEquals(partPath("data/emnist/gzip.zip"), "data/emnist/gzip.zip.part");
 * ```
 */
export function partPath(dest: string): string {
  return `${dest}.part`;
}

/**
 * `downloadFile` with `resume`: every mirror appends to `<dest>.part`, which
 * is renamed to `dest` once its checksum is right and kept when a download
 * breaks off. A part whose bytes turn out wrong once complete (the file
 * changed on the server, or the part is corrupt) is emptied and fetched
 * again from the start, once per mirror. An exclusive lock on the part keeps
 * two runs from writing it at once.
 */
async function downloadResuming(
  urls: string[],
  dest: string,
  expected: string,
  options: DownloadFileOptions,
): Promise<DownloadResult> {
  const part = partPath(dest);
  // Private (0600) until verified, like a temporary file; then ordinary data.
  const file = await Deno.open(part, { read: true, write: true, create: true, mode: 0o600 });
  let result: DownloadResult | undefined;
  let discard = false;
  const failures: DownloadError[] = [];
  try {
    if (!await file.tryLock(true)) {
      throw new DownloadError(`another download of ${dest} is writing ${part}; wait for it to end`);
    }
    const kept = (await file.stat()).size;
    for (const url of urls) {
      try {
        for (let fresh = false;; fresh = true) {
          const offset = (await file.stat()).size;
          await file.seek(offset, Deno.SeekMode.Start);
          const bytes = await fetchToFile(url, file, options, offset);
          const actual = await fileSha256(part);
          if (actual === expected) {
            result = { dest, status: "downloaded", bytes, url, resumedFrom: kept || undefined };
            break;
          }
          await file.truncate(0);
          // A resumed part that does not add up is fetched once more from the start.
          if (offset === 0 || fresh) {
            throw new DownloadError(
              `checksum mismatch for ${url}: expected SHA-256 ${expected}, got ${actual}`,
            );
          }
        }
        break;
      } catch (e) {
        if (!(e instanceof DownloadError)) throw e;
        failures.push(e);
      }
    }
    discard = result === undefined && (await file.stat()).size === 0;
  } finally {
    file.close();
  }
  if (result === undefined) {
    if (discard) await Deno.remove(part).catch(() => {});
    throw failures.length === 0
      ? new DownloadError(`no mirror served ${dest}`)
      : allFailed(urls, dest, failures);
  }
  if (Deno.build.os !== "windows") await Deno.chmod(part, 0o644);
  await Deno.rename(part, dest);
  return result;
}

/** Why a download failed, in a few words, and whether the mirror was reached at all. */
export interface FailureReason {
  /** `"HTTP 404 Not Found"`, `"connection refused"`, `"no response within 30 s"`… */
  reason: string;
  /** The request never got an answer (no network, DNS, refused): the machine may be offline. */
  unreachable: boolean;
}

/** The few words of one failure's innermost message. */
function briefly(error: Error, fromFetch: boolean): FailureReason {
  const text = error.message;
  const http = text.match(/^HTTP (\d{3}.*?) for /);
  if (http) return { reason: `HTTP ${http[1].trim()}`, unreachable: false };
  if (text.startsWith("checksum mismatch")) return { reason: "wrong SHA-256", unreachable: false };
  if (text.startsWith("truncated download")) {
    return { reason: "truncated download", unreachable: false };
  }
  const silent = text.match(/^no response from .* (within .*)$/);
  if (silent) return { reason: `no response ${silent[1]}`, unreachable: true };
  if (!fromFetch) return { reason: text.replace(/ of \S+/, ""), unreachable: false };
  // Deno's fetch nests "error sending request for url (…): client error (Connect): tcp
  // connect error: Connection refused (os error 111)": the last clause says what happened.
  const last = text.split(": ").at(-1)!.replace(/\s*\(os error \d+\)\)*$/, "").trim();
  return { reason: last.charAt(0).toLowerCase() + last.slice(1), unreachable: true };
}

/**
 * The distinct reasons, in a few words each, behind a failed download's
 * error (every mirror's, for an error of {@linkcode downloadFile}): what a
 * one-line message can say, where the error's message names every URL.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { downloadFile, failureReasons } from "./download.ts";
 * const dir = await Deno.makeTempDir();
 * const error = await downloadFile({
 *   urls: ["https://a.example/f", "https://b.example/f"],
 *   dest: `${dir}/f`,
 *   sha256: "0".repeat(64),
 *   fetch: (url) =>
 *     String(url).startsWith("https://a.")
 *       ? Promise.resolve(new Response("gone", { status: 404, statusText: "Not Found" }))
 *       : Promise.reject(new TypeError("fetch failed", { cause: new Error("tcp connect error: Connection refused (os error 111)") })),
 * }).catch((e) => e);
 * assertEquals(failureReasons(error), [
 *   { reason: "HTTP 404 Not Found", unreachable: false },
 *   { reason: "connection refused", unreachable: true },
 * ]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function failureReasons(error: unknown): FailureReason[] {
  const found = new Map<string, FailureReason>();
  const visit = (e: unknown, fromFetch: boolean) => {
    if (e instanceof AggregateError) {
      for (const inner of e.errors) visit(inner, fromFetch);
    } else if (!(e instanceof Error)) {
      found.set(String(e), { reason: String(e), unreachable: fromFetch });
    } else if (e.cause !== undefined) {
      // Below a DownloadError, a cause is what fetch or the body stream threw (or the
      // mirrors' DownloadErrors, gathered in an AggregateError).
      const ours = e.cause instanceof DownloadError || e.cause instanceof AggregateError;
      visit(e.cause, fromFetch || !ours);
    } else {
      const brief = briefly(e, fromFetch);
      found.set(brief.reason, brief);
    }
  };
  visit(error, false);
  return [...found.values()];
}

/** `path` without its last part: `a/b` for `a/b/c`, `/` for `/a`, `.` for `a`. */
function parentOf(path: string): string {
  const trimmed = path.replace(/[\\/]+$/, "");
  const slash = Math.max(trimmed.lastIndexOf("/"), trimmed.lastIndexOf("\\"));
  return slash < 0 ? "." : trimmed.slice(0, slash) || "/";
}

/**
 * Makes directory `dir` and its missing parents; returns those it made,
 * deepest first, so that a run that leaves nothing in them can remove them.
 *
 * @throws {InvalidArgumentError} naming `dir` when it, or a parent, is a
 *   file, or it cannot be made.
 */
async function createDir(dir: string): Promise<string[]> {
  const unusable = (reason: string, cause?: unknown) =>
    new InvalidArgumentError(`cannot use ${dir} as the dataset directory: ${reason}`, { cause });
  const missing: string[] = [];
  for (let path = dir;; path = parentOf(path)) {
    try {
      if ((await Deno.stat(path)).isDirectory) break;
      throw unusable(path === dir ? "it is a file" : `${path} is a file`);
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) {
        if (e instanceof InvalidArgumentError || e instanceof Deno.errors.NotCapable) throw e;
        throw unusable(message(e), e);
      }
      missing.push(path);
      if (parentOf(path) === path) break;
    }
  }
  try {
    await Deno.mkdir(dir, { recursive: true });
  } catch (e) {
    if (e instanceof Deno.errors.NotCapable) throw e;
    throw unusable(message(e), e);
  }
  return missing;
}

/** Removes `dirs` in order while they are empty; one that is not stays, with its parents. */
async function removeEmptyDirs(dirs: string[]): Promise<void> {
  for (const dir of dirs) {
    try {
      await Deno.remove(dir);
    } catch {
      return;
    }
  }
}

/** The outcome for one file of {@linkcode downloadDataset}. */
export interface DatasetFileOutcome {
  /** The catalog file. */
  file: CatalogFile;
  /** Where it was (or would have been) written. */
  dest: string;
  /** What happened. */
  status: "skipped" | "downloaded" | "failed";
  /** The mirror that served it, when downloaded. */
  url?: string;
  /** Why it failed, when it did. */
  error?: Error;
  /**
   * Bytes of an earlier broken-off download: not fetched again (when
   * downloaded), or kept for the next run to resume (when failed).
   */
  kept?: number;
}

/**
 * Files at least this large (64 MiB) are downloaded with `resume`: a
 * broken-off download of EMNIST's 562 MB archive is kept and continued,
 * while the 10 to 26 MB IDX files of MNIST and its kin are simply fetched
 * again (seconds) and a failure leaves nothing behind.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { CATALOG, RESUME_MIN_BYTES } from "./mod.ts";
 * assert(CATALOG["emnist"].files[0].bytes >= RESUME_MIN_BYTES);
 * assert(CATALOG["fashion-mnist"].files.every((f) => f.bytes < RESUME_MIN_BYTES));
 * ```
 */
export const RESUME_MIN_BYTES = 64 * 1024 * 1024;

/** Size of the file at `path`, 0 when there is none. */
async function sizeOf(path: string): Promise<number> {
  try {
    return (await Deno.stat(path)).size;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return 0;
    throw e;
  }
}

/** Options for {@linkcode downloadDataset}. */
export interface DownloadDatasetOptions {
  /** Target directory (default `data/<name>`), created if missing. */
  dir?: string;
  /** The fetch implementation (default `globalThis.fetch`). */
  fetch?: typeof fetch;
  /** Called as bytes arrive. */
  onProgress?: (file: CatalogFile, progress: DownloadProgress) => void;
  /** Called once per file as soon as it is done (or failed). */
  onFile?: (outcome: DatasetFileOutcome) => void;
  /** Passed to {@linkcode downloadFile} for each file. */
  headersTimeoutMs?: number;
  /** Passed to {@linkcode downloadFile} for each file. */
  idleTimeoutMs?: number;
}

/**
 * Downloads the files of catalog dataset `name` (four IDX files, or one
 * archive) into `dir`, skipping files that are already there with the right
 * checksum. Every file is attempted even when an earlier one fails. Files of
 * {@linkcode RESUME_MIN_BYTES} or more are downloaded with `resume`: a
 * broken-off download is kept as `<file>.part` and continued by the next
 * call. Directories this call made and left empty (every download failed,
 * nothing kept) are removed again.
 *
 * @returns One outcome per file, in catalog order.
 * @throws {InvalidArgumentError} for an unknown dataset name, or a `dir`
 *   that is a file or cannot be made, before any request.
 * @throws {DownloadError} after all files were attempted, listing those that failed.
 *
 * @example
 * ```ts
 * import { assertEquals, assertRejects } from "@std/assert";
 * import { downloadDataset } from "./download.ts";
 * import { DownloadError } from "../core/errors.ts";
 * const dir = await Deno.makeTempDir();
 * const statuses: string[] = [];
 * await assertRejects(
 *   () =>
 *     downloadDataset("mnist", {
 *       dir,
 *       fetch: () => Promise.resolve(new Response("gone", { status: 404 })), // every mirror fails
 *       onFile: (outcome) => statuses.push(outcome.status),
 *     }),
 *   DownloadError,
 *   "4 of 4 files of mnist failed to download",
 * );
 * assertEquals(statuses, ["failed", "failed", "failed", "failed"]); // each file was tried
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function downloadDataset(
  name: string,
  options: DownloadDatasetOptions = {},
): Promise<DatasetFileOutcome[]> {
  const entry = catalogEntry(name);
  const dir = options.dir ?? `data/${entry.name}`;
  const created = await createDir(dir);
  const outcomes: DatasetFileOutcome[] = [];
  for (const file of entry.files) {
    const dest = `${dir}/${file.name}`;
    const resume = file.bytes >= RESUME_MIN_BYTES;
    let outcome: DatasetFileOutcome;
    try {
      const result = await downloadFile({
        resume,
        urls: entry.mirrors.map((m) => m + file.name),
        dest,
        sha256: file.sha256,
        fetch: options.fetch,
        headersTimeoutMs: options.headersTimeoutMs,
        idleTimeoutMs: options.idleTimeoutMs,
        onProgress: options.onProgress && ((p) => options.onProgress?.(file, p)),
      });
      outcome = { file, dest, status: result.status, url: result.url, kept: result.resumedFrom };
    } catch (e) {
      if (!(e instanceof DownloadError)) throw e;
      const kept = resume ? await sizeOf(partPath(dest)) : 0;
      outcome = { file, dest, status: "failed", error: e, kept: kept || undefined };
    }
    outcomes.push(outcome);
    options.onFile?.(outcome);
  }
  const failed = outcomes.filter((o) => o.status === "failed");
  if (failed.length > 0) {
    await removeEmptyDirs(created);
    throw new DownloadError(
      `${failed.length} of ${outcomes.length} files of ${name} failed to download into ${dir}: ` +
        failed.map((o) => `${o.file.name} (${o.error?.message})`).join("; "),
    );
  }
  return outcomes;
}
