/**
 * Builds `simd/kernels.c` into WebAssembly with Debian's toolchain
 * (`clang-19`, and `wasm-ld-19` from `lld-19`) and renders the result as
 * `simd/kernels_wasm.ts`, the module the runtime loads. No binary is
 * downloaded: the committed bytes are the ones this build gives, and the
 * tests rebuild them to prove it.
 *
 * Why clang 19 and not Debian 12's default clang 14: the kernels multiply and
 * add with relaxed SIMD's `f32x4.relaxed_madd` (one fused multiply-add on
 * x86-64 with FMA, where V8 has it), whose final opcode clang 14 does not
 * emit (it writes the pre-standard one, which V8 refuses).
 *
 * The module runs on the tfjs heap, so the build refuses one that could
 * write anywhere tfjs does not expect: it must import nothing but
 * `env.memory`, export only functions, have no data segments, and use no
 * global (clang's stack pointer: the kernels need no stack).
 *
 * @module
 */

import { BackendError } from "../core/mod.ts";

/** The C source, next to this file. */
export const SIMD_SOURCE: URL = new URL("../kernels/simd/kernels.c", import.meta.url);
/** The generated module holding the compiled bytes. */
export const SIMD_OUTPUT: URL = new URL("../kernels/simd/kernels_wasm.ts", import.meta.url);

/**
 * The compiler, a Debian package of its own (`clang-19`). It links with the
 * `wasm-ld` of its own LLVM directory, which `lld-19` installs.
 */
export const CLANG = "clang-19";

/**
 * clang's flags: 32-bit WASM with 128-bit and relaxed SIMD, no libc, no
 * entry point, the backend's memory imported, names stripped (so the bytes
 * do not depend on where the repository lies).
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { CLANG_FLAGS } from "./wasm_build.ts";
 * assert(CLANG_FLAGS.includes("-msimd128") && CLANG_FLAGS.includes("-Wl,--import-memory"));
 * ```
 */
export const CLANG_FLAGS: readonly string[] = [
  "--target=wasm32",
  "-O3",
  "-msimd128",
  "-mrelaxed-simd",
  "-mbulk-memory",
  "-nostdlib",
  "-ffreestanding",
  "-Wall",
  "-Wextra",
  "-Werror",
  "-Wl,--no-entry",
  "-Wl,--import-memory",
  "-Wl,--strip-all",
];

/** What one build gives: the bytes and the compiler that made them. */
export interface SimdBuild {
  /** The WebAssembly module. */
  wasm: Uint8Array;
  /** First line of `clang --version`. */
  toolchain: string;
}

async function run(cmd: string, args: string[]): Promise<string> {
  let output: Deno.CommandOutput;
  try {
    output = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
  } catch (error) {
    throw new BackendError(
      `cannot run ${cmd} (${
        (error as Error).message
      }); on Debian: apt-get install --no-install-recommends clang-19 lld-19`,
    );
  }
  const text = new TextDecoder();
  if (!output.success) {
    throw new BackendError(
      `${cmd} ${args.join(" ")} failed (exit ${output.code}):\n${text.decode(output.stderr)}`,
    );
  }
  return text.decode(output.stdout);
}

/** Section ids of a WebAssembly binary, in order. */
function sectionIds(wasm: Uint8Array): number[] {
  const ids: number[] = [];
  let at = 8; // magic and version
  while (at < wasm.length) {
    const id = wasm[at++];
    let size = 0, shift = 0, byte: number;
    do {
      byte = wasm[at++];
      size |= (byte & 0x7f) << shift;
      shift += 7;
    } while (byte & 0x80);
    ids.push(id);
    at += size;
  }
  return ids;
}

/**
 * Checks that a module can safely share the tfjs heap: it imports only
 * `env.memory`, exports only functions, has no data section (id 11), and
 * its code, as clang's assembly (`clang -S`) shows it, uses no global
 * (clang's stack pointer) beyond a dead read it can leave behind: read,
 * lowered, dropped. (The assembly, because wabt 1.0.32's `wasm-objdump`
 * cannot decode relaxed SIMD.)
 *
 * @throws {BackendError} naming the first problem.
 *
 * @example
 * ```ts
 * import { assertThrows } from "@std/assert";
 * import { checkSimdWasm } from "./wasm_build.ts";
 * // A module with no memory import.
 * const empty = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]);
 * assertThrows(() => checkSimdWasm(empty, ""));
 * ```
 */
