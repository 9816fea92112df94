import { launchChromium } from "../_helpers/browser.ts";
import { assert, assertEquals, assertRejects } from "@std/assert";
import { join } from "node:path";
import { DigitLabError } from "../../lib/core/errors.ts";
import { createRng, randomInt } from "../../lib/core/random.ts";
import { renderReport, writeReport } from "../../lib/display/report.ts";
import type { EpochLog, EvaluationResult, Mistake, ModelMetrics } from "../../lib/core/records.ts";

/** An evaluation of a made-up classifier that is right ~90% of the time. */
function fakeEvaluation(seed: number): EvaluationResult {
  const rng = createRng(seed);
  const confusion = Array.from({ length: 10 }, () => new Array(10).fill(0));
  const mistakes: Mistake[] = [];
  for (let i = 0; i < 500; i++) {
    const label = randomInt(rng, 10);
    const predicted = rng() < 0.9 ? label : randomInt(rng, 10);
    confusion[label][predicted]++;
    if (predicted !== label) mistakes.push({ index: i, label, predicted, confidence: rng() });
  }
  const perClass = confusion.map((row, label) => {
    const tp = row[label];
    const predictedCount = confusion.reduce((s, r) => s + r[label], 0);
    const support = row.reduce((a, b) => a + b, 0);
    const precision = predictedCount ? tp / predictedCount : 0;
    const recall = support ? tp / support : 0;
    const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
    return { label, precision, recall, f1, support };
  });
  const correct = confusion.reduce((s, row, i) => s + row[i], 0);
  return {
    accuracy: correct / 500,
    loss: 0.3,
    count: 500,
    confusion,
    perClass,
    macroF1: perClass.reduce((s, c) => s + c.f1, 0) / 10,
    worstMistakes: mistakes.sort((a, b) => b.confidence - a.confidence),
  };
}

const HISTORY: EpochLog[] = Array.from({ length: 4 }, (_, i) => ({
  epoch: i + 1,
  epochs: 4,
  loss: 0.8 / (i + 1),
  accuracy: 1 - 0.2 / (i + 1),
  valLoss: 0.9 / (i + 1),
  valAccuracy: 1 - 0.25 / (i + 1),
  seconds: 12 + i,
}));

const METRICS: ModelMetrics = {
  data_source: "idx:../shared/data/mnist",
  splits: { train: 54000, validation: 6000, test: 10000 },
  epochs: 4,
  batch_size: 128,
  seed: 42,
  augment: true,
  train_accuracy: HISTORY[3].accuracy,
  val_accuracy: HISTORY[3].valAccuracy,
  test_accuracy: 0.9,
  test_loss: 0.3,
  training_seconds: 54,
  seconds_per_epoch: 13.5,
  parameters: 93322,
  versions: { tfjs: "4.22.0", deno: Deno.version.deno, backend: "wasm" },
  command: "deno task train --epochs 4 --out <dir> & echo 'done'",
  created_at: "2024-05-01T12:00:00.000Z",
  history: HISTORY,
};

const SUMMARY = "Layer (type)   Output shape   Param #\n<conv2d> [null,26,26,8] 80";

/** The numbers written in the confusion matrix's cells, row by row. */
function heatmapCells(html: string): number[] {
  return [...html.matchAll(/<text[^>]*class="cell"[^>]*>(\d+)<\/text>/g)].map((m) => Number(m[1]));
}

