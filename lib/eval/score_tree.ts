/**
 * Scoring a labelled folder tree of real images, as a user would read them:
 * `<anything>/<label>/<image>` holds single digits (the label is a folder
 * named `0`..`9`; the folder above it is the "group" reported, such as a
 * source `usps-cedar/`), and `multi/<number>__<name>` holds written numbers
 * (the number is the part of the file name before `__`, leading zeros kept),
 * read in multi-digit mode. Every file is read through a {@linkcode TreeReader}
 * (the command passes `readImageFile` with the model, so the score is what
 * `deno task predict` says) and the readings are summed up: accuracy per
 * group and overall, confusion pairs, numbers read exactly, and calibration
 * (accuracy by confidence band and the expected calibration error).
 *
 * A file that is not an image, or an image outside a label folder or
 * `multi/`, is listed as skipped with its reason, never silently dropped; an
 * image that fails to decode is listed with its error and counts as wrong.
 *
 * @module
 */

import { basename, extname, relative, SEPARATOR } from "@std/path";
import { InvalidArgumentError } from "../core/mod.ts";
import { findImageFiles, IMAGE_EXTENSIONS } from "./image_files.ts";
import type { Alternative } from "./read_file.ts";

/** One labelled image of the tree. */
export interface TreeItem {
  /** The file's path (the root joined with `path`). */
  file: string;
  /** The file's path inside the tree (`"usps-cedar/7/a.png"`), as reports show it. */
  path: string;
  /** `"digit"`: one digit, read in single-digit mode; `"number"`: read with `multi`. */
  kind: "digit" | "number";
  /** The true reading: a digit `"0"`..`"9"`, or a number's digits (`"0869"`). */
  truth: string;
  /**
   * Where it belongs in the report: for a digit the folder above its label
   * folder, relative to the root (the root's own name when the label folders
   * sit in the root); for a number the folder it is in (`"multi"`).
   */
  group: string;
}

/** A file of the tree that is not scored, and why. */
export interface SkippedFile {
  /** The file's path. */
  file: string;
  /** The file's path inside the tree. */
  path: string;
  /** Why it is not scored. */
  reason: string;
}

/** What {@linkcode listLabelledTree} found. */
export interface TreeListing {
  /** The labelled images, in sorted path order. */
  items: TreeItem[];
  /** Everything else, in sorted path order. */
  skipped: SkippedFile[];
}

/**
 * The fields of a reading that scoring uses: those of `FileReading` (what
 * `readImageFile` returns and `predict --json` prints). `status` is kept as
 * any string so that a newer status (such as `"unsure"`) is reported as it
 * is; `hint` may be absent.
 */
export interface ScoredReading {
  /** `"ok"`, `"no-digit"`, `"failed"` or any other status the reader gives. */
  status: string;
  /** The digit read (single-digit mode), or null. */
  digit: number | null;
  /** The number read (multi-digit mode), or null. */
  number: string | null;
  /** Confidence of the reading, or null when there is none. */
  confidence: number | null;
  /** Single-digit mode: the most probable digits, best first. */
  alternatives: readonly Alternative[];
  /** Each digit read, left to right, with its confidence. */
  digits: readonly { digit: number; confidence: number }[];
  /** Why nothing was read, or null. */
  error: string | null;
  /** Advice on the reading (e.g. several digits side by side), or null. */
  hint?: string | null;
}

/**
 * Reads one file: in single-digit mode, or with `multi` as a number. The
 * command passes `(file, o) => readImageFile(file, classify, o)`.
 */
export type TreeReader = (file: string, options: { multi: boolean }) => Promise<ScoredReading>;

