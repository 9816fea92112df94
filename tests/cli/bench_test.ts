import { captureLog } from "../_helpers/cli.ts";
import * as tf from "@tensorflow/tfjs";
import {
  assert,
  assertAlmostEquals,
  assertEquals,
  assertRejects,
  assertStringIncludes,
} from "@std/assert";
import { setupBackend } from "../../lib/kernels/backend.ts";
import { BENCH_FIGURES } from "../../lib/bench/measure.ts";
import { main } from "../../lib/cli/bench.ts";
import { InvalidArgumentError, ModelLoadError } from "../../lib/core/errors.ts";

const TINY = [
  "--batch-size",
  "8",
  "--batches",
  "2",
  "--warmup",
  "1",
  "--repeats",
  "1",
  "--infer-images",
  "16",
  "--e2e-runs",
  "4",
];

Deno.test("bench: a tiny run with a fake peer prints tables and one JSON line", async () => {
  const dir = await Deno.makeTempDir({ prefix: "bench_cli_" });
  try {
    const script = `${dir}/peer.py`;
    await Deno.writeTextFile(
      script,
      `import json\nprint(json.dumps({"torch": "9.9", "runs": [{"data": "real_mnist", ` +
        `"train_epoch1_s": 6.0, "epochs": [{"seconds": 6.0}, {"seconds": 4.0}], ` +
        `"peak_rss_mib": 100.0, "inference": {"batch_1": ` +
        `{"samples_per_s": 50.0}, "batch_256": {"samples_per_s": 800.0}}}]}))\n`,
    );
    await setupBackend();
    const before = tf.memory().numTensors;
    let code = -1;
    const out = await captureLog(async () => {
      code = await main([...TINY, "--peer", "--peer-script", script]);
    }, { quietErrors: true });
    assertEquals(code, 0);
    assertEquals(tf.memory().numTensors, before);
    assertStringIncludes(out, "ours / PyTorch");
    assertStringIncludes(out, "PyTorch 9.9");
    const json = JSON.parse(out.trim().split("\n").at(-1)!);
    for (const key of BENCH_FIGURES) {
      assert(json[key] > 0 && Number.isFinite(json[key]), `${key} = ${json[key]}`);
      for (const name of ["reference", "strong"]) {
        const v = json.models[name][key];
        assert(v > 0 && Number.isFinite(v), `models.${name}.${key} = ${v}`);
      }
    }
    assertEquals(json.tensor_leak, 0);
    assertEquals(json.models.strong.tensor_leak, 0);
    assertEquals(json.train_samples_per_s, json.models.reference.train_samples_per_s);
    assertEquals([json.models.reference.params, json.models.strong.params], [34826, 198762]);
    assertEquals([json.peer_train_epoch_s, json.peer_train_epoch1_s], [4, 6]);
    assertEquals(json.peer_infer_b1_per_s, 50);
    assertAlmostEquals(json.train_ratio, json.train_epoch_s / 4);
    assertAlmostEquals(json.train_ratio_epoch1, json.train_epoch_s / 6);
    assertStringIncludes(out, "vs PyTorch's first epoch");
    assertAlmostEquals(json.infer_b256_ratio, json.infer_b256_per_s / 800);
    assertAlmostEquals(json.peak_rss_ratio, json.peak_rss_mib / 100);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("bench: bad flags and a missing peer script fail before measuring", async () => {
  const t0 = performance.now();
  await assertRejects(() => main(["--batches", "0"]), InvalidArgumentError, "--batches");
  await assertRejects(() => main(["--repeats", "1.5"]), InvalidArgumentError, "1.5");
  await assertRejects(() => main(["--fast"]), InvalidArgumentError, "unknown option --fast");
  await assertRejects(
    () => main(["--peer", "--peer-script", "/nonexistent/torch_bench.py"]),
    InvalidArgumentError,
    "/nonexistent/torch_bench.py cannot be read",
  );
  await assertRejects(
    () => main(["--weights", "/nonexistent/model"]),
    ModelLoadError,
    "/nonexistent/model",
  );
  assert(performance.now() - t0 < 2000, "the errors come before any measurement");
});
