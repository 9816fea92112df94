import { assertEquals, assertMatch, assertStringIncludes } from "@std/assert";
import { fromFileUrl } from "@std/path";
import { dataPath } from "../../lib/core/paths.ts";
import { CorrectionStore } from "../../lib/feedback/store.ts";
import { reviewFiles, type ReviewOptions } from "../../lib/cli/review.ts";

const ROOT = fromFileUrl(new URL("../..", import.meta.url));
const EXAMPLES = dataPath("examples");
/** A stand-in model that reads every digit as a 2 with 0.8. */
const twos = () => [0.1, 0, 0.8, 0, 0, 0, 0.1, 0, 0, 0];

async function review(
  files: string[],
  answers: string[],
  options: Partial<ReviewOptions> = {},
) {
  const dir = await Deno.makeTempDir({ prefix: "review_" });
  const store = CorrectionStore.open({ dir });
  const said: string[] = [];
  const asked: string[] = [];
  try {
    const summary = await reviewFiles({
      files,
      multi: false,
      classify: twos,
      modelId: "1".repeat(64),
      store,
      ask: (q) => (asked.push(q), Promise.resolve(answers.shift() ?? null)),
      say: (line) => said.push(line),
      ...options,
    });
    const stored = store.list().map((c) => [c.fileName, c.reading, c.label, c.origin]);
    return { summary, said, asked, stored };
  } finally {
    store.close();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("reviewFiles: right, corrected, skipped; a bad answer is asked again", async () => {
  const files = ["drawn_3.png", "photo_4.jpg", "scan_7.png", "drawn_3.png"].map((f) =>
    `${EXAMPLES}/${f}`
  );
  // drawn_3: "3" (a correction); photo_4: "x" then "" (right); scan_7: "s"; drawn_3: "2" (as read).
  const r = await review(files, ["3", "x", "", "s", "2"]);
  assertEquals(r.summary, {
    shown: 4,
    right: 2,
    corrected: 1,
    recorded: 1,
    skipped: 1,
    quit: false,
  });
  assertEquals(r.stored, [["drawn_3.png", "2", 3, "cli"]]);
  assertEquals(r.asked.length, 5);
  assertEquals(r.said, [
    `${files[0]}: reads 2 (80.00%, ok)`,
    "  recorded correction #1: 2 → 3",
    `${files[1]}: reads 2 (80.00%, ok)`,
    '  not an answer: must be the right digit 0-9, got "x"',
    `${files[2]}: reads 2 (80.00%, ok)`,
    `${files[3]}: reads 2 (80.00%, ok)`,
  ]);
});

Deno.test("reviewFiles: q or the end of input stops; unreadable files and numbers without --multi are skipped", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/bad.png`, "not a picture");
  const files = [`${dir}/bad.png`, `${EXAMPLES}/number_2024.png`, `${EXAMPLES}/scan_7.png`];
  const quit = await review([...files, `${EXAMPLES}/drawn_3.png`], ["q"]);
  assertEquals(quit.summary, {
    shown: 1,
    right: 0,
    corrected: 0,
    recorded: 0,
    skipped: 2,
    quit: true,
  });
  assertMatch(quit.said[0], /bad\.png: skipped: .*bad\.png/);
  assertEquals(
    quit.said[1],
    `${files[1]}: skipped: 4 digits found side by side: use --multi to read the number`,
  );
  const ended = await review(files, []);
  assertEquals([ended.summary.quit, ended.stored], [true, []]);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("reviewFiles --multi: a number's digits, one correction per digit read wrong", async () => {
  const file = `${EXAMPLES}/number_2024.png`;
  const r = await review([file], ["12", "2024"], { multi: true });
  assertEquals(r.said, [
    `${file}: reads 2222 (40.96%, unsure)`,
    `  not an answer: --correct 12 has 2 digits but ${file} reads as 4 digits ("2222")`,
    "  recorded correction #1: 2 → 0",
    "  recorded correction #2: 2 → 4",
  ]);
  assertEquals(r.stored, [["number_2024.png", "2", 0, "cli"], ["number_2024.png", "2", 4, "cli"]]);
  assertEquals(r.summary, {
    shown: 1,
    right: 0,
    corrected: 1,
    recorded: 2,
    skipped: 0,
    quit: false,
  });
});

Deno.test("deno task predict --review: answers from a pipe, echoed, recorded", async () => {
  const dir = await Deno.makeTempDir({ prefix: "review_" });
  const child = new Deno.Command(Deno.execPath(), {
    args: ["task", "-q", "predict", "--review", "--feedback-dir", dir, `${EXAMPLES}/scan_7.png`],
    cwd: ROOT,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode("1\n"));
  await writer.close();
  const o = await child.output();
  const out = new TextDecoder().decode(o.stdout);
  assertEquals(o.code, 0, new TextDecoder().decode(o.stderr));
  assertMatch(out, /scan_7\.png: reads 7 \(\d+\.\d\d%, ok\)\nright digit\? \[.*\] 1\n/);
  assertStringIncludes(out, "\n  recorded correction #1: 7 → 1\n");
  assertMatch(out, /1 of 1 files shown: 0 right, 1 corrected \(1 correction recorded in /);
  const store = CorrectionStore.open({ dir });
  assertEquals(store.list().map((c) => [c.reading, c.label]), [["7", 1]]);
  store.close();
  await Deno.remove(dir, { recursive: true });
});
