import { assertEquals } from "@std/assert";
import { collectImageFiles } from "../../lib/eval/image_files.ts";

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
