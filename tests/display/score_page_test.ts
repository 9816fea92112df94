import { svgImages } from "../_helpers/svg_images.ts";
import { assert, assertEquals, assertRejects, assertStringIncludes } from "@std/assert";
import { InvalidArgumentError } from "../../lib/core/errors.ts";
import { encodePng } from "../../lib/image/encode.ts";
import type { Classify, GrayImage } from "../../lib/image/raster.ts";
import { drawDigit, inkToGray, placeOnCanvas, sideBySide } from "../../lib/image/synth/scenes.ts";
import { readImageFile } from "../../lib/eval/read_file.ts";
import { scoreTree, type TreeScore } from "../../lib/eval/score_tree.ts";
import { scorePageHtml, scoreSummaryHtml } from "../../lib/display/score_page.ts";

/** A stand-in model: reads every digit as 8 at 0.6, 0 second at 0.3. */
const eights: Classify =
  () => [0.3, 0.1 / 8, 0.1 / 8, 0.1 / 8, 0.1 / 8, 0.1 / 8, 0.1 / 8, 0.1 / 8, 0.6, 0.1 / 8];

async function write(path: string, img: GrayImage): Promise<void> {
  await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
  await Deno.writeFile(path, await encodePng(img));
}

/** A 400x300 page with one drawn digit; a number of three; a broken file; a skipped one. */
async function scoredTree(root: string): Promise<TreeScore> {
  const page = (d: number) =>
    inkToGray(
      placeOnCanvas(drawDigit(d, { size: 160 }), { width: 400, height: 300, x: 120, y: 70 }),
    );
  await write(`${root}/scans/8/right.png`, page(8));
  await write(`${root}/scans/3/wrong.png`, page(3));
  await write(`${root}/photos/1/wrong<b>.png`, page(1));
  await Deno.mkdir(`${root}/photos/5`, { recursive: true });
  await Deno.writeTextFile(`${root}/photos/5/broken.png`, "not a picture");
  await write(
    `${root}/multi/123__row.png`,
    inkToGray(sideBySide([1, 2, 3].map((d) => drawDigit(d, { size: 60 })))),
  );
  await Deno.writeTextFile(`${root}/notes.txt`, "x");
  return await scoreTree(root, (file, o) => readImageFile(file, eights, o));
}

/** The pixel size of each embedded PNG of an HTML fragment, read from its IHDR chunk. */
function pngSizes(html: string): string[] {
  return [...html.matchAll(/src="data:image\/png;base64,([^"]+)"/g)].map((m) => {
    const bytes = Uint8Array.from(atob(m[1]), (c) => c.charCodeAt(0));
    const view = new DataView(bytes.buffer);
    return `${view.getUint32(16)}x${view.getUint32(20)}`;
  });
}

