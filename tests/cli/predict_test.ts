import * as tf from "@tensorflow/tfjs";
import { assert, assertEquals, assertRejects, assertStringIncludes } from "@std/assert";
import { setupBackend } from "../../lib/kernels/backend.ts";
import { main } from "../../lib/cli/predict.ts";
import { InvalidArgumentError, ModelLoadError } from "../../lib/core/errors.ts";
import { readMetrics } from "../../lib/model/save_load.ts";
import { dataPath } from "../../lib/core/paths.ts";
import type { FileReading } from "../../lib/eval/read_file.ts";
import { captureLog } from "../_helpers/cli.ts";

const EXAMPLES = dataPath("examples");

Deno.test("the shipped model: >= 99.5% on MNIST test, under 5 MB, made by the train command", async () => {
  const metrics = await readMetrics(dataPath("models", "default"));
  if (metrics === undefined) throw new Error("data/models/default/metrics.json is missing");
  assert(metrics.test_accuracy >= 0.995, `test accuracy ${metrics.test_accuracy}`);
  assertEquals(metrics.splits.test, 10000);
  assert(metrics.command.startsWith("deno task train "), metrics.command);
  let bytes = 0;
  for (const f of ["model.json", "weights.bin", "metrics.json"]) {
    bytes += (await Deno.stat(dataPath("models", "default", f))).size;
  }
  assert(bytes < 5 * 1024 * 1024, `${bytes} bytes`);
});

Deno.test("predict --json: the shipped model reads every example image", async () => {
  await setupBackend();
  const before = tf.memory().numTensors;
  let code = -1;
  const out = await captureLog(async () => {
    code = await main(["--json", EXAMPLES]);
  });
  assertEquals(code, 0);
  assertEquals(tf.memory().numTensors, before);
  const rows: FileReading[] = out.trim().split("\n").map((l) => JSON.parse(l));
  const singles = rows.filter((r) => /_(\d)\.\w+$/.test(r.file));
  assert(singles.length >= 3, `found ${singles.length} single-digit examples`);
  for (const r of singles) {
    const expected = Number(r.file.match(/_(\d)\.\w+$/)![1]);
    assertEquals(r.digit, expected, `${r.file}: read ${r.digit}`);
    assert(r.confidence! > 0.5 && r.alternatives.length === 3 && r.error === null);
  }
});

Deno.test("predict --multi: reads the example number exactly", async () => {
  const out = await captureLog(() => main(["--multi", "--json", `${EXAMPLES}/number_2024.png`]));
  const r: FileReading = JSON.parse(out.trim());
  assertEquals([r.number, r.status, r.digits.length], ["2024", "ok", 4]);
});

Deno.test("predict: a bad file is reported, the others still run, exit code 1", async () => {
  const dir = await Deno.makeTempDir({ prefix: "predict_cli_" });
  try {
    await Deno.copyFile(`${EXAMPLES}/scan_7.png`, `${dir}/a_7.png`);
    await Deno.writeTextFile(`${dir}/b.png`, "not a picture");
    let code = -1;
    const out = await captureLog(async () => {
      code = await main(["--json", dir]);
    });
    assertEquals(code, 1);
    const rows: FileReading[] = out.trim().split("\n").map((l) => JSON.parse(l));
    assertEquals(rows.map((r) => r.status), ["ok", "failed"]);
    assertEquals(rows[0].digit, 7);
    assertStringIncludes(rows[1].error!, "b.png");
    const table = await captureLog(() => main([dir]));
    assertStringIncludes(table, "a_7.png");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("predict: usage errors", async () => {
  await assertRejects(() => main([]), InvalidArgumentError, "no image given");
  await assertRejects(() => main(["--bogus", "x.png"]), InvalidArgumentError, "--bogus");
  const e = await assertRejects(
    () => main(["--model", "/nonexistent/model", `${EXAMPLES}/scan_7.png`]),
    ModelLoadError,
  );
  assertStringIncludes(e.message, "/nonexistent/model");
});
