import { assertEquals, assertRejects } from "@std/assert";
import { join } from "@std/path";
import { ModelLoadError } from "../../lib/core/errors.ts";
import { describeModel, lastFineTune, modelSummary } from "../../lib/web/model_info.ts";

/** SHA-256 of `bytes` as lower-case hex, computed here independently of modelIdOf. */
async function sha256(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes.slice()));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** A `finetune` entry as `deno task finetune` records it (the fields the page reads). */
function run(installed: boolean, trained: number, at: string) {
  const trained_ids = Array.from({ length: trained }, (_, i) => i + 1);
  return {
    created_at: at,
    installed,
    corrections: { count: trained + 1, trained_ids, held_out_ids: [trained + 1] },
  };
}

Deno.test("describeModel: the weights' SHA-256, and the last fine-tuning from metrics.json", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const weights = Uint8Array.from({ length: 1000 }, (_, i) => (i * 7) % 256);
    await Deno.writeFile(join(dir, "weights.bin"), weights);
    const plain = await describeModel(dir);
    assertEquals(plain.id, await sha256(weights));
    assertEquals([plain.finetune, plain.summary], [null, `${dir} (${plain.id.slice(0, 12)})`]);

    await Deno.writeTextFile(
      join(dir, "metrics.json"),
      JSON.stringify({
        test_accuracy: 0.99,
        finetune: [
          run(true, 3, "2026-12-01T09:00:00.000Z"),
          run(true, 40, "2026-12-03T17:45:10.000Z"),
          run(false, 41, "2026-12-04T08:00:00.000Z"),
        ],
      }),
    );
    const tuned = await describeModel(dir);
    assertEquals(tuned.finetune, { corrections: 40, at: "2026-12-03T17:45:10.000Z" });
    assertEquals(
      tuned.summary,
      `${dir} (${tuned.id.slice(0, 12)}), fine-tuned on 40 corrections at 2026-12-03 17:45 UTC`,
    );

    await Deno.writeTextFile(join(dir, "metrics.json"), "{ not json");
    await assertRejects(() => describeModel(dir), ModelLoadError, "metrics.json");
    await Deno.remove(join(dir, "weights.bin"));
    await assertRejects(() => describeModel(dir), ModelLoadError, "weights.bin");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("lastFineTune: the last installed run's trained corrections; skips what it cannot read", () => {
  assertEquals(lastFineTune(undefined), null);
  assertEquals(lastFineTune([1, 2]), null);
  assertEquals(lastFineTune({ finetune: "yes" }), null);
  assertEquals(lastFineTune({ finetune: [{ installed: true, note: "no corrections" }] }), null);
  const { created_at: _, ...timeless } = run(true, 2, "");
  assertEquals(lastFineTune({ finetune: [timeless, "junk"] }), { corrections: 2, at: null });
  assertEquals(lastFineTune({ finetune: [run(false, 5, "t")] }), null);
});

Deno.test("modelSummary: one correction is singular; a time that is no date is shown as given", () => {
  const id = "cd".repeat(32);
  assertEquals(
    modelSummary("m", id, { corrections: 1, at: null }),
    "m (cdcdcdcdcdcd), fine-tuned on 1 correction",
  );
  assertEquals(
    modelSummary("m", id, { corrections: 2, at: "yesterday" }),
    "m (cdcdcdcdcdcd), fine-tuned on 2 corrections at yesterday",
  );
});
