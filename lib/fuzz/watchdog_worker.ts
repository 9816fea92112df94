/**
 * The watchdog's thread (private to `watchdog.ts`). It samples the process's
 * RSS every few milliseconds, also while the main thread is blocked in a
 * synchronous decode, and keeps the peak in shared memory. When one input
 * runs past the hang limit without the main thread noticing (it is stuck in
 * synchronous work), or the RSS passes the limit, it saves the input,
 * says so on stderr and ends the process, before the machine runs out of
 * memory or the run out of time.
 *
 * @module
 */

interface Setup {
  control: SharedArrayBuffer;
  input: SharedArrayBuffer;
  hangMs: number;
  maxRssBytes: number;
  failureDir: string;
}

/** Slots of the control array, shared with watchdog.ts. */
const RUNNING = 0, STARTED = 1, LENGTH = 2, PEAK = 3, INDEX = 4;

let target = "";

function save(control: Float64Array, input: Uint8Array, dir: string, why: string): string {
  const path = `${dir}/${target}-${control[INDEX]}-${why}.bin`;
  try {
    Deno.mkdirSync(dir, { recursive: true });
    Deno.writeFileSync(path, input.slice(0, Math.min(control[LENGTH], input.length)));
  } catch (e) {
    return `(not saved: ${(e as Error).message})`;
  }
  return path;
}

function end(message: string): void {
  console.error(message);
  try {
    Deno.kill(Deno.pid, "SIGKILL");
  } catch {
    console.error("fuzz watchdog: cannot end the process (no --allow-run); it goes on");
  }
}

self.addEventListener("message", (event) => {
  const data = (event as MessageEvent<Setup | { target: string }>).data;
  if ("target" in data) {
    target = data.target;
    return;
  }
  const { hangMs, maxRssBytes, failureDir } = data;
  const control = new Float64Array(data.control);
  const input = new Uint8Array(data.input);
  let fired = false;
  setInterval(() => {
    const rss = Deno.memoryUsage().rss;
    if (rss > control[PEAK]) control[PEAK] = rss;
    if (fired || control[RUNNING] !== 1) return;
    const elapsed = Date.now() - control[STARTED];
    if (rss > maxRssBytes) {
      fired = true;
      const path = save(control, input, failureDir, "rss");
      end(
        `fuzz: MEMORY BLOW-UP in target ${target}: RSS ${Math.round(rss / 2 ** 20)} MiB ` +
          `over the limit of ${Math.round(maxRssBytes / 2 ** 20)} MiB on input ${
            control[INDEX]
          }; input saved to ${path}`,
      );
    } else if (elapsed > hangMs) {
      fired = true;
      const path = save(control, input, failureDir, "hang");
      end(
        `fuzz: HANG in target ${target}: input ${control[INDEX]} has blocked the process for ` +
          `${elapsed} ms (limit ${hangMs} ms); input saved to ${path}`,
      );
    }
  }, 20);
});
