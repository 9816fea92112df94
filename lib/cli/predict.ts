/**
 * `deno task predict [--model DIR] [--multi] [--json] FILE_OR_DIR...`:
 * reads handwritten digits (or, with `--multi`, whole numbers) from image
 * files and prints each reading with its confidence, alternatives and
 * status. Errors also go to stderr, one line each; a directory's files that
 * are not images are counted in a closing line. With `--correct LABEL
 * FILE` it also records the right digit(s) of one file in the corrections
 * store (`data/feedback/`, see `deno task corrections`); with `--review`
 * it asks for the right digit of each file and records the corrections.
 *
 * @module
 */

import { dataPath, InvalidArgumentError, resolvePath } from "../core/mod.ts";
import {
  type FileReading,
  findImageFiles,
  type ImageFileList,
  readImageFile,
} from "../eval/mod.ts";
import { formatTable } from "../display/mod.ts";
import { CorrectionStore, modelIdOf } from "../feedback/mod.ts";
import { percent } from "./flags.ts";
import { parseFlags, runCli } from "./run.ts";
import { loadReadingModel } from "./reading_model.ts";
import { correctFlag, correctionsOf, type CorrectRequest } from "./predict_correct.ts";
import { reviewFiles, stdinAsk } from "./review.ts";

const HELP = `Usage: deno task predict [--model DIR] [--multi] [--json] FILE_OR_DIR...
       deno task predict [--model DIR] [--multi] --correct LABEL FILE
       deno task predict [--model DIR] [--multi] --review FILE_OR_DIR...

Reads the handwritten digit in each image (PNG, JPEG, GIF, BMP, WebP, TIFF);
directories are read recursively (files that are not images are skipped and
counted). The confidence is calibrated when the model directory has a
calibration.json (deno task calibrate): letters, shapes and scribbles read
low. The status is "ok", "unsure" (confidence below 50%: the best reading is
still shown, with its alternatives), "several digits" (the image holds a
number: it is read as with --multi, which you should use), "no digit" or
"failed".

Options:
  --model DIR   model directory (default data/models/default, the shipped model)
  --multi       read a whole number per image (digits left to right)
  --json        one JSON object per line: file, digit (or number), confidence,
                alternatives, digits, status (ok, unsure, several-digits,
                no-digit, failed), error, hint (errors and the closing
                count go to stderr)
  --correct L   read one FILE and record the right digit L for it in the
                corrections store, when the model read it wrong (with
                --multi: one digit per digit read, such as 1285); prints
                "recorded correction #id: <reading> → <label>" (on stderr
                with --json). See deno task corrections.
  --review      show the reading of each file in turn and ask for the right
                digit (Enter: it is right, s: skip, q: quit); a different
                answer is recorded as --correct records it
  --feedback-dir DIR  the corrections store (default data/feedback)
  -h, --help    show this help

A blank image reads as "no digit found" (never a guess). Exit code: 0 when
every file could be read, 1 when any could not be read or decoded, 2 on bad
usage.
`;

/**
 * Runs the predict command and returns the exit code.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { main } from "./predict.ts";
 * // Prints {"file":"data/examples/scan_7.png","digit":7,...} and exits 0.
 * assertEquals(await main(["--json", "data/examples/scan_7.png"]), 0);
 * ```
 */
export async function main(args: string[]): Promise<number> {
  const flags = parseFlags(args, {
    string: ["model", "correct", "feedback-dir"],
    boolean: ["multi", "json", "review"],
  });
  if (flags.help) {
    console.log(HELP);
    return 0;
  }
  const inputs = flags._;
  if (inputs.length === 0) {
    throw new InvalidArgumentError("no image given: pass one or more files or directories");
  }
  const label = flags.correct === undefined ? undefined : correctFlag(flags.correct, flags.multi);
  if (flags.review && (label !== undefined || flags.json)) {
    throw new InvalidArgumentError(
      `--review asks for each file's digit: it goes without ${flags.json ? "--json" : "--correct"}`,
    );
  }
  if (flags["feedback-dir"] !== undefined && label === undefined && !flags.review) {
    throw new InvalidArgumentError("--feedback-dir is for --correct and --review (see --help)");
  }
  const found = await findImageFiles(inputs);
  if (found.files.length === 0) {
    const skipped = found.skipped.length > 0 ? `; ${skippedText(found)}` : "";
    throw new InvalidArgumentError(`no image files found in ${inputs.join(", ")}${skipped}`);
  }
  if (label !== undefined && (inputs.length !== 1 || found.directories.length > 0)) {
    throw new InvalidArgumentError(
      `--correct takes one image file, got ${inputs.map((i) => JSON.stringify(i)).join(", ")}` +
        (found.directories.length > 0 ? " (a directory)" : ""),
    );
  }
  // Opened before the model loads: a store that cannot be written fails at once.
  const store = label === undefined && !flags.review
    ? undefined
    : CorrectionStore.open({ dir: resolvePath(flags["feedback-dir"] ?? dataPath("feedback")) });
  try {
    if (flags.review) return await review(flags, found.files, store!);
    return await predict(flags, found, label, store);
  } finally {
    store?.close();
  }
}

