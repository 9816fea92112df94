/**
 * The short seeded fuzz run of `deno task test`: every target, 150 inputs
 * each, against the parsers as they are. Untyped errors, hangs and memory
 * blow-ups fail it, naming the saved input.
 */

import { assertEquals } from "@std/assert";
import { createClassifier } from "../../lib/eval/mod.ts";
import {
  createTarget,
  formatFuzzReport,
  fuzzTargets,
  TARGET_NAMES,
  type TargetReport,
  TINY_MODEL,
} from "../../lib/fuzz/mod.ts";
import { setupBackend } from "../../lib/kernels/mod.ts";
import { buildModel } from "../../lib/model/mod.ts";
import { startServer } from "../../lib/web/mod.ts";

const COUNT = 150;
const SEED = 14;

async function shortRun(): Promise<TargetReport[]> {
  await setupBackend();
  const model = buildModel(TINY_MODEL, { seed: 1 });
  const server = startServer({ classify: createClassifier(model), port: 0 });
  const failureDir = await Deno.makeTempDir({ prefix: "digit-lab-fuzz-failures-" });
  const targets = [];
  try {
    for (const name of TARGET_NAMES) {
      // Small bombs, more often: the short run still meets them, cheaply.
      targets.push(
        await createTarget(name, { httpPort: server.port, bombBytes: 8 << 20, bombChance: 1 / 50 }),
      );
    }
    return await fuzzTargets(targets, { count: COUNT, seed: SEED, failureDir });
  } finally {
    for (const t of targets) await t.close();
    await server.shutdown();
    model.dispose();
    // Failing inputs are kept for the failure message; a clean run leaves nothing.
    if ([...Deno.readDirSync(failureDir)].length === 0) await Deno.remove(failureDir);
  }
}

let reports: TargetReport[] | undefined;
const run = async () => reports ??= await shortRun();

Deno.test("fuzz, short seeded run: every target, no untyped error, no hang, no memory blow-up", async () => {
  const all = await run();
  const text = formatFuzzReport(all);
  assertEquals(all.map((r) => r.target), [...TARGET_NAMES]);
  for (const r of all) {
    assertEquals(r.inputs, COUNT, text);
    assertEquals([r.target, r.untyped, r.hangs, r.rssOverLimit], [r.target, {}, 0, 0], text);
  }
});

Deno.test("fuzz, short seeded run: a model that loads predicts finite values", async () => {
  const all = await run();
  for (const r of all) assertEquals([r.target, r.silent], [r.target, {}], formatFuzzReport(all));
});
