import { assert, assertEquals, assertRejects } from "@std/assert";
import { InvalidArgumentError } from "../../lib/core/errors.ts";
import { readImage } from "../../lib/image/decode.ts";
import { main, writeExamples } from "../../lib/cli/examples.ts";
import { normalizeImage } from "../../lib/image/normalize.ts";
import { segmentDigits } from "../../lib/image/segment.ts";
import { templateDigit } from "../image/_templates.ts";
import { captureLog } from "../_helpers/cli.ts";

async function check(dir: string): Promise<void> {
  let total = 0;
  for (const entry of Deno.readDirSync(dir)) {
    total += (await Deno.stat(`${dir}/${entry.name}`)).size;
  }
  assert(total < 300 * 1024, `${dir} holds ${total} bytes`);
  for (
    const [file, digit] of [["drawn_3.png", 3], ["scan_7.png", 7], ["photo_4.jpg", 4]] as const
  ) {
    assertEquals(
      templateDigit(normalizeImage(await readImage(`${dir}/${file}`)).pixels),
      digit,
      file,
    );
  }
  const number = segmentDigits(await readImage(`${dir}/number_2024.png`)).digits;
  assertEquals(number.map((d) => templateDigit(d.pixels)).join(""), "2024");
  assert((await Deno.readTextFile(`${dir}/README.md`)).includes("photo_4.jpg"));
}

Deno.test("writeExamples writes four readable examples and a README, under 300 KB", async () => {
  const dir = await Deno.makeTempDir();
  try {
    assertEquals(await writeExamples(dir), [
      "drawn_3.png",
      "scan_7.png",
      "photo_4.jpg",
      "number_2024.png",
    ]);
    await check(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the shipped data/examples are the same kind of files", async () => {
  await check("data/examples");
});

Deno.test("examples: main writes into the one directory given and says so", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const out = await captureLog(() => main([dir]));
    assertEquals(out.split("\n"), [
      `wrote ${dir}/drawn_3.png`,
      `wrote ${dir}/scan_7.png`,
      `wrote ${dir}/photo_4.jpg`,
      `wrote ${dir}/number_2024.png`,
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("examples: main rejects a second directory and unknown options", async () => {
  await assertRejects(() => main(["a", "b"]), InvalidArgumentError, 'unexpected argument "b"');
  await assertRejects(() => main(["--out", "a"]), InvalidArgumentError, "--out");
  assertEquals(await captureLog(() => main(["--help"])).then((t) => t.startsWith("Usage:")), true);
});
