import { assertEquals, assertThrows } from "@std/assert";
import { InvalidArgumentError } from "../../lib/core/errors.ts";
import { dataPath } from "../../lib/core/paths.ts";
import { notebookSettings } from "../../lib/notebook/settings.ts";
import { env } from "./_datasets.ts";

Deno.test("notebookSettings: full runs by default, quick mode from DIGIT_LAB_QUICK", () => {
  const full = notebookSettings({ env: env({}) });
  assertEquals(full, {
    quick: false,
    data: undefined,
    limit: undefined,
    epochs: 8,
    batchSize: 128,
    seed: 42,
    validation: 0.1,
    modelDir: dataPath("models", "notebook"),
  });
  const quick = notebookSettings({
    env: env({ DIGIT_LAB_QUICK: "1", DIGIT_LAB_NOTEBOOK_MODEL: "/m" }),
  });
  assertEquals([quick.quick, quick.limit, quick.epochs, quick.batchSize, quick.modelDir], [
    true,
    2000,
    1,
    32,
    "/m",
  ]);
  assertEquals(notebookSettings({ env: env({ DIGIT_LAB_QUICK: "TRUE" }) }).quick, true);
  assertEquals(notebookSettings({ env: env({ DIGIT_LAB_QUICK: "0" }) }).quick, false);
  const idx = notebookSettings({ env: env({ DIGIT_LAB_DATA: "/data/mnist" }) });
  assertEquals([idx.data, idx.epochs], ["/data/mnist", 3]);
  assertThrows(
    () => notebookSettings({ env: env({ DIGIT_LAB_QUICK: "yes" }) }),
    InvalidArgumentError,
    '"yes"',
  );
});
