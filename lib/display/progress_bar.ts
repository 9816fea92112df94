/**
 * A terminal progress bar for training epochs.
 *
 * On a terminal one line is redrawn in place (at most every `intervalMs`);
 * elsewhere (logs, CI, pipes) a plain line is printed at 25%, 50% and 75%,
 * and a final one by {@linkcode ProgressBar.done}, so logs stay readable.
 *
 * @module
 */

import { InvalidArgumentError } from "../core/mod.ts";

/**
 * Where the bar writes: `Deno.stdout` or `Deno.stderr` fit.
 */
export interface ProgressWriter {
  /** Whether the output is an interactive terminal. */
  isTerminal(): boolean;
  /** Writes some of the bytes and returns how many were written. */
  writeSync(bytes: Uint8Array): number;
}

/**
 * Options of {@linkcode createProgressBar}.
 */
export interface ProgressBarOptions {
  /** Number of steps (batches) the bar counts up to. */
  total: number;
  /** Text before the bar, such as `epoch 2/5`. */
  label?: string;
  /** Characters inside the brackets (default 20). */
  width?: number;
  /** Where to write (default `Deno.stdout`). */
  writer?: ProgressWriter;
  /** Clock in milliseconds (default `performance.now`). */
  now?: () => number;
  /** Least milliseconds between redraws on a terminal (default 100). */
  intervalMs?: number;
  /** Disable colour; by default colour is off when the `NO_COLOR` variable is set and non-empty. */
  noColor?: boolean;
}

/**
 * Figures shown after the counter: `loss 0.1234 acc 96.12% lr 0.0010`.
 * Accuracies (`accuracy`, and any name ending in `acc` or `accuracy`) are
 * fractions in [0, 1] shown as percentages with two decimals, as everywhere
 * else in Digit Lab; other figures with four decimals.
 */
export interface ProgressValues {
  /** Shown as `loss`. */
  loss?: number;
  /** A fraction in [0, 1], shown as `acc` in percent. */
  accuracy?: number;
  /** Any other figure, shown under its own name. */
  [name: string]: number | undefined;
}

/**
 * A progress bar made by {@linkcode createProgressBar}.
 */
export interface ProgressBar {
  /** Records that `done` of `total` steps are finished, redrawing when due. */
  update(done: number, values?: ProgressValues): void;
  /**
   * Draws the final state followed by `summary` (which replaces the last
   * figures) and ends the line. Later calls do nothing.
   */
  done(summary?: string): void;
}

const encoder = new TextEncoder();
const CLEAR_LINE = "\r\x1b[2K";
const PLAIN_MARKS = [0.25, 0.5, 0.75];
/** Names of figures that are accuracies, shown in percent. */
const ACCURACY_NAME = /(^|_)acc(uracy)?$/;

/**
 * Creates a progress bar that renders lines such as
 * `epoch 2/5 [######--------------] 120/469 loss 0.1234 acc 96.12% 12.3s ETA 0:24`.
 *
 * @throws {InvalidArgumentError} when `total` is not a positive integer or `width` not a positive integer.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { createProgressBar } from "./progress_bar.ts";
 * let text = "";
 * const writer = {
 *   isTerminal: () => false, // a log or a pipe
 *   writeSync(bytes: Uint8Array) {
 *     text += new TextDecoder().decode(bytes);
 *     return bytes.length;
 *   },
 * };
 * const bar = createProgressBar({ total: 2, label: "epoch 1/1", width: 4, writer, now: () => 0 });
 * bar.update(1, { loss: 0.25, accuracy: 0.5 }); // not a terminal: a line at 25%, 50% and 75%
 * bar.update(2, { loss: 0.125, accuracy: 1 });
 * bar.done("val_acc 98.00%");
 * assertEquals(text.split("\n"), [
 *   "epoch 1/1 [##--] 1/2 loss 0.2500 acc 50.00% 0.0s ETA 0:00",
 *   "epoch 1/1 [####] 2/2 0.0s val_acc 98.00%",
 *   "",
 * ]);
 * ```
 */
export function createProgressBar(options: ProgressBarOptions): ProgressBar {
  const { total, label, width = 20, intervalMs = 100 } = options;
  if (!Number.isInteger(total) || total <= 0) {
    throw new InvalidArgumentError(`progress total must be a positive integer, got ${total}`);
  }
  if (!Number.isInteger(width) || width <= 0) {
    throw new InvalidArgumentError(`progress width must be a positive integer, got ${width}`);
  }
  const writer = options.writer ?? Deno.stdout;
  const now = options.now ?? (() => performance.now());
  const tty = writer.isTerminal();
  const color = tty && !(options.noColor ?? noColorEnv());
  const start = now();
  let current = 0;
  let values: ProgressValues = {};
  let lastDraw = -Infinity;
  let nextMark = 0;
  let finished = false;

  const write = (text: string) => {
    const bytes = encoder.encode(text);
    for (let off = 0; off < bytes.length;) off += writer.writeSync(bytes.subarray(off));
  };

  const render = (t: number): string => {
    const filled = Math.round((current / total) * width);
    const hashes = "#".repeat(filled);
    const bar = `[${color ? `\x1b[32m${hashes}\x1b[0m` : hashes}${"-".repeat(width - filled)}]`;
    const parts = label ? [color ? `\x1b[1m${label}\x1b[0m` : label] : [];
    parts.push(bar, `${current}/${total}`);
    for (const [name, value] of Object.entries(values)) {
      if (value === undefined) continue;
      const shown = ACCURACY_NAME.test(name) ? `${(value * 100).toFixed(2)}%` : value.toFixed(4);
      parts.push(`${name === "accuracy" ? "acc" : name} ${shown}`);
    }
    const elapsed = t - start;
    parts.push(`${(elapsed / 1000).toFixed(1)}s`);
    if (current > 0 && current < total) {
      parts.push(`ETA ${clock((elapsed / current) * (total - current))}`);
    }
    return parts.join(" ");
  };

  return {
    update(done, newValues) {
      if (finished) return;
      if (!Number.isFinite(done) || done < 0) {
        throw new InvalidArgumentError(`progress must be a non-negative number, got ${done}`);
      }
      current = Math.min(Math.floor(done), total);
      values = { ...newValues };
      const t = now();
      if (tty) {
        if (t - lastDraw >= intervalMs || current === total) {
          lastDraw = t;
          write(CLEAR_LINE + render(t));
        }
        return;
      }
      let crossed = false;
      while (nextMark < PLAIN_MARKS.length && current >= PLAIN_MARKS[nextMark] * total) {
        nextMark++;
        crossed = true;
      }
      if (crossed && current < total) write(render(t) + "\n");
    },
    done(summary) {
      if (finished) return;
      finished = true;
      // A summary replaces the last batch's figures on the final line.
      if (summary) values = {};
      const line = render(now()) + (summary ? ` ${summary}` : "");
      write(tty ? `${CLEAR_LINE}${line}\n` : `${line}\n`);
    },
  };
}

function clock(ms: number): string {
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

function noColorEnv(): boolean {
  // Never prompt for permission: without --allow-env, colour stays on.
  const allowed = Deno.permissions.querySync({ name: "env", variable: "NO_COLOR" });
  return allowed.state === "granted" && (Deno.env.get("NO_COLOR") ?? "") !== "";
}
