import { assert, assertEquals, assertThrows } from "@std/assert";
import { createProgressBar } from "../../lib/display/progress_bar.ts";
import { InvalidArgumentError } from "../../lib/core/errors.ts";

/** A writer that records what it is given, writing at most `chunk` bytes per call. */
function fakeWriter(terminal: boolean, chunk = Infinity) {
  const decoder = new TextDecoder();
  const writes: string[] = [];
  return {
    writes,
    text: () => writes.join(""),
    isTerminal: () => terminal,
    writeSync(bytes: Uint8Array): number {
      const n = Math.min(bytes.length, chunk);
      writes.push(decoder.decode(bytes.subarray(0, n)));
      return n;
    },
  };
}

/** Matches an SGR (colour) escape such as `ESC[32m`. */
const SGR = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g");
const hasColour = (text: string) => text.match(SGR) !== null;

function fakeClock(start = 1000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

Deno.test("progress bar renders counter, figures, elapsed time and ETA on a terminal line", () => {
  const w = fakeWriter(true);
  const c = fakeClock();
  const bar = createProgressBar({ total: 10, label: "epoch 2/5", width: 10, writer: w, ...c });
  c.advance(4000);
  bar.update(4, { loss: 0.123456, accuracy: 0.9612 });
  assertEquals(w.writes.length, 1);
  const line = w.writes[0];
  assert(line.startsWith("\r\x1b[2K"), JSON.stringify(line));
  // Colour is on for a terminal unless disabled, so strip SGR codes before comparing.
  const plain = line.replace(SGR, "");
  // 4 s for 4 of 10 steps: 6 steps left take 6 s.
  assertEquals(plain, "\r\x1b[2Kepoch 2/5 [####------] 4/10 loss 0.1235 acc 96.12% 4.0s ETA 0:06");
});

Deno.test("progress bar throttles terminal redraws but always draws the last step", () => {
  const w = fakeWriter(true);
  const c = fakeClock();
  const bar = createProgressBar({ total: 100, writer: w, noColor: true, ...c });
  for (let i = 1; i <= 100; i++) {
    c.advance(10); // 10 ms per step: at most one redraw per 10 steps
    bar.update(i, { loss: 1 / i });
  }
  // Steps 1, 11, 21, ..., 91 are 100 ms apart; step 100 is drawn because it is the last.
  assertEquals(w.writes.map((s) => s.match(/ (\d+)\/100 /)![1]), [
    ..."1 11 21 31 41 51 61 71 81 91 100".split(" "),
  ]);
  bar.done("val_acc 0.9900");
  assertEquals(w.writes.length, 12);
  assert(w.writes[11].endsWith(" val_acc 0.9900\n"), w.writes[11]);
  bar.done("again");
  bar.update(5);
  assertEquals(w.writes.length, 12);
});

Deno.test("progress bar prints sparse plain lines when not a terminal", () => {
  const w = fakeWriter(false);
  const c = fakeClock();
  const bar = createProgressBar({ total: 8, label: "epoch 1/1", width: 8, writer: w, ...c });
  for (let i = 1; i <= 8; i++) {
    c.advance(500);
    bar.update(i, { accuracy: i / 8 });
  }
  bar.done("done");
  const lines = w.text().split("\n");
  assertEquals(lines, [
    "epoch 1/1 [##------] 2/8 acc 25.00% 1.0s ETA 0:03",
    "epoch 1/1 [####----] 4/8 acc 50.00% 2.0s ETA 0:02",
    "epoch 1/1 [######--] 6/8 acc 75.00% 3.0s ETA 0:01",
    "epoch 1/1 [########] 8/8 4.0s done",
    "",
  ]);
  assert(!w.text().includes("\x1b"), "no escape codes in logs");
});

Deno.test("progress bar prints one line per mark even when steps jump past several", () => {
  const w = fakeWriter(false);
  const bar = createProgressBar({ total: 100, writer: w, now: () => 0 });
  bar.update(80);
  bar.update(90);
  assertEquals(w.writes.length, 1);
  assert(w.writes[0].includes("80/100"));
});

Deno.test("progress bar: noColor removes colour codes, keeps the clear-line escape", () => {
  const colored = fakeWriter(true);
  createProgressBar({ total: 2, label: "e", writer: colored, noColor: false }).update(1);
  assert(hasColour(colored.text()));
  const plain = fakeWriter(true);
  createProgressBar({ total: 2, label: "e", writer: plain, noColor: true }).update(1);
  assertEquals(plain.text().replaceAll("\r\x1b[2K", "").includes("\x1b"), false);
  assert(plain.text().startsWith("\r\x1b[2K"));
});

Deno.test("progress bar honours the NO_COLOR environment variable", () => {
  const before = Deno.env.get("NO_COLOR");
  try {
    Deno.env.set("NO_COLOR", "1");
    const w = fakeWriter(true);
    createProgressBar({ total: 2, label: "e", writer: w }).update(1);
    assertEquals(hasColour(w.text()), false);
  } finally {
    if (before === undefined) Deno.env.delete("NO_COLOR");
    else Deno.env.set("NO_COLOR", before);
  }
});

Deno.test("progress bar completes partial writes", () => {
  const w = fakeWriter(false, 3);
  const bar = createProgressBar({ total: 1, writer: w, now: () => 0 });
  bar.update(1);
  bar.done();
  assertEquals(w.text(), "[####################] 1/1 0.0s\n");
});

Deno.test("progress bar rejects bad totals, widths and counts", () => {
  const w = fakeWriter(false);
  assertThrows(() => createProgressBar({ total: 0, writer: w }), InvalidArgumentError, "got 0");
  assertThrows(
    () => createProgressBar({ total: 5, width: 1.5, writer: w }),
    InvalidArgumentError,
    "got 1.5",
  );
  const bar = createProgressBar({ total: 5, writer: w });
  assertThrows(() => bar.update(-1), InvalidArgumentError, "got -1");
  assertThrows(() => bar.update(NaN), InvalidArgumentError, "got NaN");
});

Deno.test("progress bar shows every accuracy in percent with two decimals, other figures as is", () => {
  const w = fakeWriter(false);
  const bar = createProgressBar({ total: 4, width: 4, writer: w, now: () => 0 });
  bar.update(1, { loss: 0.5, acc: 0.6953, val_accuracy: 0.7742, lr: 0.003 });
  assertEquals(
    w.text(),
    "[#---] 1/4 loss 0.5000 acc 69.53% val_accuracy 77.42% lr 0.0030 0.0s ETA 0:00\n",
  );
});
