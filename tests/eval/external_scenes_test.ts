import { assert, assertEquals, assertNotEquals, assertRejects, assertThrows } from "@std/assert";
import { InvalidArgumentError } from "../../lib/core/errors.ts";
import {
  generateExternalSet,
  renderNumber,
  renderScene,
  saveExternalSet,
  SCENE_KINDS,
  type SceneKind,
} from "../../lib/eval/external_scenes.ts";
import { decodeImage, readImage } from "../../lib/image/decode.ts";
import { createRng } from "../../lib/core/random.ts";
import { smallSet, SOURCE } from "./_external_set.ts";

const isPng = (b: Uint8Array) => b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e;
const isJpeg = (b: Uint8Array) => b[0] === 0xff && b[1] === 0xd8;

Deno.test("generateExternalSet is deterministic from the seed and prefix-stable", async () => {
  const a = await smallSet();
  const again = await generateExternalSet(SOURCE, { perKind: 6, numbers: 4, seed: 3 });
  assertEquals(again, a);
  const other = await generateExternalSet(SOURCE, { perKind: 6, numbers: 4, seed: 4 });
  assertNotEquals(other.digits.map((d) => d.bytes), a.digits.map((d) => d.bytes));
  // Asking for fewer images gives the first ones of the larger set.
  const fewer = await generateExternalSet(SOURCE, { perKind: 2, numbers: 1, seed: 3 });
  assertEquals(
    fewer.digits,
    SCENE_KINDS.flatMap((k) => a.digits.filter((d) => d.kind === k).slice(0, 2)),
  );
  assertEquals(fewer.numbers, a.numbers.slice(0, 1));
  assertEquals(fewer.sources, a.sources.slice(0, 2));
  // A kind renders the same whatever other kinds are asked for.
  const photos = await generateExternalSet(SOURCE, {
    perKind: 6,
    numbers: 0,
    seed: 3,
    kinds: ["photo"],
  });
  assertEquals(photos.digits, a.digits.filter((d) => d.kind === "photo"));
});

Deno.test("every kind renders the same source digits, labelled right, as decodable files", async () => {
  const set = await smallSet();
  assertEquals(set.digits.length, 6 * SCENE_KINDS.length);
  const sourcesOf = (kind: string) =>
    set.digits.filter((d) => d.kind === kind).map((d) => d.source);
  assertEquals(new Set(sourcesOf("drawn")).size, 6, "distinct digits within a kind");
  for (const kind of SCENE_KINDS) assertEquals(sourcesOf(kind), sourcesOf("drawn"));
  assertEquals(set.sources.map((s) => s.index), sourcesOf("drawn"));
  for (const s of set.sources) {
    assertEquals(s.label, SOURCE.labels[s.index]);
    assertEquals(s.pixels, SOURCE.images.slice(s.index * 784, (s.index + 1) * 784));
  }
  for (const d of set.digits) {
    assertEquals(d.label, SOURCE.labels[d.source]);
    assert(d.kind === "photo" ? isJpeg(d.bytes) : isPng(d.bytes), `${d.kind} format`);
    const img = await decodeImage(d.bytes);
    assert(img.width >= 40 && img.height >= 40, `${d.kind} ${img.width}x${img.height}`);
    const mean = img.data.reduce((s, v) => s + v, 0) / img.data.length;
    assert(d.kind === "inverted" ? mean < 0.5 : mean > 0.5, `${d.kind} background, mean ${mean}`);
  }
  for (const n of set.numbers) {
    assert(n.sources.length >= 3 && n.sources.length <= 5, `${n.sources.length} digits`);
    assertEquals(n.text, n.sources.map((s) => SOURCE.labels[s]).join(""));
    assert(n.photo ? isJpeg(n.bytes) : isPng(n.bytes));
    const img = await decodeImage(n.bytes);
    assert(img.width > img.height, `a row of digits: ${img.width}x${img.height}`);
  }
});

Deno.test("offset scenes put a small digit away from the middle of a large canvas", () => {
  for (let i = 0; i < 5; i++) {
    const scene = renderScene(SOURCE.images.subarray(0, 784), "offset", createRng(i));
    const { width, height, data } = scene.image;
    assert(width >= 400 && height >= 300, `${width}x${height}`);
    let sx = 0, sy = 0, n = 0;
    for (let k = 0; k < data.length; k++) {
      if (data[k] < 0.5) {
        sx += k % width;
        sy += Math.floor(k / width);
        n++;
      }
    }
    const dx = Math.abs(sx / n / width - 0.5), dy = Math.abs(sy / n / height - 0.5);
    assert(Math.max(dx, dy) > 0.15, `ink centre offset ${dx}, ${dy}`);
  }
});

Deno.test("saveExternalSet writes files named with their labels", async () => {
  const set = await smallSet();
  const dir = await Deno.makeTempDir({ prefix: "external_" });
  try {
    const paths = await saveExternalSet(set, dir);
    assertEquals(paths.length, set.digits.length + set.numbers.length);
    assertEquals(paths[0], `${dir}/drawn/drawn_0000_label${set.digits[0].label}.png`);
    assert(paths.includes(`${dir}/photo/photo_0001_label${set.digits[6 * 3 + 1].label}.jpg`));
    assert(
      paths.some((p) =>
        p.endsWith(
          `numbers/number_0000_label${set.numbers[0].text}.${set.numbers[0].photo ? "jpg" : "png"}`,
        )
      ),
    );
    const back = await readImage(paths[0]);
    assertEquals(back, await decodeImage(set.digits[0].bytes));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("bad inputs are refused with errors naming the value", async () => {
  const digit = SOURCE.images.subarray(0, 784);
  assertThrows(
    () => renderScene(new Float32Array(10), "drawn", createRng(1)),
    InvalidArgumentError,
    "got 10",
  );
  assertThrows(
    () => renderScene(digit, "sketch" as unknown as SceneKind, createRng(1)),
    InvalidArgumentError,
    '"sketch"',
  );
  assertThrows(() => renderNumber([], { rng: createRng(1), photo: false }), InvalidArgumentError);
  await assertRejects(
    () =>
      generateExternalSet(SOURCE, {
        perKind: 1,
        numbers: 0,
        seed: 1,
        kinds: ["sketch" as unknown as SceneKind],
      }),
    InvalidArgumentError,
    '"sketch"',
  );
  await assertRejects(
    () => generateExternalSet(SOURCE, { perKind: 31, numbers: 0, seed: 1 }),
    InvalidArgumentError,
    "perKind 31",
  );
  await assertRejects(
    () => generateExternalSet(SOURCE, { perKind: 1, numbers: -1, seed: 1 }),
    InvalidArgumentError,
    "got -1",
  );
  await assertRejects(
    () =>
      generateExternalSet({ ...SOURCE, rows: 32, cols: 32 }, { perKind: 1, numbers: 0, seed: 1 }),
    InvalidArgumentError,
    "32x32",
  );
});
