/**
 * Checksum-verified, atomic downloads with mirror fallback.
 *
 * A file is written to a temporary file next to its destination and renamed
 * into place only once its size and SHA-256 are right, so a failed download
 * never replaces or leaves behind a file.
 *
 * @module
 */

import { DownloadError, InvalidArgumentError } from "../core/mod.ts";
import { catalogEntry, type CatalogFile } from "./catalog.ts";

/** Progress of one download, reported after each received chunk. */
export interface DownloadProgress {
  /** The URL being downloaded. */
  url: string;
  /** Bytes received so far. */
  received: number;
  /** Bytes announced by `Content-Length`, if any. */
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
}

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

async function fileSha256(path: string): Promise<string | undefined> {
  try {
    return await sha256Hex(await Deno.readFile(path));
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
}

/** An error's message followed by its cause's (fetch says just "fetch failed"). */
function message(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  return e.cause === undefined ? e.message : `${e.message} (${message(e.cause)})`;
}

async function fetchToFile(
  url: string,
  tmp: string,
  options: DownloadFileOptions,
): Promise<number> {
  let response: Response;
  try {
    response = await (options.fetch ?? fetch)(url);
  } catch (e) {
    throw new DownloadError(`request to ${url} failed: ${message(e)}`, { cause: e });
  }
  if (!response.ok || response.body === null) {
    await response.body?.cancel();
    throw new DownloadError(`HTTP ${response.status} ${response.statusText} for ${url}`.trim());
  }
  // With a Content-Encoding the header counts encoded bytes, not what we receive.
  const length = response.headers.has("content-encoding")
    ? NaN
    : Number(response.headers.get("content-length") ?? NaN);
  const total = Number.isSafeInteger(length) ? length : undefined;
  let received = 0;
  using file = await Deno.open(tmp, { write: true, truncate: true });
  try {
    for await (const chunk of response.body) {
      await file.write(chunk);
      received += chunk.length;
      options.onProgress?.({ url, received, total });
    }
  } catch (e) {
    throw new DownloadError(
      `download of ${url} broke off after ${received} of ${total ?? "?"} bytes: ${message(e)}`,
      { cause: e },
    );
  }
  if (total !== undefined && received !== total) {
    throw new DownloadError(
      `truncated download of ${url}: Content-Length is ${total} bytes, received ${received}`,
    );
  }
  return received;
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
  if (await fileSha256(dest) === expected) {
    return { dest, status: "skipped", bytes: (await Deno.stat(dest)).size };
  }
  const slash = Math.max(dest.lastIndexOf("/"), dest.lastIndexOf("\\"));
  const dir = slash >= 0 ? dest.slice(0, slash) || "/" : ".";
  const name = dest.slice(slash + 1);
  const failures: string[] = [];
  for (const url of urls) {
    const tmp = await Deno.makeTempFile({ dir, prefix: `.${name}.`, suffix: ".tmp" });
    try {
      const bytes = await fetchToFile(url, tmp, options);
      const actual = await fileSha256(tmp);
      if (actual !== expected) {
        throw new DownloadError(
          `checksum mismatch for ${url}: expected SHA-256 ${expected}, got ${actual}`,
        );
      }
      // makeTempFile creates the file private (0600); a dataset file is ordinary data.
      if (Deno.build.os !== "windows") await Deno.chmod(tmp, 0o644);
      await Deno.rename(tmp, dest);
      return { dest, status: "downloaded", bytes, url };
    } catch (e) {
      await Deno.remove(tmp).catch(() => {});
      if (!(e instanceof DownloadError)) throw e;
      failures.push(e.message);
    }
  }
  throw new DownloadError(
    urls.length === 1 ? failures[0] : `all ${urls.length} mirrors failed for ${dest}: ` +
      failures.join("; "),
  );
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
}

/**
 * Downloads the four files of catalog dataset `name` into `dir`, skipping
 * files that are already there with the right checksum. Every file is
 * attempted even when an earlier one fails.
 *
 * @returns One outcome per file, in catalog order.
 * @throws {InvalidArgumentError} for an unknown dataset name.
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
  await Deno.mkdir(dir, { recursive: true });
  const outcomes: DatasetFileOutcome[] = [];
  for (const file of entry.files) {
    const dest = `${dir}/${file.name}`;
    let outcome: DatasetFileOutcome;
    try {
      const result = await downloadFile({
        urls: entry.mirrors.map((m) => m + file.name),
        dest,
        sha256: file.sha256,
        fetch: options.fetch,
        onProgress: options.onProgress && ((p) => options.onProgress?.(file, p)),
      });
      outcome = { file, dest, status: result.status, url: result.url };
    } catch (e) {
      if (!(e instanceof DownloadError)) throw e;
      outcome = { file, dest, status: "failed", error: e };
    }
    outcomes.push(outcome);
    options.onFile?.(outcome);
  }
  const failed = outcomes.filter((o) => o.status === "failed");
  if (failed.length > 0) {
    throw new DownloadError(
      `${failed.length} of ${outcomes.length} files of ${name} failed to download into ${dir}: ` +
        failed.map((o) => `${o.file.name} (${o.error?.message})`).join("; "),
    );
  }
  return outcomes;
}
