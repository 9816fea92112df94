import { captureLog } from "../_helpers/cli.ts";
import { assert, assertEquals, assertRejects, assertStringIncludes } from "@std/assert";
import { main } from "../../lib/cli/bench_drift.ts";
import { InvalidArgumentError } from "../../lib/core/errors.ts";

Deno.test("bench:drift: prints the drift table and its JSON for the reference CNN", async () => {
  const out = await captureLog(() =>
    main(["--model", "reference", "--steps", "1,2", "--batch-size", "16"])
  );
  assertStringIncludes(out, "model reference, seed 42, batch 16");
  assertStringIncludes(out, "1 thread, one-ulp nudge");
  const json = JSON.parse(out.trim().split("\n").at(-1)!);
  assertEquals([json.model, json.threads, json.points.length], ["reference", 2, 2]);
  for (const p of json.points) assert(p.oneUlp > 0 && p.threads >= 0, JSON.stringify(p));
});

Deno.test("bench:drift: rejects bad steps, threads and models, naming them", async () => {
  await assertRejects(() => main(["--steps", "1,x"]), InvalidArgumentError, '"1,x"');
  await assertRejects(() => main(["--steps", "4,4"]), InvalidArgumentError, '"4,4"');
  await assertRejects(() => main(["--threads", "1"]), InvalidArgumentError, "--threads");
  await assertRejects(() => main(["--model", "huge"]), InvalidArgumentError, '"huge"');
});
