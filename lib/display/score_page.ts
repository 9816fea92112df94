/**
 * The HTML page of a labelled-tree score (`deno task score --html FILE`):
 * the summary tables (per group, confusion pairs, numbers, calibration,
 * statuses, failures, skipped files) and every misread image with the
 * pipeline's steps, the truth, the reading, its confidence and the top
 * alternatives. The page is one file, script-free, and small: each picture
 * is a PNG data URL downscaled first (see {@linkcode ScorePageOptions}), so
 * that the 33 misreadings of the development set stay well under 2 MB.
 *
 * @module
 */

import { DigitLabError, InvalidArgumentError } from "../core/mod.ts";
import type { ScoredItem, TreeScore } from "../eval/mod.ts";
import {
  type Classify,
  type GrayImage,
  type PipelineStep,
  readDigit,
  readImage,
  readNumber,
  resizeLongSide,
  segmentDigits,
} from "../image/mod.ts";
import { imageTag } from "./images.ts";
import { escapeHtml } from "./jupyter.ts";
import { digitReadingBundle, numberReadingBundle } from "./reading_view.ts";

/** Options of {@linkcode scorePageHtml}. */
export interface ScorePageOptions {
  /**
   * The classifier, for the pipeline view of each misread image (its steps
   * and the model's 10 probabilities); without it the misread images are
   * listed with their readings only.
   */
  classify?: Classify;
  /** The page title (default: "Score of ROOT"). */
  title?: string;
  /**
   * Longest side, in pixels, of a misread single digit's original (default
   * 120). A 960x1280 phone photo becomes 90x120: about 10 kB of PNG instead
   * of a megabyte.
   */
  originalSide?: number;
  /** Longest side of each pipeline step's picture (default 64). */
  stepSide?: number;
  /** Longest side of a misread number's original (default 320). */
  numberSide?: number;
  /** Show at most this many misread images (default 500); a line says how many were left out. */
  limit?: number;
}

const pct = (x: number | null) => x === null ? "–" : `${(x * 100).toFixed(2)}%`;
const num = (x: number | null, digits = 3) => x === null ? "–" : x.toFixed(digits);

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new InvalidArgumentError(`${name} must be a positive integer, got ${value}`);
  }
  return value;
}

function shrink<T extends GrayImage>(img: T, side: number): T {
  return Math.max(img.width, img.height) > side ? { ...img, ...resizeLongSide(img, side) } : img;
}

/** An HTML table; cells are escaped text, numbers right-aligned. */
function table(header: string[], rows: (string | number)[][]): string {
  const cell = (tag: string, c: string | number) =>
    `<${tag}${typeof c === "number" ? ' class="n"' : ""}>${escapeHtml(String(c))}</${tag}>`;
  return `<table><thead><tr>${header.map((h) => cell("th", h)).join("")}</tr></thead><tbody>${
    rows.map((r) => `<tr>${r.map((c) => cell("td", c)).join("")}</tr>`).join("")
  }</tbody></table>`;
}

function alternativesText(item: ScoredItem): string {
  if (item.kind === "number") {
    return item.digits.map((d) => `${d.digit} ${pct(d.confidence)}`).join(", ") || "–";
  }
  return item.alternatives.map((a) => `${a.digit} ${pct(a.probability)}`).join(", ") || "–";
}

/**
 * The summary tables of a score as HTML: per group, confusion pairs,
 * numbers, calibration (with the ECE), statuses, failures and skipped files.
 *
 * @example
 * ```ts
 * import { assertStringIncludes } from "@std/assert";
 * import { summarizeScores } from "../eval/mod.ts";
 * import { scoreSummaryHtml } from "./score_page.ts";
 * const skipped = [{ file: "set/notes.txt", path: "notes.txt", reason: "not an image" }];
 * assertStringIncludes(scoreSummaryHtml(summarizeScores("set", [], skipped)), "notes.txt");
 * ```
 */
