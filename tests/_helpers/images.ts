/**
 * Test helpers that turn synthetic scenes (`lib/image/synth/`) into what a
 * reader of real pictures gets: a gray photo, or one that went through JPEG.
 *
 * @module
 */

import { decodeImage, encodeImage, type GrayImage, type RgbImage } from "../../lib/image/mod.ts";

/** Luminance of an RGB image (Rec. 601 weights, as `decodeImage` uses). */
export function rgbToGray(img: RgbImage): GrayImage {
  const data = new Float32Array(img.width * img.height);
  for (let i = 0; i < data.length; i++) {
    data[i] = 0.299 * img.data[i * 3] + 0.587 * img.data[i * 3 + 1] + 0.114 * img.data[i * 3 + 2];
  }
  return { width: img.width, height: img.height, data };
}

/**
 * Encodes an image as JPEG at `quality` and decodes it again: the
 * compression artefacts of a phone photo.
 */
export async function jpegRoundTrip(img: GrayImage | RgbImage, quality = 80): Promise<GrayImage> {
  return await decodeImage(await encodeImage(img, { format: "jpeg", quality }), {
    name: "synthetic.jpg",
  });
}
