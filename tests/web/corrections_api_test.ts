import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { encodePng } from "../../lib/image/encode.ts";
import { drawDigit, inkToGray, sideBySide } from "../../lib/image/synth/scenes.ts";
import { CorrectionStore } from "../../lib/feedback/store.ts";
import { createHandler, type HandlerOptions } from "../../lib/web/handler.ts";
import type { ModelInfo } from "../../lib/web/model_info.ts";
import { startServer } from "../../lib/web/server.ts";
import { createBatcher } from "../../lib/web/batcher.ts";
import { widthClassifier } from "./_stand_in.ts";

const BASE = "http://localhost";
const MODEL: ModelInfo = {
  dir: "models/test",
  id: "fedcba9876543210".repeat(4),
  finetune: { corrections: 5, at: "2026-12-01T10:00:00.000Z" },
  summary: "models/test (fedcba987654), fine-tuned on 5 corrections at 2026-12-01 10:00 UTC",
};

type Body = string | Uint8Array | ReadableStream<Uint8Array>;

function post(path: string, body: Body): Request {
  return new Request(BASE + path, {
    method: "POST",
    body: body instanceof Uint8Array ? body.slice() : body,
  });
}

/** A handler over a real store in a temp directory, removed after `run`. */
async function withHandler(
  run: (
    handle: (r: Request) => Promise<Response>,
    store: CorrectionStore,
    model: ReturnType<typeof widthClassifier>,
  ) => Promise<void>,
  options: Partial<HandlerOptions> = {},
): Promise<void> {
  const dir = await Deno.makeTempDir();
  const store = CorrectionStore.open({ dir });
  const model = widthClassifier();
  try {
    await run(
      createHandler({ classify: model.classify, model: MODEL, corrections: store, ...options }),
      store,
      model,
    );
  } finally {
    store.close();
    await Deno.remove(dir, { recursive: true });
  }
}

const seven = () => encodePng(inkToGray(drawDigit(7, { size: 96 })));
/** One drawn 7, made once. */
const PNG_OF_7 = await seven();

/** Runs `run` with console.error captured into `logged`. */
async function capture<T>(run: () => Promise<T>, logged: unknown[][] = []): Promise<T> {
  const error = console.error;
  console.error = (...parts: unknown[]) => logged.push(parts);
  try {
    return await run();
  } finally {
    console.error = error;
  }
}

Deno.test("POST /api/corrections: records the reading and the label, 201 with the row", async () => {
  await withHandler(async (handle, store) => {
    const png = await seven();
    const res = await handle(post("/api/corrections?label=1", png));
    assertEquals(res.status, 201);
    assertEquals(res.headers.get("x-content-type-options"), "nosniff");
    const body = await res.json();
    assertEquals(body.message, "recorded correction #1: 7 → 1");
    assertEquals([body.id, body.reading, body.label, body.count, body.model_id], [
      1,
      "7",
      1,
      1,
      MODEL.id,
    ]);
    const [row] = store.list({ includeImages: true });
    assertEquals([row.origin, row.label, row.reading, row.modelId], ["web", 1, "7", MODEL.id]);
    assertEquals(row.imageBytes, png);
    assertEquals(row.confidence, 0.83);
  });
});

Deno.test("POST /api/corrections?multi=1&digit=I: one digit of a number", async () => {
  await withHandler(async (handle, store) => {
    const row = inkToGray(sideBySide([7, 1].map((d) => drawDigit(d, { size: 80 }))));
    const res = await handle(
      post("/api/corrections?label=9&multi=1&digit=1", await encodePng(row)),
    );
    const body = await res.json();
    assertEquals([res.status, body.message], [
      201,
      "recorded correction #1: 1 → 9 (digit 2 of 71)",
    ]);
    assertEquals(store.get(1)!.reading, "1");
  });
});