export function scoreSummaryHtml(score: TreeScore): string {
  const { calibration: cal } = score;
  const parts = [
    `<h2>Single digits</h2>`,
    table(
      ["group", "images", "right", "accuracy", "no digit", "failed"],
      [...score.groups, score.overall].map((g) => [
        g.group,
        g.images,
        g.correct,
        pct(g.images === 0 ? null : g.accuracy),
        g.noDigit,
        g.failed,
      ]),
    ),
    `<h2>Confusion pairs</h2>`,
    score.confusions.length === 0
      ? "<p>none</p>"
      : table(["true", "read", "count"], score.confusions.map((c) => [c.truth, c.read, c.count])),
    `<h2>Numbers: ${score.numbers.exact} of ${score.numbers.count} exact</h2>`,
    score.numbers.count === 0 ? "<p>none</p>" : table(
      ["file", "true", "read", "exact", "confidence", "status"],
      score.numbers.items.map((n) => [
        n.path,
        n.truth,
        n.read ?? "–",
        n.correct ? "yes" : "no",
        pct(n.confidence),
        n.status,
      ]),
    ),
    `<h2>Calibration (single digits with a confidence: ${cal.count})</h2>`,
    table(
      ["confidence", "readings", "right", "accuracy", "mean confidence"],
      cal.bands.map((b) => [b.label, b.count, b.correct, pct(b.accuracy), num(b.meanConfidence)]),
    ),
    `<p>Expected calibration error (10 equal-width bins): <b>${num(cal.ece, 4)}</b>. ` +
    `Wrong readings with confidence ≥ ${cal.confidentAt}: <b>${cal.confidentWrong}</b>.</p>`,
    `<h2>Statuses (single digits)</h2>`,
    table(
      ["status", "readings", "right"],
      score.statuses.map((s) => [s.status, s.count, s.correct]),
    ),
  ];
  if (score.failures.length > 0) {
    parts.push(
      `<h2>Could not be read (${score.failures.length})</h2>`,
      table(["file", "error"], score.failures.map((f) => [f.path, f.error])),
    );
  }
  if (score.skipped.length > 0) {
    parts.push(
      `<h2>Skipped (${score.skipped.length})</h2>`,
      table(["file", "why"], score.skipped.map((s) => [s.path, s.reason])),
    );
  }
  return parts.join("\n");
}

/** The pictures of the segmentation before the digits: a row of small images. */
async function stepRow(steps: readonly PipelineStep[], side: number): Promise<string> {
  if (steps.length === 0) return "";
  const figures = await Promise.all(steps.map(async (s) => {
    const small = shrink(s, side);
    return `<figure>${await imageTag(small, { alt: s.name })}<figcaption>${
      escapeHtml(s.name)
    }</figcaption></figure>`;
  }));
  return `<div class="steps">${figures.join("")}</div>`;
}

/**
 * The pipeline view of one misread image: for a digit, the reading view of
 * `readDigit` with its normalisation steps; for a number, the original with
 * a box around each digit found, each digit's input and the segmentation's
 * steps. Empty when the file cannot be decoded (its error is shown instead).
 */
async function pipelineView(
  item: ScoredItem,
  classify: Classify,
  sides: { original: number; step: number; number: number },
): Promise<string> {
  let original: GrayImage;
  try {
    original = await readImage(item.file);
  } catch (e) {
    // The card already shows the decode error the reading reported.
    if (e instanceof DigitLabError) return "";
    throw e;
  }
  if (item.kind === "digit") {
    const reading = await readDigit(original, classify, { returnSteps: true });
    const bundle = await digitReadingBundle({
      input: reading.input,
      probabilities: reading.probabilities,
      original: shrink(original, sides.original),
      steps: (reading.steps ?? []).map((s) => shrink(s, sides.step)),
      label: Number(item.truth),
      title: "pipeline",
    });
    return differs(item, reading.digit === null ? null : String(reading.digit)) +
      String(bundle["text/html"]);
  }
  const reading = await readNumber(original, classify);
  const small = shrink(original, sides.number);
  const f = small.width / original.width;
  const bundle = await numberReadingBundle({
    original: small,
    digits: reading.digits.map((d) => ({
      ...d,
      box: { x: d.box.x * f, y: d.box.y * f, width: d.box.width * f, height: d.box.height * f },
    })),
    expected: item.truth,
    title: "pipeline",
  });
  const steps = (segmentDigits(original, { returnSteps: true }).steps ?? [])
    .filter((s) => !s.name.startsWith("digit "));
  return differs(item, reading.text === "" ? null : reading.text) + String(bundle["text/html"]) +
    await stepRow(steps, sides.step);
}

