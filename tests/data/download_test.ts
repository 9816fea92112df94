import { assert, assertEquals, assertRejects } from "@std/assert";
import { DownloadError, InvalidArgumentError } from "../../lib/core/errors.ts";
import {
  type DatasetFileOutcome,
  downloadDataset,
  downloadFile,
  sha256Hex,
} from "../../lib/data/download.ts";

const GOOD = new TextEncoder().encode("the right bytes ".repeat(1000));
const OTHER = new TextEncoder().encode("some other bytes");

interface TestServer {
  url: string;
  /** Paths requested so far. */
  requests: string[];
}

/**
 * Runs `fn` against a real HTTP server on 127.0.0.1 serving:
 * `/good` (GOOD), `/other` (OTHER), `/error` (HTTP 500), `/short` (a
 * Content-Length larger than the body, then the connection closes),
 * `/stall` (the headers and 100 bytes, then nothing until the test ends),
 * `/silent` (no answer at all until the test ends).
 */
async function withServer(fn: (server: TestServer) => Promise<void>): Promise<void> {
  const requests: string[] = [];
  const { promise: testEnded, resolve: endTest } = Promise.withResolvers<void>();
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const path = new URL(req.url).pathname;
    requests.push(path);
    switch (path) {
      case "/stall": {
        const body = new ReadableStream<Uint8Array>({
          async start(controller) {
            controller.enqueue(GOOD.subarray(0, 100));
            await testEnded;
            controller.close();
          },
        });
        return new Response(body, { headers: { "content-length": String(GOOD.length) } });
      }
      case "/silent":
        await testEnded;
        return new Response(GOOD);
      case "/good":
        return new Response(GOOD);
      case "/other":
        return new Response(OTHER);
      case "/short": {
        const body = new ReadableStream<Uint8Array>({
          start(controller) {
            controller.enqueue(GOOD.subarray(0, 100));
            controller.close();
          },
        });
        return new Response(body, { headers: { "content-length": String(GOOD.length) } });
      }
      default:
        return new Response("boom", { status: 500 });
    }
  });
  try {
    await fn({ url: `http://127.0.0.1:${server.addr.port}`, requests });
  } finally {
    endTest();
    await server.shutdown();
  }
}

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const goodSha = await sha256Hex(GOOD);

Deno.test("sha256Hex matches the FIPS 180-2 test vector", async () => {
  assertEquals(
    await sha256Hex(new TextEncoder().encode("abc")),
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
  );
});

Deno.test("downloadFile downloads, verifies and leaves no temp file", async () => {
  await withServer(({ url }) =>
    withTempDir(async (dir) => {
      const progress: number[] = [];
      const r = await downloadFile({
        urls: `${url}/good`,
        dest: `${dir}/f.gz`,
        sha256: goodSha,
        onProgress: (p) => progress.push(p.received),
      });
      assertEquals(r, {
        dest: `${dir}/f.gz`,
        status: "downloaded",
        bytes: GOOD.length,
        url: `${url}/good`,
      });
      assertEquals(await Deno.readFile(`${dir}/f.gz`), GOOD);
      assertEquals(progress.at(-1), GOOD.length);
      assertEquals([...Deno.readDirSync(dir)].map((e) => e.name), ["f.gz"]);
    })
  );
});

Deno.test("downloadFile with a wrong checksum fails and writes nothing", async () => {
  await withServer(({ url }) =>
    withTempDir(async (dir) => {
      const wrong = "ab".repeat(32);
      const e = await assertRejects(
        () => downloadFile({ urls: [`${url}/good`], dest: `${dir}/f.gz`, sha256: wrong }),
        DownloadError,
      );
      assertEquals(e.message.includes(`expected SHA-256 ${wrong}, got ${goodSha}`), true);
      assertEquals([...Deno.readDirSync(dir)].length, 0);
    })
  );
});

