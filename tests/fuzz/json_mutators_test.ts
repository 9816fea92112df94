import { assert, assertEquals } from "@std/assert";
import { createRng } from "../../lib/core/mod.ts";
import { type Json, jsonPaths, mutateJson } from "../../lib/fuzz/json_mutators.ts";

const model: Json = {
  modelTopology: { config: { layers: [{ class_name: "Dense", config: { units: 128 } }] } },
  weightsManifest: [{ paths: ["weights.bin"], weights: [{ name: "k", shape: [3, 2] }] }],
};

Deno.test("mutateJson keeps valid JSON, changes it, and is seeded", () => {
  const text = JSON.stringify(model);
  const outs = Array.from(
    { length: 300 },
    (_, i) => JSON.stringify(mutateJson(createRng(i), model)),
  );
  assertEquals(JSON.stringify(model), text); // untouched
  assert(outs.every((o) => o !== text));
  assert(outs.every((o) => JSON.parse(o) !== undefined));
  assertEquals(JSON.stringify(mutateJson(createRng(3), model)), outs[3]);
});

Deno.test("mutateJson reaches numbers deep inside: units, shapes", () => {
  const outs = Array.from({ length: 300 }, (_, i) => mutateJson(createRng(i), model));
  const units = (j: Json) =>
    // deno-lint-ignore no-explicit-any
    (j as any)?.modelTopology?.config?.layers?.[0]?.config?.units;
  assert(outs.some((o) => units(o) !== 128 && units(o) !== undefined), "units never changed");
  assert(outs.some((o) => typeof units(o) === "string"), "units never became a string");
});

Deno.test("jsonPaths lists every value once", () => {
  assertEquals(jsonPaths([1, { a: null }]), [[], [0], [1], [1, "a"]]);
});
