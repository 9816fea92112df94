import { stubMetrics } from "../_helpers/cli.ts";
import * as tf from "@tensorflow/tfjs";
import {
  assert,
  assertAlmostEquals,
  assertEquals,
  assertRejects,
  assertStringIncludes,
} from "@std/assert";
import { join } from "@std/path";
import { setupBackend } from "../../lib/kernels/backend.ts";
import { chooseModelDir, main } from "../../lib/cli/serve.ts";
import {
  DataFormatError,
  DigitLabError,
  InvalidArgumentError,
  ModelLoadError,
} from "../../lib/core/errors.ts";
import { CorrectionStore } from "../../lib/feedback/store.ts";
import { modelIdOf } from "../../lib/feedback/model_id.ts";
import { encodePng } from "../../lib/image/encode.ts";
import { drawDigit, inkToGray } from "../../lib/image/synth/scenes.ts";
import { saveModel } from "../../lib/model/save_load.ts";

const METRICS = stubMetrics();

/** What the saved model answers for any input: 4 at 60 %, 9 at 40 %. */
const ANSWER = [0, 0, 0, 0, 0.6, 0, 0, 0, 0, 0.4];

/** Saves a model whose output ignores its input and is always {@link ANSWER}. */
async function saveFixedModel(dir: string): Promise<void> {
  await setupBackend();
  const model = tf.sequential({
    layers: [
      tf.layers.flatten({ inputShape: [28, 28, 1] }),
      tf.layers.dense({ units: 10, activation: "softmax" }),
    ],
  });
  tf.tidy(() => {
    const bias = ANSWER.map((p) => (p > 0 ? Math.log(p) : -30));
    model.layers[1].setWeights([tf.zeros([784, 10]), tf.tensor1d(bias)]);
  });
  await saveModel(model, dir, METRICS);
  model.dispose();
}

