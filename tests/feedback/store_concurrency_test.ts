import { assert, assertEquals } from "@std/assert";
import { fromFileUrl } from "@std/path";
import { CorrectionStore } from "../../lib/feedback/store.ts";
import { childCorrection } from "./_concurrency.ts";

const CHILD = fromFileUrl(new URL("./_add_child.ts", import.meta.url));
const WRITERS = 4;
const EACH = 60;

Deno.test(`${WRITERS} processes add ${EACH} corrections each to one store at once: all kept, whole`, async () => {
  const dir = await Deno.makeTempDir();
  await Deno.mkdir(`${dir}/barrier`);
  // Started before the go, so that they all open the new store (and create it) together.
  const children = Array.from({ length: WRITERS }, (_, k) =>
    new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-read",
        "--allow-write",
        "--allow-env",
        CHILD,
        dir,
        String(k),
        String(WRITERS),
        String(EACH),
      ],
      stdout: "piped",
      stderr: "piped",
    }).spawn());
  await Deno.writeTextFile(`${dir}/barrier/go`, "");
  const outputs = await Promise.all(children.map((c) => c.output()));
  const times = outputs.map((o, k) => {
    const err = new TextDecoder().decode(o.stderr);
    assertEquals(o.code, 0, `writer ${k} failed: ${err}`);
    return JSON.parse(new TextDecoder().decode(o.stdout)) as { started: number; ended: number };
  });
  // The halfway barrier makes every writer's span contain one common moment.
  assert(
    Math.max(...times.map((t) => t.started)) < Math.min(...times.map((t) => t.ended)),
    `the writers did not overlap: ${JSON.stringify(times)}`,
  );

  const store = CorrectionStore.open({ dir: `${dir}/store` });
  try {
    assertEquals(store.count(), WRITERS * EACH);
    const rows = store.list({ includeImages: true });
    assertEquals(new Set(rows.map((r) => r.id)).size, rows.length, "ids are unique");
    const seen = new Set<string>();
    for (const row of rows) {
      const [, child, i] = row.fileName.match(/^w(\d+)_(\d+)\.png$/)!.map(Number);
      seen.add(`${child}/${i}`);
      const { id: _, createdAt: __, ...fields } = row;
      assertEquals(fields, childCorrection(child, i), `row ${row.id} (${row.fileName})`);
    }
    assertEquals(seen.size, WRITERS * EACH, "every writer's every correction is there once");
    // How interleaved the writes were, for the record: writer changes along the id order.
    const order = rows.map((r) => r.fileName.slice(0, r.fileName.indexOf("_")));
    const switches = order.filter((w, k) => k > 0 && w !== order[k - 1]).length;
    console.log(`${rows.length} rows, ${switches} switches of writer along the ids`);
  } finally {
    store.close();
    await Deno.remove(dir, { recursive: true });
  }
});
