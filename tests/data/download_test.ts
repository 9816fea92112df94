import { assertEquals, assertRejects } from "@std/assert";
import { DownloadError, InvalidArgumentError } from "../../lib/core/errors.ts";
import { downloadDataset, downloadFile, sha256Hex } from "../../lib/data/download.ts";

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
 * Content-Length larger than the body, then the connection closes).
 */
async function withServer(fn: (server: TestServer) => Promise<void>): Promise<void> {
  const requests: string[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    const path = new URL(req.url).pathname;
    requests.push(path);
    switch (path) {
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
      assertEquals([...Deno.readDirSync(`${dir}/mnist`)].length, 0);
    })
  );
});
