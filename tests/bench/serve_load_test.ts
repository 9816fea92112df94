import { assert, assertEquals, assertRejects } from "@std/assert";
import { ImageError, InvalidArgumentError } from "../../lib/core/errors.ts";
import { decodeImage } from "../../lib/image/decode.ts";
import { digitPngs, pngBomb, serveLoad } from "../../lib/bench/serve_load.ts";

Deno.test("pngBomb: a small, valid PNG declaring 1x1 over a large zlib stream", async () => {
  const bomb = await pngBomb(8 * 1024 * 1024);
  assertEquals(Array.from(bomb.subarray(0, 8)), [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const view = new DataView(bomb.buffer);
  assertEquals(new TextDecoder().decode(bomb.subarray(12, 16)), "IHDR");
  assertEquals([view.getUint32(16), view.getUint32(20)], [1, 1]);
  assertEquals(new TextDecoder().decode(bomb.subarray(37, 41)), "IDAT");
  const idat = bomb.subarray(41, 41 + view.getUint32(33));
  assert(bomb.length < 32 * 1024, `${bomb.length} bytes`);
  const inflated = await new Response(
    new Blob([idat.slice()]).stream().pipeThrough(new DecompressionStream("deflate")),
  ).arrayBuffer();
  assertEquals(inflated.byteLength, 8 * 1024 * 1024);
  await assertRejects(() => decodeImage(bomb), ImageError);
  await assertRejects(() => pngBomb(0), InvalidArgumentError, "got 0");
});

Deno.test("serveLoad: loads the real server with bounded requests and checks every answer", async () => {
  const images = (await digitPngs()).slice(0, 3);
  const r = await serveLoad({
    clients: 2,
    seconds: 20,
    maxRequests: 6,
    images,
    bombBytes: 1 << 20,
  });
  assertEquals([r.clients, r.requests, r.errors, r.serverStderrLines], [2, 6, 0, 0]);
  assert(r.requestsPerS > 0 && r.inProcessPerS > 0 && r.p99Ms >= r.p50Ms, JSON.stringify(r));
  assertEquals(r.bomb?.status, 400); // a typed image error, not a crash
  assert(r.bomb!.normalDuringMs > 0 && r.bomb!.normalAfterMs > 0);
});

Deno.test("serveLoad: bad options are refused naming the value", async () => {
  await assertRejects(() => serveLoad({ seconds: -1 }), InvalidArgumentError, "got -1");
  await assertRejects(() => serveLoad({ images: [] }), InvalidArgumentError, "images");
});
