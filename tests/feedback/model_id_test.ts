import { assertEquals, assertNotEquals, assertRejects } from "@std/assert";
import { ModelLoadError } from "../../lib/core/errors.ts";
import { modelIdOf } from "../../lib/feedback/model_id.ts";

Deno.test("modelIdOf: the SHA-256 of weights.bin, known for known bytes", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/weights.bin`, "abc");
  // SHA-256("abc") from FIPS 180-2, appendix B.1.
  assertEquals(
    await modelIdOf(dir),
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
  );
  await Deno.writeTextFile(`${dir}/weights.bin`, "abd");
  assertNotEquals(
    await modelIdOf(dir),
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("modelIdOf: a directory without weights.bin is a ModelLoadError naming the file", async () => {
  const dir = await Deno.makeTempDir();
  await assertRejects(
    () => modelIdOf(dir),
    ModelLoadError,
    `cannot read ${dir}/weights.bin to identify the model`,
  );
  await Deno.remove(dir);
});