/**
 * A note when the pipeline view (`readDigit` / `readNumber` on the raw
 * model) reads otherwise than the scored reading: the file reader may add
 * steps of its own (calibration, a different number reader), and the page
 * must not pass the view off as the reading scored.
 */
function differs(item: ScoredItem, viewRead: string | null): string {
  if (viewRead === item.read) return "";
  return `<p class="note">The pipeline view below reads ${
    escapeHtml(viewRead ?? "no digit")
  }; the reading scored is ${escapeHtml(item.read ?? "none")}.</p>`;
}

async function misreadCard(
  item: ScoredItem,
  classify: Classify | undefined,
  sides: { original: number; step: number; number: number },
): Promise<string> {
  const facts = [
    ["true", item.truth],
    ["read", item.read ?? (item.status === "failed" ? "failed" : "no digit found")],
    ["confidence", pct(item.confidence)],
    ["status", item.status],
    [item.kind === "number" ? "digits" : "top alternatives", alternativesText(item)],
    ...(item.error === null ? [] : [["error", item.error]]),
  ];
  const view = classify === undefined ? "" : await pipelineView(item, classify, sides);
  return `<section class="card"><h3>${escapeHtml(item.path)}</h3><dl>${
    facts.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join("")
  }</dl>${view}</section>`;
}

const STYLE = `body{font:13px sans-serif;margin:16px;max-width:1100px}
table{border-collapse:collapse;margin:4px 0 12px}
th,td{border:1px solid #ccc;padding:2px 8px;text-align:left}
td.n{text-align:right}
.card{border-top:1px solid #999;padding:8px 0}
.card h3{font-size:13px;margin:0 0 4px;word-break:break-all}
dl{display:grid;grid-template-columns:max-content auto;gap:0 12px;margin:0 0 6px}
dt{color:#555}dd{margin:0}
.steps{display:flex;flex-wrap:wrap;gap:8px;margin-top:8px}
figure{margin:0;text-align:center}
.note{color:#a50;margin:2px 0}`;

/**
 * Builds the score page: the summary tables, then every misread image
 * (digits, then numbers) with its reading and, given a classifier, the
 * pipeline's steps. One self-contained HTML file without script.
 *
 * @throws {InvalidArgumentError} when a size option or `limit` is not a
 *   positive integer.
 *
 * @example
 * ```ts
 * import { assert, assertStringIncludes } from "@std/assert";
 * import { scoreItem, summarizeScores } from "../eval/mod.ts";
 * import { scorePageHtml } from "./score_page.ts";
 * const item = { file: "set/7/a.png", path: "7/a.png", kind: "digit" as const, truth: "7", group: "set" };
 * const reading = {
 *   status: "ok", digit: 1, number: null, confidence: 0.8, error: null,
 *   alternatives: [{ digit: 1, probability: 0.8 }], digits: [{ digit: 1, confidence: 0.8 }],
 * };
 * const page = await scorePageHtml(summarizeScores("set", [scoreItem(item, reading)], []));
 * assertStringIncludes(page, "<h3>7/a.png</h3>");
 * assert(!page.includes("<script"));
 * ```
 */
export async function scorePageHtml(
  score: TreeScore,
  options: ScorePageOptions = {},
): Promise<string> {
  const sides = {
    original: positiveInteger("originalSide", options.originalSide ?? 120),
    step: positiveInteger("stepSide", options.stepSide ?? 64),
    number: positiveInteger("numberSide", options.numberSide ?? 320),
  };
  const limit = positiveInteger("limit", options.limit ?? 500);
  const title = options.title ?? `Score of ${score.root}`;
  const misread = score.items.filter((i) => !i.correct);
  const cards: string[] = [];
  for (const item of misread.slice(0, limit)) {
    cards.push(await misreadCard(item, options.classify, sides));
  }
  const left = misread.length - cards.length;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
<title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body><h1>${escapeHtml(title)}</h1>
<p>${score.overall.correct} of ${score.overall.images} single digits right (${
    pct(score.overall.images === 0 ? null : score.overall.accuracy)
  }); ${score.numbers.exact} of ${score.numbers.count} numbers exact.</p>
${scoreSummaryHtml(score)}
<h2>Misread images (${misread.length})</h2>
${cards.join("\n")}
${left > 0 ? `<p>${left} more misread images not shown (limit ${limit}).</p>` : ""}
</body></html>
`;
}