Deno.test("an existing good file survives a later download with a bad checksum", async () => {
  await withServer(({ url }) =>
    withTempDir(async (dir) => {
      const dest = `${dir}/f.gz`;
      await downloadFile({ urls: [`${url}/good`], dest, sha256: goodSha });
      // A download whose bytes do not match the expected checksum must not touch dest.
      await assertRejects(
        () => downloadFile({ urls: [`${url}/good`], dest, sha256: "cd".repeat(32) }),
        DownloadError,
        "checksum mismatch",
      );
      assertEquals(await Deno.readFile(dest), GOOD);
      assertEquals([...Deno.readDirSync(dir)].map((e) => e.name), ["f.gz"]);
    })
  );
});

Deno.test("a truncated download is a DownloadError and leaves nothing", async () => {
  await withServer(({ url }) =>
    withTempDir(async (dir) => {
      const e = await assertRejects(
        () => downloadFile({ urls: [`${url}/short`], dest: `${dir}/f.gz`, sha256: goodSha }),
        DownloadError,
      );
      assertEquals(e.message.includes(`${url}/short`), true);
      assertEquals(/broke off|truncated/.test(e.message), true);
      assertEquals([...Deno.readDirSync(dir)].length, 0);
    })
  );
});

Deno.test("an HTTP error names status and URL, and the next mirror is tried", async () => {
  await withServer(({ url, requests }) =>
    withTempDir(async (dir) => {
      await assertRejects(
        () => downloadFile({ urls: [`${url}/error`], dest: `${dir}/a`, sha256: goodSha }),
        DownloadError,
        `HTTP 500 Internal Server Error for ${url}/error`,
      );
      const r = await downloadFile({
        urls: [`${url}/error`, `${url}/other`, `${url}/good`],
        dest: `${dir}/b`,
        sha256: goodSha,
      });
      assertEquals(r.url, `${url}/good`);
      assertEquals(requests, ["/error", "/error", "/other", "/good"]);
      assertEquals(await Deno.readFile(`${dir}/b`), GOOD);
    })
  );
});

Deno.test("a file already present with the right checksum is skipped without a request", async () => {
  await withServer(({ url, requests }) =>
    withTempDir(async (dir) => {
      await Deno.writeFile(`${dir}/f.gz`, GOOD);
      const r = await downloadFile({
        urls: [`${url}/other`],
        dest: `${dir}/f.gz`,
        sha256: goodSha,
      });
      assertEquals(r.status, "skipped");
      assertEquals(r.bytes, GOOD.length);
      assertEquals(requests, []);
    })
  );
});

Deno.test("a present file with the wrong content is replaced", async () => {
  await withServer(({ url }) =>
    withTempDir(async (dir) => {
      await Deno.writeFile(`${dir}/f.gz`, OTHER);
      const r = await downloadFile({ urls: [`${url}/good`], dest: `${dir}/f.gz`, sha256: goodSha });
      assertEquals(r.status, "downloaded");
      assertEquals(await Deno.readFile(`${dir}/f.gz`), GOOD);
    })
  );
});

Deno.test("downloadFile rejects a malformed checksum before any request", async () => {
  await assertRejects(
    () => downloadFile({ urls: ["http://127.0.0.1:1/x"], dest: "x", sha256: "abc" }),
    InvalidArgumentError,
    `"abc"`,
  );
});

Deno.test("downloadDataset tries every file and reports each failure", async () => {
  await withServer(({ url, requests }) =>
    withTempDir(async (dir) => {
      const statuses: string[] = [];
      // Every catalog URL is sent to /error on the test server.
      const toError: typeof fetch = () => fetch(`${url}/error`);
      const e = await assertRejects(
        () =>
          downloadDataset("mnist", {
            dir: `${dir}/mnist`,
            fetch: toError,
            onFile: (o) => statuses.push(`${o.status} ${o.file.name}`),
          }),
        DownloadError,
        "4 of 4 files of mnist failed",
      );
      assertEquals(e.message.includes("HTTP 500"), true);
      assertEquals(statuses, [
        "failed train-images-idx3-ubyte.gz",
        "failed train-labels-idx1-ubyte.gz",
        "failed t10k-images-idx3-ubyte.gz",
        "failed t10k-labels-idx1-ubyte.gz",
      ]);
      assertEquals(requests.length, 4 * 3);
      // Nothing left behind: not even the directory this run would have filled.
      assertEquals([...Deno.readDirSync(dir)], []);
    })
  );
});

