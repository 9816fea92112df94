/**
 * Rich output for the notebooks: image grids, tables, plotly figures,
 * predictions and a live training view. In the Deno Jupyter kernel each
 * helper sends a MIME bundle; under `deno run` and `deno test` it prints
 * readable text, so lib code that uses them runs anywhere.
 *
 * @example
 * ```ts
 * import { showTable } from "./display.ts";
 * await showTable([["train", 8000], ["test", 1000]], { header: ["split", "examples"] });
 * ```
 *
 * @module
 */

export {
  defaultTarget,
  type DisplayOptions,
  type DisplayTarget,
  inJupyter,
  type MediaBundle,
  showBundle,
  textTarget,
} from "./display/jupyter.ts";
export {
  type ImageInput,
  imagesBundle,
  showImages,
  type ShowImagesOptions,
} from "./display/images.ts";
export { figureBundle, showFigure, type ShowFigureOptions } from "./display/figure.ts";
export { showTable, type ShowTableOptions, tableBundle } from "./display/table.ts";
export {
  digitSequenceBundle,
  type DigitSequenceView,
  predictionBundle,
  type PredictionView,
  type SequenceDigit,
  showDigitSequence,
  showPrediction,
} from "./display/prediction.ts";
export {
  createLiveTrainingView,
  type LiveTrainingView,
  type LiveTrainingViewOptions,
} from "./display/live.ts";
