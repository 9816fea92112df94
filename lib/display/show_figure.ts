/**
 * Plotly figures in notebooks without running plotly.js in the kernel: the
 * figure goes out as `application/vnd.plotly.v1+json` (drawn by VS Code and
 * JupyterLab's plotly renderer), as `text/html` that loads plotly.js once per
 * page from the Jupyter server (classic Notebook, JupyterLab in a browser),
 * as `image/svg+xml` (a static picture of the same chart, `figure_svg.ts`)
 * and as `text/plain`.
 *
 * The HTML looks for plotly.js at `<base>/files/node_modules/plotly.js-dist/plotly.js`,
 * which the Jupyter server serves when it was started at the project root
 * (`deno task notebook`), then at the plotly CDN. Until plotly draws, and
 * wherever scripts do not run (an untrusted notebook, whose HTML the classic
 * Notebook and JupyterLab sanitise), the HTML shows the static picture as an
 * `<img>`; if plotly.js cannot be loaded a line under the picture says so.
 *
 * @module
 */

import type { Figure } from "./plotly_figures.ts";
import { type MediaBundle, showBundle } from "./jupyter.ts";
import { figureSvg, figureTitle } from "./figure_svg.ts";
import { svgImageTag } from "./svg_image.ts";

/**
 * Options of {@linkcode figureBundle} and {@linkcode showFigure}.
 */
export interface ShowFigureOptions {
  /** Height of the plot in pixels (default: the layout's height, else 420). */
  height?: number;
}

/**
 * plotly.js under the Jupyter server's `/files/` route, relative to its base URL.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { PLOTLY_FILES_PATH } from "./show_figure.ts";
 * // Jupyter, started at the project root, serves its files under files/.
 * assert((await Deno.stat(PLOTLY_FILES_PATH.replace(/^files\//, ""))).isFile);
 * ```
 */
export const PLOTLY_FILES_PATH = "files/node_modules/plotly.js-dist/plotly.js";
/**
 * The same plotly.js release (see deno.json) on the plotly CDN.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { PLOTLY_CDN_URL } from "./show_figure.ts";
 * const { imports } = JSON.parse(await Deno.readTextFile("deno.json"));
 * const version = imports["plotly.js-dist"].split("@").at(-1); // the release node_modules holds
 * assert(PLOTLY_CDN_URL.endsWith(`/plotly-${version}.min.js`));
 * ```
 */
export const PLOTLY_CDN_URL = "https://cdn.plot.ly/plotly-3.7.0.min.js";

/**
 * The browser-side loader: finds or loads plotly.js (requirejs in the
 * classic Notebook, a shared <script> elsewhere) and draws `fig` into the
 * element with id `id`. Plain ES5 so that old frontends run it too.
 */
const LOADER = `
function(id, fig, localPath, cdnUrl) {
  var el = document.getElementById(id);
  if (!el) return;
  function draw(Plotly) {
    el.textContent = "";
    Plotly.newPlot(el, fig.data, fig.layout, { responsive: true, displaylogo: false });
  }
  function fail(err) {
    var note = document.createElement("div");
    note.className = "digit-lab-plot-note";
    note.textContent = "A static picture: could not load plotly.js (" +
      (err && err.message || err) + "). Start Jupyter at the project root with " +
      "\\"deno task notebook\\" for the interactive chart.";
    el.appendChild(note);
  }
  var base = (document.body && document.body.getAttribute("data-base-url")) || "";
  if (!base) {
    var cfg = document.getElementById("jupyter-config-data");
    try { base = cfg ? JSON.parse(cfg.textContent).baseUrl || "" : ""; } catch (e) { base = ""; }
  }
  if (!base) base = "/";
  if (base.charAt(base.length - 1) !== "/") base += "/";
  var local = base + localPath;
  if (window.Plotly && window.Plotly.newPlot) return draw(window.Plotly);
  if (typeof window.requirejs === "function" && window.requirejs.config) {
    window.requirejs.config({ paths: { "digit-lab-plotly": [
      local.replace(/\\.js$/, ""), cdnUrl.replace(/\\.js$/, "")
    ] } });
    // plotly.js 3 is no AMD module: requirejs runs it, and it sets window.Plotly.
    window.requirejs(["digit-lab-plotly"], function (Plotly) {
      Plotly = Plotly || window.Plotly;
      Plotly ? draw(Plotly) : fail("plotly.js loaded but defined no Plotly");
    }, fail);
    return;
  }
  function load(url) {
    return new Promise(function (resolve, reject) {
      var s = document.createElement("script");
      s.src = url;
      s.onload = function () {
        window.Plotly ? resolve(window.Plotly) : reject(new Error("no Plotly in " + url));
      };
      s.onerror = function () { reject(new Error("cannot load " + url)); };
      document.head.appendChild(s);
    });
  }
  if (!window.__digitLabPlotly) {
    window.__digitLabPlotly = load(local).catch(function () { return load(cdnUrl); });
  }
  window.__digitLabPlotly.then(draw, fail);
}`;

