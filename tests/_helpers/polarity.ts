/**
 * Test shorthand for the verdict of `measurePolarity`: the pipeline itself
 * reads the whole evidence (`extractInk`), only the tests compare verdicts.
 *
 * @module
 */

import { measurePolarity, type Polarity } from "../../lib/image/polarity.ts";
import type { GrayImage } from "../../lib/image/raster.ts";

/** The polarity `measurePolarity` finds for `img`. */
export function detectPolarity(img: GrayImage): Polarity {
  return measurePolarity(img).polarity;
}