/** One image of the tree with its reading, judged. */
export interface ScoredItem extends TreeItem {
  /** What was read: the digit or number as text, or null (no digit found, or failed). */
  read: string | null;
  /** Whether `read` equals `truth` (a number: every digit, none missing or extra). */
  correct: boolean;
  /** The reading's confidence, or null. */
  confidence: number | null;
  /**
   * The reading's status; `"several digits"` for a single-digit reading
   * that is `"ok"` with a hint (as `predict`'s table shows it).
   */
  status: string;
  /** The read or decode error, or null. */
  error: string | null;
  /** The top alternatives (single digits), best first. */
  alternatives: Alternative[];
  /** Each digit read with its confidence (numbers: left to right). */
  digits: { digit: number; confidence: number }[];
}

/** Accuracy of one group (or of all single digits). */
export interface GroupScore {
  /** The group (`"usps-cedar"`), or `"all"` for the overall line. */
  group: string;
  /** Images scored. */
  images: number;
  /** Images read right. */
  correct: number;
  /** `correct / images`. */
  accuracy: number;
  /** Images where no digit was found. */
  noDigit: number;
  /** Images that could not be read or decoded (counted wrong). */
  failed: number;
}

/** A confusion: how often a digit was read as something else. */
export interface ConfusionPair {
  /** The true digit. */
  truth: string;
  /** What was read: a digit, `"no digit"` or `"failed"`. */
  read: string;
  /** How many images. */
  count: number;
}

/** How the written numbers were read. */
export interface NumbersScore {
  /** Numbers scored. */
  count: number;
  /** Numbers read exactly. */
  exact: number;
  /** Each number's reading, in file order. */
  items: ScoredItem[];
}

/** Accuracy of the readings whose confidence falls in one band. */
export interface ConfidenceBand {
  /** The band as shown, such as `"0.9–0.99"`. */
  label: string;
  /** Lowest confidence in the band (inclusive). */
  low: number;
  /** Highest confidence (exclusive; the last band includes 1). */
  high: number;
  /** Readings in the band. */
  count: number;
  /** Readings in the band that are right. */
  correct: number;
  /** `correct / count`, or null for an empty band. */
  accuracy: number | null;
  /** Mean confidence of the band's readings, or null for an empty band. */
  meanConfidence: number | null;
}

/** Whether the confidence of the readings means what it says. */
export interface CalibrationScore {
  /** Readings that have a confidence (images with no digit found or failed have none). */
  count: number;
  /** Accuracy by confidence band, lowest band first. */
  bands: ConfidenceBand[];
  /** Expected calibration error (see {@linkcode calibrationOf}), or null with no readings. */
  ece: number | null;
  /** The confidence from which a wrong reading counts as confidently wrong: 0.9. */
  confidentAt: number;
  /** Wrong readings with confidence ≥ `confidentAt`. */
  confidentWrong: number;
}

/** Readings of one status and how many of them are right. */
export interface StatusCount {
  /** The status (`"ok"`, `"no-digit"`, `"unsure"`, `"several digits"`, ...). */
  status: string;
  /** Readings with this status. */
  count: number;
  /** Of them, read right. */
  correct: number;
}

/** What {@linkcode scoreTree} measured. */
export interface TreeScore {
  /** The tree's root, as given. */
  root: string;
  /** Single digits per group, in group order. */
  groups: GroupScore[];
  /** All single digits together (group `"all"`). */
  overall: GroupScore;
  /** Misread single digits by (truth, read), most frequent first. */
  confusions: ConfusionPair[];
  /** The written numbers. */
  numbers: NumbersScore;
  /** Calibration of the single-digit readings. */
  calibration: CalibrationScore;
  /** Single-digit readings per status, most frequent first. */
  statuses: StatusCount[];
  /** Images that could not be read or decoded, with the error. */
  failures: { file: string; path: string; error: string }[];
  /** Files not scored, with the reason. */
  skipped: SkippedFile[];
  /** Every scored image (digits, then numbers, each in path order). */
  items: ScoredItem[];
}

const LABEL_FOLDER = /^[0-9]$/;
const NUMBER_FOLDER = "multi";
const NUMBER_NAME = /^([0-9]+)__/;

