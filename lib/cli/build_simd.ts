/**
 * `deno task build:simd`: compiles `lib/kernels/simd/kernels.c` to
 * WebAssembly with Debian's clang-19 and writes `lib/kernels/simd/kernels_wasm.ts`
 * (see `./wasm_build.ts`). With `--check` it writes nothing and
 * fails when the committed module differs from a fresh build.
 *
 * @module
 */

import { buildSimdWasm, renderKernelsModule, SIMD_OUTPUT } from "./wasm_build.ts";
import { parseFlags, runCli } from "./run.ts";

const HELP = `Usage: deno task build:simd [--check]

Compiles lib/kernels/simd/kernels.c (WASM SIMD training kernels) with clang-19
and wasm-ld-19, checks the module is safe to run on the tfjs heap, and writes
lib/kernels/simd/kernels_wasm.ts. Needs (Debian): clang-19 lld-19.

Options:
  --check      compare with the committed module instead of writing (exit 1
               when they differ)
  -h, --help   show this help
`;

/**
 * Runs the build command with the given arguments and returns the exit code.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { main } from "./build_simd.ts";
 * assertEquals(await main(["--help"]), 0); // prints the usage
 * ```
 */
export async function main(args: string[]): Promise<number> {
  const flags = parseFlags(args, { boolean: ["check"], positional: false });
  if (flags.help) {
    console.log(HELP);
    return 0;
  }
  const build = await buildSimdWasm();
  const text = renderKernelsModule(build);
  const path = SIMD_OUTPUT.pathname;
  if (flags.check) {
    const committed = await Deno.readTextFile(path).catch(() => "");
    if (committed !== text) {
      console.error(
        `${path} differs from a fresh build (${build.toolchain}); run deno task build:simd`,
      );
      return 1;
    }
    console.log(`${path} matches a fresh build (${build.wasm.length} bytes, ${build.toolchain})`);
    return 0;
  }
  // Write next to the target and rename, so a failed write leaves the old module.
  const tmp = `${path}.tmp`;
  await Deno.writeTextFile(tmp, text);
  await Deno.rename(tmp, path);
  console.log(`wrote ${path} (${build.wasm.length} bytes, ${build.toolchain})`);
  return 0;
}

if (import.meta.main) await runCli(main);
