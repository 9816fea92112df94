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
