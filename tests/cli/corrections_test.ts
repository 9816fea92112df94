import { assert, assertEquals, assertMatch, assertRejects } from "@std/assert";
import { fromFileUrl } from "@std/path";
import { InvalidArgumentError } from "../../lib/core/errors.ts";
import { readIdxFile } from "../../lib/data/idx.ts";
import { main } from "../../lib/cli/corrections.ts";
import { CorrectionStore, STORE_FILE } from "../../lib/feedback/store.ts";
import { captureLog } from "../_helpers/cli.ts";
import { sampleCorrection } from "../feedback/_fixtures.ts";

const ROOT = fromFileUrl(new URL("../..", import.meta.url));

/** Runs main with stdout and stderr captured apart; returns the code too. */
async function run(args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const err: string[] = [];
  const { error } = console;
  console.error = (...a: unknown[]) => err.push(a.map(String).join(" "));
  let code = -1;
  try {
    const out = await captureLog(async () => {
      code = await main(args);
    });
    return { code, out: out === "" ? [] : out.split("\n"), err };
  } finally {
    console.error = error;
  }
}

/** A store with three corrections (labels 1, 2, 3; the second read as nothing). */
async function threeCorrections(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "corrections_cli_" });
  const store = CorrectionStore.open({ dir });
  store.add(sampleCorrection({ label: 1, fileName: "a.png", reading: "7", confidence: 0.55 }));
  store.add(sampleCorrection({ label: 2, fileName: "b b.png", reading: "", confidence: 0 }));
  store.add(sampleCorrection({ label: 3, fileName: "c.png", reading: "8", origin: "web" }));
  store.close();
  return dir;
}

