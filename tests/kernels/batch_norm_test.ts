import * as tf from "@tensorflow/tfjs";
import { assert, assertEquals, assertThrows } from "@std/assert";
import { InvalidArgumentError } from "../../lib/core/errors.ts";
import {
  batchNormGradInput,
  batchNormGradSums,
  channelAffine,
  channelSums,
} from "../../lib/kernels/batch_norm.ts";
import { liveCounts, maxAbsDiff, onBothBackends, scaleOf, seededValues } from "./_compare.ts";

// NHWC with 6 channels: SIMD lanes of 4 and a tail of 2.
const SHAPE = [3, 5, 4, 6];
const C = 6;
const x = () => tf.tensor4d(seededValues(SHAPE, 1).map((v) => 2 * v + 0.5), SHAPE as never);
const dy = () => tf.tensor4d(seededValues(SHAPE, 2), SHAPE as never);
const mean = () => tf.tensor1d(seededValues([C], 3));
const invStd = () => tf.tensor1d(seededValues([C], 4).map((v) => 1 + Math.abs(v)));
const perChannel = {
  scale: seededValues([C], 5),
  meanDy: seededValues([C], 6),
  meanDyXHat: seededValues([C], 7),
};

Deno.test("channelSums and batchNormGradSums agree on wasm and cpu", async () => {
  const sums = await onBothBackends(() => tf.tensor1d(Float32Array.from(channelSums(x(), C))));
  assert(maxAbsDiff(sums.wasm, sums.cpu) < 1e-4 * scaleOf(sums.cpu));
  const grads = await onBothBackends(() =>
    tf.tensor1d(
      Float32Array.from(batchNormGradSums({ dy: dy(), x: x(), mean: mean(), invStd: invStd() })),
    )
  );
  assert(maxAbsDiff(grads.wasm, grads.cpu) < 1e-4 * scaleOf(grads.cpu));
  assertEquals(grads.wasm.length, 2 * C);
});

Deno.test("channelSums and batchNormGradSums agree on wasm and cpu over blocks of rows", async () => {
  // 16 channels (two runs of 8) and 105 rows: six blocks of 16 rows and a last one of 9, with
  // values around 3 so that the sums of squares are far from the variance.
  const shape = [3, 5, 7, 16];
  const xs = () => tf.tensor4d(seededValues(shape, 11).map((v) => v + 3), shape as never);
  const dys = () => tf.tensor4d(seededValues(shape, 12), shape as never);
  const sums = await onBothBackends(() => tf.tensor1d(Float32Array.from(channelSums(xs(), 16))));
  assert(maxAbsDiff(sums.wasm, sums.cpu) < 1e-5 * scaleOf(sums.cpu));
  const grads = await onBothBackends(() =>
    tf.tensor1d(
      Float32Array.from(
        batchNormGradSums({
          dy: dys(),
          x: xs(),
          mean: tf.fill([16], 3),
          invStd: tf.tensor1d(seededValues([16], 13).map((v) => 1 + Math.abs(v))),
        }),
      ),
    )
  );
  assert(maxAbsDiff(grads.wasm, grads.cpu) < 1e-5 * scaleOf(grads.cpu));
});

Deno.test("channelAffine and batchNormGradInput agree on wasm and cpu", async () => {
  const a = seededValues([C], 8), b = seededValues([C], 9);
  const y = await onBothBackends(() => channelAffine(x(), a, b));
  assertEquals(y.wasmShape, SHAPE);
  assert(maxAbsDiff(y.wasm, y.cpu) < 1e-6 * scaleOf(y.cpu));
  const dx = await onBothBackends(() =>
    batchNormGradInput({ dy: dy(), x: x(), mean: mean(), invStd: invStd() }, perChannel)
  );
  assertEquals(dx.wasmShape, SHAPE);
  assert(maxAbsDiff(dx.wasm, dx.cpu) < 1e-5 * scaleOf(dx.cpu));
});

Deno.test("the batch norm passes keep no tensor and no buffer", async () => {
  await onBothBackends(() => tf.scalar(0)); // the wasm backend, set up
  const inputs = { dy: dy(), x: x(), mean: mean(), invStd: invStd() };
  const before = liveCounts();
  channelSums(inputs.x, C);
  batchNormGradSums(inputs);
  channelAffine(inputs.x, perChannel.scale, perChannel.meanDy).dispose();
  batchNormGradInput(inputs, perChannel).dispose();
  assertEquals(liveCounts(), before);
  tf.dispose(Object.values(inputs));
});

Deno.test("the batch norm passes name a bad shape", async () => {
  await onBothBackends(() => tf.scalar(0));
  const t = x();
  assertThrows(
    () => channelSums(t, 5),
    InvalidArgumentError,
    "5 channels last, got float32 [3,5,4,6]",
  );
  assertThrows(
    () => channelAffine(t, new Float32Array(C), new Float32Array(2)),
    InvalidArgumentError,
    "got 6 and 2",
  );
  const inputs = { dy: tf.zeros([2, C]), x: t, mean: mean(), invStd: invStd() };
  assertThrows(() => batchNormGradSums(inputs), InvalidArgumentError, "must match x");
  assertThrows(
    () =>
      batchNormGradInput({ ...inputs, dy: dy() }, { ...perChannel, scale: new Float32Array(1) }),
    InvalidArgumentError,
    "per-channel values of 1,6,6",
  );
  tf.dispose([t, ...Object.values(inputs)]);
});

Deno.test("FusedBatchNorm (tf.batchNorm) agrees on wasm and cpu, with and without scale and offset", async () => {
  const v = () => tf.tensor1d(seededValues([C], 12).map((a) => a * a + 0.1));
  for (const [withScale, withOffset] of [[true, true], [false, true], [true, false]]) {
    const y = await onBothBackends(() =>
      tf.batchNorm(
        x(),
        mean(),
        v(),
        withOffset ? tf.tensor1d(seededValues([C], 13)) : undefined,
        withScale ? tf.tensor1d(seededValues([C], 14)) : undefined,
        0.001,
      )
    );
    assert(maxAbsDiff(y.wasm, y.cpu) < 1e-5 * scaleOf(y.cpu), `${withScale} ${withOffset}`);
  }
  // Statistics broadcast another way (one value for all channels): the backend's kernel.
  const scalar = await onBothBackends(() =>
    tf.batchNorm(x(), tf.scalar(0.5), tf.scalar(2), undefined, undefined, 0.001)
  );
  assert(maxAbsDiff(scalar.wasm, scalar.cpu) < 1e-5 * scaleOf(scalar.cpu));
});