/** The `<img>` tags of an HTML fragment, with their width and height. */
function images(html: string): { width: number; height: number }[] {
  return [...html.matchAll(/<img src="data:image\/png;base64,[^"]+" width="(\d+)" height="(\d+)"/g)]
    .map((m) => ({ width: Number(m[1]), height: Number(m[2]) }));
}

Deno.test("scorePageHtml: every misread image with its reading and the pipeline's steps", async () => {
  const root = await Deno.makeTempDir({ prefix: "score_page_" });
  try {
    const score = await scoredTree(root);
    const html = await scorePageHtml(score, { classify: eights, title: "dev set" });
    assert(html.startsWith("<!DOCTYPE html>"));
    assert(!/<script/i.test(html), "the page runs no script");
    assertStringIncludes(html, "<title>dev set</title>");
    assertStringIncludes(html, "<h2>Misread images (4)</h2>");
    // One card per misread image, none for the one read right; paths are escaped.
    const cards = html.split('<section class="card">').slice(1);
    assertEquals(
      cards.map((c) => c.match(/<h3>(.*?)<\/h3>/)![1]),
      [
        "photos/1/wrong&lt;b&gt;.png",
        "photos/5/broken.png",
        "scans/3/wrong.png",
        "multi/123__row.png",
      ],
    );
    assert(!html.includes("<h3>scans/8/right.png</h3>"));
    const [one, broken, three, number] = cards;
    // The reading: truth, what was read, confidence, alternatives.
    for (
      const text of [
        "<dt>true</dt><dd>1</dd>",
        "<dd>8</dd>",
        "<dd>60.00%</dd>",
        "8 60.00%, 0 30.00%",
      ]
    ) {
      assertStringIncludes(one, text);
    }
    // The pipeline: the reading view of readDigit with each normalisation step.
    assertStringIncludes(one, "pipeline: predicted 8 (60.0%), expected 1 (wrong)");
    for (const step of ["grayscale", "ink", "crop", "mnist"]) {
      assertStringIncludes(one, `>${step}</figcaption>`);
    }
    // Downscaled: the 400x300 original is shown at 120x90, no step wider than 64 px.
    assertStringIncludes(one, "original 120x90");
    assert(images(three).length >= 8, `${images(three).length} pictures`);
    // The broken file: its error, no pictures.
    assertStringIncludes(broken, "<dt>read</dt><dd>failed</dd>");
    assertStringIncludes(broken, "<dt>error</dt>");
    assertEquals(images(broken).length, 0);
    // The number: boxes on the original, each digit's input, the segmentation's steps.
    assertStringIncludes(number, "<dt>true</dt><dd>123</dd><dt>read</dt><dd>888</dd>");
    assertStringIncludes(number, "pipeline: read 888, expected 123 (wrong)");
    assertEquals(svgImages(number).join("").match(/stroke="#d33"/g)?.length, 3, "red boxes");
    assertStringIncludes(number, ">ink</figcaption>");
    // The summary tables come first.
    assertStringIncludes(html, '<td>all</td><td class="n">4</td><td class="n">1</td>');
    assertStringIncludes(html, "<td>notes.txt</td><td>not an image</td>");
    assertStringIncludes(html, "Expected calibration error (10 equal-width bins): <b>");
    // The view reads as the scorer did here, so no note says otherwise.
    assert(!html.includes('class="note"'));
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("scorePageHtml: downscales pictures to the sizes asked; limit caps the cards", async () => {
  const root = await Deno.makeTempDir({ prefix: "score_page_" });
  try {
    const score = await scoredTree(root);
    const small = await scorePageHtml(score, {
      classify: eights,
      originalSide: 40,
      stepSide: 20,
      limit: 1,
    });
    const cards = small.split('<section class="card">').slice(1);
    assertEquals(cards.length, 1);
    assertStringIncludes(small, "<p>3 more misread images not shown (limit 1).</p>");
    assertStringIncludes(cards[0], "original 40x30");
    // The original, the model's 28x28 input, then each step at most 20 px on its longer side.
    const sizes = pngSizes(cards[0]);
    assertEquals(sizes.slice(0, 2), ["40x30", "28x28"]);
    assert(sizes.length >= 8, sizes.join(" "));
    for (const size of sizes.slice(2)) {
      assert(Math.max(...size.split("x").map(Number)) <= 20, `step of ${size}`);
    }
    const big = await scorePageHtml(score, { classify: eights });
    assert(small.length < big.length / 2, `${small.length} vs ${big.length} characters`);
    // Without a classifier, the readings only.
    const plain = await scorePageHtml(score);
    assertEquals(images(plain).length, 0);
    assertStringIncludes(plain, "<h3>scans/3/wrong.png</h3>");
    for (const bad of [{ limit: 0 }, { stepSide: 2.5 }, { originalSide: -1 }]) {
      await assertRejects(() => scorePageHtml(score, bad), InvalidArgumentError);
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("scorePageHtml: a note when the pipeline view reads otherwise than the scored reading", async () => {
  const root = await Deno.makeTempDir({ prefix: "score_page_" });
  try {
    const score = await scoredTree(root);
    // The page's model reads 2 where the scorer's read 8 (as a calibrated reader might differ).
    const twos: Classify = () => [0, 0, 0.9, 0, 0, 0, 0, 0, 0.1, 0];
    const html = await scorePageHtml(score, { classify: twos });
    assertStringIncludes(
      html,
      '<p class="note">The pipeline view below reads 2; the reading scored is 8.</p>',
    );
    assertStringIncludes(
      html,
      '<p class="note">The pipeline view below reads 222; the reading scored is 888.</p>',
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("scoreSummaryHtml: groups, confusions, numbers, calibration, failures, skipped", async () => {
  const root = await Deno.makeTempDir({ prefix: "score_page_" });
  try {
    const html = scoreSummaryHtml(await scoredTree(root));
    assertStringIncludes(html, '<td>photos</td><td class="n">2</td><td class="n">0</td>');
    assertStringIncludes(
      html,
      '<td>scans</td><td class="n">2</td><td class="n">1</td><td>50.00%</td>',
    );
    assertStringIncludes(html, '<td>1</td><td>8</td><td class="n">1</td>'); // 1 read as 8
    assertStringIncludes(html, '<td>5</td><td>failed</td><td class="n">1</td>');
    assertStringIncludes(html, "<h2>Numbers: 0 of 1 exact</h2>");
    assertStringIncludes(html, '<td>0.5–0.7</td><td class="n">3</td><td class="n">1</td>');
    assertStringIncludes(html, "<h2>Could not be read (1)</h2>");
    assertStringIncludes(html, "<h2>Skipped (1)</h2>");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
