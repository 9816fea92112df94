import * as tf from "@tensorflow/tfjs";
import { assertEquals, assertRejects } from "@std/assert";
import { InvalidArgumentError } from "../../lib/core/errors.ts";
import { dataPath } from "../../lib/core/paths.ts";
import { readIdxFile } from "../../lib/data/idx.ts";
import { readImageFile } from "../../lib/eval/read_file.ts";
import { scoreTree } from "../../lib/eval/score_tree.ts";
import { readDigit } from "../../lib/image/read.ts";
import { decodeImage } from "../../lib/image/decode.ts";
import { loadReadingModel } from "../../lib/cli/reading_model.ts";
import { exportIdx, exportTree, IDX_FILES } from "../../lib/feedback/export.ts";
import { modelIdOf } from "../../lib/feedback/model_id.ts";
import { type Correction, CorrectionStore } from "../../lib/feedback/store.ts";

const EXAMPLES = [["drawn_3.png", 3], ["photo_4.jpg", 4], ["scan_7.png", 7]] as const;

/** The three single-digit examples as stored corrections, read by the shipped model. */
async function exampleCorrections(dir: string): Promise<Correction[]> {
  const { model, classify } = await loadReadingModel(undefined);
  const modelId = await modelIdOf(dataPath("models", "default"));
  const store = CorrectionStore.open({ dir });
  try {
    for (const [fileName, label] of EXAMPLES) {
      const imageBytes = await Deno.readFile(dataPath("examples", fileName));
      const r = await readDigit(await decodeImage(imageBytes), classify);
      store.add({
        imageBytes,
        fileName,
        pixels: r.input,
        reading: String(r.digit),
        confidence: Math.max(...r.probabilities!),
        label,
        modelId,
        origin: "cli",
      });
    }
    return store.list({ includeImages: true });
  } finally {
    store.close();
    model.dispose();
  }
}

Deno.test("exportTree: the 28x28s in label folders, scored by the score command's reader", async () => {
  const tmp = await Deno.makeTempDir();
  const corrections = await exampleCorrections(`${tmp}/store`);
  const out = `${tmp}/tree`;
  const files = await exportTree(corrections, out);
  assertEquals(files, [
    `${out}/3/1__drawn_3.png`,
    `${out}/4/2__photo_4.png`,
    `${out}/7/3__scan_7.png`,
  ]);
  // Read back as `deno task score` does: the model reads each exported 28x28 as its label.
  const before = tf.memory().numTensors;
  const { model, classify } = await loadReadingModel(undefined);
  const score = await scoreTree(out, (file, o) => readImageFile(file, classify, o));
  model.dispose();
  assertEquals(tf.memory().numTensors, before);
  assertEquals([score.overall.images, score.overall.correct, score.skipped], [3, 3, []]);
  await Deno.remove(tmp, { recursive: true });
});

Deno.test("exportTree --original: the bytes as recorded, with their format's extension", async () => {
  const tmp = await Deno.makeTempDir();
  const corrections = await exampleCorrections(`${tmp}/store`);
  const files = await exportTree(corrections, `${tmp}/tree`, { original: true });
  assertEquals(files.map((f) => f.slice(tmp.length)), [
    "/tree/3/1__drawn_3.png",
    "/tree/4/2__photo_4.jpg",
    "/tree/7/3__scan_7.png",
  ]);
  for (const [k, [name]] of EXAMPLES.entries()) {
    assertEquals(await Deno.readFile(files[k]), await Deno.readFile(dataPath("examples", name)));
  }
  // Listed without images, there are no bytes to write: said, not written empty.
  await assertRejects(
    () =>
      exportTree([{ ...corrections[0], imageBytes: new Uint8Array(0) }], `${tmp}/t2`, {
        original: true,
      }),
    InvalidArgumentError,
    "correction #1 has no image bytes",
  );
  await Deno.remove(tmp, { recursive: true });
});

Deno.test("exportIdx: MNIST's layout, row k = correction k, ink 255", async () => {
  const tmp = await Deno.makeTempDir();
  const corrections = await exampleCorrections(`${tmp}/store`);
  const [images, labels] = await exportIdx(corrections, `${tmp}/idx`);
  assertEquals([images, labels], [
    `${tmp}/idx/${IDX_FILES.images}`,
    `${tmp}/idx/${IDX_FILES.labels}`,
  ]);
  const x = await readIdxFile(images);
  const y = await readIdxFile(labels);
  assertEquals([x.dtype, x.dims, y.dims], ["uint8", [3, 28, 28], [3]]);
  assertEquals(Array.from(y.data), [3, 4, 7]);
  for (let k = 0; k < 3; k++) {
    const expected = Array.from(corrections[k].pixels, (v) => Math.round(v * 255));
    assertEquals(Array.from(x.data.subarray(k * 784, (k + 1) * 784)), expected);
  }
  await Deno.remove(tmp, { recursive: true });
});

Deno.test("export: a directory that already holds files, or a file, is refused", async () => {
  const tmp = await Deno.makeTempDir();
  await Deno.writeTextFile(`${tmp}/notes.txt`, "mine");
  await assertRejects(
    () => exportTree([], tmp),
    InvalidArgumentError,
    `${tmp} is not empty (it holds notes.txt)`,
  );
  await assertRejects(() => exportIdx([], tmp), InvalidArgumentError, "is not empty");
  await assertRejects(
    () => exportIdx([], `${tmp}/notes.txt`),
    InvalidArgumentError,
    `${tmp}/notes.txt is a file, not a directory`,
  );
  assertEquals(await Deno.readTextFile(`${tmp}/notes.txt`), "mine");
  await Deno.remove(tmp, { recursive: true });
});