Deno.test("a mirror that stalls mid-body times out naming URL and timeout; the next one is tried", async () => {
  await withServer(({ url, requests }) =>
    withTempDir(async (dir) => {
      const e = await assertRejects(
        () =>
          downloadFile({
            urls: [`${url}/stall`],
            dest: `${dir}/f.gz`,
            sha256: goodSha,
            idleTimeoutMs: 200,
          }),
        DownloadError,
      );
      assertEquals(
        e.message,
        `download of ${url}/stall stalled: no bytes for 0.2 s after 100 of ${GOOD.length} bytes`,
      );
      assertEquals([...Deno.readDirSync(dir)], []);
      const r = await downloadFile({
        urls: [`${url}/stall`, `${url}/good`],
        dest: `${dir}/f.gz`,
        sha256: goodSha,
        idleTimeoutMs: 200,
      });
      assertEquals([r.url, requests], [`${url}/good`, ["/stall", "/stall", "/good"]]);
      assertEquals([...Deno.readDirSync(dir)].map((f) => f.name), ["f.gz"]);
    })
  );
});

Deno.test("a mirror that never answers times out naming URL and timeout; the next one is tried", async () => {
  await withServer(({ url }) =>
    withTempDir(async (dir) => {
      const options = {
        dest: `${dir}/f.gz`,
        sha256: goodSha,
        headersTimeoutMs: 200,
      };
      const e = await assertRejects(
        () => downloadFile({ ...options, urls: [`${url}/silent`] }),
        DownloadError,
      );
      assertEquals(e.message, `no response from ${url}/silent within 0.2 s`);
      assertEquals([...Deno.readDirSync(dir)], []);
      const r = await downloadFile({ ...options, urls: [`${url}/silent`, `${url}/good`] });
      assertEquals(r.url, `${url}/good`);
    })
  );
});

Deno.test("a stand-in fetch that ignores the abort signal still times out", async () => {
  await withTempDir(async (dir) => {
    const neverAnswers: typeof fetch = () => new Promise(() => {});
    const neverYields: typeof fetch = () =>
      Promise.resolve(new Response(new ReadableStream({ pull: () => new Promise(() => {}) })));
    const options = { dest: `${dir}/f`, sha256: goodSha, headersTimeoutMs: 50, idleTimeoutMs: 50 };
    await assertRejects(
      () => downloadFile({ ...options, urls: "https://a.example/f", fetch: neverAnswers }),
      DownloadError,
      "no response from https://a.example/f within 0.05 s",
    );
    await assertRejects(
      () => downloadFile({ ...options, urls: "https://b.example/f", fetch: neverYields }),
      DownloadError,
      "download of https://b.example/f stalled: no bytes for 0.05 s after 0 of ? bytes",
    );
    assertEquals([...Deno.readDirSync(dir)], []);
  });
});

Deno.test("timeouts must be positive numbers of milliseconds", async () => {
  for (const bad of [0, -1, NaN]) {
    await assertRejects(
      () => downloadFile({ urls: "x", dest: "x", sha256: goodSha, idleTimeoutMs: bad }),
      InvalidArgumentError,
      `idleTimeoutMs must be a positive number, got ${bad}`,
    );
    await assertRejects(
      () => downloadFile({ urls: "x", dest: "x", sha256: goodSha, headersTimeoutMs: bad }),
      InvalidArgumentError,
      `headersTimeoutMs must be a positive number, got ${bad}`,
    );
  }
});

