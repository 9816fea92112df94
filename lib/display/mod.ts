/**
 * Showing results: terminal tables and progress bars, plotly figures, the HTML
 * report, and rich Jupyter output (image grids, tables, charts, predictions, a
 * live training view). In the Deno Jupyter kernel each `show*` helper sends a
 * MIME bundle; under `deno run` and `deno test` it prints readable text, so
 * code that uses them runs anywhere.
 *
 * May import: every layer up to `train/`.
 *
 * @module
 */

export * from "./class_labels.ts";
export * from "./figure_svg.ts";
export * from "./images.ts";
export * from "./jupyter.ts";
export * from "./live.ts";
export * from "./plotly_figures.ts";
export * from "./reading_view.ts";
export * from "./progress_bar.ts";
export * from "./report.ts";
export * from "./score_page.ts";
export * from "./show_figure.ts";
export * from "./show_table.ts";
export * from "./svg_chart.ts";
export * from "./svg_image.ts";
export * from "./text_table.ts";
