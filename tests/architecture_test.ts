/**
 * The layers of `lib/`, declared once, and a check of every import against
 * them: a file may import its own folder's files, and another folder only
 * through that folder's `mod.ts` and only when that folder sits in a lower
 * layer. Imports inside JSDoc examples are not checked (an example is user
 * code); real `import`/`export … from` statements and dynamic `import()`
 * calls are.
 */

import { assertEquals, assertMatch } from "@std/assert";
import { dirname, fromFileUrl, join, normalize, relative } from "@std/path";

/**
 * The layers, lowest first. A folder may import the folders of lower layers
 * (through their `mod.ts`), never those of its own layer or above.
 */
const LAYERS: readonly (readonly string[])[] = [
  ["core"],
  ["data", "image"],
  ["image/synth", "kernels/simd"],
  ["kernels"],
  ["model"],
  ["eval", "export", "feedback"],
  ["train/parallel"],
  ["train"],
  ["display"],
  ["notebook", "web", "bench", "fuzz"],
  ["cli"],
];

const LIB = fromFileUrl(new URL("../lib/", import.meta.url));

const RANK: ReadonlyMap<string, number> = new Map(
  LAYERS.flatMap((folders, rank) => folders.map((f) => [f, rank] as const)),
);

/** The relative specifiers a module really imports (not those in comments). */
export function importsOf(source: string): string[] {
  const specs: string[] = [];
  const statement = /^\s*(?:import|export)\b[^;]*?\bfrom\s*["']([^"']+)["']/gm;
  const bare = /^\s*import\s*["']([^"']+)["']/gm;
  const dynamic = /\bimport\(\s*["']([^"']+)["']\s*\)/g;
  const code = source.replace(/\/\*[\s\S]*?\*\//g, "");
  for (const re of [statement, bare, dynamic]) {
    for (const m of code.matchAll(re)) specs.push(m[1]);
  }
  return specs.filter((s) => s.startsWith("."));
}

/**
 * Every wrong import among `files` (paths relative to `lib/`, mapped to their
 * source), one line each, naming the file and the import.
 */
export function layerViolations(files: ReadonlyMap<string, string>): string[] {
  const problems: string[] = [];
  for (const [file, source] of files) {
    const folder = dirname(file);
    if (folder === ".") {
      if (file !== "mod.ts") problems.push(`${file}: a loose file at the top of lib/`);
      continue;
    }
    const rank = RANK.get(folder);
    if (rank === undefined) {
      problems.push(`${file}: folder ${folder}/ is in no declared layer`);
      continue;
    }
    for (const spec of importsOf(source)) {
      const target = normalize(join(folder, spec));
      if (target.startsWith("..")) {
        problems.push(`${file}: imports ${spec}, outside lib/`);
        continue;
      }
      const targetFolder = dirname(target);
      if (targetFolder === folder) continue;
      const targetRank = RANK.get(targetFolder);
      if (targetRank === undefined) {
        problems.push(`${file}: imports ${spec}, in no declared layer`);
      } else if (targetRank >= rank) {
        problems.push(
          `${file}: imports ${spec}: ${folder}/ (layer ${rank}) may not import ` +
            `${targetFolder}/ (layer ${targetRank})`,
        );
      } else if (!target.endsWith("/mod.ts")) {
        problems.push(`${file}: imports ${spec}, past ${targetFolder}/mod.ts`);
      }
    }
  }
  return problems;
}

async function readLib(): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  async function walk(dir: string): Promise<void> {
    for await (const entry of Deno.readDir(dir)) {
      const path = join(dir, entry.name);
      if (entry.isDirectory) await walk(path);
      else if (entry.name.endsWith(".ts")) {
        files.set(relative(LIB, path), await Deno.readTextFile(path));
      }
    }
  }
  await walk(LIB);
  return files;
}

Deno.test("every import in lib/ points down the layers, through mod.ts", async () => {
  const files = await readLib();
  assertEquals(layerViolations(files), []);
});

Deno.test("every lib/ folder has a mod.ts with a module doc naming what it may import", async () => {
  const files = await readLib();
  for (const folder of RANK.keys()) {
    const mod = files.get(`${folder}/mod.ts`);
    assertEquals(typeof mod, "string", `lib/${folder}/mod.ts is missing`);
    assertMatch(mod!, /@module/, `lib/${folder}/mod.ts has no module doc`);
    assertMatch(mod!, /May import:/, `lib/${folder}/mod.ts does not say what it may import`);
  }
});

Deno.test("layerViolations names a wrong-way import, an import past mod.ts and a loose file", () => {
  const files = new Map([
    ["core/errors.ts", 'import { trainModel } from "../train/mod.ts";\n'],
    ["model/build.ts", 'import { Rng } from "../core/random.ts";\n'],
    ["train/loop.ts", 'import {\n  a,\n} from "../model/mod.ts";\nimport("../cli/mod.ts");\n'],
    ["eval/x.ts", '/**\n * import { y } from "../cli/mod.ts";\n */\nexport * from "./y.ts";\n'],
    ["stray.ts", ""],
    ["mystery/a.ts", ""],
  ]);
  assertEquals(layerViolations(files), [
    "core/errors.ts: imports ../train/mod.ts: core/ (layer 0) may not import train/ (layer 7)",
    "model/build.ts: imports ../core/random.ts, past core/mod.ts",
    "train/loop.ts: imports ../cli/mod.ts: train/ (layer 7) may not import cli/ (layer 10)",
    "stray.ts: a loose file at the top of lib/",
    "mystery/a.ts: folder mystery/ is in no declared layer",
  ]);
});

Deno.test("layerViolations: siblings of one layer may not import each other", () => {
  const files = new Map([["data/split.ts", 'import { decode } from "../image/mod.ts";\n']]);
  assertEquals(layerViolations(files), [
    "data/split.ts: imports ../image/mod.ts: data/ (layer 1) may not import image/ (layer 1)",
  ]);
});
