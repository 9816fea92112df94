/**
 * The bridge between Digit Lab's rich outputs and the Deno Jupyter kernel:
 * in a notebook a MIME bundle is sent with `Deno.jupyter.display`; under
 * `deno run` or `deno test` its `text/plain` part is printed instead.
 *
 * @module
 */

/**
 * A Jupyter MIME bundle: media type to content (base64 for images, objects for JSON types).
 */
export type MediaBundle = Record<string, string | object>;

/**
 * Options of {@linkcode DisplayTarget.display}.
 */
export interface DisplayOptions {
  /** Give the output this id so that later calls with `update: true` replace it in place. */
  displayId?: string;
  /** Replace the output shown under `displayId` instead of adding one. */
  update?: boolean;
}

/**
 * Where bundles go: the notebook, or plain text on a terminal.
 */
export interface DisplayTarget {
  /** `true` when bundles reach a notebook frontend (rich output), `false` for plain text. */
  readonly rich: boolean;
  /** Shows (or, with `update`, replaces) one bundle. */
  display(bundle: MediaBundle, options?: DisplayOptions): Promise<void>;
}

/** The part of `Deno.jupyter` used here (its types live in Deno's unstable library). */
interface JupyterApi {
  display(
    obj: unknown,
    options?: { raw?: boolean; update?: boolean; display_id?: string },
  ): Promise<void>;
}

/**
 * The kernel's `Deno.jupyter`, or `undefined` outside `deno jupyter`
 * (where reading it throws).
 */
function jupyterApi(): JupyterApi | undefined {
  try {
    return (Deno as unknown as { jupyter?: JupyterApi }).jupyter;
  } catch {
    return undefined;
  }
}

/**
 * Whether this code runs inside the Deno Jupyter kernel.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { inJupyter } from "./jupyter.ts";
 * assertEquals(inJupyter(), false); // under deno run and deno test
 * ```
 */
export function inJupyter(): boolean {
  return jupyterApi() !== undefined;
}

/**
 * A target that prints the `text/plain` part of each bundle (updates
 * included, each on its own line).
 *
 * @param write Receives each text; `console.log` by default.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { textTarget } from "./jupyter.ts";
 * const lines: string[] = [];
 * const target = textTarget((text) => lines.push(text));
 * await target.display({ "text/plain": "hello", "text/html": "<b>hello</b>" });
 * await target.display({ "image/png": "iVBORw0KGgo=" }); // no text: nothing written
 * assertEquals([target.rich, lines], [false, ["hello"]]);
 * ```
 */
export function textTarget(write: (text: string) => void = console.log): DisplayTarget {
  return {
    rich: false,
    display(bundle) {
      const text = bundle["text/plain"];
      if (typeof text === "string") write(text);
      return Promise.resolve();
    },
  };
}

/**
 * The kernel when there is one, else {@linkcode textTarget}.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { defaultTarget } from "./jupyter.ts";
 * assertEquals(defaultTarget().rich, false); // outside a notebook: a textTarget
 * ```
 */
export function defaultTarget(): DisplayTarget {
  const api = jupyterApi();
  if (api === undefined) return textTarget();
  return {
    rich: true,
    display(bundle, options = {}) {
      return api.display(bundle, {
        raw: true,
        ...(options.displayId === undefined ? {} : { display_id: options.displayId }),
        ...(options.update ? { update: true } : {}),
      });
    },
  };
}

/**
 * Shows a bundle on the default target: rich in a notebook, its text
 * elsewhere.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { inJupyter, showBundle } from "./jupyter.ts";
 * assertEquals(inJupyter(), false);
 * await showBundle({ "text/plain": "ok", "text/html": "<b>ok</b>" }); // so this prints "ok"
 * ```
 */
export function showBundle(bundle: MediaBundle, options?: DisplayOptions): Promise<void> {
  return defaultTarget().display(bundle, options);
}

const HTML_ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/**
 * Escapes text for HTML element content and attribute values.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { escapeHtml } from "./jupyter.ts";
 * assertEquals(escapeHtml('<a href="x">'), "&lt;a href=&quot;x&quot;&gt;");
 * ```
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
}
