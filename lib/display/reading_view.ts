/**
 * A reading at a glance. A digit: the original image, the 28x28 the model
 * saw and the class probabilities as bars (an SVG picture, no script),
 * optionally with the intermediate images of the normalisation. A number:
 * the original with a box around each digit, and each digit's input and
 * prediction.
 *
 * Layout is tables and every picture an `<img>` (PNG, or SVG through a data
 * URI): what sanitised HTML keeps, so an untrusted notebook shows it all.
 *
 * @module
 */

import { InvalidArgumentError } from "../core/mod.ts";
import {
  encodePng,
  type FoundDigit,
  type GrayImage,
  type PipelineStep,
  resizeLongSide,
} from "../image/mod.ts";
import { type ImageInput, imageTag, toBase64, toGrayImage, upscale } from "./images.ts";
import { textWidth } from "./svg_chart.ts";
import { svgImageTag } from "./svg_image.ts";
import { escapeHtml, type MediaBundle, showBundle } from "./jupyter.ts";

/**
 * What {@linkcode digitReadingBundle} and {@linkcode showDigitReading} show:
 * a view of a `DigitReading` (its `input` and `probabilities`) with what the
 * caller knows besides (the original, the true class, a title).
 */
export interface DigitReadingView {
  /** The 28x28 input the model classified (ink = 1). */
  input: ImageInput;
  /** One probability per class, in class order; null when no digit was found. */
  probabilities: ArrayLike<number> | null;
  /** The image as decoded, before normalisation. */
  original?: GrayImage;
  /** Intermediate images of the normalisation, in order. */
  steps?: readonly PipelineStep[];
  /** The true class, when known. */
  label?: number;
  /** A heading, such as the file name. */
  title?: string;
  /** Class names in class order (default `"0"`, `"1"`, ...). */
  classNames?: readonly string[];
}

const SHOWN_SIDE = 140;
const STEP_SIDE = 96;
const BAR_WIDTH = 160;

/**
 * The predicted class: the index of the largest probability (the first on ties).
 *
 * @throws {InvalidArgumentError} when there are no probabilities or one is not finite.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { argMax } from "./reading_view.ts";
 * assertEquals(argMax([0.1, 0.7, 0.7]), 1);
 * ```
 */
export function argMax(values: ArrayLike<number>): number {
  if (values.length === 0) throw new InvalidArgumentError("cannot take the argmax of no values");
  let best = 0;
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) {
      throw new InvalidArgumentError(`probability ${i} is ${values[i]}, not a finite number`);
    }
    if (values[i] > values[best]) best = i;
  }
  return best;
}

const pct = (p: number) => `${(p * 100).toFixed(1)}%`;

function figure(inner: string, caption: string): string {
  return `<figure style="margin:0;text-align:center">${inner}<figcaption>${
    escapeHtml(caption)
  }</figcaption></figure>`;
}

async function shown(img: GrayImage, side: number, caption: string): Promise<string> {
  const long = Math.max(img.width, img.height);
  const small = long > side ? resizeLongSide(img, side) : img;
  const scale = Math.max(1, Math.floor(side / Math.max(small.width, small.height)));
  return figure(await imageTag(small, { scale, alt: caption }), caption);
}

/**
 * Builds the bundle of one digit reading: `text/html` (images and
 * probability bars) and `text/plain` (the predicted class and the top
 * three, or "no digit found").
 *
 * @throws {InvalidArgumentError} when the probabilities are empty or not
 *   finite, or the class names do not match them.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { digitReadingBundle } from "./reading_view.ts";
 * const probabilities = [0, 0, 0, 0, 0, 0, 0, 0.9, 0.05, 0.05];
 * const b = await digitReadingBundle({ input: new Float32Array(784), probabilities, label: 7 });
 * assertEquals(
 *   b["text/plain"],
 *   "predicted 7 (90.0%), expected 7 (right); top 3: 7 90.0%, 8 5.0%, 9 5.0%",
 * );
 * ```
 */
