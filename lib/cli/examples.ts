/**
 * `deno task examples [OUT_DIR]`: writes the example images shipped in
 * `data/examples/`. Every digit is drawn from this project's own stroke
 * paths (`image/synth/pen_strokes.ts`), so the project owns the images
 * outright. Deterministic: the same seed gives the same files.
 *
 * @module
 */

import { createRng } from "../core/mod.ts";
import { encodeImage, type GrayImage, type RgbImage } from "../image/mod.ts";
import {
  BLUE_PEN,
  digitStrokes,
  drawDigit,
  drawStrokes,
  inkToGray,
  placeOnCanvas,
  sideBySide,
  synthPhoto,
} from "../image/synth/mod.ts";
import { parseFlags, runCli } from "./run.ts";

const HELP = `Usage: deno task examples [OUT_DIR]

Writes the example images (digits drawn from this project's own stroke paths)
and a README listing them into OUT_DIR (default data/examples). The same files
every time.

Options:
  -h, --help   show this help
`;

/** One example file: its name, what it shows, and how to make it. */
interface Example {
  name: string;
  description: string;
  make: () => GrayImage | RgbImage;
  format: "png" | "jpeg";
}

const EXAMPLES: Example[] = [
  {
    name: "drawn_3.png",
    description:
      "a 3 drawn with an anti-aliased round brush, dark on white, 240x240 (paint program)",
    format: "png",
    make: () =>
      inkToGray(
        drawStrokes(digitStrokes(3, { rng: createRng(3), variation: 0.5 }), {
          width: 240,
          height: 240,
          penWidth: 16,
          frame: { x: 40, y: 30, size: 180 },
        }),
        { paper: 1, pen: 0.1 },
      ),
  },
  {
    name: "scan_7.png",
    description: "a 7, binary black on white, off-centre on a 420x300 page with specks (scanner)",
    format: "png",
    make: () => {
      const rng = createRng(7);
      const seven = drawDigit(7, { size: 160, penWidth: 11, rng, variation: 0.4, margin: 0.05 });
      const page = placeOnCanvas(seven, { width: 420, height: 300, x: 230, y: 70 });
      for (let i = 0; i < page.data.length; i++) page.data[i] = page.data[i] > 0.5 ? 1 : 0;
      for (let k = 0; k < 40; k++) page.data[Math.floor(rng() * page.data.length)] = 1;
      return inkToGray(page);
    },
  },
  {
    name: "photo_4.jpg",
    description:
      "a 4 in blue ballpoint on squared paper: tilted rules, light gradient, shadow, blur, JPEG (phone photo)",
    format: "jpeg",
    make: () => {
      const rng = createRng(4);
      const four = drawDigit(4, { size: 220, penWidth: 7, rng, margin: 0.05 });
      const page = placeOnCanvas(four, { width: 480, height: 360, x: 150, y: 70 });
      return synthPhoto(page, {
        rng,
        pen: BLUE_PEN,
        ruling: { spacing: 24, lineWidth: 1.5, angle: 2.5 },
        gradient: 0.45,
        shadow: 0.35,
        blur: 1,
        noise: 0.015,
      });
    },
  },
  {
    name: "number_2024.png",
    description: "the number 2024 written left to right, dark on white, 4 digits (multi-digit)",
    format: "png",
    make: () => {
      const rng = createRng(2024);
      const digits = [2, 0, 2, 4].map((d) =>
        drawDigit(d, { size: 90, penWidth: 8, rng, margin: 0.08 })
      );
      return inkToGray(sideBySide(digits, { gap: 4, padding: 24 }), { paper: 0.98, pen: 0.12 });
    },
  },
];

/**
 * Writes every example into `outDir` and a README listing them.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { writeExamples } from "./examples.ts";
 * const dir = await Deno.makeTempDir();
 * const names = await writeExamples(dir);
 * assertEquals(names, ["drawn_3.png", "scan_7.png", "photo_4.jpg", "number_2024.png"]);
 * assertEquals((await Deno.readTextFile(`${dir}/README.md`)).startsWith("# Example images"), true);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeExamples(outDir: string): Promise<string[]> {
  await Deno.mkdir(outDir, { recursive: true });
  const lines = [
    "# Example images",
    "",
    "Made by `deno task examples` (`lib/cli/examples.ts`) from this project's own stroke-path digits (no data set pixels).",
    "",
  ];
  for (const ex of EXAMPLES) {
    const bytes = await encodeImage(ex.make(), { format: ex.format, quality: 85 });
    await Deno.writeFile(`${outDir}/${ex.name}`, bytes);
    lines.push(`- \`${ex.name}\`: ${ex.description}.`);
  }
  await Deno.writeTextFile(`${outDir}/README.md`, lines.join("\n") + "\n");
  return EXAMPLES.map((e) => e.name);
}

/**
 * Runs the examples command with the given arguments and returns the exit code.
 *
 * @throws {InvalidArgumentError} for an unknown option or more than one directory.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { main } from "./examples.ts";
 * assertEquals(await main(["--help"]), 0);
 * ```
 */
export async function main(args: string[]): Promise<number> {
  const flags = parseFlags(args, { positional: 1 });
  if (flags.help) {
    console.log(HELP);
    return 0;
  }
  const outDir = flags._[0] ?? new URL("../../data/examples", import.meta.url).pathname;
  for (const name of await writeExamples(outDir)) console.log(`wrote ${outDir}/${name}`);
  return 0;
}

if (import.meta.main) await runCli(main);
