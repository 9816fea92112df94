import { assert, assertEquals, assertThrows } from "@std/assert";
import { InvalidArgumentError } from "../../lib/core/errors.ts";
import { type ClassifyBatch, createBatcher } from "../../lib/web/batcher.ts";

/** An input whose every value is `v`. */
const input = (v: number, size = 4) => new Float32Array(size).fill(v);

/** A batch classifier answering each input's first value 10 times, and the batch sizes seen. */
function echo(): { classifyBatch: ClassifyBatch; batches: number[][] } {
  const batches: number[][] = [];
  return {
    batches,
    classifyBatch: (inputs) => {
      batches.push(inputs.map((x) => x[0]));
      return inputs.map((x) => new Array(10).fill(x[0]));
    },
  };
}

Deno.test("createBatcher: concurrent requests share one batch, each gets its own row", async () => {
  const model = echo();
  const classify = createBatcher({ ...model, inputSize: 4 });
  const answers = await Promise.all([3, 1, 4, 1, 5].map((v) => classify(input(v))));
  assertEquals(answers.map((a) => a[0]), [3, 1, 4, 1, 5]);
  assertEquals(answers.map((a) => a.length), [10, 10, 10, 10, 10]);
  assertEquals(model.batches, [[3, 1, 4, 1, 5]]);
});

Deno.test("createBatcher: a batch holds at most maxBatch inputs, in arrival order", async () => {
  const model = echo();
  const classify = createBatcher({ ...model, inputSize: 4, maxBatch: 4 });
  const values = Array.from({ length: 10 }, (_, i) => i);
  const answers = await Promise.all(values.map((v) => classify(input(v))));
  assertEquals(answers.map((a) => a[0]), values);
  assertEquals(model.batches, [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]);
});

Deno.test("createBatcher: requests arriving while a batch runs make the next batch", async () => {
  const batches: number[][] = [];
  let release!: () => void;
  const gate = new Promise<void>((resolve) => release = resolve);
  let started!: () => void;
  const running = new Promise<void>((resolve) => started = resolve);
  const classify = createBatcher({
    inputSize: 4,
    classifyBatch: async (inputs) => {
      batches.push(inputs.map((x) => x[0]));
      if (batches.length === 1) {
        started();
        await gate;
      }
      return inputs.map((x) => new Array(10).fill(x[0]));
    },
  });
  const first = classify(input(1));
  await running;
  const later = [2, 3, 4].map((v) => classify(input(v)));
  release();
  const answers = await Promise.all([first, ...later]);
  assertEquals(answers.map((a) => a[0]), [1, 2, 3, 4]);
  assertEquals(batches, [[1], [2, 3, 4]]);
});

Deno.test("createBatcher: a lone request is answered on its own, without waiting for company", async () => {
  const model = echo();
  const classify = createBatcher({ ...model, inputSize: 4, waitMs: 1 });
  let timedOut = false;
  const timer = setTimeout(() => timedOut = true, 1000);
  const answer = await classify(input(7));
  clearTimeout(timer);
  assert(!timedOut, "a lone request waited for a second");
  assertEquals([answer[0], model.batches], [7, [[7]]]);
});

Deno.test("createBatcher: a wrong-sized input fails alone, before it reaches the model", async () => {
  const model = echo();
  const classify = createBatcher({ ...model, inputSize: 4 });
  const results = await Promise.allSettled([
    classify(input(1)),
    classify(input(2, 5)),
    classify(input(3)),
  ]);
  assertEquals(results.map((r) => r.status), ["fulfilled", "rejected", "fulfilled"]);
  const reason = (results[1] as PromiseRejectedResult).reason;
  assert(reason instanceof InvalidArgumentError);
  assertEquals(reason.message, "the model takes 4 values, got 5");
  assertEquals(model.batches, [[1, 3]]);
});

Deno.test("createBatcher: a batch that fails is retried one by one, so errors stay with their request", async () => {
  const batches: number[][] = [];
  const classify = createBatcher({
    inputSize: 4,
    classifyBatch: (inputs) => {
      batches.push(inputs.map((x) => x[0]));
      if (inputs.some((x) => x[0] < 0)) throw new RangeError(`negative ink ${inputs.length}`);
      return inputs.map((x) => new Array(10).fill(x[0]));
    },
  });
  const results = await Promise.allSettled([1, -1, 2].map((v) => classify(input(v))));
  assertEquals(results.map((r) => r.status), ["fulfilled", "rejected", "fulfilled"]);
  assertEquals((results[0] as PromiseFulfilledResult<ArrayLike<number>>).value[0], 1);
  assertEquals((results[2] as PromiseFulfilledResult<ArrayLike<number>>).value[0], 2);
  const reason = (results[1] as PromiseRejectedResult).reason;
  assert(reason instanceof RangeError);
  assertEquals(reason.message, "negative ink 1");
  assertEquals(batches, [[1, -1, 2], [1], [-1], [2]]);
  // and the batcher goes on working
  assertEquals((await classify(input(5)))[0], 5);
});

Deno.test("createBatcher: a model answering the wrong number of rows is an error for each request", async () => {
  const classify = createBatcher({ inputSize: 4, classifyBatch: () => [] });
  const results = await Promise.allSettled([classify(input(1)), classify(input(2))]);
  for (const r of results) {
    assertEquals(r.status, "rejected");
    const reason = (r as PromiseRejectedResult).reason;
    assert(reason instanceof InvalidArgumentError);
    assertEquals(reason.message, "classifyBatch must return one row per input, got 0 for 1");
  }
});

Deno.test("createBatcher: bad options are refused naming the value", () => {
  const { classifyBatch } = echo();
  assertThrows(
    () => createBatcher({ classifyBatch, maxBatch: 0 }),
    InvalidArgumentError,
    "maxBatch must be a positive integer, got 0",
  );
  assertThrows(
    () => createBatcher({ classifyBatch, waitMs: -1 }),
    InvalidArgumentError,
    "waitMs must be a number of milliseconds from 0 to 1000, got -1",
  );
  assertThrows(
    () => createBatcher({ classifyBatch, inputSize: 1.5 }),
    InvalidArgumentError,
    "inputSize must be a positive integer, got 1.5",
  );
});
