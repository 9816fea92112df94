import { assert, assertEquals } from "@std/assert";
import { createRng } from "../../lib/core/mod.ts";
import { inflate } from "../../lib/fuzz/compress.ts";
import { joinPngChunks, mutatePngChunks, splitPngChunks } from "../../lib/fuzz/png_chunks.ts";
import { crc32, encodePng } from "../../lib/image/mod.ts";

const png = await encodePng({ width: 4, height: 3, data: new Float32Array(12).fill(0.5) });

function crcsValid(bytes: Uint8Array): boolean {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let at = 8; at + 12 <= bytes.length;) {
    const length = view.getUint32(at);
    const stored = view.getUint32(at + 8 + length);
    if (crc32(bytes.subarray(at + 4, at + 8 + length)) !== stored) return false;
    at += 12 + length;
  }
  return true;
}

Deno.test("splitPngChunks and joinPngChunks round-trip a real PNG byte for byte", () => {
  const chunks = splitPngChunks(png)!;
  assertEquals(chunks[0].type, "IHDR");
  assertEquals(chunks.at(-1)!.type, "IEND");
  assertEquals(joinPngChunks(chunks), png);
});

Deno.test("mutatePngChunks keeps every CRC valid, so mutations reach the decoder", async () => {
  let structural = 0;
  for (let i = 0; i < 300; i++) {
    const out = await mutatePngChunks(createRng(i), png, { bombChance: 0 });
    if (splitPngChunks(out) !== null) {
      structural++;
      assert(crcsValid(out), `input ${i} has a bad CRC`);
    }
  }
  assert(structural > 200, `only ${structural} of 300 kept the chunk structure`);
});

Deno.test("a PNG bomb keeps the header and inflates to far more than it declares", async () => {
  const bomb = await mutatePngChunks(createRng(1), png, { bombChance: 1, bombBytes: 4 << 20 });
  const chunks = splitPngChunks(bomb)!;
  assertEquals(chunks[0], splitPngChunks(png)![0]); // same IHDR: 4x3
  const idat = chunks.filter((c) => c.type === "IDAT").map((c) => [...c.data]).flat();
  assert(idat.length < 20_000);
  assert(inflate(new Uint8Array(idat))!.length > 4 << 20);
});
