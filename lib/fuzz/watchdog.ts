/**
 * A watchdog on its own thread: the true peak RSS of the process while
 * inputs run (sampled every 20 ms, also while a synchronous decoder blocks
 * the main thread, where a timer on the main thread would see nothing), and
 * a last resort against inputs that block the process past the hang limit
 * or take it past the memory limit: the watchdog saves the input, says so
 * and ends the process (that needs a run permission; `--allow-run=kill`
 * will do).
 *
 * @module
 */

/** Slots of the control array, shared with watchdog_worker.ts. */
const RUNNING = 0, STARTED = 1, LENGTH = 2, PEAK = 3, INDEX = 4;

/** How much of an input the watchdog can save (a request is at most 10 MiB and its head). */
const INPUT_CAPACITY = 12 * 1024 * 1024;

/** Options of {@linkcode Watchdog}. */
export interface WatchdogOptions {
  /** A blocked input is ended after this many milliseconds. */
  hangMs: number;
  /** The process is ended when its RSS passes this many bytes. */
  maxRssBytes: number;
  /** Where the offending input is saved. */
  failureDir: string;
}

/**
 * The main thread's side of the watchdog.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { Watchdog } from "./watchdog.ts";
 * const dog = new Watchdog({ hangMs: 60_000, maxRssBytes: 2 ** 40, failureDir: "/tmp" });
 * dog.enterTarget("x");
 * dog.begin(0, new Uint8Array(4));
 * await new Promise((r) => setTimeout(r, 60));
 * dog.end();
 * assert(dog.peakRss() > 0);
 * dog.stop();
 * ```
 */
export class Watchdog {
  #worker: Worker;
  #control = new Float64Array(new SharedArrayBuffer(8 * 8));
  #input = new Uint8Array(new SharedArrayBuffer(INPUT_CAPACITY));

  /** Starts the watchdog's thread. */
  constructor(options: WatchdogOptions) {
    this.#worker = new Worker(new URL("./watchdog_worker.ts", import.meta.url), {
      type: "module",
    });
    this.#worker.postMessage({
      control: this.#control.buffer,
      input: this.#input.buffer,
      ...options,
    });
  }

  /** Names the target whose inputs follow, and starts its peak RSS afresh. */
  enterTarget(name: string): void {
    this.#worker.postMessage({ target: name });
    this.#control[PEAK] = Deno.memoryUsage().rss;
  }

  /** Marks input `index` as running (its bytes are copied for saving). */
  begin(index: number, input: Uint8Array): void {
    const n = Math.min(input.length, INPUT_CAPACITY);
    this.#input.set(input.subarray(0, n));
    this.#control[LENGTH] = n;
    this.#control[INDEX] = index;
    this.#control[STARTED] = Date.now();
    this.#control[RUNNING] = 1;
  }

  /** Marks the input as finished. */
  end(): void {
    this.#control[RUNNING] = 0;
  }

  /** The highest RSS seen since {@linkcode Watchdog.enterTarget}, in bytes. */
  peakRss(): number {
    return Math.max(this.#control[PEAK], Deno.memoryUsage().rss);
  }

  /** Ends the watchdog's thread. */
  stop(): void {
    this.#worker.terminate();
  }
}