/** The id of a process that has ended. */
async function deadPid(): Promise<number> {
  const child = new Deno.Command(Deno.execPath(), { args: ["--version"], stdout: "null" }).spawn();
  await child.status;
  return child.pid;
}

Deno.test("temporary files of killed or old downloads are removed at the start of a run", async () => {
  await withServer(({ url }) =>
    withTempDir(async (dir) => {
      const dead = await deadPid();
      const hoursAgo = new Date(Date.now() - 2 * 3600_000);
      const live = Deno.ppid; // the process that started this test: alive
      const files = {
        killed: `.f.gz.part-${dead}-1`, // its downloader died: removed
        running: `.f.gz.part-${live}-1`, // another live download: kept
        abandoned: `.f.gz.part-${live}-2`, // no byte for two hours: removed
        legacy: ".f.gz.a1B2c3.tmp", // an old version's temporary file, two hours old: removed
        otherFile: `.g.gz.part-${dead}-1`, // another file's, left to that file's download
      };
      for (const name of Object.values(files)) await Deno.writeTextFile(`${dir}/${name}`, "x");
      await Deno.utime(`${dir}/${files.abandoned}`, hoursAgo, hoursAgo);
      await Deno.utime(`${dir}/${files.legacy}`, hoursAgo, hoursAgo);
      await downloadFile({ urls: `${url}/good`, dest: `${dir}/f.gz`, sha256: goodSha });
      assertEquals(
        [...Deno.readDirSync(dir)].map((f) => f.name).sort(),
        ["f.gz", files.otherFile, files.running].sort(),
      );
      // Also when the file is already there and nothing is downloaded.
      await Deno.writeTextFile(`${dir}/${files.killed}`, "x");
      assertEquals(
        (await downloadFile({ urls: `${url}/good`, dest: `${dir}/f.gz`, sha256: goodSha })).status,
        "skipped",
      );
      assertEquals(
        [...Deno.readDirSync(dir)].map((f) => f.name).sort(),
        ["f.gz", files.otherFile, files.running].sort(),
      );
    })
  );
});

Deno.test("downloadDataset: a --dir that is a file is refused before any request", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/notes.txt`, "not a directory");
    let requests = 0;
    const counting: typeof fetch = () => (requests++, Promise.reject(new Error("no network")));
    for (const target of [`${dir}/notes.txt`, `${dir}/notes.txt/mnist`]) {
      const e = await assertRejects(
        () => downloadDataset("mnist", { dir: target, fetch: counting }),
        InvalidArgumentError,
      );
      assertEquals(e.message.startsWith(`cannot use ${target} as the dataset directory: `), true);
    }
    assertEquals(requests, 0);
    assertEquals(await Deno.readTextFile(`${dir}/notes.txt`), "not a directory");
  });
});

Deno.test("downloadDataset offline removes the directories it created, and only those", async () => {
  await withTempDir(async (dir) => {
    const offline: typeof fetch = () => Promise.reject(new TypeError("fetch failed"));
    await assertRejects(
      () => downloadDataset("kmnist", { dir: `${dir}/a/b/kmnist`, fetch: offline }),
      DownloadError,
      "4 of 4 files of kmnist failed",
    );
    assertEquals([...Deno.readDirSync(dir)], []);
    // A directory that was there before stays, with what it held.
    await Deno.mkdir(`${dir}/kept`);
    await Deno.writeTextFile(`${dir}/kept/readme`, "mine");
    await assertRejects(
      () => downloadDataset("kmnist", { dir: `${dir}/kept`, fetch: offline }),
      DownloadError,
    );
    assertEquals([...Deno.readDirSync(`${dir}/kept`)].map((f) => f.name), ["readme"]);
  });
});

interface RangeServer {
  url: string;
  /** The Range header of each request, null where there was none. */
  ranges: (string | null)[];
}

/**
 * Runs `fn` against a server on 127.0.0.1 that serves `body` at `/f`: a
 * request without Range gets `Content-Length` of the whole body but only its
 * first `cutAt` bytes before the connection closes (a cut download) while
 * `cuts` lasts; a request with `Range: bytes=K-` gets 206 and the rest (or
 * 200 and the whole body when `honourRange` is false; 416 when K is past the end).
 */
async function withRangeServer(
  body: Uint8Array<ArrayBuffer>,
  options: { cutAt: number; cuts: number; honourRange: boolean },
  fn: (server: RangeServer) => Promise<void>,
): Promise<void> {
  const ranges: (string | null)[] = [];
  let cuts = options.cuts;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    const range = req.headers.get("range");
    ranges.push(range);
    const length = { "content-length": String(body.length) };
    if (range !== null && options.honourRange) {
      const first = Number(/^bytes=(\d+)-$/.exec(range)?.[1]);
      if (first >= body.length) {
        return new Response(null, {
          status: 416,
          headers: { "content-range": `bytes */${body.length}` },
        });
      }
      return new Response(body.subarray(first), {
        status: 206,
        headers: { "content-range": `bytes ${first}-${body.length - 1}/${body.length}` },
      });
    }
    if (cuts > 0) {
      cuts--;
      const part = body.subarray(0, options.cutAt);
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(part);
          controller.close();
        },
      });
      return new Response(stream, { headers: length });
    }
    return new Response(body);
  });
  try {
    await fn({ url: `http://127.0.0.1:${server.addr.port}/f`, ranges });
  } finally {
    await server.shutdown();
  }
}

