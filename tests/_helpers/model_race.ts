/**
 * The save/load race of issue 14, with real processes: one saver saves a new
 * version of a small model in a loop while loaders load it in a loop, then
 * the figures are checked: no crash, no error, no partial model, and the
 * newest save is the one installed.
 *
 * Each saved version `v` has every weight equal to `v` and `metrics.json`'s
 * `seed` equal to `v`, so a loader can tell a complete model (all equal) from
 * one mixing two saves. Loaders run without write permission: a loader that
 * tried to rename or remove anything would crash.
 *
 * ```sh
 * deno run -A tests/_helpers/model_race.ts --seconds 120 [--loaders 4]
 * ```
 *
 * Prints a summary on stderr and the figures as one JSON line on stdout;
 * exits 1 when a target is missed.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import { parseArgs } from "@std/cli/parse-args";
import { join } from "node:path";
import { setupBackend } from "../../lib/kernels/mod.ts";
import { loadModel, saveModel } from "../../lib/model/mod.ts";
import type { ModelMetrics } from "../../lib/core/mod.ts";

/** Weights per side of the dense layer: 128x128 kernel + bias, about 66 KB. */
const UNITS = 128;

/** What one loader process reports. */
export interface LoaderFigures {
  /** Loads that returned a model. */
  loads: number;
  /** Loads whose weights or metrics mixed two saves. */
  partial: number;
  /** Loads that saw an older version than an earlier load of the same loader. */
  backwards: number;
  /** Errors thrown by `loadModel`, by class name. */
  errors: Record<string, number>;
  /** The first error's message, if any. */
  firstError?: string;
}

/** The race's figures, as printed. */
export interface RaceFigures {
  /** How long the saver and loaders ran. */
  seconds: number;
  /** Number of loader processes. */
  loaders: number;
  /** Completed saves. */
  saves: number;
  /** Completed loads, all loaders together. */
  loads: number;
  /** Processes that exited abnormally or reported nothing. */
  crashes: number;
  /** Errors thrown by saves or loads. */
  errors: number;
  /** Loads that mixed two saves. */
  partial: number;
  /** Loads that went back to an older version. */
  backwards: number;
  /** The version of the last completed save. */
  lastSaved: number;
  /** The version a final load finds installed. */
  installed: number;
  /** First error messages seen, for the report. */
  messages: string[];
}

function dense(): tf.Sequential {
  return tf.sequential({
    layers: [tf.layers.dense({ name: "d", units: UNITS, inputShape: [UNITS] })],
  });
}

function withVersion(model: tf.LayersModel, version: number): void {
  tf.tidy(() => model.setWeights(model.weights.map((w) => tf.fill(w.shape as number[], version))));
}

function metricsOf(version: number): ModelMetrics {
  return { seed: version } as ModelMetrics;
}

async function runSaver(dir: string, until: number): Promise<void> {
  const model = dense();
  let version = 0;
  let errors = 0;
  let firstError: string | undefined;
  while (Date.now() < until) {
    withVersion(model, version + 1);
    try {
      await saveModel(model, dir, metricsOf(version + 1));
      version++;
    } catch (e) {
      errors++;
      firstError ??= `${(e as Error).name}: ${(e as Error).message}`;
    }
  }
  model.dispose();
  console.log(JSON.stringify({ saves: version, last: version, errors, firstError }));
}

/** The single value all weights share, or NaN when they differ. */
function uniformValue(model: tf.LayersModel): number {
  const values = model.getWeights().flatMap((w) => Array.from(w.dataSync()));
  return values.every((v) => v === values[0]) ? values[0] : NaN;
}

async function runLoader(dir: string, until: number): Promise<void> {
  const figures: LoaderFigures = { loads: 0, partial: 0, backwards: 0, errors: {} };
  let newest = -1;
  while (Date.now() < until) {
    try {
      const { model, metrics } = await loadModel(dir);
      const version = uniformValue(model);
      model.dispose();
      figures.loads++;
      if (!(version === metrics?.seed)) figures.partial++;
      else if (version < newest) figures.backwards++;
      newest = Math.max(newest, version);
    } catch (e) {
      const name = (e as Error).name;
      figures.errors[name] = (figures.errors[name] ?? 0) + 1;
      figures.firstError ??= `${name}: ${(e as Error).message}`;
    }
  }
  console.log(JSON.stringify(figures));
}

