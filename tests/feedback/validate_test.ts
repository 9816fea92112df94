import { assertEquals, assertThrows } from "@std/assert";
import { ImageError, InvalidArgumentError } from "../../lib/core/errors.ts";
import { encodeImage } from "../../lib/image/encode.ts";
import {
  type CorrectionInput,
  imageFormatOf,
  validateCorrection,
} from "../../lib/feedback/validate.ts";
import { sampleCorrection } from "./_fixtures.ts";

const LIMITS = { maxImageBytes: 64 * 1024 };

function refused(
  overrides: Record<string, unknown>,
  errorClass: typeof InvalidArgumentError | typeof ImageError,
  message: string,
): void {
  const input = { ...sampleCorrection(), ...overrides } as CorrectionInput;
  assertThrows(() => validateCorrection(input, LIMITS), errorClass, message);
}

Deno.test("imageFormatOf: the formats predict reads, encoded for real, and what is not one", async () => {
  const img = { width: 4, height: 3, data: new Float32Array(12).fill(0.5) };
  for (const format of ["png", "jpeg", "gif", "bmp", "webp"] as const) {
    assertEquals(imageFormatOf(await encodeImage(img, { format })), format);
  }
  // TIFF, little- and big-endian byte order marks (sharp is not asked to write one).
  assertEquals(imageFormatOf(new Uint8Array([0x49, 0x49, 0x2a, 0, 8, 0, 0, 0])), "tiff");
  assertEquals(imageFormatOf(new Uint8Array([0x4d, 0x4d, 0, 0x2a, 0, 0, 0, 8])), "tiff");
  const text = (s: string) => new TextEncoder().encode(s);
  assertEquals(imageFormatOf(text("BM")), null); // two letters, not a BMP header
  assertEquals(imageFormatOf(text("RIFF....WAVEfmt ")), null); // a WAV, not a WebP
  assertEquals(imageFormatOf(text("%PDF-1.7")), null);
  assertEquals(imageFormatOf(new Uint8Array(0)), null);
});

Deno.test("validateCorrection: a good correction passes, at the edges of every range", () => {
  validateCorrection(sampleCorrection(), LIMITS);
  validateCorrection(sampleCorrection({ label: 0, confidence: 0, reading: "" }), LIMITS);
  validateCorrection(sampleCorrection({ label: 9, confidence: 1, reading: "9" }), LIMITS);
  for (const origin of ["web", "cli", "notebook"] as const) {
    validateCorrection(sampleCorrection({ origin }), LIMITS);
  }
});

Deno.test("validateCorrection: bad labels are refused, naming the value", () => {
  for (const label of [-1, 10, 3.5, NaN, Infinity]) {
    refused({ label }, InvalidArgumentError, `label must be an integer 0..9, got ${label}`);
  }
  refused({ label: "3" }, InvalidArgumentError, 'label must be an integer 0..9, got "3"');
  refused({ label: undefined }, InvalidArgumentError, "got undefined");
});

Deno.test("validateCorrection: pixels must be 784 finite values in [0, 1]", () => {
  refused(
    { pixels: new Float32Array(783) },
    InvalidArgumentError,
    "pixels must be a Float32Array of 784 values, got a Float32Array of 783",
  );
  refused({ pixels: Array(784).fill(0) }, InvalidArgumentError, "got 0,0,0");
  for (const [bad, shown] of [[NaN, "NaN"], [Infinity, "Infinity"], [-0.5, "-0.5"], [2, "2"]]) {
    const pixels = new Float32Array(784);
    pixels[300] = bad as number;
    refused(
      { pixels },
      InvalidArgumentError,
      `pixels must be finite values in [0, 1], got ${shown} at index 300`,
    );
  }
});

Deno.test("validateCorrection: confidence, reading, fileName, modelId and origin", () => {
  for (const confidence of [-0.1, 1.5, NaN]) {
    refused(
      { confidence },
      InvalidArgumentError,
      `confidence must be a number in [0, 1], got ${confidence}`,
    );
  }
  refused({ reading: "12" }, InvalidArgumentError, 'reading must be "" or one digit');
  refused({ reading: 3 }, InvalidArgumentError, "got 3");
  refused({ fileName: "" }, InvalidArgumentError, 'fileName must be 1 to 255 characters, got ""');
  refused({ fileName: "x".repeat(256) }, InvalidArgumentError, "1 to 255 characters");
  refused({ fileName: "../etc/passwd" }, InvalidArgumentError, 'got "../etc/passwd"');
  refused({ fileName: "a\nb.png" }, InvalidArgumentError, "must be a base name");
  refused({ fileName: ".." }, InvalidArgumentError, "must be a base name");
  refused({ modelId: "AB".repeat(32) }, InvalidArgumentError, "64 lower-case hex digits");
  refused({ modelId: "ab" }, InvalidArgumentError, 'got "ab"');
  refused({ origin: "email" }, InvalidArgumentError, 'web, cli, notebook, got "email"');
});

Deno.test("validateCorrection: empty, oversized and non-image bytes are ImageErrors", () => {
  refused({ imageBytes: new Uint8Array(0) }, ImageError, "bar.png: empty image (0 bytes)");
  const big = new Uint8Array(LIMITS.maxImageBytes + 1);
  big.set(sampleCorrection().imageBytes); // a PNG signature, but too large
  refused({ imageBytes: big }, ImageError, "image has 65537 bytes, more than the limit of 65536");
  refused(
    { imageBytes: new TextEncoder().encode("hello, world"), fileName: "notes.txt" },
    ImageError,
    "notes.txt: not an image (PNG, JPEG, GIF, BMP, WebP or TIFF): it starts with bytes " +
      "68 65 6c 6c 6f 2c 20 77",
  );
  refused({ imageBytes: "a string" }, ImageError, "must be a Uint8Array");
});
