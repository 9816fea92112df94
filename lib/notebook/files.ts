/**
 * Reading image files in the notebooks: the example images and what their
 * names say they show, and a file read with the library's `readDigit` or
 * `readNumber` as a view that `showDigitReading` or `showNumberReading`
 * shows.
 *
 * @module
 */

import { basename, join } from "@std/path";
import { dataPath } from "../core/mod.ts";
import type { DigitReadingView, NumberReadingView } from "../display/mod.ts";
import { type Classify, readDigit, readImage, readNumber } from "../image/mod.ts";

const IMAGE_FILE = /\.(png|jpe?g|gif|webp|bmp|tiff?)$/i;

/**
 * The digits a file name says its image shows: the digits after the last
 * `_` or `-` before the extension (`photo_4.jpg` → `"4"`,
 * `number_2024.png` → `"2024"`), else `undefined`.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { expectedDigits } from "./files.ts";
 * assertEquals([expectedDigits("scan_7.png"), expectedDigits("number_2024.png")], ["7", "2024"]);
 * assertEquals(expectedDigits("drawn.png"), undefined);
 * ```
 */
export function expectedDigits(name: string): string | undefined {
  return basename(name).match(/[_-](\d+)\.[^.]+$/)?.[1];
}

/** An example image and what it shows. */
export interface ExampleImage {
  /** Absolute path. */
  path: string;
  /** File name. */
  name: string;
  /** The digits its name says it shows (see {@linkcode expectedDigits}). */
  expected: string | undefined;
}

/**
 * Options of {@linkcode exampleImages}.
 */
export interface ExampleImagesOptions {
  /** The folder (default `data/examples`). */
  dir?: string;
  /**
   * `"single"`: images of one digit (by name, or of unknown content);
   * `"multi"`: images of several digits; `"all"` (default): both.
   */
  kind?: "single" | "multi" | "all";
}

/**
 * The example image files, sorted by name; none when the folder does not
 * exist.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { exampleImages } from "./files.ts";
 * const multi = await exampleImages({ kind: "multi" });
 * assertEquals(multi.map((e) => [e.name, e.expected]), [["number_2024.png", "2024"]]);
 * ```
 */
export async function exampleImages(options: ExampleImagesOptions = {}): Promise<ExampleImage[]> {
  const { dir = dataPath("examples"), kind = "all" } = options;
  const found: ExampleImage[] = [];
  try {
    for await (const e of Deno.readDir(dir)) {
      if (!e.isFile || !IMAGE_FILE.test(e.name)) continue;
      const expected = expectedDigits(e.name);
      const multi = (expected?.length ?? 1) > 1;
      if (kind === "all" || (kind === "multi") === multi) {
        found.push({ path: join(dir, e.name), name: e.name, expected });
      }
    }
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return [];
    throw e;
  }
  return found.sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

/** Options of {@linkcode digitFileView}. */
export interface DigitFileViewOptions {
  /** Keep the intermediate images of the normalisation (default false). */
  steps?: boolean;
}

/**
 * Reads an image file of one digit with `readDigit` (normalised to MNIST
 * format, then classified; a blank image is no digit): everything
 * `showDigitReading` shows, with the true digit when the file name says it.
 *
 * @throws {ImageError} when the file cannot be read or decoded.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { digitFileView } from "./files.ts";
 * const classify = () => [0, 0, 0, 0, 0, 0, 0, 1, 0, 0]; // a stand-in model
 * const view = await digitFileView("data/examples/scan_7.png", classify, { steps: true });
 * assertEquals([view.title, view.label, view.probabilities?.[7]], ["scan_7.png", 7, 1]);
 * assertEquals(view.steps?.at(-1)?.width, 28);
 * ```
 */
export async function digitFileView(
  path: string,
  classify: Classify,
  options: DigitFileViewOptions = {},
): Promise<DigitReadingView> {
  const original = await readImage(path);
  const reading = await readDigit(original, classify, { returnSteps: options.steps ?? false });
  const expected = expectedDigits(path);
  return {
    title: basename(path),
    original,
    input: reading.input,
    probabilities: reading.probabilities,
    label: expected?.length === 1 ? Number(expected) : undefined,
    ...(reading.steps ? { steps: reading.steps } : {}),
  };
}

/**
 * Reads an image file of a written number with `readNumber` (the digits
 * found left to right, each normalised and classified): everything
 * `showNumberReading` shows, with the number the file name says.
 *
 * @throws {ImageError} when the file cannot be read or decoded.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { numberFileView } from "./files.ts";
 * const classify = () => [0, 0, 1, 0, 0, 0, 0, 0, 0, 0]; // a stand-in model
 * const view = await numberFileView("data/examples/number_2024.png", classify);
 * assertEquals([view.title, view.expected, view.digits.length], ["number_2024.png", "2024", 4]);
 * ```
 */
export async function numberFileView(path: string, classify: Classify): Promise<NumberReadingView> {
  const original = await readImage(path);
  const reading = await readNumber(original, classify);
  return {
    title: basename(path),
    original,
    expected: expectedDigits(path),
    digits: reading.digits,
  };
}
