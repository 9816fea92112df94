import * as tf from "@tensorflow/tfjs";
import { assert, assertEquals } from "@std/assert";
import { setupBackend } from "../../lib/kernels/backend.ts";

Deno.test("setupBackend: WASM with SIMD, idempotent, training kernels registered", async () => {
  const info = await setupBackend();
  assertEquals(info.backend, "wasm");
  assertEquals(tf.getBackend(), "wasm");
  assertEquals(info.simd, true);
  assert(info.threads >= 1);
  assertEquals(info.tfjsVersion, "4.22.0");
  const again = await setupBackend();
  assertEquals(again, info);
  assert(
    tf.getKernel("Conv2DBackpropFilter", "wasm") !== undefined,
    "Conv2DBackpropFilter missing",
  );
});

Deno.test("setupBackend silences tfjs's node-backend banner, also for the cpu backend", async () => {
  // In a fresh process: the banner is printed once per process, on the cpu backend's first tensor.
  const backend = new URL("../../lib/kernels/backend.ts", import.meta.url).href;
  const script = `
    import * as tf from "@tensorflow/tfjs";
    import { setupBackend } from "${backend}";
    await setupBackend();
    await tf.setBackend("cpu");
    console.log(tf.tensor([1, 2]).add(1).dataSync().join(","));
  `;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", script],
    cwd: new URL("../..", import.meta.url),
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  assertEquals(out.code, 0, text);
  assertEquals(text.includes("looks like you are running TensorFlow.js in Node.js"), false, text);
  assertEquals(text.trim(), "2,3");
});
