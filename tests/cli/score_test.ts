import * as tf from "@tensorflow/tfjs";
import {
  assert,
  assertEquals,
  assertMatch,
  assertRejects,
  assertStringIncludes,
} from "@std/assert";
import { setupBackend } from "../../lib/kernels/backend.ts";
import { main } from "../../lib/cli/score.ts";
import { InvalidArgumentError, ModelLoadError } from "../../lib/core/errors.ts";
import { dataPath } from "../../lib/core/paths.ts";
import type { TreeScore } from "../../lib/eval/score_tree.ts";
import { captureLog } from "../_helpers/cli.ts";

const EXAMPLES = dataPath("examples");

/** Runs `fn` with console.log and console.error captured separately. */
async function captureBoth(fn: () => Promise<unknown>): Promise<{ out: string; err: string[] }> {
  const err: string[] = [];
  const { error } = console;
  console.error = (...args: unknown[]) => err.push(args.map(String).join(" "));
  try {
    return { out: await captureLog(fn), err };
  } finally {
    console.error = error;
  }
}

/**
 * A labelled tree of the example images: three digits under their own
 * label, the 7 also filed wrongly under 1 (so the shipped model "misreads"
 * it), the example number, a file that is not a picture, and notes.
 */
async function makeTree(root: string, options: { broken: boolean }): Promise<void> {
  for (const [label, name] of [["3", "drawn_3.png"], ["4", "photo_4.jpg"], ["7", "scan_7.png"]]) {
    await Deno.mkdir(`${root}/examples/${label}`, { recursive: true });
    await Deno.copyFile(`${EXAMPLES}/${name}`, `${root}/examples/${label}/${name}`);
  }
  await Deno.mkdir(`${root}/examples/1`, { recursive: true });
  await Deno.copyFile(`${EXAMPLES}/scan_7.png`, `${root}/examples/1/filed_wrong.png`);
  await Deno.mkdir(`${root}/multi`, { recursive: true });
  await Deno.copyFile(`${EXAMPLES}/number_2024.png`, `${root}/multi/2024__example.png`);
  await Deno.writeTextFile(`${root}/notes.txt`, "not an image");
  if (options.broken) {
    await Deno.mkdir(`${root}/examples/5`, { recursive: true });
    await Deno.writeTextFile(`${root}/examples/5/broken.png`, "not a picture");
  }
}

Deno.test("score: the tables of a labelled tree with the shipped model; a broken file exits 1", async () => {
  await setupBackend();
  const root = await Deno.makeTempDir({ prefix: "score_cli_" });
  try {
    await makeTree(root, { broken: true });
    const before = tf.memory().numTensors;
    let code = -1;
    const { out, err } = await captureBoth(async () => {
      code = await main([root]);
    });
    assertEquals(tf.memory().numTensors, before);
    assertEquals(code, 1);
    assertEquals(err.length, 1, err.join("\n"));
    assertStringIncludes(err[0], "broken.png");
    const lines = out.split("\n");
    assertEquals(lines[0], "single digits: 3 of 5 right");
    assertMatch(out, /│ examples │ +5 │ +3 │ +60\.00% │ +0 │ +1 │/);
    assertMatch(out, /│ all +│ +5 │ +3 │ +60\.00% │ +0 │ +1 │/);
    // 1 read as 7 (the 7 filed under 1) and 5 failed, one each.
    assertMatch(out, /│ +1 │ 7 +│ +1 │/);
    assertMatch(out, /│ +5 │ failed +│ +1 │/);
    assertStringIncludes(out, "numbers: 1 of 1 exact");
    assertMatch(out, /│ multi\/2024__example\.png │ 2024 │ 2024 │ yes/);
    assertStringIncludes(out, "calibration (4 single digits with a confidence):");
    assertMatch(out, /expected calibration error \(10 bins\): \d\.\d{4}/);
    assertMatch(out, /wrong readings with confidence ≥ 0\.9: [01]\n/);
    assertStringIncludes(out, "1 could not be read (counted wrong):\n  examples/5/broken.png: ");
    assertStringIncludes(out, "1 skipped:\n  notes.txt: not an image");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("score --json --html: one JSON object on stdout, a script-free page", async () => {
  const root = await Deno.makeTempDir({ prefix: "score_cli_" });
  try {
    await makeTree(root, { broken: false });
    const page = `${root}/page.html`;
    let code = -1;
    const { out, err } = await captureBoth(async () => {
      code = await main(["--json", "--html", page, root]);
    });
    assertEquals(code, 0);
    assertEquals(out.split("\n").length, 1, "stdout is one JSON object");
    const score: TreeScore & { model: string } = JSON.parse(out);
    assertEquals(score.model, dataPath("models", "default"));
    assertEquals(score.root, root);
    assertEquals([score.overall.images, score.overall.correct], [4, 3]);
    assertEquals(score.confusions, [{ truth: "1", read: "7", count: 1 }]);
    assertEquals(score.items.length, 5);
    assertEquals(score.numbers.items[0].read, "2024");
    assertEquals(score.skipped.map((s) => s.path), ["notes.txt"]);
    assertEquals(score.calibration.count, 4);
    assertMatch(err.join("\n"), new RegExp(`^wrote ${page} \\(\\d+ kB\\)$`));
    const html = await Deno.readTextFile(page);
    assert(!/<script/i.test(html));
    assertStringIncludes(html, "<h2>Misread images (1)</h2>");
    assertStringIncludes(html, "<h3>examples/1/filed_wrong.png</h3>");
    assertStringIncludes(html, "pipeline: predicted 7");
    assert(html.length < 200_000, `${html.length} characters for one misread image`);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("score: usage errors come before the model loads", async () => {
  const root = await Deno.makeTempDir({ prefix: "score_cli_" });
  try {
    await Deno.writeTextFile(`${root}/notes.txt`, "x");
    await assertRejects(() => main([]), InvalidArgumentError, "no folder given");
    await assertRejects(() => main([root, root]), InvalidArgumentError, "unexpected argument");
    await assertRejects(() => main(["--bogus", root]), InvalidArgumentError, "--bogus");
    await assertRejects(
      () => main([`${root}/notes.txt`]),
      InvalidArgumentError,
      `${root}/notes.txt is not a directory`,
    );
    // A bad model path is not even opened when the tree holds nothing to read.
    await assertRejects(
      () => main(["--model", "/nonexistent/model", root]),
      InvalidArgumentError,
      `no labelled images in ${root}`,
    );
    await Deno.mkdir(`${root}/set/7`, { recursive: true });
    await Deno.copyFile(`${EXAMPLES}/scan_7.png`, `${root}/set/7/a.png`);
    const e = await assertRejects(
      () => main(["--model", "/nonexistent/model", root]),
      ModelLoadError,
    );
    assertStringIncludes(e.message, "/nonexistent/model");
    const help = await captureLog(() => main(["--help"]));
    assertStringIncludes(help, "Usage: deno task score");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
