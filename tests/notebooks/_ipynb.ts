/**
 * Reading notebooks in the notebook tests: the cells, their outputs, and the
 * code cells as one TypeScript module for `deno check`.
 *
 * @module
 */

/** One output of a code cell (the fields the tests look at). */
export interface Output {
  /** `stream`, `display_data`, `execute_result` or `error`. */
  output_type: string;
  /** Stream name (`stdout`, `stderr`). */
  name?: string;
  /** Stream text. */
  text?: string | string[];
  /** MIME bundle of rich outputs. */
  data?: Record<string, unknown>;
  /** Error name and value. */
  ename?: string;
  /** Error message. */
  evalue?: string;
}

/** One cell. */
export interface Cell {
  /** `code` or `markdown`. */
  cell_type: string;
  /** The source, as one string or as lines. */
  source: string | string[];
  /** Outputs of a code cell. */
  outputs?: Output[];
  /** Execution count of a code cell (`null` when not run). */
  execution_count?: number | null;
}

/** A notebook. */
export interface Notebook {
  /** The cells in order. */
  cells: Cell[];
  /** Notebook metadata. */
  metadata: Record<string, unknown>;
}

/**
 * Reads a notebook file.
 *
 * @example
 * ```ts ignore
 * import { readNotebook } from "./_ipynb.ts";
 * const nb = await readNotebook("notebooks/01_load_data.ipynb");
 * ```
 */
export async function readNotebook(path: string): Promise<Notebook> {
  return JSON.parse(await Deno.readTextFile(path)) as Notebook;
}

/**
 * A cell's source as one string.
 *
 * @example
 * ```ts
 * import { sourceOf } from "./_ipynb.ts";
 * console.assert(sourceOf({ cell_type: "code", source: ["a\n", "b"] }) === "a\nb");
 * ```
 */
export function sourceOf(cell: Cell): string {
  return Array.isArray(cell.source) ? cell.source.join("") : cell.source;
}

/**
 * Every output of the notebook's code cells, with the index of its cell.
 *
 * @example
 * ```ts
 * import { allOutputs } from "./_ipynb.ts";
 * const nb = { metadata: {}, cells: [{ cell_type: "code", source: "", outputs: [{ output_type: "error" }] }] };
 * console.assert(allOutputs(nb)[0].cell === 0);
 * ```
 */
export function allOutputs(nb: Notebook): (Output & { cell: number })[] {
  return nb.cells.flatMap((c, cell) => (c.outputs ?? []).map((o) => ({ ...o, cell })));
}

/**
 * The text of an output's stream or of one MIME type of its bundle.
 *
 * @example
 * ```ts
 * import { textOf } from "./_ipynb.ts";
 * console.assert(textOf({ output_type: "stream", text: ["a", "b"] }) === "ab");
 * ```
 */
export function textOf(output: Output, mime = "text/plain"): string {
  const value = output.output_type === "stream" ? output.text : output.data?.[mime];
  if (value === undefined) return "";
  if (Array.isArray(value)) return value.join("");
  return typeof value === "string" ? value : JSON.stringify(value);
}

/**
 * The notebook's code cells as one TypeScript module, each cell after a
 * comment naming it, for type-checking with `deno check`. The module must
 * sit in the notebook's folder so that relative imports resolve as in the
 * kernel.
 *
 * @example
 * ```ts
 * import { codeAsModule } from "./_ipynb.ts";
 * const nb = { metadata: {}, cells: [{ cell_type: "code", source: "const a = 1;" }] };
 * console.assert(codeAsModule(nb, "x.ipynb").includes("// x.ipynb, cell 0\nconst a = 1;"));
 * ```
 */
export function codeAsModule(nb: Notebook, name: string): string {
  const cells = nb.cells.flatMap((c, i) =>
    c.cell_type === "code" ? [`// ${name}, cell ${i}\n${sourceOf(c)}\n`] : []
  );
  return `// The code cells of ${name}, for type-checking.\n${cells.join("\n")}\nexport {};\n`;
}