Deno.test("renderReport draws its charts as inline SVG from the inputs, with no script", () => {
  const evaluation = fakeEvaluation(1);
  const html = renderReport({
    title: "MNIST",
    metrics: METRICS,
    evaluation,
    history: HISTORY,
    modelSummary: SUMMARY,
  });
  assert(!/<script\b/.test(html), "no script at all");
  assert(!/\b(src|href)=/.test(html), "nothing loaded from elsewhere");
  assertEquals(html.match(/<svg /g)?.length, 4, "loss, accuracy, confusion matrix, per class");
  // Training curves: running train and validation figures, one point per epoch.
  assertEquals(html.match(/<polyline /g)?.length, 4);
  for (const name of ["running train loss", "val loss", "running train accuracy", "val accuracy"]) {
    assert(html.includes(`>${name}</text>`), name);
  }
  assertEquals(heatmapCells(html), evaluation.confusion.flat());
  assertEquals(html.match(/<rect class="bar"/g)?.length, 30, "3 bars for each of 10 classes");
  const c3 = evaluation.perClass[3];
  assert(html.includes(`<title>3 recall: ${Number(c3.recall.toFixed(4))}</title>`));
  // Results and per-class table.
  assert(html.includes(`${(evaluation.accuracy * 100).toFixed(2)}%`));
  for (const c of evaluation.perClass) {
    assert(
      html.includes(`<td>${c.label}</td><td>${c.precision.toFixed(4)}</td>`),
      `class ${c.label}`,
    );
  }
  // Run facts.
  assert(html.includes("54000 / 6000 / 10000"));
  assert(html.includes("13.5 s per epoch"));
  assert(html.includes("93,322"));
  // Escaped text.
  assert(html.includes("deno task train --epochs 4 --out &lt;dir&gt; &amp; echo &#39;done&#39;"));
  assert(html.includes("<pre>Layer (type)   Output shape   Param #\n&lt;conv2d&gt;"));
});

Deno.test("renderReport shows the evaluated figures, and the running ones labelled apart", () => {
  const evaluation = fakeEvaluation(5);
  const html = renderReport({
    title: "t",
    metrics: METRICS,
    evaluation,
    train: { accuracy: 0.9916, loss: 0.0301, count: 54000 },
    validation: { accuracy: 0.9871, loss: 0.0422, count: 6000 },
    history: HISTORY,
  });
  // Before: the train row showed the last epoch's running loss (0.2000) as "the" train loss.
  assert(html.includes("<td>train</td><td>99.16%</td><td>0.0301</td><td>54000</td>"));
  assert(html.includes("<td>validation</td><td>98.71%</td><td>0.0422</td><td>6000</td>"));
  assert(html.includes("<td>test</td><td>" + `${(evaluation.accuracy * 100).toFixed(2)}%</td>`));
  assert(
    html.includes("epoch 4 averaged a running loss of 0.2000 and a running accuracy of 95.00%"),
  );
  // Without the evaluations, metrics.json's accuracies are shown and the loss is unknown.
  const bare = renderReport({ title: "t", metrics: METRICS, evaluation, history: HISTORY });
  assert(bare.includes("<td>train</td><td>95.00%</td><td>–</td><td>54000</td>"));
});

Deno.test("renderReport: a report of a full run stays under 1.5 MB", () => {
  const history: EpochLog[] = Array.from({ length: 50 }, (_, i) => ({
    ...HISTORY[0],
    epoch: i + 1,
    epochs: 50,
    loss: 1 / (i + 1),
  }));
  const evaluation = fakeEvaluation(6);
  const html = renderReport({
    title: "MNIST",
    metrics: { ...METRICS, history },
    evaluation: {
      ...evaluation,
      worstMistakes: Array.from({ length: 1000 }, () => evaluation.worstMistakes[0]),
    },
    history,
    modelSummary: SUMMARY.repeat(20),
  });
  const bytes = new TextEncoder().encode(html).length;
  assert(bytes <= 1.5e6, `report is ${bytes} bytes`);
  assert(bytes < 100_000, `SVG charts keep it to tens of kilobytes, got ${bytes}`);
});

Deno.test("renderReport escapes markup in the title everywhere", () => {
  const evil = `<script>alert("x")</script>`;
  const html = renderReport({
    title: evil,
    metrics: { ...METRICS, data_source: evil },
    evaluation: fakeEvaluation(2),
    history: [],
  });
  assert(!html.includes(evil));
  assert(html.includes("<title>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</title>"));
  assert(html.includes("<h1>&lt;script&gt;"));
  assert(!/<script\b/.test(html));
  // Without history there are no training curves: only the confusion matrix and the bars.
  assertEquals(html.match(/<svg /g)?.length, 2);
  assert(!html.includes("<h2>Training curves</h2>"));
});

