import { assert, assertEquals, assertRejects } from "@std/assert";
import { ImageError } from "../../lib/core/mod.ts";
import type { FuzzTarget } from "../../lib/fuzz/mod.ts";
import { failureCount, fuzzTargets } from "../../lib/fuzz/mod.ts";

/** A target whose parser does what `behave` says with input `i` (its first byte). */
function fake(name: string, behave: (i: number) => Promise<void>): FuzzTarget {
  return {
    name,
    generate: (rng) => Promise.resolve(new Uint8Array([Math.floor(rng() * 256)])),
    async run(input) {
      await behave(input[0]);
      return { kind: "accepted" };
    },
    close: () => Promise.resolve(),
  };
}

Deno.test("fuzzTargets counts typed and untyped errors by class and saves the untyped inputs", async () => {
  const dir = await Deno.makeTempDir();
  const target = fake("t", (i) => {
    if (i % 3 === 0) throw new ImageError("typed");
    if (i % 3 === 1) throw new TypeError("x is undefined");
    return Promise.resolve();
  });
  const [r] = await fuzzTargets([target], { count: 60, failureDir: dir });
  assertEquals(r.inputs, 60);
  assertEquals(r.accepted + (r.typed.ImageError ?? 0) + (r.untyped.TypeError ?? 0), 60);
  assert(r.untyped.TypeError > 0);
  assertEquals(failureCount([r]), r.untyped.TypeError);
  const saved = [...Deno.readDirSync(dir)].map((e) => e.name);
  assertEquals(saved.length, r.untyped.TypeError);
  assert(saved.every((n) => /^t-\d+-untyped\.bin$/.test(n)), saved.join());
  await Deno.remove(dir, { recursive: true });
});

Deno.test("fuzzTargets: an input that never finishes is a hang, and the run goes on", async () => {
  const dir = await Deno.makeTempDir();
  const target = fake("h", (i) => i < 40 ? new Promise(() => {}) : Promise.resolve());
  const seen: number[] = [];
  const wrapped: FuzzTarget = {
    ...target,
    run: (input, signal) => {
      signal.addEventListener("abort", () => seen.push(input[0]));
      return target.run(input, signal);
    },
  };
  const [r] = await fuzzTargets([wrapped], { count: 8, hangMs: 50, failureDir: dir });
  assertEquals(r.inputs, 8);
  assert(r.hangs > 0);
  assertEquals(seen.length, r.hangs); // each hung input's signal was aborted
  assertEquals(r.failures.filter((f) => f.kind === "hang").length, r.hangs);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("fuzzTargets: the same seed gives the same inputs", async () => {
  const inputs: number[][] = [[], []];
  for (const k of [0, 1]) {
    const target = fake("s", (i) => (inputs[k].push(i), Promise.resolve()));
    await fuzzTargets([target], { count: 30, seed: 5, failureDir: "/nonexistent" });
  }
  assertEquals(inputs[0], inputs[1]);
});

Deno.test("fuzzTargets refuses a negative count", async () => {
  await assertRejects(() => fuzzTargets([], { count: -1 }), Error, "got -1");
});
