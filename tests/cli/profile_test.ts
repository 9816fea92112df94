import { captureLog } from "../_helpers/cli.ts";
import * as tf from "@tensorflow/tfjs";
import { assert, assertEquals, assertRejects, assertStringIncludes } from "@std/assert";
import { setupBackend } from "../../lib/kernels/backend.ts";
import { main } from "../../lib/cli/profile.ts";
import { InvalidArgumentError } from "../../lib/core/errors.ts";

Deno.test("profile: prints the kernel table of a reference training step", async () => {
  await setupBackend();
  const before = tf.memory().numTensors;
  const out = await captureLog(() => main(["--batch-size", "4", "--steps", "1", "--threads", "2"]));
  assertEquals(tf.memory().numTensors, before);
  assertStringIncludes(out, "model reference, backend wasm, batch 4, 1 step(s)");
  assertStringIncludes(out, "samples/s");
  assertStringIncludes(out, "data-parallel step on 2 threads");
});

Deno.test("profile: --json on the strong model lists its batch-norm kernels", async () => {
  await setupBackend();
  const before = tf.memory().numTensors;
  const out = await captureLog(() =>
    main(["--model", "strong", "--batch-size", "4", "--steps", "1", "--json"])
  );
  assertEquals(tf.memory().numTensors, before);
  const profile = JSON.parse(out);
  assertEquals([profile.model, profile.batchSize, profile.steps], ["strong", 4, 1]);
  // Batch normalisation trains data-parallel too, on the machine's cores.
  if (navigator.hardwareConcurrency > 1) assert(profile.parallel !== undefined);
  // Its passes are our one-pass kernels (the normalisation and the input's gradient).
  const names: string[] = profile.kernels.map((k: { name: string }) => k.name);
  for (const kernel of ["DigitLabChannelAffine", "DigitLabBatchNormGradInput"]) {
    assert(names.includes(kernel), names.join());
  }
  assert(profile.stepMs > 0 && profile.samplesPerSecond > 0);
});

Deno.test("profile: rejects a bad model, count or option naming it", async () => {
  await assertRejects(() => main(["--model", "huge"]), InvalidArgumentError, '"huge"');
  await assertRejects(() => main(["--steps", "0"]), InvalidArgumentError, "--steps");
  await assertRejects(() => main(["--batch-size", "x"]), InvalidArgumentError, '"x"');
  await assertRejects(() => main(["--threads", "0"]), InvalidArgumentError, "--threads");
  await assertRejects(() => main(["--verbose"]), InvalidArgumentError, "--verbose");
});
