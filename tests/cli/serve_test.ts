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
import { DigitLabError, InvalidArgumentError, ModelLoadError } from "../../lib/core/errors.ts";
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
    const { url, done } = serve(["--model", join(root, "m"), "--port", "0"], stop.signal);
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
    stop.abort();
    assertEquals(await done, 0);
    assertEquals(tf.memory().numTensors, before);
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
      () => main(["--model", join(root, "m"), "--port", port]),
      DigitLabError,
      `port ${port} is already in use`,
    );
    assertEquals(tf.memory().numTensors, before);
  } finally {
    taken.close();
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("serve: bad options are rejected naming them", async () => {
  await assertRejects(() => main(["--port", "70000"]), InvalidArgumentError, "--port");
  await assertRejects(() => main(["--port", "x"]), InvalidArgumentError, '"x"');
  await assertRejects(() => main(["--verbose"]), InvalidArgumentError, "--verbose");
  await assertRejects(() => main(["model"]), InvalidArgumentError, "model");
  await assertRejects(() => main(["--host="]), InvalidArgumentError, "--host");
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