export async function digitReadingBundle(view: DigitReadingView): Promise<MediaBundle> {
  if (view.probabilities === null) return await noDigitBundle(view);
  const probs = Array.from(view.probabilities);
  const predicted = argMax(probs);
  const names = view.classNames ?? probs.map((_, i) => String(i));
  if (names.length !== probs.length) {
    throw new InvalidArgumentError(
      `got ${names.length} class names for ${probs.length} probabilities`,
    );
  }
  const verdict = view.label === undefined
    ? ""
    : `, expected ${names[view.label] ?? view.label} (${
      view.label === predicted ? "right" : "wrong"
    })`;
  const top = probs.map((p, i) => ({ p, i })).sort((a, b) => b.p - a.p || a.i - b.i).slice(0, 3);
  const head = `${view.title ? `${view.title}: ` : ""}predicted ${names[predicted]} (${
    pct(probs[predicted])
  })${verdict}`;
  const text = `${head}; top 3: ${top.map((t) => `${names[t.i]} ${pct(t.p)}`).join(", ")}`;

  const pictures = await picturesOf(view);
  const colors = probs.map((_, i) =>
    i === predicted ? (view.label === undefined || view.label === i ? "#2a7" : "#d33") : "#8ab"
  );
  const bars = svgImageTag(probabilityBarsSvg(probs, names, colors), {
    alt: `class probabilities: ${text}`,
    className: "digit-lab-probabilities",
  });
  const html = `<div class="digit-lab-prediction" style="font:12px sans-serif">` +
    `<div style="font-weight:bold;margin-bottom:4px"><b>${escapeHtml(head)}</b></div>` +
    row([...pictures, bars]) + (await stepsOf(view)) + `</div>`;
  return { "text/html": html, "text/plain": text };
}

/** Height of one probability bar's row in {@linkcode probabilityBarsSvg}. */
const BAR_ROW = 16;

/**
 * One horizontal bar per class: its name, a bar as long as its probability
 * and the percentage. An SVG picture, not styled HTML, so that sanitised
 * HTML (an untrusted notebook drops `style`) still shows the lengths.
 */
function probabilityBarsSvg(probs: number[], names: readonly string[], colors: string[]): string {
  // 28 px fit a digit; class names such as "Ankle boot" get their width (font size 11 is
  // about 1.1 times the font size 10 that textWidth measures).
  const left = Math.max(28, Math.ceil(Math.max(...names.map(textWidth)) * 1.1) + 10);
  const width = left + BAR_WIDTH + 52;
  const height = probs.length * BAR_ROW + 4;
  const rows = probs.map((p, i) => {
    const y = 2 + i * BAR_ROW;
    const length = Math.round(Math.max(0, Math.min(1, p)) * BAR_WIDTH);
    return `<text x="${left - 6}" y="${y + 11}" text-anchor="end">${escapeHtml(names[i])}</text>` +
      `<rect x="${left}" y="${y + 2}" width="${BAR_WIDTH}" height="10" fill="#eee"/>` +
      `<rect class="bar" x="${left}" y="${y + 2}" width="${length}" height="10" fill="${
        colors[i]
      }"/>` +
      `<text x="${left + BAR_WIDTH + 6}" y="${y + 11}">${pct(p)}</text>`;
  }).join("");
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" ` +
    `viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">${rows}</svg>`;
}

/**
 * Cells side by side in a one-row table: sanitised HTML keeps tables, where
 * a flex layout (a `style`) would be dropped and stack the cells.
 */
function row(cells: readonly string[]): string {
  return `<table class="digit-lab-row"><tbody><tr>${
    cells.map((c) => `<td style="vertical-align:top;padding:0 8px 0 0">${c}</td>`).join("")
  }</tr></tbody></table>`;
}

/** The original (when given) and the model's input, as figures to place side by side. */
async function picturesOf(view: DigitReadingView): Promise<string[]> {
  const input = toGrayImage(view.input);
  return [
    ...(view.original
      ? [
        await shown(
          view.original,
          SHOWN_SIDE,
          `original ${view.original.width}x${view.original.height}`,
        ),
      ]
      : []),
    await shown(input, SHOWN_SIDE, `model input ${input.width}x${input.height}`),
  ];
}

/** The intermediate images of the normalisation, in a row ("" when none). */
async function stepsOf(view: DigitReadingView): Promise<string> {
  return view.steps?.length
    ? row(await Promise.all(view.steps.map((s) => shown(s, STEP_SIDE, s.name))))
    : "";
}

/** A reading that found no digit: the pictures and steps, and no guess. */
async function noDigitBundle(view: DigitReadingView): Promise<MediaBundle> {
  const head = `${view.title ? `${view.title}: ` : ""}no digit found`;
  const html = `<div class="digit-lab-prediction" style="font:12px sans-serif">` +
    `<div style="font-weight:bold;margin-bottom:4px">${escapeHtml(head)}</div>` +
    row(await picturesOf(view)) + `${await stepsOf(view)}</div>`;
  return { "text/html": html, "text/plain": head };
}

/**
 * Shows one digit reading: images and probability bars in a notebook, a
 * line of text elsewhere.
 *
 * @example
 * ```ts
 * import { showDigitReading } from "./reading_view.ts";
 * await showDigitReading({ title: "blank", input: new Float32Array(784), probabilities: null });
 * ```
 */
export async function showDigitReading(view: DigitReadingView): Promise<void> {
  await showBundle(await digitReadingBundle(view));
}

/**
 * What {@linkcode numberReadingBundle} and {@linkcode showNumberReading}
 * show: a view of a `NumberReading` (each digit's `input`, `probabilities`
 * and `box`) with the image the digits were found in.
 */
