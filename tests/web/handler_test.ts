import { assert, assertEquals, assertStringIncludes, assertThrows } from "@std/assert";
import { InvalidArgumentError } from "../../lib/core/errors.ts";
import { encodePng } from "../../lib/image/encode.ts";
import { drawDigit, inkToGray, sideBySide } from "../../lib/image/synth/scenes.ts";
import { createHandler } from "../../lib/web/handler.ts";
import { SEVEN, widthClassifier } from "./_stand_in.ts";

const BASE = "http://localhost";

type Body = string | Uint8Array | ReadableStream<Uint8Array>;

function post(path: string, body: Body, headers: HeadersInit = {}): Request {
  const init = body instanceof Uint8Array ? body.slice() : body;
  return new Request(BASE + path, { method: "POST", body: init, headers });
}

Deno.test("handler: GET / serves the page, locked to its own origin", async () => {
  const handle = createHandler(widthClassifier());
  const res = await handle(new Request(BASE + "/"));
  assertEquals(res.status, 200);
  assertEquals(res.headers.get("content-type"), "text/html; charset=utf-8");
  assertStringIncludes(res.headers.get("content-security-policy")!, "default-src 'none'");
  assertStringIncludes(await res.text(), '<canvas id="pad"');
  const head = await handle(new Request(BASE + "/", { method: "HEAD" }));
  assertEquals([head.status, await head.text()], [200, ""]);
});

Deno.test("handler: POST /api/predict reads a drawn PNG with the model", async () => {
  const model = widthClassifier();
  const handle = createHandler(model);
  const png = await encodePng(inkToGray(drawDigit(7, { size: 96 })));
  const res = await handle(post("/api/predict", png, { "content-type": "image/png" }));
  assertEquals(res.status, 200);
  assertEquals(res.headers.get("content-type"), "application/json; charset=utf-8");
  const body = await res.json();
  assertEquals([body.digit, body.confidence, body.probabilities, body.error], [
    7,
    0.83,
    SEVEN,
    null,
  ]);
  assertEquals(body.top3.length, 3);
  assert(body.input_png.startsWith("data:image/png;base64,"));
  assertEquals(model.inputs.length, 1);
});

Deno.test("handler: ?multi=1 reads a number; a blank canvas is no digit", async () => {
  const handle = createHandler(widthClassifier());
  const row = inkToGray(sideBySide([7, 1, 1].map((d) => drawDigit(d, { size: 80 }))));
  const multi = await handle(post("/api/predict?multi=1", await encodePng(row)));
  const number = await multi.json();
  assertEquals([multi.status, number.number, number.digits.length], [200, "711", 3]);
  const blank = await encodePng({ width: 50, height: 50, data: new Float32Array(2500).fill(1) });
  const empty = await handle(post("/api/predict", blank));
  assertEquals([empty.status, (await empty.json()).error], [200, "no digit found"]);
});

Deno.test("handler: a body that is not an image is a 400 naming the problem", async () => {
  const handle = createHandler(widthClassifier());
  for (const [body, problem] of [["hello", "not a readable image"], ["", "empty file"]]) {
    const res = await handle(post("/api/predict", body));
    assertEquals(res.status, 400);
    const { error } = await res.json();
    assertStringIncludes(error, "request body");
    assertStringIncludes(error, problem);
  }
  const res = await handle(post("/api/predict?multi=yes", "x"));
  assertEquals(res.status, 400);
  assertStringIncludes((await res.json()).error, '"yes"');
});

Deno.test("handler: a body over the limit is a 413, declared or streamed", async () => {
  const model = widthClassifier();
  const handle = createHandler({ ...model, maxBodyBytes: 1000 });
  const big = new Uint8Array(1001);
  const declared = await handle(post("/api/predict", big));
  assertEquals(declared.status, 413);
  assertStringIncludes((await declared.json()).error, "1000 bytes");
  const stream = new ReadableStream<Uint8Array>({
    start(c) {
      for (let i = 0; i < 5; i++) c.enqueue(new Uint8Array(300));
      c.close();
    },
  });
  assertEquals((await handle(post("/api/predict", stream))).status, 413);
  const png = await encodePng(inkToGray(drawDigit(1, { size: 20 })));
  assert(png.length <= 1000, `${png.length}`);
  assertEquals((await handle(post("/api/predict", png))).status, 200);
});