Deno.test("writeReport writes atomically and keeps the old file on failure", async () => {
  const root = await Deno.makeTempDir({ prefix: "report_test_" });
  try {
    const path = join(root, "sub", "report.html");
    await writeReport(path, "<p>one</p>");
    await writeReport(path, "<p>two</p>");
    assertEquals(await Deno.readTextFile(path), "<p>two</p>");
    // A directory in the way of the rename: the write fails and leaves no temporary file.
    const blocked = join(root, "sub", "dir.html");
    await Deno.mkdir(join(blocked, "inside"), { recursive: true });
    await assertRejects(() => writeReport(blocked, "x"), DigitLabError, blocked);
    const names = [];
    for await (const e of Deno.readDir(join(root, "sub"))) names.push(e.name);
    assertEquals(names.sort(), ["dir.html", "report.html"]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test({
  name: "the report renders its charts in a real browser without errors",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const root = await Deno.makeTempDir({ prefix: "report_browser_" });
    const path = join(root, "report.html");
    const evaluation = fakeEvaluation(4);
    await writeReport(
      path,
      renderReport({
        title: "Digit Lab <test> report",
        metrics: METRICS,
        evaluation,
        history: HISTORY,
        modelSummary: SUMMARY,
      }),
    );
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(e.message));
      page.on("console", (msg) => msg.type() === "error" && errors.push(msg.text()));
      const requests: string[] = [];
      page.on("request", (r) => requests.push(r.url()));
      await page.goto(`file://${path}`);
      // Every chart drew: each SVG has a laid-out box, the heatmap's numbers add up.
      const boxes = await page.locator(".figure svg").evaluateAll((els) =>
        els.map((e) => e.getBoundingClientRect()).map((r) => [r.width > 200, r.height > 150])
      );
      assertEquals(boxes, Array(4).fill([true, true]));
      assertEquals(await page.locator(".figure polyline").count(), 4);
      assertEquals(await page.locator(".figure rect.bar").count(), 30);
      const cells = await page.locator(".figure text.cell").allTextContents();
      assertEquals(cells.length, 100);
      assertEquals(cells.map(Number).reduce((a, b) => a + b, 0), evaluation.count);
      assertEquals(await page.title(), "Digit Lab <test> report");
      assertEquals(errors, []);
      assertEquals(requests, [`file://${path}`], "the page loads nothing else");
      await page.screenshot({ path: "/tmp/report.png", fullPage: true });
    } finally {
      await browser.close();
      await Deno.remove(root, { recursive: true });
    }
  },
});

Deno.test("renderReport names the classes in every chart and table when given class names", () => {
  const evaluation = fakeEvaluation(3);
  const letters = Array.from({ length: 10 }, (_, i) => `letter ${String.fromCharCode(65 + i)}`);
  const html = renderReport({
    title: "letters",
    metrics: METRICS,
    evaluation,
    history: HISTORY,
    classNames: letters,
  });
  assertEquals(heatmapCells(html), evaluation.confusion.flat());
  const c3 = evaluation.perClass[3];
  assert(html.includes(`<title>letter D recall: ${Number(c3.recall.toFixed(4))}</title>`));
  assert(html.includes(`<td>letter D</td><td>${c3.precision.toFixed(4)}</td>`));
  const worst = evaluation.worstMistakes[0];
  assert(
    html.includes(
      `<td>${worst.index}</td><td>${letters[worst.label]}</td><td>${letters[worst.predicted]}</td>`,
    ),
  );
  assert(html.includes("<title>true class letter A, predicted class letter A: "));
  assert(!html.includes("<td>3</td><td>"), "no class written as its number");
});
