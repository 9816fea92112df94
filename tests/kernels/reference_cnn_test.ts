import { assert, assertEquals } from "@std/assert";
import { setupBackend } from "../../lib/backend.ts";
import { buildReferenceCnn } from "../../lib/kernels/reference_cnn.ts";
import { liveCounts, maxAbsDiff } from "./_compare.ts";

Deno.test("buildReferenceCnn has the reference layers and 34,826 parameters", async () => {
  await setupBackend();
  const before = liveCounts();
  const model = buildReferenceCnn({ dropout: 0.25 });
  assertEquals(model.countParams(), 34826);
  assertEquals(model.outputs[0].shape, [null, 10]);
  assertEquals(
    model.layers.map((l) => l.getClassName()),
    ["Conv2D", "MaxPooling2D", "Conv2D", "MaxPooling2D", "Flatten", "Dropout", "Dense"],
  );
  assertEquals(model.layers[5].getConfig().rate, 0.25);
  model.dispose();
  assertEquals(liveCounts(), before);
});

Deno.test("buildReferenceCnn weights depend on the seed only", async () => {
  await setupBackend();
  const before = liveCounts();
  const kernels = [1, 1, 2].map((seed) => {
    const model = buildReferenceCnn({ seed });
    const w = model.getWeights()[0].dataSync().slice();
    model.dispose();
    return w;
  });
  assertEquals(maxAbsDiff(kernels[0], kernels[1]), 0);
  assert(maxAbsDiff(kernels[0], kernels[2]) > 0);
  assertEquals(liveCounts(), before);
});