/**
 * Where a file of the tree belongs: a labelled item, or the reason it is
 * skipped. `path` is the file's path relative to the root; `rootName` names
 * the group of label folders that sit in the root itself.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { classifyTreePath } from "./score_tree.ts";
 * assertEquals(classifyTreePath("scans/7/a.png", "set"), { kind: "digit", truth: "7", group: "scans" });
 * assertEquals(classifyTreePath("3/b.jpg", "set"), { kind: "digit", truth: "3", group: "set" });
 * assertEquals(classifyTreePath("multi/0869__cam.png", "set"), {
 *   kind: "number", truth: "0869", group: "multi",
 * });
 * assertEquals(classifyTreePath("SOURCE.md", "set"), { reason: "not an image" });
 * ```
 */
export function classifyTreePath(
  path: string,
  rootName: string,
): Omit<TreeItem, "file" | "path"> | { reason: string } {
  const parts = path.split(SEPARATOR).filter((p) => p !== "" && p !== ".");
  const name = parts.at(-1) ?? "";
  if (!IMAGE_EXTENSIONS.has(extname(name).toLowerCase())) return { reason: "not an image" };
  const folder = parts.at(-2);
  if (folder !== undefined && LABEL_FOLDER.test(folder)) {
    const group = parts.slice(0, -2).join("/");
    return { kind: "digit", truth: folder, group: group === "" ? rootName : group };
  }
  if (folder === NUMBER_FOLDER) {
    const number = NUMBER_NAME.exec(name)?.[1];
    if (number === undefined) {
      return { reason: `a number's file name must start with its digits and "__"` };
    }
    return { kind: "number", truth: number, group: parts.slice(0, -1).join("/") };
  }
  return { reason: `not in a label folder (0-9) or ${NUMBER_FOLDER}/` };
}

/**
 * Lists a labelled folder tree: its digit and number images, and every
 * other file with the reason it is skipped.
 *
 * @throws {InvalidArgumentError} when `root` is not a directory.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { listLabelledTree } from "./score_tree.ts";
 * const root = await Deno.makeTempDir();
 * await Deno.mkdir(`${root}/scans/4`, { recursive: true });
 * await Deno.writeFile(`${root}/scans/4/a.png`, new Uint8Array());
 * await Deno.writeTextFile(`${root}/README.md`, "notes");
 * const tree = await listLabelledTree(root);
 * assertEquals(tree.items.map((i) => [i.truth, i.group]), [["4", "scans"]]);
 * assertEquals(tree.skipped, [{ file: `${root}/README.md`, path: "README.md", reason: "not an image" }]);
 * await Deno.remove(root, { recursive: true });
 * ```
 */
export async function listLabelledTree(root: string): Promise<TreeListing> {
  let info: Deno.FileInfo | undefined;
  try {
    info = await Deno.stat(root);
  } catch {
    info = undefined;
  }
  if (!info?.isDirectory) {
    throw new InvalidArgumentError(`${root} is not a directory: give the root of a labelled tree`);
  }
  const found = await findImageFiles([root]);
  const rootName = basename(root.replace(/[\\/]+$/, "")) || root;
  const listing: TreeListing = { items: [], skipped: [] };
  for (const file of [...found.files, ...found.skipped].sort()) {
    const path = relative(root, file);
    const place = classifyTreePath(path, rootName);
    if ("reason" in place) listing.skipped.push({ file, path, reason: place.reason });
    else listing.items.push({ file, path, ...place });
  }
  return listing;
}

/**
 * Judges one reading against its item.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { scoreItem } from "./score_tree.ts";
 * const item = { file: "s/7/a.png", path: "7/a.png", kind: "digit" as const, truth: "7", group: "s" };
 * const reading = {
 *   status: "ok", digit: 1, number: null, confidence: 0.8, error: null, hint: null,
 *   alternatives: [{ digit: 1, probability: 0.8 }], digits: [{ digit: 1, confidence: 0.8 }],
 * };
 * const scored = scoreItem(item, reading);
 * assertEquals([scored.read, scored.correct, scored.status], ["1", false, "ok"]);
 * ```
 */
