import { assertEquals, assertThrows } from "@std/assert";
import { BackendError, InvalidArgumentError } from "../../../lib/core/errors.ts";
import { SharedShardSum } from "../../../lib/train/parallel/shard_sum.ts";

const MODULE = new URL("../../../lib/train/parallel/shard_sum.ts", import.meta.url).href;

/**
 * A worker that, as shard `shard`, sums `rounds` vectors [shard + r, 10 *
 * (shard + r)] (or aborts at round `abortAt`) and posts what it got.
 */
function startShard(
  buffer: SharedArrayBuffer,
  shard: number,
  shards: number,
  rounds: number,
  abortAt = -1,
) {
  const code = `
    import { SharedShardSum } from "${MODULE}";
    self.onmessage = ({ data }) => {
      const sum = new SharedShardSum(data.buffer, { shard: ${shard}, shards: ${shards}, width: 2 });
      sum.begin();
      const got = [];
      try {
        for (let r = 0; r < ${rounds}; r++) {
          if (r === ${abortAt}) { sum.abort(); throw new Error("failed on purpose"); }
          got.push(Array.from(sum.sum(new Float64Array([${shard} + r, 10 * (${shard} + r)]))));
        }
        self.postMessage({ got });
      } catch (e) {
        self.postMessage({ error: e.message });
      }
    };`;
  const worker = new Worker(URL.createObjectURL(new Blob([code], { type: "text/javascript" })), {
    type: "module",
  });
  const answer = new Promise<{ got?: number[][]; error?: string }>((resolve) =>
    worker.onmessage = (e) => {
      worker.terminate();
      resolve(e.data);
    }
  );
  worker.postMessage({ buffer });
  return answer;
}

Deno.test("SharedShardSum: every shard gets the same totals, call after call", async () => {
  const shards = 3, rounds = 50;
  const buffer = SharedShardSum.create({ shards, width: 2 });
  const workers = [1, 2].map((s) => startShard(buffer, s, shards, rounds));
  const own = new SharedShardSum(buffer, { shard: 0, shards, width: 2 });
  own.begin();
  const got: number[][] = [];
  for (let r = 0; r < rounds; r++) got.push(Array.from(own.sum(new Float64Array([r, 10 * r]))));
  const expected = Array.from({ length: rounds }, (_, r) => [3 + 3 * r, 30 + 30 * r]);
  assertEquals(got, expected);
  for (const answer of await Promise.all(workers)) assertEquals(answer.got, expected);
});

Deno.test("SharedShardSum: a shard that aborts fails the others' wait, and reset clears it", async () => {
  const buffer = SharedShardSum.create({ shards: 2, width: 2 });
  const worker = startShard(buffer, 1, 2, 3, 1); // one sum, then it aborts
  const own = new SharedShardSum(buffer, { shard: 0, shards: 2, width: 2 });
  own.begin();
  assertEquals(Array.from(own.sum(new Float64Array([5, 6]))), [6, 16]);
  assertThrows(() => own.sum(new Float64Array([1, 1])), BackendError, "another shard failed");
  assertEquals((await worker).error, "failed on purpose");
  own.reset();
  const again = startShard(buffer, 1, 2, 1);
  own.begin();
  assertEquals(Array.from(own.sum(new Float64Array([1, 2]))), [2, 12]);
  assertEquals((await again).got, [[2, 12]]);
});

Deno.test("SharedShardSum: a shard that never comes times out with an error", () => {
  const buffer = SharedShardSum.create({ shards: 2, width: 1 });
  const own = new SharedShardSum(buffer, { shard: 0, shards: 2, width: 1, timeoutMs: 120 });
  own.begin();
  assertThrows(() => own.sum(new Float64Array([1])), BackendError, "waited 120 ms");
});

Deno.test("SharedShardSum: bad sizes are named", () => {
  assertThrows(() => SharedShardSum.create({ shards: 0, width: 2 }), InvalidArgumentError, "got 0");
  assertThrows(() => SharedShardSum.create({ shards: 2, width: 1.5 }), InvalidArgumentError, "1.5");
  const buffer = SharedShardSum.create({ shards: 2, width: 2 });
  assertThrows(
    () => new SharedShardSum(buffer, { shard: 2, shards: 2, width: 2 }),
    InvalidArgumentError,
    "[0, 2), got 2",
  );
  assertThrows(
    () => new SharedShardSum(buffer, { shard: 0, shards: 2, width: 3 }),
    InvalidArgumentError,
    "has 112 bytes, got 80",
  );
  const own = new SharedShardSum(buffer, { shard: 0, shards: 2, width: 2 });
  assertThrows(() => own.sum(new Float64Array(3)), InvalidArgumentError, "at most 2 values, got 3");
});
