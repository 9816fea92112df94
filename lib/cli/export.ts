/**
 * `deno task export --model DIR --format FORMAT --out PATH`: writes a saved
 * model in another format (ONNX, the TF.js layers format with uint8 or
 * float16 weights, or a static web page that reads drawn digits offline)
 * and reports what it wrote.
 *
 * @module
 */

import { InvalidArgumentError, resolvePath } from "../core/mod.ts";
import { EXPORT_FORMATS, exportModel } from "../export/mod.ts";
import { setupBackend } from "../kernels/mod.ts";
import { parseFlags, runCli } from "./run.ts";

const HELP = `Usage: deno task export --model DIR --format FORMAT --out PATH [--json]

Writes the saved model in DIR (the TF.js layers format of "deno task train")
in another format at PATH, which must not exist. The export is all or
nothing: it is written beside PATH and moved there once complete.

Formats:
${
  Object.entries(EXPORT_FORMATS).map(([name, f]) => `  ${name.padEnd(14)}${f.description}`).join(
    "\n",
  )
}

Options:
  --model DIR      the model directory (e.g. data/models/default)
  --format FORMAT  one of ${Object.keys(EXPORT_FORMATS).join(", ")}
  --out PATH       the file (onnx) or directory (tfjs-*, web) to write
  --json           print one JSON object instead of a table
  -h, --help       show this help

A tfjs-* export loads with "deno task predict --model PATH" and with stock
TensorFlow.js (tf.loadLayersModel). A web export is a folder to put on any
static file host (it needs http(s), not file://), e.g.
  python3 -m http.server -d PATH 8080   then open http://127.0.0.1:8080/
`;

/**
 * Runs the export command and returns the exit code.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { main } from "./export.ts";
 * assertEquals(await main(["--help"]), 0);
 * ```
 */
export async function main(args: string[]): Promise<number> {
  const flags = parseFlags(args, {
    string: ["model", "format", "out"],
    boolean: ["json"],
    positional: false,
  });
  if (flags.help) {
    console.log(HELP);
    return 0;
  }
  for (const name of ["model", "format", "out"] as const) {
    if (flags[name] === undefined) {
      throw new InvalidArgumentError(`--${name} is required (see deno task export --help)`);
    }
  }
  await setupBackend();
  const started = performance.now();
  const result = await exportModel({
    model: resolvePath(flags.model!),
    format: flags.format!,
    out: resolvePath(flags.out!),
  });
  const seconds = (performance.now() - started) / 1000;
  if (flags.json) {
    console.log(JSON.stringify({ ...result, seconds }));
    return 0;
  }
  console.log(
    `Exported ${flags.model} as ${result.format} to ${result.out} in ${seconds.toFixed(1)} s`,
  );
  for (const file of result.files) {
    console.log(
      `  ${file.path.padEnd(40)} ${file.bytes.toLocaleString("en-US").padStart(12)} bytes`,
    );
  }
  console.log(`  ${"total".padEnd(40)} ${result.bytes.toLocaleString("en-US").padStart(12)} bytes`);
  return 0;
}

if (import.meta.main) await runCli(main);
