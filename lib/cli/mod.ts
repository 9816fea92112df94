/**
 * The commands behind `deno task`: one file per command, the shared flag parser and
 * runner, and the WASM build tool.
 *
 * May import: every layer.
 *
 * @module
 */