export function scoreItem(item: TreeItem, reading: ScoredReading): ScoredItem {
  const read = item.kind === "number"
    ? reading.number
    : reading.digit === null
    ? null
    : String(reading.digit);
  const several = item.kind === "digit" && reading.status === "ok" &&
    (reading.hint ?? null) !== null;
  return {
    ...item,
    read,
    correct: read !== null && read === item.truth,
    confidence: reading.confidence,
    status: several ? "several digits" : reading.status,
    error: reading.error,
    alternatives: reading.alternatives.map((a) => ({ digit: a.digit, probability: a.probability })),
    digits: reading.digits.map((d) => ({ digit: d.digit, confidence: d.confidence })),
  };
}

/** The confidence bands of {@linkcode calibrationOf}: lower edges, then 1. */
const BAND_EDGES = [0, 0.5, 0.7, 0.9, 0.99, 1];
/** Bins of the expected calibration error: 10 of equal width, the usual choice. */
const ECE_BINS = 10;
/** A wrong reading at this confidence or above is one the user would trust. */
const CONFIDENT = 0.9;

function bandLabel(low: number, high: number): string {
  if (low === 0) return `<${high}`;
  if (high === 1) return `≥${low}`;
  return `${low}–${high}`;
}

/**
 * Calibration of readings (confidence and whether each was right):
 * accuracy, count and mean confidence in the bands <0.5, 0.5–0.7, 0.7–0.9,
 * 0.9–0.99 and ≥0.99, the number of wrong readings with confidence ≥ 0.9,
 * and the expected calibration error
 *
 *   ECE = Σ_b (n_b / N) · |accuracy_b − mean confidence_b|
 *
 * over 10 equal-width bins of confidence ([0, 0.1), [0.1, 0.2), …,
 * [0.9, 1], a confidence of 1 in the last), where n_b readings of the N fall
 * in bin b. A perfectly calibrated reader (right 80% of the times it says
 * 0.8) has ECE 0; one that is always sure and right half the time, 0.5.
 *
 * @throws {InvalidArgumentError} when a confidence is not a number in [0, 1].
 *
 * @example
 * ```ts
 * import { assertAlmostEquals, assertEquals } from "@std/assert";
 * import { calibrationOf } from "./score_tree.ts";
 * const c = calibrationOf([
 *   { confidence: 0.95, correct: true },
 *   { confidence: 0.95, correct: false }, // bin [0.9, 1]: accuracy 0.5, confidence 0.95
 *   { confidence: 0.6, correct: true }, // bin [0.6, 0.7): accuracy 1, confidence 0.6
 * ]);
 * assertAlmostEquals(c.ece!, (2 / 3) * 0.45 + (1 / 3) * 0.4, 1e-12);
 * assertEquals([c.confidentWrong, c.bands[3].label, c.bands[3].count], [1, "0.9–0.99", 2]);
 * ```
 */
export function calibrationOf(
  readings: readonly { confidence: number; correct: boolean }[],
): CalibrationScore {
  for (const r of readings) {
    if (!(Number.isFinite(r.confidence) && r.confidence >= 0 && r.confidence <= 1)) {
      throw new InvalidArgumentError(`a confidence must be in [0, 1], got ${r.confidence}`);
    }
  }
  const bands: ConfidenceBand[] = BAND_EDGES.slice(0, -1).map((low, i) => {
    const high = BAND_EDGES[i + 1];
    const last = i === BAND_EDGES.length - 2;
    const inside = readings.filter((r) =>
      r.confidence >= low && (r.confidence < high || (last && r.confidence <= high))
    );
    const correct = inside.filter((r) => r.correct).length;
    return {
      label: bandLabel(low, high),
      low,
      high,
      count: inside.length,
      correct,
      accuracy: inside.length === 0 ? null : correct / inside.length,
      meanConfidence: inside.length === 0 ? null : mean(inside.map((r) => r.confidence)),
    };
  });
  const bins = Array.from({ length: ECE_BINS }, () => ({ n: 0, right: 0, confidence: 0 }));
  for (const r of readings) {
    const bin = bins[Math.min(ECE_BINS - 1, Math.floor(r.confidence * ECE_BINS))];
    bin.n++;
    bin.right += r.correct ? 1 : 0;
    bin.confidence += r.confidence;
  }
  const n = readings.length;
  const ece = n === 0
    ? null
    : bins.reduce((sum, b) => b.n === 0 ? sum : sum + Math.abs(b.right - b.confidence) / n, 0);
  return {
    count: n,
    bands,
    ece,
    confidentAt: CONFIDENT,
    confidentWrong: readings.filter((r) => !r.correct && r.confidence >= CONFIDENT).length,
  };
}

