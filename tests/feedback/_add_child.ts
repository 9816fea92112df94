/**
 * A writer process for the store's concurrency test: waits for the
 * parent's go, opens the store (all children at once, so they also race to
 * create and migrate it), adds `count` corrections, and halfway waits until
 * every child is halfway too, so that all of them are writing at the same
 * time whatever their start-up delays.
 *
 * Usage: deno run --allow-read --allow-write --allow-env _add_child.ts DIR CHILD CHILDREN COUNT
 *
 * @module
 */

import { CorrectionStore } from "../../lib/feedback/store.ts";
import { childCorrection } from "./_concurrency.ts";

async function waitFor(ready: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!(await ready())) {
    if (Date.now() > deadline) throw new Error("the other writers never came");
    await new Promise((r) => setTimeout(r, 2));
  }
}

async function countFiles(dir: string, prefix: string): Promise<number> {
  let n = 0;
  for await (const e of Deno.readDir(dir)) if (e.name.startsWith(prefix)) n++;
  return n;
}

const [dir, childArg, childrenArg, countArg] = Deno.args;
const [child, children, count] = [Number(childArg), Number(childrenArg), Number(countArg)];
const barrier = `${dir}/barrier`;
await waitFor(async () => (await countFiles(barrier, "go")) > 0);
const store = CorrectionStore.open({ dir: `${dir}/store` });
const started = performance.timeOrigin + performance.now();
for (let i = 0; i < count; i++) {
  if (i === Math.floor(count / 2)) {
    await Deno.writeTextFile(`${barrier}/half-${child}`, "");
    await waitFor(async () => (await countFiles(barrier, "half-")) === children);
  }
  store.add(childCorrection(child, i));
}
const ended = performance.timeOrigin + performance.now();
store.close();
console.log(JSON.stringify({ child, started, ended }));
