import { assert, assertEquals, assertThrows } from "@std/assert";
import type { DisplayOptions, DisplayTarget, MediaBundle } from "../../lib/display/jupyter.ts";
import { createLiveTrainingView } from "../../lib/display/live.ts";
import { svgImages } from "../_helpers/svg_images.ts";
import { InvalidArgumentError } from "../../lib/core/errors.ts";
import type { BatchLog, EpochLog } from "../../lib/core/records.ts";

interface Call {
  bundle: MediaBundle;
  options: DisplayOptions;
}

function recorder(rich: boolean): DisplayTarget & { calls: Call[] } {
  const calls: Call[] = [];
  return {
    rich,
    calls,
    display(bundle, options = {}) {
      calls.push({ bundle, options });
      return Promise.resolve();
    },
  };
}

const batch = (epoch: number, b: number, batches = 10): BatchLog => ({
  epoch,
  batch: b,
  batches,
  loss: 1 / (epoch * batches + b),
  accuracy: 0.5,
  elapsedMs: 0,
});

const epochLog = (epoch: number): EpochLog => ({
  epoch,
  epochs: 2,
  loss: 0.5 / epoch,
  accuracy: 0.8,
  valLoss: 0.4 / epoch,
  valAccuracy: 0.85,
  seconds: 1.5,
});

Deno.test("the live view shows one output and updates it in place, throttled", async () => {
  const target = recorder(true);
  let clock = 0;
  const view = createLiveTrainingView({ epochs: 2, target, now: () => clock, intervalMs: 1000 });
  for (let b = 1; b <= 10; b++) {
    clock += 300; // a redraw is due every fourth batch
    await view.onBatchEnd(batch(1, b));
  }
  await view.onEpochEnd(epochLog(1));
  await view.finish({
    epochs: [epochLog(1)],
    stoppedEarly: false,
    bestEpoch: 1,
    seconds: 3.25,
    threads: 2,
  });
  // first batch, then batches 5 and 9 (1200 ms and 2400 ms after), the epoch, the end.
  assertEquals(target.calls.length, 5);
  assertEquals(view.renders, 5);
  const ids = new Set(target.calls.map((c) => c.options.displayId));
  assertEquals(ids.size, 1, "one display id for every redraw");
  assert([...ids][0]?.startsWith("digit-lab-training-"));
  assertEquals(target.calls.map((c) => c.options.update), [false, true, true, true, true]);
  assertEquals(
    (target.calls[1].bundle["text/plain"] as string).split("\n")[0],
    "Training: epoch 1/2, batch 5/10, running loss 0.0667, running accuracy 50.00%, 1.5 s",
  );
  const last = target.calls[4].bundle;
  assert(
    (last["text/plain"] as string).startsWith("Training: done, 1 epoch(s) in 3.3 s on 2 threads"),
  );
  assert(
    (last["text/plain"] as string).includes(
      "epoch 1: running_loss 0.5000 running_acc 80.00% val_loss 0.4000",
    ),
  );
  const html = last["text/html"] as string;
  assert(!html.includes("<svg"), "no inline SVG: sanitised HTML would drop it");
  const [picture, ...more] = svgImages(html);
  assertEquals(more, [], "one picture");
  assertEquals(picture, last["image/svg+xml"], "the same picture as image/svg+xml");
  // Training batches as lines in both charts; one validation point each, as a dot.
  assertEquals(picture.match(/<polyline /g)?.length, 2, "loss and accuracy, train batches");
  assertEquals(picture.match(/<circle /g)?.length, 2, "loss and accuracy, validation");
  assert(picture.includes('class="progress" data-progress="1.0000" x="1" y="3" width="638.0"'));
  assert(picture.includes(">100%</text>"), "a full bar says 100%");
  const first = svgImages(target.calls[0].bundle["text/html"] as string)[0];
  assert(first.includes('data-progress="0.0500"'), "after 1 of 20 batches the bar is at 5%");
  assert(html.includes("<td>85.00%</td>"), "the epoch table");
});

Deno.test("the live view averages batches into at most maxPoints points per curve", async () => {
  const target = recorder(true);
  const view = createLiveTrainingView({ epochs: 1, target, intervalMs: 0, maxPoints: 10 });
  for (let b = 1; b <= 95; b++) await view.onBatchEnd(batch(1, b, 95));
  const html = target.calls.at(-1)!.bundle["image/svg+xml"] as string;
  const lines = [...html.matchAll(/<polyline[^>]* points="([^"]*)"/g)].map((m) =>
    m[1].split(" ").length
  );
  assertEquals(lines, [10, 10]);
});

Deno.test("outside a notebook the live view prints a progress bar per epoch", async () => {
  const target = recorder(false);
  const written: string[] = [];
  const writer = {
    isTerminal: () => false,
    writeSync(bytes: Uint8Array) {
      written.push(new TextDecoder().decode(bytes));
      return bytes.length;
    },
  };
  const view = createLiveTrainingView({ epochs: 2, target, writer, now: () => 0 });
  for (let b = 1; b <= 4; b++) await view.onBatchEnd(batch(1, b, 4));
  await view.onEpochEnd(epochLog(1));
  await view.finish();
  assertEquals(view.renders, 0);
  const text = written.join("");
  assert(text.includes("epoch 1/2 [#####"), text);
  assert(text.includes("val_loss 0.4000 val_acc 85.00%"), text);
  assertEquals(target.calls.length, 1, "only the closing line goes to the target");
  assert((target.calls[0].bundle["text/plain"] as string).startsWith("Training: done, 1 epoch(s)"));
});

Deno.test("createLiveTrainingView rejects bad options", () => {
  const target = recorder(true);
  assertThrows(() => createLiveTrainingView({ epochs: 0, target }), InvalidArgumentError, "epochs");
  assertThrows(
    () => createLiveTrainingView({ epochs: 1, target, intervalMs: -1 }),
    InvalidArgumentError,
    "intervalMs",
  );
  assertThrows(
    () => createLiveTrainingView({ epochs: 1, target, maxPoints: 1 }),
    InvalidArgumentError,
    "maxPoints",
  );
});