function spawnRole(role: string, dir: string, until: number, permissions: string[]) {
  return new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      ...permissions,
      import.meta.filename!,
      "--role",
      role,
      "--dir",
      dir,
      "--until",
      `${until}`,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
}

/** The figures a child printed last, or undefined when it printed none. */
function lastJson<T>(output: Deno.CommandOutput): T | undefined {
  const line = new TextDecoder().decode(output.stdout).trim().split("\n").at(-1);
  try {
    return line ? JSON.parse(line) as T : undefined;
  } catch {
    return undefined;
  }
}

/** Runs the race for `seconds` with `loaders` loader processes and returns its figures. */
export async function runRace(seconds: number, loaders = 4): Promise<RaceFigures> {
  await setupBackend();
  const root = await Deno.makeTempDir({ prefix: "model_race_" });
  const dir = join(root, "model");
  try {
    const first = dense();
    withVersion(first, 0);
    await saveModel(first, dir, metricsOf(0));
    first.dispose();
    // Children need a moment to start (and compile); the clock starts once all are up.
    const until = Date.now() + 3000 + seconds * 1000;
    const read = ["--allow-read", "--allow-env", "--allow-ffi"];
    const saver = spawnRole("saver", dir, until, [...read, "--allow-write"]);
    const readers = Array.from({ length: loaders }, () => spawnRole("loader", dir, until, read));
    const outputs = await Promise.all([saver, ...readers]);

    const figures: RaceFigures = {
      seconds,
      loaders,
      saves: 0,
      loads: 0,
      crashes: 0,
      errors: 0,
      partial: 0,
      backwards: 0,
      lastSaved: -1,
      installed: -1,
      messages: [],
    };
    outputs.forEach((output, i) => {
      const stderr = new TextDecoder().decode(output.stderr).trim();
      if (!output.success) {
        figures.crashes++;
        figures.messages.push(`${i === 0 ? "saver" : "loader"} exited ${output.code}: ${stderr}`);
      }
    });
    const saved = lastJson<{ saves: number; last: number; errors: number; firstError?: string }>(
      outputs[0],
    );
    if (saved) {
      figures.saves = saved.saves;
      figures.lastSaved = saved.last;
      figures.errors += saved.errors;
      if (saved.firstError) figures.messages.push(`saver: ${saved.firstError}`);
    } else if (outputs[0].success) figures.crashes++;
    for (const output of outputs.slice(1)) {
      const f = lastJson<LoaderFigures>(output);
      if (!f) {
        if (output.success) figures.crashes++;
        continue;
      }
      figures.loads += f.loads;
      figures.partial += f.partial;
      figures.backwards += f.backwards;
      figures.errors += Object.values(f.errors).reduce((a, b) => a + b, 0);
      if (f.firstError) figures.messages.push(`loader: ${f.firstError}`);
    }
    const { model, metrics } = await loadModel(dir);
    figures.installed = uniformValue(model) === metrics?.seed ? metrics.seed : NaN;
    model.dispose();
    return figures;
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

/** Whether the figures meet the targets. */
export function raceTargetsMet(f: RaceFigures): boolean {
  return f.crashes === 0 && f.errors === 0 && f.partial === 0 && f.backwards === 0 &&
    f.saves > 0 && f.loads > 0 && f.installed === f.lastSaved;
}

if (import.meta.main) {
  const args = parseArgs(Deno.args, { string: ["role", "dir", "until", "seconds", "loaders"] });
  if (args.role) {
    await setupBackend();
    const until = Number(args.until);
    if (args.role === "saver") await runSaver(args.dir!, until);
    else await runLoader(args.dir!, until);
  } else {
    const figures = await runRace(Number(args.seconds ?? 10), Number(args.loaders ?? 4));
    console.error(
      [
        `save/load race, ${figures.seconds} s, 1 saver + ${figures.loaders} loaders:`,
        `  saves ${figures.saves}, loads ${figures.loads}`,
        `  crashes ${figures.crashes}, errors ${figures.errors}, partial reads ${figures.partial},` +
        ` older after newer ${figures.backwards}`,
        `  last saved version ${figures.lastSaved}, installed version ${figures.installed}`,
        ...figures.messages.slice(0, 5).map((m) => `  ${m}`),
      ].join("\n"),
    );
    console.log(JSON.stringify(figures));
    if (!raceTargetsMet(figures)) Deno.exit(1);
  }
}