export function checkSimdWasm(wasm: Uint8Array, assembly: string): void {
  const module = new WebAssembly.Module(wasm as Uint8Array<ArrayBuffer>);
  const imports = WebAssembly.Module.imports(module)
    .map((i) => `${i.module}.${i.name} (${i.kind})`);
  if (imports.length !== 1 || imports[0] !== "env.memory (memory)") {
    throw new BackendError(
      `the SIMD module must import only env.memory, imports [${imports.join(", ")}]`,
    );
  }
  const exported = WebAssembly.Module.exports(module).filter((e) => e.kind !== "function");
  if (exported.length > 0) {
    throw new BackendError(
      `the SIMD module must export only functions, exports ${
        exported.map((e) => `${e.name} (${e.kind})`).join(", ")
      }`,
    );
  }
  if (sectionIds(wasm).includes(11)) {
    throw new BackendError("the SIMD module has a data section; the kernels must not need data");
  }
  // Instructions only (not labels, directives or comments), with single
  // spaces, so that a global use is seen with what follows it.
  const ops = assembly.split("\n").flatMap((line) => {
    const op = line.replace(/#.*/, "").trim().replace(/\s+/g, " ");
    return op === "" || op.startsWith(".") || op.endsWith(":") ? [] : [op];
  });
  for (let i = 0; i < ops.length; i++) {
    if (!/^global\.(get|set)\b/.test(ops[i])) continue;
    // clang sometimes leaves the prologue of a stack frame it then optimised
    // away: the stack pointer read, lowered and dropped. That touches nothing.
    const dead = ops[i].startsWith("global.get") && /^i32\.const\b/.test(ops[i + 1] ?? "") &&
      ops[i + 2] === "i32.sub" && ops[i + 3] === "drop";
    if (!dead) {
      throw new BackendError(
        `the SIMD module uses a global (a stack frame?), which would write over the tfjs heap: ${
          ops.slice(i, i + 4).join("; ")
        }`,
      );
    }
  }
}

/**
 * Compiles `simd/kernels.c` with clang (`CLANG_FLAGS`), once to a module
 * and once to assembly, and checks the result with
 * {@linkcode checkSimdWasm}.
 *
 * @throws {BackendError} when a tool is missing, the build fails, or the
 *   module does not pass the checks.
 *
 * @example
 * ```ts
 * // Runs clang-19 twice and wasm-ld-19 (about 2 s).
 * import { assertEquals, assertMatch } from "@std/assert";
 * import { buildSimdWasm } from "./wasm_build.ts";
 * const { wasm, toolchain } = await buildSimdWasm();
 * assertEquals(Array.from(wasm.subarray(0, 4)), [0, 0x61, 0x73, 0x6d]); // "\0asm"
 * assertMatch(toolchain, /clang/);
 * ```
 */
export async function buildSimdWasm(): Promise<SimdBuild> {
  const toolchain = (await run(CLANG, ["--version"])).split("\n")[0].trim();
  const dir = await Deno.makeTempDir({ prefix: "digit_lab_simd_" });
  try {
    const out = `${dir}/kernels.wasm`;
    await run(CLANG, [...CLANG_FLAGS, "-o", out, SIMD_SOURCE.pathname]);
    const wasm = await Deno.readFile(out);
    // The same code as text: compile only, so the linker's flags go unused.
    const compile = CLANG_FLAGS.filter((f) => !f.startsWith("-Wl,"));
    const assembly = await run(CLANG, [...compile, "-S", "-o", "-", SIMD_SOURCE.pathname]);
    checkSimdWasm(wasm, assembly);
    return { wasm, toolchain };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/**
 * The text of `simd/kernels_wasm.ts` for a build: the bytes in base64, 76
 * characters a line, formatted as `deno fmt` leaves it.
 *
 * @example
 * ```ts
 * import { assertStringIncludes } from "@std/assert";
 * import { renderKernelsModule } from "./wasm_build.ts";
 * const wasm = new Uint8Array([0, 97, 115, 109]);
 * const text = renderKernelsModule({ wasm, toolchain: "clang" });
 * assertStringIncludes(text, '  "AGFzbQ==",\n');
 * assertStringIncludes(text, "(4 bytes)");
 * ```
 */
export function renderKernelsModule({ wasm, toolchain }: SimdBuild): string {
  const base64 = btoa(Array.from(wasm, (b) => String.fromCharCode(b)).join(""));
  const lines: string[] = [];
  for (let i = 0; i < base64.length; i += 76) lines.push(`  "${base64.slice(i, i + 76)}",`);
  return `// Generated by \`deno task build:simd\` from kernels.c; do not edit.
// Toolchain: ${toolchain}

/**
 * The WebAssembly build of \`kernels.c\` (${wasm.length} bytes), embedded so
 * that loading it needs no file access (Workers, notebooks).
 *
 * @module
 */

/**
 * The module's bytes in base64.
 *
 * @example
 * \`\`\`ts
 * import { assert, assertEquals } from "@std/assert";
 * import { KERNELS_WASM_BASE64 } from "./kernels_wasm.ts";
 * const bytes = Uint8Array.from(atob(KERNELS_WASM_BASE64), (c) => c.charCodeAt(0));
 * assertEquals(bytes.length, ${wasm.length});
 * assert(WebAssembly.validate(bytes));
 * \`\`\`
 */
export const KERNELS_WASM_BASE64: string = [
${lines.join("\n")}
].join("");
`;
}
