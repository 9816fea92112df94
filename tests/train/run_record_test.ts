import * as tf from "@tensorflow/tfjs";
import { assert, assertEquals } from "@std/assert";
import { setupBackend } from "../../lib/kernels/backend.ts";
import { loadSplits } from "../../lib/data/load_splits.ts";
import { buildModel } from "../../lib/model/architecture.ts";
import { evaluateRun } from "../../lib/train/run_record.ts";
import type { TrainingHistory } from "../../lib/core/records.ts";

Deno.test("evaluateRun: metrics.json facts match the evaluations and the run", async () => {
  await setupBackend();
  const splits = await loadSplits({ seed: 2, limit: 120 });
  const model = buildModel({
    inputShape: [28, 28, 1],
    layers: [{ type: "flatten" }],
    numClasses: 10,
  }, { seed: 1 });
  const history: TrainingHistory = {
    epochs: [
      { epoch: 1, epochs: 2, loss: 2, accuracy: 0.2, valLoss: 1.9, valAccuracy: 0.3, seconds: 1.5 },
      { epoch: 2, epochs: 2, loss: 1, accuracy: 0.6, valLoss: 1.2, valAccuracy: 0.5, seconds: 2.5 },
    ],
    stoppedEarly: false,
    bestEpoch: 2,
    seconds: 4,
  };
  const before = tf.memory().numTensors;
  const run = await evaluateRun(model, splits, history, {
    command: "deno task train --limit 120",
    seed: 2,
    batchSize: 32,
    validationFraction: 0.1,
    augment: true,
    modelName: "tiny",
    learningRate: 0.01,
  });
  assertEquals(tf.memory().numTensors, before);
  const m = run.metrics;
  assertEquals(m.test_accuracy, run.test.accuracy);
  assertEquals(m.val_accuracy, run.validation.accuracy);
  assertEquals(m.train_accuracy, run.train.accuracy);
  assertEquals(m.test_loss, run.test.loss);
  assertEquals(m.splits, {
    train: splits.train.count,
    validation: splits.validation.count,
    test: splits.test.count,
  });
  assertEquals(run.test.count, splits.test.count);
  assertEquals([m.epochs, m.seconds_per_epoch, m.training_seconds], [2, 2, 4]);
  assertEquals([m.seed, m.batch_size, m.augment, m.model, m.learning_rate], [
    2,
    32,
    true,
    "tiny",
    0.01,
  ]);
  assertEquals(m.learning_rate_decay, undefined);
  assertEquals(m.parameters, 784 * 10 + 10);
  assertEquals(m.versions.tfjs, "4.22.0");
  assertEquals(m.command, "deno task train --limit 120");
  assertEquals(m.history, history.epochs);
  assertEquals(run.train.worstMistakes, []);
  assert(!Number.isNaN(Date.parse(m.created_at)));
  model.dispose();
});
