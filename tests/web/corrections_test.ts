import { assert, assertEquals, assertRejects, assertThrows } from "@std/assert";
import { ImageError, InvalidArgumentError } from "../../lib/core/errors.ts";
import { encodePng } from "../../lib/image/encode.ts";
import { drawDigit, inkToGray, sideBySide } from "../../lib/image/synth/scenes.ts";
import { readDigit, readNumber } from "../../lib/image/read.ts";
import { decodeImage } from "../../lib/image/decode.ts";
import { CorrectionStore } from "../../lib/feedback/store.ts";
import {
  CorrectionNotStoredError,
  parseCorrectionQuery,
  type RecordContext,
  recordUploadCorrection,
} from "../../lib/web/corrections.ts";
import { widthClassifier } from "./_stand_in.ts";

const MODEL_ID = "0123456789abcdef".repeat(4);

/** A real store in a temp directory, closed and removed after `run`. */
async function withStore(run: (store: CorrectionStore) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  const store = CorrectionStore.open({ dir });
  try {
    await run(store);
  } finally {
    store.close();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("parseCorrectionQuery: label, multi and digit, each refused naming the value", () => {
  const q = (s: string) => parseCorrectionQuery(new URLSearchParams(s));
  assertEquals(q("label=0"), { label: 0, multi: false, digit: 0 });
  assertEquals(q("label=9&multi=true&digit=12"), { label: 9, multi: true, digit: 12 });
  assertEquals(q("label=4&multi=0"), { label: 4, multi: false, digit: 0 });
  const refused: [string, string][] = [
    ["", "label must be one digit 0..9, got none"],
    ["label=10", 'got "10"'],
    ["label=-1", 'got "-1"'],
    ["label=3.0", 'got "3.0"'],
    ["label=%203", 'got " 3"'],
    ["label=x".padEnd(200, "x"), "…"],
    ["label=3&multi=yes", 'multi must be 1 or 0, got "yes"'],
    ["label=3&digit=1", "only for a number: add multi=1"],
    ["label=3&multi=1&digit=-1", 'got "-1"'],
    ["label=3&multi=1&digit=1e3", 'got "1e3"'],
    ["label=3&multi=1&digit=1000", 'got "1000"'],
  ];
  for (const [query, message] of refused) {
    assertThrows(() => q(query), InvalidArgumentError, message, query);
  }
});

Deno.test("recordUploadCorrection: stores what the model read, the label and the image", async () => {
  await withStore(async (store) => {
    const model = widthClassifier();
    const png = await encodePng(inkToGray(drawDigit(7, { size: 96 })));
    const context: RecordContext = { classify: model.classify, store, modelId: MODEL_ID };
    const r = await recordUploadCorrection(png, { label: 1, multi: false, digit: 0 }, context);
    assertEquals([r.id, r.reading, r.confidence, r.label, r.count], [1, "7", 0.83, 1, 1]);
    assertEquals([r.number, r.digit_index, r.model_id], [null, null, MODEL_ID]);
    assertEquals(r.message, "recorded correction #1: 7 → 1");
    const row = store.get(1)!;
    assertEquals([row.origin, row.fileName, row.label, row.reading], ["web", "drawn.png", 1, "7"]);
    assertEquals(row.imageBytes, png);
    // the 28x28 is exactly what the model was given
    const expected = (await readDigit(await decodeImage(png), () => new Array(10).fill(0.1))).input;
    assertEquals(row.pixels, expected);
  });
});

Deno.test("recordUploadCorrection: one digit of a number, by its index", async () => {
  await withStore(async (store) => {
    const model = widthClassifier();
    const row = inkToGray(sideBySide([1, 7, 1].map((d) => drawDigit(d, { size: 80 }))));
    const png = await encodePng(row);
    const context = { classify: model.classify, store, modelId: MODEL_ID };
    const r = await recordUploadCorrection(png, { label: 4, multi: true, digit: 1 }, context);
    assertEquals([r.reading, r.number, r.digit_index], ["7", "171", 1]);
    assertEquals(r.message, "recorded correction #1: 7 → 4 (digit 2 of 171)");
    const read = await readNumber(await decodeImage(png), model.classify);
    assertEquals(store.get(r.id)!.pixels, read.digits[1].input);
    await assertRejects(
      () => recordUploadCorrection(png, { label: 4, multi: true, digit: 3 }, context),
      InvalidArgumentError,
      "digit 3 is past the number read, 171 (digits 0 to 2)",
    );
    assertEquals(store.count(), 1);
  });
});

Deno.test("recordUploadCorrection: a blank image or bytes that are no image store nothing", async () => {
  await withStore(async (store) => {
    const context = { classify: widthClassifier().classify, store, modelId: MODEL_ID };
    const blank = await encodePng({
      width: 40,
      height: 40,
      data: new Float32Array(1600).fill(1),
    });
    for (const multi of [false, true]) {
      await assertRejects(
        () => recordUploadCorrection(blank, { label: 2, multi, digit: 0 }, context),
        InvalidArgumentError,
        "no digit found in the image",
      );
    }
    await assertRejects(
      () =>
        recordUploadCorrection(new TextEncoder().encode("hello"), {
          label: 2,
          multi: false,
          digit: 0,
        }, context),
      ImageError,
      "request body",
    );
    // a model id the store refuses (the server's mistake, not the client's): nothing half-written
    const png = await encodePng(inkToGray(drawDigit(2, { size: 64 })));
    await assertRejects(
      () =>
        recordUploadCorrection(png, { label: 2, multi: false, digit: 0 }, {
          ...context,
          modelId: "not a hash",
        }),
      CorrectionNotStoredError,
      "the correction was not recorded: modelId",
    );
    assertEquals(store.count(), 0);
    assert(store.list().length === 0);
  });
});
