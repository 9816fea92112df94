/**
 * `deno task serve [--model DIR] [--port N] [--host HOST] [--feedback DIR]`:
 * serves a page where you draw a digit (or a number) and see what the model
 * reads, live, with the model's calibration (as `predict` reads), and where
 * you correct a wrong reading into the corrections store.
 *
 * @module
 */

import { setupBackend } from "../kernels/mod.ts";
import {
  dataPath,
  DigitLabError,
  InvalidArgumentError,
  ModelLoadError,
  resolvePath,
} from "../core/mod.ts";
import { hasSavedModel, loadModel } from "../model/mod.ts";
import { loadClassifierCalibration } from "../eval/mod.ts";
import { CorrectionStore } from "../feedback/mod.ts";
import {
  createBatchClassifier,
  createBatcher,
  describeModel,
  startServer,
  type WebServer,
} from "../web/mod.ts";
import { intFlag } from "./flags.ts";
import { parseFlags, runCli } from "./run.ts";

const HELP = `Usage: deno task serve [--model DIR] [--port N] [--host HOST] [--feedback DIR]

Serves a page where you draw a digit (or, with its "Number" switch, a whole
number) and see what the model reads as you draw: the digit, its confidence
(calibrated when the model has a calibration.json, as predict reads), a
status (ok, unsure, several digits), all 10 probabilities and the 28x28
image the model saw. Under each reading, "wrong? it is a ..." records the
right digit in the corrections store (see deno task corrections, finetune);
the page shows how many it holds and which model reads.

Options:
  --model DIR     model directory (default data/models/default, the shipped
                  model, else data/models/latest, the last one trained)
  --port N        port to listen on (default 8000; 0 picks a free port)
  --host HOST     interface to listen on (default 127.0.0.1: this machine only)
  --feedback DIR  the corrections store's directory (default data/feedback)
  -h, --help      show this help

Stop it with Ctrl+C.
`;

/** Options of {@linkcode chooseModelDir}. */
export interface ModelChoice {
  /** The directory the user asked for with `--model`, if any. */
  model?: string;
  /** Used when `model` is absent. Default `data/models/default`. */
  defaultDir?: string;
  /** Used when `model` is absent and `defaultDir` holds no model. Default `data/models/latest`. */
  fallbackDir?: string;
}

/**
 * Picks the model directory to serve: `--model` when given, else the
 * default model, else (with a note saying so) the last trained one.
 *
 * @throws {ModelLoadError} when no model was given and neither directory holds one.
 *
 * @example
 * ```ts
 * import { assertEquals, assertStringIncludes } from "@std/assert";
 * import { chooseModelDir } from "./serve.ts";
 * const root = await Deno.makeTempDir();
 * await Deno.mkdir(`${root}/latest`);
 * await Deno.writeTextFile(`${root}/latest/model.json`, "{}");
 * const choice = { defaultDir: `${root}/default`, fallbackDir: `${root}/latest` };
 * const { dir, note } = await chooseModelDir(choice);
 * assertEquals(dir, `${root}/latest`);
 * assertStringIncludes(note ?? "", "serving the last trained model");
 * await Deno.remove(root, { recursive: true });
 * ```
 */
export async function chooseModelDir(
  choice: ModelChoice,
): Promise<{ dir: string; note: string | null }> {
  if (choice.model !== undefined) return { dir: resolvePath(choice.model), note: null };
  const defaultDir = choice.defaultDir ?? dataPath("models", "default");
  const fallbackDir = choice.fallbackDir ?? dataPath("models", "latest");
  if (await hasSavedModel(defaultDir)) return { dir: defaultDir, note: null };
  if (await hasSavedModel(fallbackDir)) {
    return {
      dir: fallbackDir,
      note: `note: no model in ${defaultDir}; serving the last trained model in ${fallbackDir}`,
    };
  }
  throw new ModelLoadError(
    `no model to serve: neither ${defaultDir} nor ${fallbackDir} holds a model.json; ` +
      "train one with `deno task train` or pass --model DIR",
  );
}

/** Options of {@linkcode main}. */
export interface ServeOptions {
  /** Aborting it stops the server; `main` then returns. */
  signal?: AbortSignal;
}

/**
 * Runs the serve command until `options.signal` aborts, and returns the exit code.
 *
 * @throws {InvalidArgumentError} for a bad option, port or host.
 * @throws {ModelLoadError} when the model or its calibration cannot be loaded.
 * @throws {DataFormatError} when the corrections store cannot be opened.
 * @throws {DigitLabError} when the port cannot be listened on.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { main } from "./serve.ts";
 * assertEquals(await main(["--help"]), 0);
 * ```
 */
export async function main(args: string[], options: ServeOptions = {}): Promise<number> {
  const flags = parseFlags(args, {
    string: ["model", "port", "host", "feedback"],
    positional: false,
  });
  if (flags.help) {
    console.log(HELP);
    return 0;
  }
  const port = intFlag(flags, "port", 8000, { min: 0, max: 65535 });
  const hostname = flags.host ?? "127.0.0.1";
  if (hostname.trim() === "") throw new InvalidArgumentError(`--host must not be empty`);
  const { dir, note } = await chooseModelDir({ model: flags.model });
  if (note) console.error(note);
  await setupBackend();
  const { model } = await loadModel(dir);
  let store: CorrectionStore | undefined;
  try {
    // The reading predict gives: the model's calibration.json, fitted for these weights.
    const calibration = await loadClassifierCalibration(dir);
    const info = await describeModel(dir);
    store = CorrectionStore.open(
      flags.feedback === undefined ? {} : { dir: resolvePath(flags.feedback) },
    );
    let server: WebServer;
    try {
      // Concurrent requests share one model call: see web/batcher.ts.
      const classify = createBatcher({ classifyBatch: createBatchClassifier(model, calibration) });
      server = startServer({
        classify,
        port,
        hostname,
        model: info,
        corrections: store,
        maxCorrectionBytes: store.maxImageBytes,
        ...options,
      });
    } catch (e) {
      const reason = e instanceof Deno.errors.AddrInUse
        ? `port ${port} is already in use (try --port 0 for a free one)`
        : (e as Error).message;
      throw new DigitLabError(`cannot listen on ${hostname}:${port}: ${reason}`, { cause: e });
    }
    console.log(
      `Digit Lab: draw a digit at ${server.url} (model ${info.summary}; corrections in ` +
        `${store.path}; Ctrl+C to stop)`,
    );
    await server.finished;
    return 0;
  } finally {
    // After `finished`: every request, and so every correction, is done.
    store?.close();
    model.dispose();
  }
}

if (import.meta.main) {
  const stop = new AbortController();
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    Deno.addSignalListener(signal, () => stop.abort());
  }
  await runCli((args) => main(args, { signal: stop.signal }));
}
