import { assertEquals, assertMatch, assertNotEquals, assertRejects } from "@std/assert";
import { encodePng } from "../../lib/image/encode.ts";
import { drawDigit, inkToGray } from "../../lib/image/synth/scenes.ts";
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