Deno.test("GET /api/info: the model and the corrections count, counting up", async () => {
  await withHandler(async (handle) => {
    const info = async () => {
      const res = await handle(new Request(BASE + "/api/info"));
      assertEquals([res.status, res.headers.get("cache-control")], [200, "no-store"]);
      return await res.json();
    };
    assertEquals(await info(), { model: MODEL, corrections: { count: 0 } });
    const png = await seven();
    for (const label of [1, 4]) {
      assertEquals((await handle(post(`/api/corrections?label=${label}`, png))).status, 201);
    }
    assertEquals((await info()).corrections, { count: 2 });
    const wrong = await handle(post("/api/info", "x"));
    assertEquals([wrong.status, wrong.headers.get("allow")], [405, "GET"]);
    await wrong.body?.cancel();
  });
});

Deno.test("POST /api/corrections: a bad label is a 400 naming it, and the body is not read", async () => {
  await withHandler(async (handle, store, model) => {
    for (const query of ["", "?label=10", "?label=a", "?label=3&multi=2", "?label=3&digit=0"]) {
      let pulled = 0;
      const body = new ReadableStream<Uint8Array>({
        pull(c) {
          pulled++;
          c.enqueue(new Uint8Array(1000));
        },
      });
      const res = await handle(post("/api/corrections" + query, body));
      assertEquals(res.status, 400, query);
      const { error } = await res.json();
      assert(/label|multi|digit/.test(error), error);
      assert(pulled <= 1, `read ${pulled} chunks of a body refused by its query`);
    }
    const { error } = await (await handle(post("/api/corrections?label=12", "x"))).json();
    assertEquals(error, 'query parameter label must be one digit 0..9, got "12"');
    assertEquals([store.count(), model.inputs.length], [0, 0]);
  });
});

Deno.test("POST /api/corrections: too large is a 413 before the body is read whole", async () => {
  await withHandler(async (handle, store) => {
    const declared = await handle(post("/api/corrections?label=3", new Uint8Array(2001)));
    assertEquals(declared.status, 413);
    assertStringIncludes((await declared.json()).error, "limit of 2000 bytes");
    // a stream with no declared length and no end: refused after 2,000 bytes, then cancelled
    let sent = 0, cancelled = false;
    const endless = new ReadableStream<Uint8Array>({
      pull(c) {
        sent += 500;
        c.enqueue(new Uint8Array(500));
      },
      cancel() {
        cancelled = true;
      },
    });
    const streamed = await handle(post("/api/corrections?label=3", endless));
    assertEquals(streamed.status, 413);
    assert(cancelled, "the upload is cancelled");
    assert(sent <= 4000, `${sent} bytes pulled`);
    assertEquals(store.count(), 0);
  }, { maxCorrectionBytes: 2000 });
});

Deno.test("POST /api/corrections: not an image, empty, blank or a digit past the number: 400", async () => {
  await withHandler(async (handle, store) => {
    const blank = await encodePng({ width: 40, height: 40, data: new Float32Array(1600).fill(1) });
    const cases: [string, Body, string][] = [
      ["?label=3", "hello, not an image", "not a readable image"],
      ["?label=3", "", "empty"],
      ["?label=3", blank, "no digit found"],
      ["?label=3&multi=1&digit=5", await seven(), "digit 5 is past the number read"],
    ];
    for (const [query, body, problem] of cases) {
      const res = await handle(post("/api/corrections" + query, body));
      assertEquals(res.status, 400, problem);
      assertStringIncludes((await res.json()).error, problem);
    }
    assertEquals(store.count(), 0);
  });
});

