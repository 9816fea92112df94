import { launchChromium } from "../_helpers/browser.ts";
import { assert, assertEquals, assertRejects } from "@std/assert";
import { join } from "node:path";
import { DigitLabError } from "../../lib/core/errors.ts";
import {
  confusionMatrixFigure,
  perClassFigure,
  trainingCurvesFigure,
} from "../../lib/display/plotly_figures.ts";
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

function figuresOf(html: string): Record<string, unknown> {
  const m = html.match(/const figures = (.*);\n/);
  if (!m) throw new Error("the page embeds no figures");
  return JSON.parse(m[1]);
}

Deno.test("renderReport inlines plotly once and embeds the figures of the inputs", async () => {
  const evaluation = fakeEvaluation(1);
  const html = await renderReport({
    title: "MNIST",
    metrics: METRICS,
    evaluation,
    history: HISTORY,
    modelSummary: SUMMARY,
  });
  assertEquals(html.split("* plotly.js v").length - 1, 1, "plotly.js inlined exactly once");
  assertEquals(html.match(/<script\b/g)?.length, 2, "plotly plus the plotting script");
  assert(!/<script[^>]+src=/.test(html), "no external scripts");
  assertEquals(figuresOf(html), {
    "fig-training": trainingCurvesFigure(HISTORY),
    "fig-confusion": confusionMatrixFigure(evaluation.confusion),
    "fig-per-class": perClassFigure(evaluation.perClass),
  });
  for (const id of ["fig-training", "fig-confusion", "fig-per-class"]) {
    assert(html.includes(`<div id="${id}" class="figure"></div>`), id);
  }
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

Deno.test("renderReport escapes markup in the title everywhere", async () => {
  const evil = `<script>alert("x")</script>`;
  const html = await renderReport({
    title: evil,
    metrics: { ...METRICS, data_source: evil },
    evaluation: fakeEvaluation(2),
    history: [],
  });
  assert(!html.includes(evil));
  assert(html.includes("<title>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</title>"));
  assert(html.includes("<h1>&lt;script&gt;"));
  assertEquals(html.match(/<script\b/g)?.length, 2);
  // Without history there are no training curves.
  assertEquals(Object.keys(figuresOf(html)), ["fig-confusion", "fig-per-class"]);
});

Deno.test("renderReport fails clearly when plotly.js is absent", async () => {
  await assertRejects(
    () =>
      renderReport({
        title: "t",
        metrics: METRICS,
        evaluation: fakeEvaluation(3),
        history: [],
        plotlyPath: "/nonexistent/plotly.js",
      }),
    DigitLabError,
    "plotly.js not found at /nonexistent/plotly.js",
  );
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
      await renderReport({
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
      await page.waitForFunction(`document.querySelectorAll(".js-plotly-plot").length === 3`);
      assertEquals(await page.locator(".js-plotly-plot").count(), 3);
      assertEquals(await page.locator(".figure .main-svg").count() >= 3, true);
      assertEquals(await page.locator("#fig-training .scatterlayer .trace").count(), 4);
      assertEquals(await page.locator("#fig-per-class .barlayer .trace").count(), 3);
      assertEquals(await page.locator("#fig-confusion .hm").count(), 1);
      const notes = await page.locator("#fig-confusion .annotation-text").allTextContents();
      assertEquals(notes.length, 100);
      assertEquals(notes.map(Number).reduce((a, b) => a + b, 0), evaluation.count);
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
