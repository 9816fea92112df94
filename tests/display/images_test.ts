import { CLASS_NAMES } from "../../lib/data/class_names.ts";
import { assert, assertEquals, assertRejects, assertThrows } from "@std/assert";
import type { Dataset } from "../../lib/data/dataset.ts";
import {
  gridImage,
  imagesBundle,
  imageTag,
  toBase64,
  toGrayImage,
  upscale,
} from "../../lib/display/images.ts";
import { InvalidArgumentError } from "../../lib/core/errors.ts";
import { decodeImage } from "../../lib/image/decode.ts";
import type { GrayImage } from "../../lib/image/raster.ts";

function fromBase64(text: string): Uint8Array {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

function solid(width: number, height: number, value: number): GrayImage {
  return { width, height, data: new Float32Array(width * height).fill(value) };
}

function dataset(count: number): Dataset {
  const images = new Float32Array(count * 4);
  for (let i = 0; i < count; i++) images.fill(i / count, i * 4, (i + 1) * 4);
  return {
    images,
    labels: Uint8Array.from({ length: count }, (_, i) => i % 10),
    count,
    rows: 2,
    cols: 2,
    numClasses: 10,
    source: "test",
  };
}

Deno.test("toGrayImage takes flat pixels as a square and rejects other lengths", () => {
  const img = toGrayImage(new Float32Array(9));
  assertEquals([img.width, img.height], [3, 3]);
  const gray = solid(2, 1, 0.5);
  assertEquals(toGrayImage(gray), gray);
  assertThrows(() => toGrayImage(new Float32Array(10)), InvalidArgumentError, "10 values");
});

Deno.test("upscale repeats each pixel in a square", () => {
  const img = { width: 2, height: 1, data: new Float32Array([0.25, 1]) };
  const big = upscale(img, 2);
  assertEquals([big.width, big.height], [4, 2]);
  assertEquals(Array.from(big.data), [0.25, 0.25, 1, 1, 0.25, 0.25, 1, 1]);
  assertThrows(() => upscale(img, 1.5), InvalidArgumentError, "scale");
});

Deno.test("gridImage places images in cells on a gray background", () => {
  const white = solid(2, 2, 1);
  const tall = solid(1, 3, 0.5);
  const grid = gridImage([white, white, tall], { cols: 2 });
  // cells 2 wide and 3 high, gaps of 2 around: 2*2 + 3*2 = 10 wide, 2*3 + 3*2 = 12 high.
  assertEquals([grid.width, grid.height], [10, 12]);
  const at = (x: number, y: number) => grid.data[y * grid.width + x];
  const background = Math.fround(0.35);
  assertEquals(at(0, 0), background);
  assertEquals(at(2, 2), 1); // first image, top-left (centred vertically: offset 0 of 1)
  assertEquals(at(6, 2), 1); // second image
  assertEquals(at(2, 7), 0.5); // the tall image, centred in its cell
  assertEquals(at(3, 7), background); // right of the 1 px wide image
  assertThrows(() => gridImage([], { cols: 2 }), InvalidArgumentError, "0 images");
});

Deno.test("toBase64 matches btoa on large inputs", () => {
  const bytes = Uint8Array.from({ length: 70_000 }, (_, i) => (i * 7) % 256);
  assertEquals(fromBase64(toBase64(bytes)), bytes);
});

Deno.test("imageTag embeds a PNG of the image at the scaled size", async () => {
  const tag = await imageTag(solid(3, 2, 1), { scale: 4, alt: `a "quoted" <alt>` });
  assert(tag.includes('width="12" height="8"'));
  assert(tag.includes('alt="a &quot;quoted&quot; &lt;alt&gt;"'));
  const png = await decodeImage(fromBase64(tag.match(/base64,([^"]+)"/)![1]));
  assertEquals([png.width, png.height], [3, 2]);
  assert(png.data.every((v) => v > 0.99));
});

Deno.test("imagesBundle: a PNG grid, a captioned HTML grid and a summary of a dataset", async () => {
  const ds = dataset(12);
  const bundle = await imagesBundle(ds, { cols: 5, scale: 3 });
  const png = await decodeImage(fromBase64(bundle["image/png"] as string));
  // 5 columns of 2 px cells plus 6 gaps of 2 px, times 3; 3 rows likewise.
  assertEquals([png.width, png.height], [(5 * 2 + 6 * 2) * 3, (3 * 2 + 4 * 2) * 3]);
  const html = bundle["text/html"] as string;
  assertEquals(html.match(/<img /g)?.length, 12);
  // A table of 3 rows of 5 (sanitised HTML keeps tables, not CSS grids).
  assertEquals(html.match(/<tr>/g)?.length, 3);
  assertEquals(html.match(/<td>/g)?.length, 12);
  assertEquals(html.match(/<figcaption>(\d)<\/figcaption>/g)?.length, 12);
  assertEquals(
    bundle["text/plain"],
    "12 images (2x2), 3 row(s) of 5; captions: 0 1 2 3 4 5 6 7 8 9 0 1",
  );
});

Deno.test("imagesBundle escapes captions, limits the count and shrinks large images", async () => {
  const many = Array.from({ length: 5 }, () => solid(300, 150, 0.5));
  const bundle = await imagesBundle(many, {
    labels: ["<b>", "2", "3", "4", "5"],
    limit: 2,
    scale: 1,
  });
  const html = bundle["text/html"] as string;
  assertEquals(html.match(/<img /g)?.length, 2);
  assert(html.includes("<figcaption>&lt;b&gt;</figcaption>"));
  assert(html.includes('width="200" height="100"'), "shrunk to the default maxSide of 200");
  assert((bundle["text/plain"] as string).includes("(first 2 of 5)"));
});

Deno.test("imagesBundle rejects labels that do not match and says when there is nothing", async () => {
  await assertRejects(
    () => imagesBundle([solid(2, 2, 1)], { labels: ["a", "b"] }),
    InvalidArgumentError,
    "2 labels for 1 images",
  );
  await assertRejects(
    () => imagesBundle([solid(2, 2, 1)], { cols: 0 }),
    InvalidArgumentError,
    "cols",
  );
  assertEquals((await imagesBundle([]))["text/plain"], "(no images)");
});

Deno.test("imagesBundle captions a dataset's images with class names when given", async () => {
  const fashion = CLASS_NAMES["fashion-mnist"];
  const bundle = await imagesBundle(dataset(3), { classNames: fashion });
  assertEquals(
    bundle["text/plain"],
    "3 images (2x2), 1 row(s) of 3; captions: T-shirt/top Trouser Pullover",
  );
  const html = bundle["text/html"] as string;
  assertEquals(
    [...html.matchAll(/<figcaption>([^<]*)<\/figcaption>/g)].map((m) => m[1]),
    ["T-shirt/top", "Trouser", "Pullover"],
  );
  assert(html.includes('alt="Trouser"'));
  // Explicit captions win; names only label a dataset's own labels.
  const captioned = await imagesBundle(dataset(2), { labels: ["a", "b"], classNames: fashion });
  assertEquals(captioned["text/plain"], "2 images (2x2), 1 row(s) of 2; captions: a b");
  // A label without a name is an error, not a number passed off as a name.
  await assertRejects(
    () => imagesBundle(dataset(3), { classNames: ["only", "two"] }),
    InvalidArgumentError,
    "class 2 has no name",
  );
});
