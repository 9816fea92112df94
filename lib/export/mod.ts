/**
 * Export of a trained model for other runtimes: ONNX (ONNX Runtime and
 * every runtime that reads ONNX) and the TF.js layers format with uint8 or
 * float16 weights (smaller downloads for the web and the edge), and a
 * static web page that reads drawn digits in the browser, offline.
 *
 * May import: `core/`, `data/`, `kernels/`, `model/`.
 *
 * @module
 */

export * from "./onnx.ts";
export * from "./page_style.ts";
export * from "./export_model.ts";
export * from "./quantize.ts";
export * from "./tfjs_quantized.ts";
export * from "./web_export.ts";
export * from "./web_preprocess_js.ts";