Deno.test("handler: unknown paths are 404 and wrong methods 405 with Allow", async () => {
  const handle = createHandler(widthClassifier());
  const missing = await handle(new Request(BASE + "/nowhere"));
  assertEquals(missing.status, 404);
  assertStringIncludes((await missing.json()).error, "/nowhere");
  const get = await handle(new Request(BASE + "/api/predict"));
  assertEquals([get.status, get.headers.get("allow")], [405, "POST"]);
  assertStringIncludes((await get.json()).error, "GET /api/predict");
  const postRoot = await handle(post("/", "x"));
  assertEquals([postRoot.status, postRoot.headers.get("allow")], [405, "GET, HEAD"]);
  await postRoot.body?.cancel();
});

Deno.test("handler: a failing model is a 500 naming the failure", async () => {
  const handle = createHandler({ classify: () => [0.5, 0.5] });
  const png = await encodePng(inkToGray(drawDigit(2, { size: 64 })));
  const error = console.error;
  const logged: unknown[][] = [];
  console.error = (...parts: unknown[]) => logged.push(parts);
  try {
    const res = await handle(post("/api/predict", png));
    assertEquals(res.status, 500);
    assertEquals(res.headers.get("x-content-type-options"), "nosniff");
    assertStringIncludes((await res.json()).error, "10 finite probabilities");
  } finally {
    console.error = error;
  }
  // one line on the server's stderr, no stack trace
  assertEquals(logged.length, 1);
  assertEquals(logged[0].length, 1);
  const line = String(logged[0][0]);
  assertStringIncludes(line, "10 finite probabilities");
  assert(!line.includes("\n"), line);
});

Deno.test("handler: every response says nosniff; the page may not be framed", async () => {
  const handle = createHandler({ ...widthClassifier(), maxBodyBytes: 10 });
  const png = await encodePng(inkToGray(drawDigit(7, { size: 96 })));
  const responses = [
    await handle(new Request(BASE + "/")),
    await handle(new Request(BASE + "/", { method: "HEAD" })),
    await createHandler(widthClassifier())(post("/api/predict", png)),
    await handle(post("/api/predict", "not an image")),
    await handle(post("/api/predict?multi=2", "x")),
    await handle(new Request(BASE + "/api/predict")),
    await handle(new Request(BASE + "/nowhere")),
  ];
  for (const res of responses) {
    assertEquals(res.headers.get("x-content-type-options"), "nosniff", `${res.status}`);
    await res.body?.cancel();
  }
  const csp = responses[0].headers.get("content-security-policy")!;
  assertStringIncludes(csp, "frame-ancestors 'none'");
  assertStringIncludes(csp, "default-src 'none'");
  assertStringIncludes(csp, "form-action 'none'");
});

Deno.test("handler: a body that fails mid-way is a JSON 400 naming the failure", async () => {
  const model = widthClassifier();
  const handle = createHandler(model);
  const stream = new ReadableStream<Uint8Array>({
    start(c) {
      c.enqueue(new Uint8Array(100));
      c.error(new Error("connection reset by peer"));
    },
  });
  const res = await handle(post("/api/predict", stream));
  assertEquals(res.status, 400);
  assertEquals(res.headers.get("content-type"), "application/json; charset=utf-8");
  const { error } = await res.json();
  assertStringIncludes(error, "request body");
  assertStringIncludes(error, "connection reset by peer");
  assertEquals(model.inputs.length, 0);
});

Deno.test("handler: a body that does not arrive within the timeout is a JSON 408", async () => {
  const handle = createHandler({ ...widthClassifier(), bodyTimeoutMs: 50 });
  let cancelled: unknown = null;
  const stalled = new ReadableStream<Uint8Array>({
    start(c) {
      c.enqueue(new Uint8Array(10)); // then nothing more, ever
    },
    cancel(reason) {
      cancelled = reason ?? "cancelled";
    },
  });
  const res = await handle(post("/api/predict", stalled));
  assertEquals(res.status, 408);
  assertEquals(res.headers.get("x-content-type-options"), "nosniff");
  const { error } = await res.json();
  assertStringIncludes(error, "request body");
  assertStringIncludes(error, "50 ms");
  assert(cancelled !== null, "the stalled body is cancelled");
});

Deno.test("handler: a bad body timeout is refused naming the value", () => {
  for (const bodyTimeoutMs of [0, -1, NaN, Infinity]) {
    assertThrows(
      () => createHandler({ ...widthClassifier(), bodyTimeoutMs }),
      InvalidArgumentError,
      `bodyTimeoutMs must be a positive number of milliseconds, got ${bodyTimeoutMs}`,
    );
  }
});
