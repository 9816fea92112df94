import { assert, assertEquals, assertRejects } from "@std/assert";
import { loadReadingModel } from "../../lib/cli/reading_model.ts";
import { ModelLoadError } from "../../lib/core/errors.ts";
import { readCalibration } from "../../lib/eval/calibrate_model.ts";

Deno.test("loadReadingModel: the shipped model by default, read through its calibration", async () => {
  const { model, dir, classify } = await loadReadingModel(undefined);
  assert(dir.endsWith("data/models/default"), dir);
  assert((await readCalibration(dir)) !== undefined);
  // Calibrated: the digit check takes some probability away from a blank input.
  const p = await classify(new Float32Array(784));
  assertEquals(p.length, 10);
  assert(p.reduce((a, b) => a + b, 0) <= 1 + 1e-6);
  model.dispose();
});

Deno.test("loadReadingModel: a --model without a model is an error naming it, without the shipped-model hint", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const error = await assertRejects(() => loadReadingModel(dir), ModelLoadError);
    assert(error.message.includes(dir), error.message);
    assert(!error.message.includes("shipped model"), error.message);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
