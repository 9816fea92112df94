/**
 * Rendered scenes for tests, examples and the synthetic benchmark: pen strokes and
 * drawn, scanned, photographed digits made from MNIST images.
 *
 * May import: `core/`, `image/`.
 *
 * @module
 */

export * from "./digit_styles.ts";
export * from "./non_digits.ts";
export * from "./pen_strokes.ts";
export * from "./scenes.ts";
