import { assertEquals, assertThrows } from "@std/assert";
import * as tf from "@tensorflow/tfjs";
import { setupBackend } from "../../lib/kernels/backend.ts";
import { ModelLoadError } from "../../lib/core/errors.ts";
import { buildModel, MODEL_CONFIGS, type ModelConfig } from "../../lib/model/architecture.ts";
import { checkTopology } from "../../lib/model/topology_check.ts";

await setupBackend();

function topologyOf(model: tf.LayersModel): Record<string, unknown> {
  return JSON.parse(JSON.stringify(model.toJSON(undefined, false)));
}

const WITH_GLOBAL_POOL: ModelConfig = {
  inputShape: [12, 12, 2],
  layers: [
    { type: "conv2d", filters: 3, kernelSize: [3, 2], strides: 2, padding: "same" },
    { type: "maxPool2d", poolSize: 2, strides: 1 },
    { type: "batchNorm" },
    { type: "globalAveragePool2d" },
  ],
  numClasses: 4,
};

Deno.test("checkTopology gives the weights TensorFlow.js builds, for every builder architecture", () => {
  for (const config of [...Object.values(MODEL_CONFIGS), WITH_GLOBAL_POOL]) {
    const model = buildModel(config, { seed: 1 });
    const checked = checkTopology(topologyOf(model));
    const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);
    assertEquals(
      checked.weights.sort(byName),
      model.weights.map((w) => ({ name: w.originalName, shape: w.shape })).sort(byName),
    );
    assertEquals(checked.params, model.countParams());
    assertEquals(checked.inputShape, config.inputShape);
    model.dispose();
  }
});

Deno.test("checkTopology names the field and value it refuses", () => {
  const model = buildModel(MODEL_CONFIGS.strong, { seed: 1 });
  const topology = topologyOf(model);
  model.dispose();
  // deno-lint-ignore no-explicit-any
  const edit = (f: (layers: any[]) => void) => {
    const copy = structuredClone(topology);
    // deno-lint-ignore no-explicit-any
    f((copy as any).config.layers);
    return copy;
  };
  const cases: [unknown, string][] = [
    [{ class_name: "Model", config: {} }, `modelTopology.class_name = "Model" is not "Sequential"`],
    [edit((l) => l.length = 0), "config.layers = [] must be a non-empty list"],
    [edit((l) => l[1].config.filters = 1e6), "layers[1].config.filters = 1000000 exceeds 65536"],
    [edit((l) => l[1].config.strides = [0, 1]), "layers[1].config.strides = [0,1] is less than 1"],
    [
      edit((l) => l[1].config.dilation_rate = [2, 2]),
      "layers[1].config.dilation_rate = [2,2] exceeds 1",
    ],
    [edit((l) => l[2].config.epsilon = "."), `layers[2].config.epsilon = "." must be a number`],
    [edit((l) => l[6].config.rate = 1), "layers[6].config.rate = 1 must be in [0, 1)"],
    [
      edit((l) => l[5].config.pool_size = [99, 99]),
      "layers[5].config.pool_size = [99,99] is larger than its 24x24 input",
    ],
    [edit((l) => l[14].config.units = -3), "layers[14].config.units = -3 is less than 1"],
    [
      edit((l) => l[14].config.kernel_initializer = { class_name: "Orthogonal", config: {} }),
      "kernel_initializer.class_name",
    ],
    [edit((l) => l[14].config.kernel_initializer.config.scale = null), ""],
    [edit((l) => l[3].config.name = l[1].config.name), "is the name of an earlier layer"],
    [edit((l) => l[3].config.batch_input_shape = [null, 3]), "is allowed only on the first layer"],
    [edit((l) => l.splice(13, 1)), 'layers[13] input = "[4,4,64]" is not a flat input'],
    [edit((l) => l[0].config.batch_input_shape = [null, 4096, 4096, 4]), "more than 16777216"],
  ];
  for (const [bad, message] of cases) {
    if (message === "") {
      checkTopology(bad); // a null initialiser setting is accepted
      continue;
    }
    assertThrows(() => checkTopology(bad), ModelLoadError, message);
  }
});
