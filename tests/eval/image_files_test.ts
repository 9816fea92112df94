import { assertEquals } from "@std/assert";
import { collectImageFiles, findImageFiles } from "../../lib/eval/image_files.ts";

Deno.test("collectImageFiles: recursive, image extensions only, sorted; missing paths kept", async () => {
  const dir = await Deno.makeTempDir({ prefix: "collect_" });
  try {
    await Deno.mkdir(`${dir}/sub`);
    for (const f of ["b.png", "a.JPG", "readme.txt", "sub/c.webp"]) {
      await Deno.writeFile(`${dir}/${f}`, new Uint8Array([1]));
    }
    assertEquals(await collectImageFiles([dir, `${dir}/nope.png`]), [
      `${dir}/a.JPG`,
      `${dir}/b.png`,
      `${dir}/sub/c.webp`,
      `${dir}/nope.png`,
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("findImageFiles: counts the directories' non-image files as skipped, keeps given files", async () => {
  const dir = await Deno.makeTempDir({ prefix: "find_" });
  try {
    await Deno.mkdir(`${dir}/sub`);
    for (const f of ["b.png", "notes.txt", "sub/c.webp", "sub/.DS_Store"]) {
      await Deno.writeFile(`${dir}/${f}`, new Uint8Array([1]));
    }
    // A file given by name is read even when it is not an image: never skipped silently.
    const found = await findImageFiles([dir, `${dir}/notes.txt`]);
    assertEquals(found, {
      files: [`${dir}/b.png`, `${dir}/sub/c.webp`, `${dir}/notes.txt`],
      skipped: [`${dir}/notes.txt`, `${dir}/sub/.DS_Store`],
      directories: [dir],
    });
    assertEquals((await findImageFiles([`${dir}/b.png`])).skipped, []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
