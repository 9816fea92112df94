import * as tf from "@tensorflow/tfjs";
import {
  assert,
  assertEquals,
  assertMatch,
  assertRejects,
  assertStringIncludes,
} from "@std/assert";
import { main } from "../../lib/cli/export.ts";
import { main as predict } from "../../lib/cli/predict.ts";
import { InvalidArgumentError, ModelLoadError } from "../../lib/core/errors.ts";
import { dataPath } from "../../lib/core/paths.ts";
import { setupBackend } from "../../lib/kernels/backend.ts";
import type { FileReading } from "../../lib/eval/read_file.ts";
import { captureLog } from "../_helpers/cli.ts";

const SHIPPED = dataPath("models", "default");

Deno.test("export --help lists every format", async () => {
  const out = await captureLog(async () => assertEquals(await main(["--help"]), 0));
  for (const f of ["onnx", "tfjs-uint8", "tfjs-float16", "web"]) {
    assertStringIncludes(out, `  ${f} `);
  }
});

Deno.test("export --json: the shipped model in each format, with its sizes", async () => {
  const root = await Deno.makeTempDir();
  try {
    const floatBytes = (await Deno.stat(`${SHIPPED}/weights.bin`)).size;
    for (const format of ["onnx", "tfjs-uint8", "tfjs-float16", "web"]) {
      const out = `${root}/${format}`;
      const line = await captureLog(async () => {
        assertEquals(
          await main(["--model", SHIPPED, "--format", format, "--out", out, "--json"]),
          0,
        );
      });
      const result = JSON.parse(line);
      assertEquals([result.format, result.out], [format, out]);
      const weights = format === "onnx"
        ? result.bytes
        : result.files.find((f: { path: string }) => f.path === "weights.bin").bytes;
      // ONNX holds the float32 weights plus a few KB of graph; float16 half; uint8 about a
      // quarter; the web page the float32 weights as they are.
      const ratio = weights / floatBytes;
      const [lo, hi] = {
        onnx: [1, 1.01],
        "tfjs-float16": [0.5, 0.5],
        "tfjs-uint8": [0.25, 0.27],
        web: [1, 1],
      }[format]!;
      assert(ratio >= lo && ratio <= hi, `${format}: ${weights} bytes, ${ratio} of float32`);
    }
    // The table form names each file.
    const table = await captureLog(() =>
      main(["--model", SHIPPED, "--format", "tfjs-uint8", "--out", `${root}/table`])
    );
    assertMatch(table, /weights\.bin\s+[\d,]+ bytes/);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("export: missing flags, unknown format, missing model, existing output", async () => {
  const root = await Deno.makeTempDir();
  try {
    await assertRejects(
      () => main(["--model", SHIPPED, "--format", "onnx"]),
      InvalidArgumentError,
      "--out is required",
    );
    await assertRejects(
      () => main(["--model", SHIPPED, "--format", "tflite", "--out", `${root}/x`]),
      InvalidArgumentError,
      `unknown export format "tflite"`,
    );
    await assertRejects(
      () => main(["--model", `${root}/none`, "--format", "onnx", "--out", `${root}/x.onnx`]),
      ModelLoadError,
    );
    await Deno.writeTextFile(`${root}/x.onnx`, "");
    await assertRejects(
      () => main(["--model", SHIPPED, "--format", "onnx", "--out", `${root}/x.onnx`]),
      InvalidArgumentError,
      "already exists",
    );
    await Deno.mkdir(`${root}/site`);
    await assertRejects(
      () => main(["--model", SHIPPED, "--format", "web", "--out", `${root}/site`]),
      InvalidArgumentError,
      "already exists",
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("predict --model reads with a quantised export as with the float model", async () => {
  await setupBackend();
  const root = await Deno.makeTempDir();
  const read = async (model: string) => {
    const out = await captureLog(async () => {
      assertEquals(await predict(["--json", "--model", model, dataPath("examples")]), 0);
    }, { quietErrors: true });
    return out.trim().split("\n").map((l) => JSON.parse(l) as FileReading);
  };
  try {
    // The float model without its calibration.json, which an export does not carry (it is
    // bound to the float weights' SHA-256; `deno task calibrate --model OUT` fits one).
    await Deno.mkdir(`${root}/float`);
    for (const f of ["model.json", "weights.bin", "metrics.json"]) {
      await Deno.copyFile(`${SHIPPED}/${f}`, `${root}/float/${f}`);
    }
    const before = tf.memory().numTensors;
    const float = await read(`${root}/float`);
    for (const format of ["tfjs-uint8", "tfjs-float16"]) {
      await captureLog(() =>
        main(["--model", SHIPPED, "--format", format, "--out", `${root}/${format}`])
      );
      const quantised = await read(`${root}/${format}`);
      assertEquals(
        quantised.map((r) => [r.file, r.digit, r.number]),
        float.map((r) => [r.file, r.digit, r.number]),
      );
      quantised.forEach((r, i) => {
        const [q, f] = [r.confidence, float[i].confidence];
        if (q != null && f != null) {
          assert(
            Math.abs(q - f) < 0.01,
            `${r.file}: ${q} vs ${f}`,
          );
        }
      });
    }
    assertEquals(tf.memory().numTensors, before);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