/** Runs `main` and resolves with the URL it prints, and its exit code later. */
function serve(
  args: string[],
  signal: AbortSignal,
): { url: Promise<string>; done: Promise<number> } {
  const log = console.log;
  let found: (url: string) => void;
  const url = new Promise<string>((resolve) => found = resolve);
  console.log = (...parts: unknown[]) => {
    const m = parts.join(" ").match(/http:\/\/\S+\//);
    if (m) found(m[0]);
  };
  const done = main(args, { signal }).finally(() => console.log = log);
  return { url: Promise.race([url, done.then(() => "")]), done };
}

Deno.test("serve: serves the page and the model from --model until aborted", async () => {
  const root = await Deno.makeTempDir();
  const stop = new AbortController();
  try {
    await saveFixedModel(join(root, "m"));
    const before = tf.memory().numTensors;
    const args = ["--model", join(root, "m"), "--port", "0", "--feedback", join(root, "fb")];
    const { url, done } = serve(args, stop.signal);
    const base = await url;
    assert(base.startsWith("http://127.0.0.1:"), base);
    const page = await fetch(base);
    assertEquals(page.status, 200);
    assertStringIncludes(await page.text(), "<canvas");
    const png = await encodePng(inkToGray(drawDigit(5, { size: 64 })));
    const res = await fetch(base + "api/predict", { method: "POST", body: png.slice() });
    const body = await res.json();
    assertEquals([res.status, body.digit, body.top3[1].digit], [200, 4, 9]);
    body.probabilities.forEach((p: number, i: number) => assertAlmostEquals(p, ANSWER[i], 1e-6));
    assertEquals([body.status, body.hint], ["ok", null]);

    // the model's identity and the store's count, then a correction through the page's API
    const id = await modelIdOf(join(root, "m"));
    const info = await (await fetch(base + "api/info")).json();
    assertEquals([info.model.id, info.model.dir, info.corrections.count], [id, join(root, "m"), 0]);
    const fix = await fetch(base + "api/corrections?label=5", {
      method: "POST",
      body: png.slice(),
    });
    assertEquals([fix.status, (await fix.json()).message], [201, "recorded correction #1: 4 → 5"]);
    stop.abort();
    assertEquals(await done, 0);
    assertEquals(tf.memory().numTensors, before);
    // the store was closed whole: another process (here a new handle) reads the row
    const store = CorrectionStore.open({ dir: join(root, "fb") });
    try {
      const [row] = store.list();
      assertEquals([store.count(), row.label, row.reading, row.modelId], [1, 5, "4", id]);
    } finally {
      store.close();
    }
  } finally {
    stop.abort();
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("serve: a port in use is an error naming it", async () => {
  const root = await Deno.makeTempDir();
  const taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    await saveFixedModel(join(root, "m"));
    const before = tf.memory().numTensors;
    const port = String(taken.addr.port);
    await assertRejects(
      () => main(["--model", join(root, "m"), "--port", port, "--feedback", join(root, "fb")]),
      DigitLabError,
      `port ${port} is already in use`,
    );
    assertEquals(tf.memory().numTensors, before);
  } finally {
    taken.close();
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("serve: reads with the model's calibration.json, as predict does", async () => {
  const root = await Deno.makeTempDir();
  const stop = new AbortController();
  try {
    await saveFixedModel(join(root, "m"));
    // temperature 2 only: p_i ∝ ANSWER_i^(1/2), so 4 and 9 come closer (0.550 and 0.450)
    await Deno.writeTextFile(
      join(root, "m", "calibration.json"),
      JSON.stringify({ temperature: 2 }),
    );
    const args = ["--model", join(root, "m"), "--port", "0", "--feedback", join(root, "fb")];
    const { url, done } = serve(args, stop.signal);
    const base = await url;
    const png = await encodePng(inkToGray(drawDigit(5, { size: 64 })));
    const res = await fetch(base + "api/predict", { method: "POST", body: png.slice() });
    const body = await res.json();
    const [a, b] = [Math.sqrt(0.6), Math.sqrt(0.4)];
    assertAlmostEquals(body.confidence, a / (a + b), 1e-5);
    assertAlmostEquals(body.probabilities[9], b / (a + b), 1e-5);
    stop.abort();
    assertEquals(await done, 0);
  } finally {
    stop.abort();
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("serve: a --feedback store that cannot be opened is an error naming it", async () => {
  const root = await Deno.makeTempDir();
  try {
    await saveFixedModel(join(root, "m"));
    await Deno.writeTextFile(join(root, "file"), "not a directory");
    const before = tf.memory().numTensors;
    await assertRejects(
      () => main(["--model", join(root, "m"), "--port", "0", "--feedback", join(root, "file")]),
      DataFormatError,
      join(root, "file"),
    );
    assertEquals(tf.memory().numTensors, before, "the model is disposed");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("serve: bad options are rejected naming them", async () => {
  await assertRejects(() => main(["--port", "70000"]), InvalidArgumentError, "--port");
  await assertRejects(() => main(["--port", "x"]), InvalidArgumentError, '"x"');
  await assertRejects(() => main(["--verbose"]), InvalidArgumentError, "--verbose");
  await assertRejects(() => main(["model"]), InvalidArgumentError, "model");
  await assertRejects(() => main(["--host="]), InvalidArgumentError, "--host");
  await assertRejects(() => main(["--feedback"]), InvalidArgumentError, "--feedback");
  await assertRejects(() => main(["--model", "/nonexistent/m"]), ModelLoadError, "/nonexistent/m");
});

Deno.test("serve: --help prints the usage", async () => {
  const log = console.log;
  let out = "";
  console.log = (text: string) => out += text;
  try {
    assertEquals(await main(["--help"]), 0);
  } finally {
    console.log = log;
  }
  assertStringIncludes(out, "Usage: deno task serve");
});

Deno.test("chooseModelDir: --model, else default, else latest with a note", async () => {
  const root = await Deno.makeTempDir();
  try {
    const defaultDir = join(root, "default"), fallbackDir = join(root, "latest");
    const dirs = { defaultDir, fallbackDir };
    await assertRejects(() => chooseModelDir(dirs), ModelLoadError, `neither ${defaultDir} nor`);
    await Deno.mkdir(fallbackDir);
    await Deno.writeTextFile(join(fallbackDir, "model.json"), "{}");
    const fallback = await chooseModelDir(dirs);
    assertEquals(fallback.dir, fallbackDir);
    assertStringIncludes(fallback.note!, `no model in ${defaultDir}`);
    await Deno.mkdir(defaultDir);
    await Deno.writeTextFile(join(defaultDir, "model.json"), "{}");
    assertEquals(await chooseModelDir(dirs), { dir: defaultDir, note: null });
    assertEquals(await chooseModelDir({ ...dirs, model: "/x/y" }), { dir: "/x/y", note: null });
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