export interface NumberReadingView {
  /** The image the digits were found in (photo convention, 1 = white). */
  original: GrayImage;
  /** The digits, left to right. */
  digits: readonly Pick<FoundDigit, "input" | "probabilities" | "box">[];
  /** The digits the image shows, when known (`"2024"`). */
  expected?: string;
  /** A heading, such as the file name. */
  title?: string;
}

const SEQUENCE_SIDE = 480;

/**
 * Builds the bundle of a number read digit by digit: `text/html` (the
 * original with a box around each digit, then each 28x28 input with its
 * prediction) and `text/plain`.
 *
 * @throws {InvalidArgumentError} when a digit's probabilities are empty or not finite.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { numberReadingBundle } from "./reading_view.ts";
 * const digit = (d: number, x: number) => ({
 *   input: new Float32Array(784),
 *   probabilities: Array.from({ length: 10 }, (_, i) => (i === d ? 1 : 0)),
 *   box: { x, y: 0, width: 30, height: 30 },
 * });
 * const original = { width: 60, height: 30, data: new Float32Array(1800).fill(1) };
 * const digits = [digit(4, 0), digit(2, 30)];
 * const b = await numberReadingBundle({ original, digits, expected: "42" });
 * assertEquals(b["text/plain"], "read 42, expected 42 (right); digits: 4 100.0%, 2 100.0%");
 * ```
 */
export async function numberReadingBundle(view: NumberReadingView): Promise<MediaBundle> {
  const predicted = view.digits.map((d) => argMax(d.probabilities));
  const read = predicted.join("");
  const verdict = view.expected === undefined
    ? ""
    : `, expected ${view.expected} (${read === view.expected ? "right" : "wrong"})`;
  const head = `${view.title ? `${view.title}: ` : ""}${
    view.digits.length ? `read ${read}` : "no digits found"
  }${verdict}`;
  const confidences = view.digits.map((d, i) =>
    `${predicted[i]} ${pct(d.probabilities[predicted[i]])}`
  );
  const text = head + (confidences.length ? `; digits: ${confidences.join(", ")}` : "");

  const { original } = view;
  const long = Math.max(original.width, original.height);
  const small = long > SEQUENCE_SIDE ? resizeLongSide(original, SEQUENCE_SIDE) : original;
  const zoom = Math.max(1, Math.floor(SEQUENCE_SIDE / Math.max(small.width, small.height)));
  const factor = (small.width * zoom) / original.width;
  const colour = (i: number) =>
    view.expected === undefined || view.expected.length !== predicted.length
      ? "#36c"
      : view.expected[i] === String(predicted[i])
      ? "#2a7"
      : "#d33";
  const boxes = view.digits.map((d, i) => {
    const [x, y, w, h] = [d.box.x, d.box.y, d.box.width, d.box.height].map((v) =>
      Math.round(v * factor)
    );
    return `<rect class="digit-box" x="${x + 1}" y="${y + 1}" width="${Math.max(1, w - 2)}" ` +
      `height="${Math.max(1, h - 2)}" fill="none" stroke="${colour(i)}" stroke-width="2"/>`;
  }).join("");
  // The boxes are drawn over the picture in one SVG: positioned, bordered
  // <div>s are style, which sanitised HTML (an untrusted notebook) drops.
  const [width, height] = [small.width * zoom, small.height * zoom];
  const png = toBase64(await encodePng(upscale(small, zoom)));
  const boxed = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" ` +
    `viewBox="0 0 ${width} ${height}"><image href="data:image/png;base64,${png}" ` +
    `width="${width}" height="${height}"/>${boxes}</svg>`;
  const cards = await Promise.all(view.digits.map(async (d, i) =>
    figure(
      await imageTag(toGrayImage(d.input), { scale: 3, alt: `digit ${i + 1}` }),
      `${predicted[i]} · ${pct(d.probabilities[predicted[i]])}`,
    )
  ));
  const html = `<div class="digit-lab-sequence" style="font:12px sans-serif">` +
    `<div style="font-weight:bold;margin-bottom:4px"><b>${escapeHtml(head)}</b></div>` +
    svgImageTag(boxed, { alt: `original with a box around each digit: ${text}` }) +
    row(cards) + `</div>`;
  return { "text/html": html, "text/plain": text };
}

/**
 * Shows a number read digit by digit: boxes on the original and each
 * digit's input and prediction in a notebook, a line of text elsewhere.
 *
 * @example
 * ```ts
 * import { showNumberReading } from "./reading_view.ts";
 * const original = { width: 2, height: 2, data: new Float32Array(4) };
 * await showNumberReading({ original, digits: [] }); // prints "no digits found" outside Jupyter
 * ```
 */
export async function showNumberReading(view: NumberReadingView): Promise<void> {
  await showBundle(await numberReadingBundle(view));
}