async function review(
  flags: { model?: string; multi: boolean },
  files: string[],
  store: CorrectionStore,
): Promise<number> {
  const { model, dir, classify } = await loadReadingModel(flags.model);
  try {
    const s = await reviewFiles({
      files,
      multi: flags.multi,
      classify,
      modelId: await modelIdOf(dir),
      store,
      ask: stdinAsk(),
    });
    console.log(
      `\n${s.shown} of ${files.length} files shown: ${s.right} right, ${s.corrected} corrected ` +
        `(${s.recorded} ${s.recorded === 1 ? "correction" : "corrections"} recorded in ` +
        `${store.path}), ${s.skipped} skipped` +
        (s.quit ? ", then quit" : ""),
    );
    return 0;
  } finally {
    model.dispose();
  }
}

async function predict(
  flags: { model?: string; multi: boolean; json: boolean },
  found: ImageFileList,
  label: string | undefined,
  store: CorrectionStore | undefined,
): Promise<number> {
  const files = found.files;
  // Calibrated when the model directory has a calibration.json.
  const { model, dir, classify } = await loadReadingModel(flags.model);
  try {
    const results: FileReading[] = [];
    for (const file of files) {
      const r = await readImageFile(file, classify, { multi: flags.multi });
      results.push(r);
      if (flags.json) console.log(JSON.stringify(r));
      if (r.status === "failed") console.error(errorLine(r));
    }
    if (!flags.json) console.log(formatResults(results, flags.multi));
    // The count matters when directories were read (their non-images are
    // skipped silently otherwise); stdout stays pure JSON lines with --json.
    if (found.directories.length > 0 && !(flags.json && found.skipped.length === 0)) {
      (flags.json ? console.error : console.log)(closingLine(found));
    }
    const failed = results.some((r) => r.status === "failed");
    if (label !== undefined && store !== undefined && !failed) {
      // On stderr with --json: stdout stays the JSON readings.
      const say = flags.json ? console.error : console.log;
      const request = { file: files[0], label, multi: flags.multi, classify };
      await recordCorrections({ ...request, modelId: await modelIdOf(dir) }, store, say);
    }
    return failed ? 1 : 0;
  } finally {
    model.dispose();
  }
}

/** Records the corrections of `request` (the digits read wrong) and says what it did. */
async function recordCorrections(
  request: CorrectRequest,
  store: CorrectionStore,
  say: (line: string) => void,
): Promise<void> {
  const digits = await correctionsOf(request);
  for (const d of digits) {
    if (d.correction === null) continue;
    const c = store.add(d.correction);
    say(`recorded correction #${c.id}: ${c.reading} → ${c.label}`);
  }
  if (digits.every((d) => d.correction === null)) {
    say(`nothing recorded: ${request.file} already reads ${request.label}`);
  }
}

const STATUS_TEXT: Record<FileReading["status"], string> = {
  "ok": "ok",
  "unsure": "unsure",
  "several-digits": "several digits",
  "no-digit": "no digit",
  "failed": "failed",
};

/** The status shown in the table. */
function statusText(r: FileReading): string {
  return STATUS_TEXT[r.status];
}

/** One stderr line for a failed file; names the file once. */
function errorLine(r: FileReading): string {
  const error = r.error ?? "failed";
  return error.includes(r.file) ? error : `${r.file}: ${error}`;
}

/** The error or hint for the table's note column, without the path the file column shows. */
function noteText(r: FileReading): string {
  const note = r.error ?? r.hint;
  if (note === null) return "";
  const path = r.file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  // "PATH: why", "cannot read image file PATH: why", "...: stat 'PATH'".
  return note.replace(new RegExp(`^${path}: `), "")
    .replace(new RegExp(`(: \\w+)? '${path}'`, "g"), "")
    .replaceAll(` ${r.file}`, "");
}

function skippedText(found: ImageFileList): string {
  return `${found.skipped.length} skipped (not images)`;
}

function closingLine(found: ImageFileList): string {
  const n = found.files.length;
  return `${n} ${n === 1 ? "file" : "files"} read, ${skippedText(found)}`;
}

function formatResults(results: FileReading[], multi: boolean): string {
  const rows = results.map((r) => {
    // A number found without --multi shows as the number it is.
    const reading = multi || r.status === "several-digits" ? r.number : r.digit;
    // The same alternatives as the JSON: the top-3, the digit read first.
    const others = multi
      ? r.digits.map((d) => `${d.digit} ${percent(d.confidence)}`).join(", ")
      : r.alternatives.map((a) => `${a.digit} ${percent(a.probability)}`).join(", ");
    return [
      r.file,
      reading === null ? "-" : String(reading),
      r.confidence === null ? "-" : percent(r.confidence),
      others === "" ? "-" : others,
      statusText(r),
      noteText(r),
    ];
  });
  return formatTable(rows, {
    header: [
      "file",
      multi ? "number" : "digit",
      "confidence",
      multi ? "digits" : "alternatives",
      "status",
      "error / hint",
    ],
    align: ["left", "right", "right", "left", "left", "left"],
  });
}

if (import.meta.main) await runCli(main);
