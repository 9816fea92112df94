/**
 * `deno task predict --review FILE_OR_DIR...`: walks image files, shows
 * what the model reads in each and asks for the right digit(s); an answer
 * that differs from the reading is recorded in the corrections store, as
 * `--correct` records it. The questions and answers go through an
 * {@linkcode Ask} function, so that the walk runs on a terminal, on piped
 * input and in tests alike.
 *
 * @module
 */

import { DigitLabError, InvalidArgumentError } from "../core/mod.ts";
import { type FileReading, readImageFile } from "../eval/mod.ts";
import type { CorrectionStore } from "../feedback/mod.ts";
import type { Classify } from "../image/mod.ts";
import { percent } from "./flags.ts";
import { correctFlag, correctionsOf } from "./predict_correct.ts";

/** Asks one question; resolves to the answer line (trimmed), or null at the end of input. */
export type Ask = (question: string) => Promise<string | null>;

/** What {@linkcode reviewFiles} needs. */
export interface ReviewOptions {
  /** The image files, in order. */
  files: readonly string[];
  /** Read whole numbers (`--multi`): answers are a number's digits. */
  multi: boolean;
  /** The model that reads. */
  classify: Classify;
  /** The model's identity (`modelIdOf`). */
  modelId: string;
  /** Where corrections go. */
  store: CorrectionStore;
  /** Asks the user. */
  ask: Ask;
  /** Prints a line (default console.log). */
  say?: (line: string) => void;
}

/** What a review did. */
export interface ReviewSummary {
  /** Files shown with a reading. */
  shown: number;
  /** Readings the user said were right. */
  right: number;
  /** Files corrected. */
  corrected: number;
  /** Corrections recorded (a number's file may give several). */
  recorded: number;
  /** Files skipped by the user, or that could not be read or corrected. */
  skipped: number;
  /** True when the user quit (or the input ended) at a question. */
  quit: boolean;
}

const QUESTION_SINGLE =
  "right digit? [Enter: it is right, 0-9: the right digit, s: skip, q: quit] ";
const QUESTION_MULTI =
  "right number? [Enter: it is right, digits: the right number, s: skip, q: quit] ";

function readingText(r: FileReading, multi: boolean): string {
  const value = multi ? r.number : r.digit;
  return `${r.file}: reads ${value} (${percent(r.confidence ?? 0)}, ${r.status})`;
}

/**
 * Reviews `files` one by one (see the module doc). Files that cannot be
 * read, hold no digit, or (without `multi`) hold several digits are said
 * and skipped. An answer that is neither Enter, `s`, `q` nor valid digits
 * (with `multi`, as many as the digits read) is said to be wrong and asked
 * again.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { CorrectionStore } from "../feedback/mod.ts";
 * import { reviewFiles } from "./review.ts";
 * const dir = await Deno.makeTempDir();
 * const store = CorrectionStore.open({ dir });
 * const answers = ["3", "q"];
 * const summary = await reviewFiles({
 *   files: ["data/examples/drawn_3.png", "data/examples/scan_7.png"],
 *   multi: false,
 *   classify: () => [0, 0, 0, 0, 0, 0.2, 0, 0, 0.8, 0], // a stand-in model that sees 8s
 *   modelId: "0".repeat(64),
 *   store,
 *   ask: () => Promise.resolve(answers.shift() ?? null),
 *   say: () => {},
 * });
 * assertEquals([summary.corrected, summary.quit, store.list()[0].label], [1, true, 3]);
 * store.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function reviewFiles(options: ReviewOptions): Promise<ReviewSummary> {
  const { files, multi, classify, modelId, store, ask } = options;
  const say = options.say ?? console.log;
  const summary: ReviewSummary = {
    shown: 0,
    right: 0,
    corrected: 0,
    recorded: 0,
    skipped: 0,
    quit: false,
  };
  files: for (const file of files) {
    const r = await readImageFile(file, classify, { multi });
    if (r.status === "failed" || r.status === "no-digit" || r.status === "several-digits") {
      const why = r.status === "several-digits" ? `${r.hint}` : `${r.error}`;
      say(`${file}: skipped: ${why}`);
      summary.skipped++;
      continue;
    }
    summary.shown++;
    say(readingText(r, multi));
    for (;;) {
      const answer = await ask(multi ? QUESTION_MULTI : QUESTION_SINGLE);
      if (answer === null || answer === "q") {
        summary.quit = true;
        break files;
      }
      if (answer === "" || answer === "y") {
        summary.right++;
        continue files;
      }
      if (answer === "s") {
        summary.skipped++;
        continue files;
      }
      let label: string;
      try {
        label = correctFlag(answer, multi);
      } catch (e) {
        if (!(e instanceof DigitLabError)) throw e;
        say(`  not an answer: ${e.message.replace(/^--correct( with --multi)? /, "")}`);
        continue;
      }
      try {
        const digits = await correctionsOf({ file, label, multi, classify, modelId });
        const made = digits.filter((d) => d.correction !== null);
        for (const d of made) {
          const c = store.add(d.correction!);
          say(`  recorded correction #${c.id}: ${c.reading} → ${c.label}`);
        }
        if (made.length === 0) summary.right++;
        else {
          summary.corrected++;
          summary.recorded += made.length;
        }
      } catch (e) {
        // A number of the wrong length: the answer is wrong, not the file.
        if (e instanceof InvalidArgumentError) {
          say(`  not an answer: ${e.message}`);
          continue;
        }
        if (!(e instanceof DigitLabError)) throw e;
        say(`  not recorded: ${e.message}`);
        summary.skipped++;
      }
      continue files;
    }
  }
  return summary;
}

/**
 * An {@linkcode Ask} on standard input and output: writes the question
 * without a newline and reads one line, on a terminal or from a pipe
 * (`prompt()` answers null on a pipe). An answer from a pipe is echoed, as
 * a terminal echoes what is typed, so the transcript reads the same.
 *
 * @example
 * ```ts ignore
 * // Not run: it waits for a line on standard input.
 * import { stdinAsk } from "./review.ts";
 * const answer = await stdinAsk()("right digit? ");
 * ```
 */
export function stdinAsk(): Ask {
  const reader = Deno.stdin.readable.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = "";
  let ended = false;
  const encoder = new TextEncoder();
  const echo = !Deno.stdin.isTerminal();
  return async (question: string) => {
    await Deno.stdout.write(encoder.encode(question));
    while (!buffered.includes("\n") && !ended) {
      const { value, done } = await reader.read();
      if (done) ended = true;
      else buffered += value;
    }
    if (buffered === "" && ended) return null;
    const end = buffered.indexOf("\n");
    const line = end < 0 ? buffered : buffered.slice(0, end);
    buffered = end < 0 ? "" : buffered.slice(end + 1);
    if (echo) await Deno.stdout.write(encoder.encode(`${line}\n`));
    return line.trim();
  };
}
