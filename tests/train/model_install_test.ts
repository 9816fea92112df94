import { assertEquals, assertRejects } from "@std/assert";
import { DigitLabError } from "../../lib/core/errors.ts";
import { modelIdOf } from "../../lib/feedback/mod.ts";
import { lockModelDir } from "../../lib/model/mod.ts";
import { installDerivedModel, rewriteModelMetrics } from "../../lib/train/model_install.ts";

async function modelDir(): Promise<{ root: string; dir: string; parentId: string }> {
  const root = await Deno.makeTempDir({ prefix: "install_" });
  const dir = `${root}/m`;
  await Deno.mkdir(dir);
  await Deno.writeTextFile(`${dir}/weights.bin`, "parent");
  await Deno.writeTextFile(`${dir}/metrics.json`, '{"epochs": 8}');
  return { root, dir, parentId: await modelIdOf(dir) };
}

const names = (root: string) => [...Deno.readDirSync(root)].map((e) => e.name).sort();

Deno.test("installDerivedModel: the new directory replaces the parent whole", async () => {
  const { root, dir, parentId } = await modelDir();
  try {
    let staged = "";
    await installDerivedModel(dir, async (staging) => {
      staged = staging;
      await Deno.mkdir(staging);
      await Deno.writeTextFile(`${staging}/weights.bin`, "child");
      await Deno.writeTextFile(`${staging}/calibration.json`, "{}");
      // Until the rename, readers still see the parent.
      assertEquals(await Deno.readTextFile(`${dir}/weights.bin`), "parent");
    }, { parentId });
    assertEquals(staged.startsWith(`${dir}.tmp-${Deno.pid}-`), true);
    assertEquals(names(dir), ["calibration.json", "weights.bin"]);
    assertEquals(await Deno.readTextFile(`${dir}/weights.bin`), "child");
    assertEquals(names(root), ["m"]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("installDerivedModel: a failing write or a changed parent leaves the parent", async () => {
  const { root, dir, parentId } = await modelDir();
  try {
    await assertRejects(
      () =>
        installDerivedModel(dir, async (staging) => {
          await Deno.mkdir(staging);
          await Deno.writeTextFile(`${staging}/weights.bin`, "half");
          throw new Error("disk full");
        }, { parentId }),
      DigitLabError,
      "could not install the new model in",
    );
    assertEquals(await Deno.readTextFile(`${dir}/weights.bin`), "parent");
    assertEquals(names(root), ["m"]);
    // Another save replaced the weights meanwhile: nothing is written at all.
    await Deno.writeTextFile(`${dir}/weights.bin`, "someone else's");
    let called = false;
    await assertRejects(
      () => installDerivedModel(dir, () => Promise.resolve(void (called = true)), { parentId }),
      DigitLabError,
      "changed while it was fine-tuned",
    );
    assertEquals([called, await Deno.readTextFile(`${dir}/weights.bin`)], [
      false,
      "someone else's",
    ]);
    await assertRejects(
      () => rewriteModelMetrics(dir, () => ({}), { parentId }),
      DigitLabError,
      "changed while it was fine-tuned",
    );
    assertEquals(await Deno.readTextFile(`${dir}/metrics.json`), '{"epochs": 8}');
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("installDerivedModel and rewriteModelMetrics wait for a save holding the lock", async () => {
  const { root, dir, parentId } = await modelDir();
  try {
    const lock = await lockModelDir(dir);
    await assertRejects(
      () => rewriteModelMetrics(dir, (m) => ({ ...m }), { parentId, lockTimeoutMs: 30 }),
      DigitLabError,
      "gave up waiting",
    );
    const waiting = rewriteModelMetrics(dir, (m) => ({ ...m, finetune: [1] }), { parentId });
    await new Promise((r) => setTimeout(r, 50));
    assertEquals(await Deno.readTextFile(`${dir}/metrics.json`), '{"epochs": 8}');
    await lock.release();
    await waiting;
    assertEquals(JSON.parse(await Deno.readTextFile(`${dir}/metrics.json`)), {
      epochs: 8,
      finetune: [1],
    });
    assertEquals(names(dir), ["metrics.json", "weights.bin"]);
    // No metrics.json yet: the update gets undefined.
    await Deno.remove(`${dir}/metrics.json`);
    await rewriteModelMetrics(dir, (m) => ({ had: m !== undefined }), { parentId });
    assertEquals(JSON.parse(await Deno.readTextFile(`${dir}/metrics.json`)), { had: false });
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