Deno.test("resume: a cut download keeps its .part, and the next call asks only for the rest", async () => {
  await withRangeServer(
    GOOD,
    { cutAt: 5000, cuts: 1, honourRange: true },
    ({ url, ranges }) =>
      withTempDir(async (dir) => {
        const dest = `${dir}/gzip.zip`;
        const options = { urls: [url], dest, sha256: goodSha, resume: true };
        // The connection closes 5,000 bytes into 16,000: Deno's fetch calls that a broken body.
        const e = await assertRejects(() => downloadFile(options), DownloadError);
        assert(/broke off after 5000 of 16000 bytes|truncated/.test(e.message), e.message);
        assertEquals(await Deno.readFile(`${dest}.part`), GOOD.subarray(0, 5000));
        assertEquals([...Deno.readDirSync(dir)].map((e) => e.name), ["gzip.zip.part"]);
        const progress: [number, number | undefined][] = [];
        const r = await downloadFile({
          ...options,
          onProgress: (p) => progress.push([p.received, p.total]),
        });
        assertEquals(ranges, [null, "bytes=5000-"]);
        assertEquals(r, { dest, status: "downloaded", bytes: GOOD.length, url, resumedFrom: 5000 });
        // Progress counts the whole file: the kept 5,000 bytes, then the rest as it arrives.
        assert(progress[0][0] > 5000);
        assertEquals(progress.at(-1), [GOOD.length, GOOD.length]);
        assertEquals(await Deno.readFile(dest), GOOD);
        assertEquals([...Deno.readDirSync(dir)].map((e) => e.name), ["gzip.zip"]);
      }),
  );
});

Deno.test("resume: a server that ignores Range sends the whole file, written from the start", async () => {
  await withRangeServer(
    GOOD,
    { cutAt: 0, cuts: 0, honourRange: false },
    ({ url, ranges }) =>
      withTempDir(async (dir) => {
        const dest = `${dir}/gzip.zip`;
        await Deno.writeFile(`${dest}.part`, GOOD.subarray(0, 100));
        const r = await downloadFile({ urls: [url], dest, sha256: goodSha, resume: true });
        assertEquals(ranges, ["bytes=100-"]);
        assertEquals([r.status, r.bytes], ["downloaded", GOOD.length]);
        assertEquals(await Deno.readFile(dest), GOOD);
      }),
  );
});

