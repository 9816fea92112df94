import { assert, assertEquals, assertRejects } from "@std/assert";
import { InvalidArgumentError } from "../../lib/core/errors.ts";
import { SCENE_KINDS } from "../../lib/eval/external_scenes.ts";
import { scoreExternalSet } from "../../lib/eval/external_score.ts";
import { templateClassify } from "../image/_templates.ts";
import { smallSet } from "./_external_set.ts";

Deno.test("scoring with a template classifier: ours reads every kind, naive fails off-centre", async () => {
  const score = await scoreExternalSet(await smallSet(), templateClassify);
  assertEquals(score.kinds.map((k) => k.kind), [...SCENE_KINDS]);
  for (const k of score.kinds) {
    assertEquals(k.count, 6);
    assert(k.ours >= 5 / 6, `${k.kind}: ours ${k.ours}`);
  }
  const offset = score.kinds.find((k) => k.kind === "offset")!;
  assert(offset.naive < offset.ours, `offset: naive ${offset.naive}, ours ${offset.ours}`);
  assertEquals(score.overall.count, 30);
  assert(score.mnist >= 5 / 6, `source digits as they are: ${score.mnist}`);
  const mean = score.kinds.reduce((s, k) => s + k.ours, 0) / score.kinds.length;
  assert(Math.abs(score.overall.ours - mean) < 1e-9, "equal counts: overall is the mean");
  assertEquals(score.numbers.count, 4);
  // Every number is cut into the right count of digits; the template
  // classifier, a crude reader, reads half of them exactly (it takes the
  // last 2 of 8232 for a 3, and the 0 of 08347 for a 6).
  assertEquals(
    score.numbers.rightLength,
    1,
    `numbers of the right length ${score.numbers.rightLength}`,
  );
  assert(score.numbers.exact >= 0.5, `numbers exact ${score.numbers.exact}`);
});

Deno.test("scoring counts exactly: a classifier that always says d scores the share of ds", async () => {
  const set = await smallSet();
  const d = set.digits[0].label;
  const always = () => Array.from({ length: 10 }, (_, i) => i === d ? 1 : 0);
  const score = await scoreExternalSet(set, always);
  const share = set.digits.filter((s) => s.kind === "drawn" && s.label === d).length / 6;
  assert(share > 0 && share < 1, `share of ${d}s ${share}`);
  for (const k of score.kinds) {
    assertEquals(k.naive, share, `${k.kind} naive`);
    assertEquals(score.mnist, share);
    assert(k.ours <= share && k.ours >= share - k.noDigit, `${k.kind} ours ${k.ours}`);
  }
  const allD = set.numbers.filter((n) => [...n.text].every((c) => c === String(d))).length;
  assert(score.numbers.exact <= allD / set.numbers.length);
  let progress = 0;
  await scoreExternalSet(set, always, { onProgress: (done) => progress = done });
  assertEquals(progress, set.digits.length + set.numbers.length);
  await assertRejects(
    () => scoreExternalSet(set, () => [1, 0]),
    InvalidArgumentError,
    "10 probabilities, got 2",
  );
});