/** JSON that is safe inside a <script> element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c").replace(
    /\u2028|\u2029/g,
    (c) => c === "\u2028" ? "\\u2028" : "\\u2029",
  );
}

/**
 * Builds the bundle of a plotly figure: `application/vnd.plotly.v1+json`,
 * `text/html` (a div holding the static picture, and a loader script that
 * replaces it with the interactive chart), `image/svg+xml` (the static
 * picture) and `text/plain`.
 *
 * @example
 * ```ts
 * import { assertEquals, assertMatch } from "@std/assert";
 * import { figureBundle } from "./show_figure.ts";
 * const figure = { data: [{ type: "bar", name: "counts", x: [1, 2], y: [3, 4] }], layout: {} };
 * const bundle = figureBundle(figure, { height: 300 });
 * assertEquals(bundle["text/plain"], "Figure (plotly figure: counts)");
 * assertMatch(bundle["text/html"] as string, /height:300px/);
 * assertMatch(bundle["text/html"] as string, /<img class="digit-lab-plot-static" src="data:image\/svg\+xml;base64,/);
 * assertMatch(bundle["image/svg+xml"] as string, /^<svg /);
 * assertEquals(bundle["application/vnd.plotly.v1+json"], { ...figure, layout: { height: 300 } });
 * ```
 */
export function figureBundle(figure: Figure, options: ShowFigureOptions = {}): MediaBundle {
  const layoutHeight = typeof figure.layout.height === "number" ? figure.layout.height : undefined;
  const height = options.height ?? layoutHeight ?? 420;
  const layout = { ...figure.layout, height };
  const id = `digit-lab-plot-${crypto.randomUUID()}`;
  const traces = figure.data.map((t) => t.name ?? t.type ?? "trace").join(", ");
  const svg = figureSvg({ data: figure.data, layout }, height);
  const picture = svgImageTag(svg, {
    alt: figureTitle(figure),
    className: "digit-lab-plot-static",
  });
  const html = `<div id="${id}" class="digit-lab-plot" style="min-height:${height}px;` +
    `font:12px sans-serif">${picture}</div>\n<script type="text/javascript">(${LOADER.trim()})(${
      scriptJson(id)
    }, ${scriptJson({ data: figure.data, layout })}, ${scriptJson(PLOTLY_FILES_PATH)}, ${
      scriptJson(PLOTLY_CDN_URL)
    });</script>`;
  return {
    "application/vnd.plotly.v1+json": { data: figure.data, layout },
    "text/html": html,
    "image/svg+xml": svg,
    "text/plain": `${figureTitle(figure)} (plotly figure: ${traces})`,
  };
}

/**
 * Shows a plotly figure (from the builders in `lib/plot.ts`): drawn in a
 * notebook, its title and traces named elsewhere.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { figureBundle, showFigure } from "./show_figure.ts";
 * const figure = { data: [{ type: "bar", name: "counts", x: [0, 1], y: [5, 7] }], layout: {} };
 * assertEquals(figureBundle(figure)["text/plain"], "Figure (plotly figure: counts)");
 * await showFigure(figure); // drawn in a notebook; here that line is printed
 * ```
 */
export function showFigure(figure: Figure, options: ShowFigureOptions = {}): Promise<void> {
  return showBundle(figureBundle(figure, options));
}
