/**
 * The commands behind `deno task`: one file per command, the shared flag parser and
 * runner, and the WASM build tool.
 *
 * May import: every layer. Nothing imports it: each command is a program that its
 * `deno task` runs, so this module exports nothing.
 *
 * @module
 */
