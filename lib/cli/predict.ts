/**
 * `deno task predict [--model DIR] [--multi] [--json] FILE_OR_DIR...`:
 * reads handwritten digits (or, with `--multi`, whole numbers) from image
 * files and prints each reading with its confidence and alternatives.
 *
 * @module
 */

import { setupBackend } from "../kernels/mod.ts";
import { dataPath, InvalidArgumentError, ModelLoadError, resolvePath } from "../core/mod.ts";
import { loadModel } from "../model/mod.ts";
import {
  collectImageFiles,
  createClassifier,
  type FileReading,
  readImageFile,
} from "../eval/mod.ts";
import { formatTable } from "../display/mod.ts";
import { percent } from "./flags.ts";
import { parseFlags, runCli } from "./run.ts";

const HELP = `Usage: deno task predict [--model DIR] [--multi] [--json] FILE_OR_DIR...

Reads the handwritten digit in each image (PNG, JPEG, GIF, BMP, WebP, TIFF);
directories are read recursively.

Options:
  --model DIR   model directory (default data/models/default, the shipped model)
  --multi       read a whole number per image (digits left to right)
  --json        one JSON object per line: file, digit (or number), confidence,
                alternatives, digits, status, error
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
    string: ["model"],
    boolean: ["multi", "json"],
  });
  if (flags.help) {
    console.log(HELP);
    return 0;
  }
  const inputs = flags._;
  if (inputs.length === 0) {
    throw new InvalidArgumentError("no image given: pass one or more files or directories");
  }
  const modelDir = resolvePath(flags.model ?? dataPath("models", "default"));
  const files = await collectImageFiles(inputs);
  if (files.length === 0) {
    throw new InvalidArgumentError(`no image files found in ${inputs.join(", ")}`);
  }
  await setupBackend();
  const { model } = await loadModel(modelDir).catch((e) => {
    if (e instanceof ModelLoadError && flags.model === undefined) {
      throw new ModelLoadError(
        `${e.message}\nThe shipped model should be in data/models/default; train one with ` +
          "`deno task train` and pass --model data/models/latest.",
        { cause: e },
      );
    }
    throw e;
  });
  try {
    const classify = createClassifier(model);
    const results: FileReading[] = [];
    for (const file of files) {
      const r = await readImageFile(file, classify, { multi: flags.multi });
      results.push(r);
      if (flags.json) console.log(JSON.stringify(r));
    }
    if (!flags.json) console.log(formatResults(results, flags.multi));
    return results.some((r) => r.status === "failed") ? 1 : 0;
  } finally {
    model.dispose();
  }
}

function formatResults(results: FileReading[], multi: boolean): string {
  const rows = results.map((r) => {
    const reading = multi ? r.number : r.digit;
    const others = multi
      ? r.digits.map((d) => `${d.digit} ${percent(d.confidence)}`).join(", ")
      : r.alternatives.slice(1).map((a) => `${a.digit} ${percent(a.probability)}`).join(", ");
    return [
      r.file,
      reading === null ? "-" : String(reading),
      r.confidence === null ? "-" : percent(r.confidence),
      r.error ?? others,
    ];
  });
  return formatTable(rows, {
    header: ["file", multi ? "number" : "digit", "confidence", multi ? "digits" : "alternatives"],
    align: ["left", "right", "right", "left"],
  });
}

if (import.meta.main) await runCli(main);
