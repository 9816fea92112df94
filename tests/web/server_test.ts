import {
  assertEquals,
  assertMatch,
  assertNotEquals,
  assertRejects,
  assertStringIncludes,
} from "@std/assert";
import { encodePng } from "../../lib/image/encode.ts";
import { drawDigit, inkToGray } from "../../lib/image/synth/scenes.ts";
import { createBatcher } from "../../lib/web/batcher.ts";
import { startServer } from "../../lib/web/server.ts";
import { widthClassifier } from "./_stand_in.ts";

Deno.test("startServer: serves the page and the API on a free port", async () => {
  const model = widthClassifier();
  const server = startServer({ classify: model.classify, port: 0 });
  try {
    assertNotEquals(server.port, 0);
    assertEquals(server.url, `http://127.0.0.1:${server.port}/`);
    const page = await fetch(server.url);
    assertEquals(page.status, 200);
    assertMatch(await page.text(), /<canvas id="pad"/);
    const png = await encodePng(inkToGray(drawDigit(1, { size: 64 })));
    const res = await fetch(new URL("api/predict", server.url), {
      method: "POST",
      body: png.slice(),
    });
    assertEquals([res.status, (await res.json()).digit], [200, 1]);
    assertEquals(model.inputs.length, 1);
  } finally {
    await server.shutdown();
  }
  await server.finished;
  await assertRejects(() => fetch(server.url));
});

Deno.test("startServer: aborting the signal shuts the server down", async () => {
  const stop = new AbortController();
  const server = startServer({ ...widthClassifier(), port: 0, signal: stop.signal });
  const res = await fetch(new URL("nowhere", server.url));
  assertEquals(res.status, 404);
  await res.body?.cancel();
  stop.abort();
  await server.finished;
  await assertRejects(() => fetch(server.url));
});

/** Sends a request head declaring `declared` body bytes, then only `sent` of them. */
async function shortUpload(port: number, declared: number, sent: number): Promise<Deno.TcpConn> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const head = `POST /api/predict HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: image/png\r\n` +
    `Content-Length: ${declared}\r\nConnection: close\r\n\r\n`;
  await conn.write(new TextEncoder().encode(head));
  await conn.write(new Uint8Array(sent).fill(0x89));
  return conn;
}

/**
 * One HTTP response read off `conn`: its head and its `content-length`
 * bytes of body. (Not up to the end of the stream: the server answers a
 * stalled upload at once, but leaves closing the socket to the client.)
 */
async function readReply(conn: Deno.TcpConn): Promise<string> {
  const decoder = new TextDecoder();
  const buffer = new Uint8Array(64 * 1024);
  let reply = "";
  while (true) {
    const n = await conn.read(buffer);
    if (n === null) return reply;
    reply += decoder.decode(buffer.subarray(0, n));
    const end = reply.indexOf("\r\n\r\n");
    const length = reply.match(/^content-length: (\d+)\r$/im);
    if (end >= 0 && length && reply.length >= end + 4 + Number(length[1])) return reply;
  }
}

/** Replaces console.error while `run` runs; returns what was logged. */
async function capturingStderr(run: () => Promise<void>): Promise<unknown[][]> {
  const error = console.error;
  const logged: unknown[][] = [];
  console.error = (...parts: unknown[]) => logged.push(parts);
  try {
    await run();
  } finally {
    console.error = error;
  }
  return logged;
}

Deno.test("startServer: an aborted upload gets the JSON error; nothing on stderr", async () => {
  const model = widthClassifier();
  const server = startServer({ classify: model.classify, port: 0 });
  const logged = await capturingStderr(async () => {
    try {
      // half-closed: the client stops sending early but still reads the answer
      const conn = await shortUpload(server.port, 1000, 10);
      await conn.closeWrite();
      const reply = await readReply(conn);
      assertMatch(reply, /^HTTP\/1\.1 400 /);
      assertMatch(reply, /content-type: application\/json; charset=utf-8\r\n/i);
      assertMatch(reply, /x-content-type-options: nosniff\r\n/i);
      assertStringIncludes(reply, '{"error":"request body');
      // fully closed mid-body: the server goes on answering others
      for (let i = 0; i < 3; i++) (await shortUpload(server.port, 5000, 100)).close();
      const res = await fetch(new URL("nowhere", server.url));
      assertEquals(res.status, 404);
      await res.body?.cancel();
    } finally {
      await server.shutdown();
    }
  });
  assertEquals(logged, []);
  assertEquals(model.inputs.length, 0);
});

Deno.test("startServer: a Host header that makes no URL is a JSON 400, not a server failure", async () => {
  const model = widthClassifier();
  const server = startServer({ classify: model.classify, port: 0 });
  const logged = await capturingStderr(async () => {
    try {
      for (const host of ["]]]127.0.0.1", "127.0*0.1", "127.0>0.1"]) {
        const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
        const head = `GET / HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`;
        await conn.write(new TextEncoder().encode(head));
        const reply = await readReply(conn);
        conn.close();
        // Deno's HTTP layer may refuse some hosts itself (400, no body); none may reach a 500.
        assertMatch(reply, /^HTTP\/1\.1 400 /, `Host: ${host}`);
      }
    } finally {
      await server.shutdown();
    }
  });
  assertEquals(logged, []);
});

Deno.test("startServer: a stalled upload is answered 408 after the body timeout", async () => {
  const server = startServer({ ...widthClassifier(), port: 0, bodyTimeoutMs: 100 });
  try {
    const conn = await shortUpload(server.port, 1000, 10); // and then nothing
    const reply = await readReply(conn);
    assertMatch(reply, /^HTTP\/1\.1 408 /);
    assertStringIncludes(reply, "100 ms");
    conn.close();
  } finally {
    await server.shutdown();
  }
});

Deno.test("startServer: concurrent requests through a batcher each get their own reading", async () => {
  const model = widthClassifier();
  const batches: number[] = [];
  const classify = createBatcher({
    classifyBatch: (inputs) => {
      batches.push(inputs.length);
      return inputs.map((x) => model.classify(x) as number[]);
    },
    waitMs: 20,
  });
  const server = startServer({ classify, port: 0 });
  try {
    const digits = [1, 7, 7, 1, 1, 7, 1, 7];
    const pngs = await Promise.all(
      digits.map((d) => encodePng(inkToGray(drawDigit(d, { size: 64 })))),
    );
    const answers = await Promise.all(pngs.map(async (png) => {
      const res = await fetch(new URL("api/predict", server.url), {
        method: "POST",
        body: png.slice(),
      });
      return (await res.json()).digit;
    }));
    assertEquals(answers, digits);
    assertEquals(batches.reduce((a, b) => a + b, 0), digits.length);
  } finally {
    await server.shutdown();
  }
});
