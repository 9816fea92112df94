import { assertEquals, assertStringIncludes, assertThrows } from "@std/assert";
import { BackendError } from "../../lib/core/errors.ts";
import {
  buildSimdWasm,
  checkSimdWasm,
  renderKernelsModule,
  SIMD_OUTPUT,
} from "../../lib/cli/wasm_build.ts";
import { KERNELS_WASM_BASE64 } from "../../lib/kernels/simd/kernels_wasm.ts";

const HEADER = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
const name = (s: string) => [s.length, ...new TextEncoder().encode(s)];
const section = (id: number, body: number[]) => [id, body.length, ...body];
const memoryImport = [...name("env"), ...name("memory"), 0x02, 0x00, 0x01];
const module = (...sections: number[][]) => new Uint8Array([...HEADER, ...sections.flat()]);

Deno.test("checkSimdWasm accepts a module importing only env.memory", () => {
  checkSimdWasm(module(section(2, [1, ...memoryImport])), "");
});

Deno.test("checkSimdWasm refuses other imports, exports other than functions, and data", () => {
  const global = [...name("env"), ...name("g"), 0x03, 0x7f, 0x00];
  const cases: [Uint8Array, string][] = [
    [module(), "imports []"],
    [module(section(2, [2, ...memoryImport, ...global])), "env.g (global)"],
    [
      module(section(2, [1, ...memoryImport]), section(7, [1, ...name("mem"), 0x02, 0x00])),
      "mem (memory)",
    ],
    [module(section(2, [1, ...memoryImport]), section(11, [0])), "data section"],
  ];
  for (const [wasm, message] of cases) {
    const error = assertThrows(() => checkSimdWasm(wasm, ""), BackendError);
    assertStringIncludes(error.message, message);
  }
});

Deno.test("checkSimdWasm refuses stack use but not a dead stack-pointer read", () => {
  const wasm = module(section(2, [1, ...memoryImport]));
  // Lines as clang -S writes them: a label, a directive, tab-separated instructions.
  const assembly = (ops: string[]) =>
    ["kernel:", "\t.functype\tkernel (i32) -> ()", ...ops.map((op) => `\t${op}  # comment`)]
      .join("\n");
  const dead = ["global.get\t__stack_pointer", "i32.const\t16", "i32.sub", "drop"];
  checkSimdWasm(wasm, assembly(dead));
  const frame = ["global.get\t__stack_pointer", "i32.const\t16", "i32.sub", "local.tee\t3"];
  assertStringIncludes(
    assertThrows(() => checkSimdWasm(wasm, assembly(frame)), BackendError).message,
    "global.get __stack_pointer; i32.const 16; i32.sub; local.tee 3",
  );
  assertThrows(
    () => checkSimdWasm(wasm, assembly(["global.set\t__stack_pointer"])),
    BackendError,
    "global.set __stack_pointer",
  );
});

Deno.test("renderKernelsModule embeds the bytes in base64 lines of 76 characters", () => {
  const wasm = Uint8Array.from({ length: 100 }, (_, i) => i);
  const text = renderKernelsModule({ wasm, toolchain: "clang 0" });
  assertStringIncludes(text, "// Toolchain: clang 0");
  const lines = [...text.matchAll(/^ {2}"([A-Za-z0-9+/=]+)",$/gm)].map((m) => m[1]);
  assertEquals(lines.map((l) => l.length), [76, 60]);
  assertEquals(Uint8Array.from(atob(lines.join("")), (c) => c.charCodeAt(0)), wasm);
});

// Needs clang-19 and lld-19 (Debian packages; setup:test installs them).
Deno.test("the committed SIMD module is exactly what kernels.c builds to", async () => {
  const build = await buildSimdWasm();
  const committed = Uint8Array.from(atob(KERNELS_WASM_BASE64), (c) => c.charCodeAt(0));
  assertEquals(
    committed,
    build.wasm,
    `lib/kernels/simd/kernels_wasm.ts is stale or from another compiler (${build.toolchain}); ` +
      "run deno task build:simd",
  );
  assertEquals(await Deno.readTextFile(SIMD_OUTPUT), renderKernelsModule(build));
});