Deno.test("resume: a kept part with wrong bytes is fetched again from the start, once", async () => {
  await withRangeServer(
    GOOD,
    { cutAt: 0, cuts: 0, honourRange: true },
    ({ url, ranges }) =>
      withTempDir(async (dir) => {
        const dest = `${dir}/gzip.zip`;
        await Deno.writeFile(`${dest}.part`, new Uint8Array(100).fill(0x58));
        const r = await downloadFile({ urls: [url], dest, sha256: goodSha, resume: true });
        assertEquals(ranges, ["bytes=100-", null]);
        assertEquals(r.bytes, GOOD.length);
        assertEquals(await Deno.readFile(dest), GOOD);
      }),
  );
});

Deno.test("resume: a part already complete (416 from the server) is verified and kept", async () => {
  await withRangeServer(
    GOOD,
    { cutAt: 0, cuts: 0, honourRange: true },
    ({ url, ranges }) =>
      withTempDir(async (dir) => {
        const dest = `${dir}/gzip.zip`;
        await Deno.writeFile(`${dest}.part`, GOOD);
        const r = await downloadFile({ urls: [url], dest, sha256: goodSha, resume: true });
        assertEquals(ranges, [`bytes=${GOOD.length}-`]);
        assertEquals([r.bytes, r.resumedFrom], [GOOD.length, GOOD.length]);
        assertEquals(await Deno.readFile(dest), GOOD);
      }),
  );
});

Deno.test("resume: wrong bytes from the start leave no part; a part in use is refused", async () => {
  await withRangeServer(
    OTHER,
    { cutAt: 0, cuts: 0, honourRange: true },
    ({ url }) =>
      withTempDir(async (dir) => {
        const dest = `${dir}/gzip.zip`;
        await assertRejects(
          () => downloadFile({ urls: [url], dest, sha256: goodSha, resume: true }),
          DownloadError,
          `checksum mismatch for ${url}: expected SHA-256 ${goodSha}`,
        );
        assertEquals([...Deno.readDirSync(dir)], []);
        // Another download holds the part's lock: this one stops instead of writing it too.
        await Deno.writeFile(`${dest}.part`, OTHER.subarray(0, 4));
        const other = await Deno.open(`${dest}.part`, { read: true, write: true });
        try {
          assertEquals(await other.tryLock(true), true);
          await assertRejects(
            () => downloadFile({ urls: [url], dest, sha256: goodSha, resume: true }),
            DownloadError,
            `another download of ${dest} is writing ${dest}.part`,
          );
        } finally {
          other.close();
        }
        assertEquals(await Deno.readFile(`${dest}.part`), OTHER.subarray(0, 4));
      }),
  );
});

Deno.test("downloadDataset keeps a cut EMNIST archive download for the next run", async () => {
  await withTempDir(async (dir) => {
    // The archive is 562 MB: the stand-in announces that size, sends 3 bytes and stops.
    const requests: (string | null)[] = [];
    const size = 561753746;
    const cut: typeof fetch = (_, init) => {
      const range = new Headers(init?.headers).get("range");
      requests.push(range);
      const first = range === null ? 0 : Number(/^bytes=(\d+)-$/.exec(range)?.[1]);
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new Uint8Array([1, 2, 3]));
          controller.close();
        },
      });
      const headers: Record<string, string> = { "content-length": String(size - first) };
      if (range !== null) headers["content-range"] = `bytes ${first}-${size - 1}/${size}`;
      return Promise.resolve(new Response(body, { status: range === null ? 200 : 206, headers }));
    };
    const outcomes: DatasetFileOutcome[] = [];
    const target = `${dir}/emnist`;
    await assertRejects(
      () => downloadDataset("emnist", { dir: target, fetch: cut, onFile: (o) => outcomes.push(o) }),
      DownloadError,
      "1 of 1 files of emnist failed",
    );
    // Both mirrors were tried; the second asked for what the first left off.
    assertEquals(requests, [null, "bytes=3-"]);
    assertEquals(outcomes.map((o) => [o.status, o.kept]), [["failed", 6]]);
    assertEquals([...Deno.readDirSync(target)].map((e) => e.name), ["gzip.zip.part"]);
  });
});