Deno.test("corrections list: one line per correction, id, time, file, reading, label", async () => {
  const dir = await threeCorrections();
  const { code, out, err } = await run(["--dir", dir, "list"]);
  assertEquals([code, err], [0, []]);
  const rows = out.filter((l) => /^│\s+\d/.test(l));
  assertEquals(rows.length, 3);
  assertMatch(
    rows[0],
    /^│\s+1 │ \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ │ a\.png\s+│\s+7 │\s+1 │\s+55\.0% │ cli/,
  );
  assertMatch(rows[1], /│ b b\.png\s+│\s+- │\s+2 │\s+0\.0% │ cli/); // no reading: "-"
  assertMatch(rows[2], /│ c\.png\s+│\s+8 │\s+3 │ .* │ web/);
  assertMatch(out.at(-1)!, new RegExp(`^3 corrections, [\\d.]+ KiB of images, in ${dir}/`));
  const limited = await run(["--dir", dir, "list", "--limit", "1"]);
  assertEquals(limited.out.filter((l) => /^│\s+\d/.test(l)).length, 1);
  assertMatch(limited.out.at(-1)!, /^1 of 3 corrections/);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("corrections list --json: JSON lines on stdout, the count on stderr", async () => {
  const dir = await threeCorrections();
  const { code, out, err } = await run(["--dir", dir, "list", "--json"]);
  assertEquals(code, 0);
  const rows = out.map((l) => JSON.parse(l));
  assertEquals(rows.map((r) => [r.id, r.fileName, r.reading, r.label, r.origin]), [
    [1, "a.png", "7", 1, "cli"],
    [2, "b b.png", "", 2, "cli"],
    [3, "c.png", "8", 3, "web"],
  ]);
  assertEquals(Object.keys(rows[0]), [
    "id",
    "createdAt",
    "fileName",
    "reading",
    "confidence",
    "label",
    "modelId",
    "origin",
  ]);
  assertEquals(err.length, 1);
  assertMatch(err[0], /^3 corrections/);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("corrections list: a store not created yet is an empty list, not created by listing", async () => {
  const dir = await Deno.makeTempDir();
  const { code, out } = await run(["--dir", `${dir}/none`, "list"]);
  assertEquals([code, out], [0, [
    `no corrections recorded (${dir}/none/${STORE_FILE} does not exist)`,
  ]]);
  assertEquals([...Deno.readDirSync(dir)], []);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("corrections export: a labelled tree (28x28 or original) and IDX files", async () => {
  const dir = await threeCorrections();
  const tree = await run(["--dir", dir, "export", "--out", `${dir}/tree`]);
  assertEquals(tree.code, 0);
  assertMatch(tree.out[0], /^exported 3 corrections \(28x28 images\) to .*deno task score /);
  for (const [label, name] of [[1, "1__a.png"], [2, "2__b b.png"], [3, "3__c.png"]]) {
    assert((await Deno.stat(`${dir}/tree/${label}/${name}`)).isFile, name);
  }
  const original = await run(["--dir", dir, "export", "--out", `${dir}/orig`, "--original"]);
  assertEquals(original.code, 0);
  assertEquals(await Deno.readFile(`${dir}/orig/3/3__c.png`), sampleCorrection().imageBytes);
  const idx = await run(["--dir", dir, "export", "--out", `${dir}/idx`, "--format", "idx"]);
  assertEquals(idx.code, 0);
  const labels = await readIdxFile(`${dir}/idx/corrections-labels-idx1-ubyte.gz`);
  assertEquals(Array.from(labels.data), [1, 2, 3]);
  // Again into the same directory: refused, exit code 1, nothing overwritten.
  const again = await run(["--dir", dir, "export", "--out", `${dir}/tree`]);
  assertEquals(again.code, 1);
  assertMatch(again.err[0], /^error: .*\/tree is not empty \(it holds \d\): export into a new/);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("corrections remove: removes the ids it finds, names the others, exit code 1", async () => {
  const dir = await threeCorrections();
  const { code, out, err } = await run(["--dir", dir, "remove", "1", "9", "3"]);
  assertEquals(code, 1);
  assertEquals(out, ["removed correction #1", "removed correction #3"]);
  assertEquals(err, [`error: no correction #9 in ${dir}/${STORE_FILE}`]);
  const store = CorrectionStore.open({ dir });
  assertEquals(store.list().map((c) => c.id), [2]);
  store.close();
  assertEquals((await run(["--dir", dir, "remove", "2"])).code, 0);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("corrections: a missing or broken store is one error line, exit code 1", async () => {
  const dir = await Deno.makeTempDir();
  const missing = await run(["--dir", dir, "export", "--out", `${dir}/x`]);
  assertEquals(missing, {
    code: 1,
    out: [],
    err: [`error: no corrections recorded: ${dir}/${STORE_FILE} does not exist`],
  });
  await Deno.writeTextFile(`${dir}/${STORE_FILE}`, "not a database ".repeat(100));
  const broken = await run(["--dir", dir, "list"]);
  assertEquals(broken.code, 1);
  assertEquals(broken.err, [
    `error: cannot open the corrections store ${dir}/${STORE_FILE}: file is not a database`,
  ]);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("corrections: usage errors name what is wrong", async () => {
  const cases: [string[], string][] = [
    [[], "no command given: list, export or remove"],
    [["lst"], 'unknown command "lst"'],
    [["list", "extra"], 'unexpected argument "extra" after list'],
    [["export"], "export needs --out DIR"],
    [["export", "--out", "x", "--format", "csv"], '--format must be tree or idx, got "csv"'],
    [["export", "--out", "x", "--format", "idx", "--original"], "--original is for --format tree"],
    [["export", "--out", "x", "--json"], "--json is for list, not export"],
    [["list", "--out", "x"], "--out is for export, not list"],
    [["list", "--limit", "0"], '--limit must be a positive integer, got "0"'],
    [["remove"], "remove needs one or more ids"],
    [["remove", "1.5"], 'an id must be a positive integer, got "1.5"'],
    [["list", "--bogus"], "unknown option --bogus"],
  ];
  for (const [args, message] of cases) {
    await assertRejects(() => main(args), InvalidArgumentError, message);
  }
  const help = await run(["--help"]);
  assertEquals(help.code, 0);
  assertMatch(help.out[0], /^Usage: deno task corrections/);
});

Deno.test("deno task corrections: runs with the task's permissions; exit codes 0, 1 and 2", async () => {
  const dir = await threeCorrections();
  const task = async (...args: string[]) => {
    const o = await new Deno.Command(Deno.execPath(), {
      args: ["task", "-q", "corrections", "--dir", dir, ...args],
      cwd: ROOT,
      stdout: "piped",
      stderr: "piped",
    }).output();
    return {
      code: o.code,
      out: new TextDecoder().decode(o.stdout),
      err: new TextDecoder().decode(o.stderr),
    };
  };
  const list = await task("list", "--json");
  assertEquals([list.code, list.out.trim().split("\n").length], [0, 3]);
  const missing = await task("remove", "42");
  assertEquals([missing.code, missing.err.trim()], [
    1,
    `error: no correction #42 in ${dir}/${STORE_FILE}`,
  ]);
  const usage = await task("list", "--bogus");
  assertEquals([usage.code, usage.err.trim()], [2, "error: unknown option --bogus (see --help)"]);
  await Deno.remove(dir, { recursive: true });
});