function mean(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

function groupScore(group: string, items: readonly ScoredItem[]): GroupScore {
  const correct = items.filter((i) => i.correct).length;
  return {
    group,
    images: items.length,
    correct,
    accuracy: items.length === 0 ? 0 : correct / items.length,
    noDigit: items.filter((i) => i.read === null && i.status !== "failed").length,
    failed: items.filter((i) => i.status === "failed").length,
  };
}

/** What a misread single digit was read as, for the confusion pairs. */
function readAs(item: ScoredItem): string {
  if (item.read !== null) return item.read;
  return item.status === "failed" ? "failed" : "no digit";
}

/**
 * Sums up scored images: accuracy per group and overall (single digits),
 * confusion pairs, numbers read exactly, calibration and statuses.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { scoreItem, summarizeScores } from "./score_tree.ts";
 * const reading = (digit: number) => ({
 *   status: "ok", digit, number: null, confidence: 0.9, error: null,
 *   alternatives: [], digits: [{ digit, confidence: 0.9 }],
 * });
 * const item = (file: string, truth: string) => ({
 *   file, path: file, kind: "digit" as const, truth, group: "g",
 * });
 * const score = summarizeScores("root", [
 *   scoreItem(item("a", "1"), reading(1)),
 *   scoreItem(item("b", "7"), reading(1)),
 * ], []);
 * assertEquals([score.overall.accuracy, score.confusions], [0.5, [{ truth: "7", read: "1", count: 1 }]]);
 * ```
 */
export function summarizeScores(
  root: string,
  items: readonly ScoredItem[],
  skipped: readonly SkippedFile[],
): TreeScore {
  const singles = items.filter((i) => i.kind === "digit");
  const numbers = items.filter((i) => i.kind === "number");
  const groupNames = [...new Set(singles.map((i) => i.group))].sort();
  const pairs = new Map<string, ConfusionPair>();
  for (const item of singles.filter((i) => !i.correct)) {
    const read = readAs(item);
    const key = `${item.truth}\u0000${read}`;
    const pair = pairs.get(key) ?? { truth: item.truth, read, count: 0 };
    pair.count++;
    pairs.set(key, pair);
  }
  const statuses = new Map<string, StatusCount>();
  for (const item of singles) {
    const s = statuses.get(item.status) ?? { status: item.status, count: 0, correct: 0 };
    s.count++;
    s.correct += item.correct ? 1 : 0;
    statuses.set(item.status, s);
  }
  return {
    root,
    groups: groupNames.map((g) => groupScore(g, singles.filter((i) => i.group === g))),
    overall: groupScore("all", singles),
    confusions: [...pairs.values()].sort((a, b) =>
      b.count - a.count || a.truth.localeCompare(b.truth) || a.read.localeCompare(b.read)
    ),
    numbers: {
      count: numbers.length,
      exact: numbers.filter((i) => i.correct).length,
      items: [...numbers],
    },
    calibration: calibrationOf(
      singles.filter((i) => i.confidence !== null).map((i) => ({
        confidence: i.confidence!,
        correct: i.correct,
      })),
    ),
    statuses: [...statuses.values()].sort((a, b) =>
      b.count - a.count || a.status.localeCompare(b.status)
    ),
    failures: items.filter((i) => i.status === "failed").map((i) => ({
      file: i.file,
      path: i.path,
      error: i.error ?? "failed",
    })),
    skipped: [...skipped],
    items: [...singles, ...numbers],
  };
}

/**
 * Checks that a listing holds labelled images before anything is read.
 *
 * @throws {InvalidArgumentError} naming `root`, the layout it expects and
 *   how many files were skipped, when the listing holds no labelled image.
 *
 * @example
 * ```ts
 * import { assertThrows } from "@std/assert";
 * import { assertLabelled } from "./score_tree.ts";
 * const skipped = [{ file: "set/a.txt", path: "a.txt", reason: "not an image" }];
 * assertThrows(() => assertLabelled("set", { items: [], skipped }), Error, "1 files skipped");
 * ```
 */
export function assertLabelled(root: string, listing: TreeListing): void {
  if (listing.items.length > 0) return;
  throw new InvalidArgumentError(
    `no labelled images in ${root}: expected <label 0-9>/<image> or ` +
      `${NUMBER_FOLDER}/<number>__<name> (${listing.skipped.length} files skipped)`,
  );
}

/** Options of {@linkcode scoreListing} and {@linkcode scoreTree}. */
export interface ScoreTreeOptions {
  /** Called after each image with the count done and the total. */
  onProgress?: (done: number, total: number) => void;
}

/**
 * Reads every image of a listing with `read` (digits one by one, numbers
 * with `multi`) and sums up the score.
 *
 * @throws {InvalidArgumentError} when the listing holds no labelled image.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { scoreListing } from "./score_tree.ts";
 * const listing = {
 *   items: [{ file: "t/1/a.png", path: "1/a.png", kind: "digit" as const, truth: "1", group: "t" }],
 *   skipped: [],
 * };
 * const read = () =>
 *   Promise.resolve({
 *     status: "ok", digit: 1, number: null, confidence: 0.99, error: null,
 *     alternatives: [], digits: [],
 *   });
 * assertEquals((await scoreListing("t", listing, read)).overall.correct, 1);
 * ```
 */
export async function scoreListing(
  root: string,
  listing: TreeListing,
  read: TreeReader,
  options: ScoreTreeOptions = {},
): Promise<TreeScore> {
  assertLabelled(root, listing);
  const scored: ScoredItem[] = [];
  for (const item of listing.items) {
    scored.push(scoreItem(item, await read(item.file, { multi: item.kind === "number" })));
    options.onProgress?.(scored.length, listing.items.length);
  }
  return summarizeScores(root, scored, listing.skipped);
}

/**
 * Lists a labelled tree, reads every image with `read` (digits one by one,
 * numbers with `multi`) and sums up the score.
 *
 * @throws {InvalidArgumentError} when `root` is not a directory or holds no
 *   labelled image.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { scoreTree } from "./score_tree.ts";
 * import { readImageFile } from "./read_file.ts";
 * const root = await Deno.makeTempDir();
 * await Deno.mkdir(`${root}/scans/4`, { recursive: true });
 * await Deno.copyFile("data/examples/photo_4.jpg", `${root}/scans/4/photo.jpg`);
 * const classify = () => [0, 0, 0, 0, 0.9, 0, 0, 0, 0, 0.1]; // a stand-in model
 * const score = await scoreTree(root, (file, o) => readImageFile(file, classify, o));
 * assertEquals([score.groups[0].group, score.overall.accuracy], ["scans", 1]);
 * await Deno.remove(root, { recursive: true });
 * ```
 */
export async function scoreTree(
  root: string,
  read: TreeReader,
  options: ScoreTreeOptions = {},
): Promise<TreeScore> {
  return await scoreListing(root, await listLabelledTree(root), read, options);
}