Deno.test("POST /api/corrections: without a store 503; GET is 405; a store needs the model", async () => {
  const handle = createHandler(widthClassifier());
  const res = await handle(post("/api/corrections?label=3", await seven()));
  assertEquals(res.status, 503);
  assertStringIncludes((await res.json()).error, "records no corrections");
  const info = await (await handle(new Request(BASE + "/api/info"))).json();
  assertEquals(info, { model: null, corrections: null });
  const get = await handle(new Request(BASE + "/api/corrections"));
  assertEquals([get.status, get.headers.get("allow")], [405, "POST"]);
  await get.body?.cancel();
  const dir = await Deno.makeTempDir();
  const store = CorrectionStore.open({ dir });
  try {
    let error = "";
    try {
      createHandler({ ...widthClassifier(), corrections: store });
    } catch (e) {
      error = (e as Error).message;
    }
    assertStringIncludes(error, "needs the model's identity");
  } finally {
    store.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("POST /api/corrections: a store that cannot take it is a 503 and one stderr line", async () => {
  // a store whose limit on all images is smaller than this one image: "full"
  const dir = await Deno.makeTempDir();
  const full = CorrectionStore.open({ dir, maxTotalBytes: 100 });
  try {
    const handle = createHandler({ ...widthClassifier(), model: MODEL, corrections: full });
    const res = await capture(() => handle(post("/api/corrections?label=3", "")));
    assertEquals(res.status, 400); // empty: the client's problem, not logged
    const logged: unknown[][] = [];
    const answer = await capture(
      () => handle(post("/api/corrections?label=3", PNG_OF_7)),
      logged,
    );
    assertEquals(answer.status, 503);
    const { error } = await answer.json();
    assertStringIncludes(error, "the correction was not recorded");
    assertStringIncludes(error, "full");
    assertEquals(logged.length, 1);
    assertEquals(full.count(), 0);
  } finally {
    full.close();
    await Deno.remove(dir, { recursive: true });
  }
  await withHandler(async (handle, store) => {
    store.close(); // every add now fails inside the store
    const error = console.error;
    const logged: unknown[][] = [];
    console.error = (...parts: unknown[]) => logged.push(parts);
    try {
      const res = await handle(post("/api/corrections?label=3", await seven()));
      assertEquals(res.status, 503);
      assertStringIncludes((await res.json()).error, "the correction was not recorded");
    } finally {
      console.error = error;
    }
    assertEquals(logged.length, 1);
    assert(!String(logged[0][0]).includes("\n"));
  });
});

Deno.test("server: concurrent corrections are all recorded, each whole, ids unique", async () => {
  const dir = await Deno.makeTempDir();
  const store = CorrectionStore.open({ dir });
  const model = widthClassifier();
  // through the batcher, as `deno task serve` runs: the readings share model calls
  const classify = createBatcher({
    classifyBatch: (xs) => xs.map((x) => model.classify(x) as number[]),
    waitMs: 10,
  });
  const server = startServer({ classify, port: 0, model: MODEL, corrections: store });
  try {
    const digits = [1, 7, 7, 1, 7, 1, 1, 7, 7, 1, 7, 1];
    const pngs = await Promise.all(
      digits.map((d) => encodePng(inkToGray(drawDigit(d, { size: 64 })))),
    );
    const replies = await Promise.all(pngs.map(async (png, i) => {
      const res = await fetch(new URL(`api/corrections?label=${i % 10}`, server.url), {
        method: "POST",
        body: png.slice(),
      });
      return { status: res.status, body: await res.json() };
    }));
    assertEquals(replies.map((r) => r.status), new Array(digits.length).fill(201));
    const ids = replies.map((r) => r.body.id);
    assertEquals(new Set(ids).size, digits.length);
    assertEquals(store.count(), digits.length);
    for (const [i, r] of replies.entries()) {
      const row = store.get(r.body.id)!;
      assertEquals([row.label, row.reading], [i % 10, String(digits[i])], `request ${i}`);
      assertEquals(row.imageBytes, pngs[i]);
    }
    const info = await (await fetch(new URL("api/info", server.url))).json();
    assertEquals(info.corrections.count, digits.length);
  } finally {
    await server.shutdown();
    store.close();
    await Deno.remove(dir, { recursive: true });
  }
});
