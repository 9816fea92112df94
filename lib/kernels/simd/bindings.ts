/**
 * Kernels of our own in WASM SIMD (`simd/kernels.c`, built by
 * `deno task build:simd` into `simd/kernels_wasm.ts`), instantiated on the
 * WASM backend's own memory: they read and write tensors where they lie on
 * the tfjs heap, with no copies. One instance per backend memory (each
 * Worker has its own backend).
 *
 * The wrappers take tensors, check dtypes and sizes against the shapes they
 * are given (the C code trusts them), and pass heap offsets to the C
 * functions, each typed with its C parameters ({@linkcode SimdExports}) and
 * checked against the module when it is instantiated.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { BackendError, InvalidArgumentError } from "../../core/mod.ts";
import { KERNELS_WASM_BASE64 } from "./kernels_wasm.ts";

/**
 * Shapes of a 2×2, stride-2, unpadded max-pool gradient (NHWC).
 */
export interface Pool2x2Shape {
  /** Images. */
  batch: number;
  /** Input rows. */
  inHeight: number;
  /** Input columns. */
  inWidth: number;
  /** Channels. */
  channels: number;
  /** Output rows (at most `inHeight / 2`). */
  outHeight: number;
  /** Output columns (at most `inWidth / 2`). */
  outWidth: number;
}

/**
 * Shapes of a 3×3, stride-1, unpadded convolution of one input channel.
 */
export interface Conv3x3Shape {
  /** Images. */
  batch: number;
  /** Input rows (at least 3). */
  inHeight: number;
  /** Input columns (at least 3). */
  inWidth: number;
  /** Filters. */
  outChannels: number;
  /** Whether to apply ReLU after the bias. */
  relu: boolean;
}

/**
 * Shapes of a 3×3, stride-1 convolution run by Winograd
 * ({@linkcode SimdKernels.conv3x3Winograd}), NHWC.
 */
export interface WinogradShape {
  /** Images. */
  batch: number;
  /** Input rows. */
  inHeight: number;
  /** Input columns. */
  inWidth: number;
  /** Input channels (a multiple of 4). */
  inChannels: number;
  /** Output rows. */
  outHeight: number;
  /** Output columns. */
  outWidth: number;
  /** Output channels (a multiple of 8). */
  outChannels: number;
  /** Zero rows above the input (output row `r` reads input rows `r − padTop` to `r − padTop + 2`). */
  padTop: number;
  /** Zero columns left of the input. */
  padLeft: number;
  /** Whether to apply ReLU after the bias. */
  relu: boolean;
}

/** The output side of a Winograd tile: F(4×4, 3×3) or F(6×6, 3×3). */
export type WinogradTile = 4 | 6;

/**
 * The Winograd variant a 3×3 convolution with this output runs: F(6×6,
 * 3×3) when its tiles need fewer products than F(4×4, 3×3)'s (64 per 6×6
 * tile against 36 per 4×4), else F(4×4, 3×3), whose rounding error is
 * smaller. Both gradients take the forward pass's.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { winogradTile } from "./bindings.ts";
 * // The reference CNN's conv2: 4 tiles of 64 products against 9 of 36.
 * assertEquals(winogradTile({ outHeight: 11, outWidth: 11 }), 6);
 * // The strong CNN's conv4: 4 tiles of 36 cover it exactly.
 * assertEquals(winogradTile({ outHeight: 8, outWidth: 8 }), 4);
 * ```
 */
export function winogradTile(shape: Pick<WinogradShape, "outHeight" | "outWidth">): WinogradTile {
  const products = (t: number) =>
    Math.ceil(shape.outHeight / t) * Math.ceil(shape.outWidth / t) * (t + 2) ** 2;
  return products(6) < products(4) ? 6 : 4;
}

/** Planes of a Winograd tile: one per value of its (tile + 2)² transformed tile. */
function planesOf(tile: WinogradTile): number {
  return (tile + 2) ** 2;
}

/** The tile, tiles per image and images per block of tiles of a Winograd convolution. */
function winogradBlocks(
  shape: Pick<WinogradShape, "batch" | "outHeight" | "outWidth">,
): { tile: WinogradTile; tiles: number; group: number } {
  const tile = winogradTile(shape);
  const tiles = Math.ceil(shape.outHeight / tile) * Math.ceil(shape.outWidth / tile);
  // Enough images per block for 32 tiles: the products then run in full
  // register blocks, and the block's scratch stays near L2.
  return { tile, tiles, group: Math.max(1, Math.min(shape.batch, Math.ceil(32 / tiles))) };
}

/**
 * Float32 elements of the scratch tensor that
 * {@linkcode SimdKernels.conv3x3Winograd} and
 * {@linkcode SimdKernels.conv3x3WinogradFilterGrad} need for a convolution
 * of `shape` (the forward convolution's, for a filter gradient): the
 * transformed filter (or its gradient), and one block of images'
 * transformed inputs and products.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { winogradScratchSize } from "./bindings.ts";
 * // One image with a 4×4 output is one F(4×4, 3×3) tile: 36 planes of
 * // (4·8 + 16) filter values, (4 + 16) input values and (8 + 16) products.
 * const n = winogradScratchSize({
 *   batch: 1, inChannels: 4, outChannels: 8, outHeight: 4, outWidth: 4,
 * });
 * assertEquals(n, 36 * (32 + 12 + 48));
 * // A 6×6 output is one F(6×6, 3×3) tile: 64 planes.
 * const six = winogradScratchSize({
 *   batch: 1, inChannels: 4, outChannels: 8, outHeight: 6, outWidth: 6,
 * });
 * assertEquals(six, 64 * (32 + 12 + 48));
 * ```
 */
export function winogradScratchSize(
  shape: Pick<WinogradShape, "batch" | "inChannels" | "outChannels" | "outHeight" | "outWidth">,
): number {
  const { inChannels: c, outChannels: o } = shape;
  const { tile, tiles, group } = winogradBlocks(shape);
  return planesOf(tile) * (c * o + group * tiles * (c + o) + 48);
}

/**
 * Float32 elements of the scratch tensor
 * {@linkcode SimdKernels.conv3x3WinogradGrads} needs for a convolution of
 * `shape` (the forward convolution's): the transposed filter transform,
 * one block of images' transformed output gradients, their products (then
 * their transformed inputs), and the filter gradient's sums.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { winogradGradsScratchSize } from "./bindings.ts";
 * // One 4×4 output, 8 channels in and out: 36 planes of two transforms of
 * // (8·8 + 16), one tile of 8 + 16 output gradients and 8 + 16 inputs.
 * const n = winogradGradsScratchSize({
 *   batch: 1, inChannels: 8, outChannels: 8, outHeight: 4, outWidth: 4,
 * });
 * assertEquals(n, 36 * (2 * 80 + 24 + 24));
 * ```
 */
export function winogradGradsScratchSize(
  shape: Pick<WinogradShape, "batch" | "inChannels" | "outChannels" | "outHeight" | "outWidth">,
): number {
  const { inChannels: c, outChannels: o } = shape;
  const { tile, tiles, group } = winogradBlocks(shape);
  return planesOf(tile) * (2 * (c * o + 16) + group * tiles * (c + o) + 32);
}

/**
 * Elements of a filter transformed for Winograd F(tile×tile, 3×3) with `c`
 * input and `o` output channels: a plane per transformed value (36 for
 * tile 4, 64 for tile 6) of `c·o` values and 16 of padding (what
 * {@linkcode SimdKernels.winogradFilter} writes).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { winogradFilterSize } from "./bindings.ts";
 * assertEquals(winogradFilterSize(4, 8, 4), 36 * (32 + 16));
 * assertEquals(winogradFilterSize(4, 8, 6), 64 * (32 + 16));
 * ```
 */
export function winogradFilterSize(c: number, o: number, tile: WinogradTile): number {
  return planesOf(tile) * (c * o + 16);
}

/**
 * A matrix product `op(a) · op(b)` ({@linkcode SimdKernels.gemm}): `op(a)`
 * is `m × k` and `op(b)` is `k × n`; `transposeA` means `a` is stored
 * `k × m` (its transpose), `transposeB` that `b` is stored `n × k`.
 */
export interface GemmShape {
  /** Rows of the product. */
  m: number;
  /** The shared dimension. */
  k: number;
  /** Columns of the product. */
  n: number;
  /** Whether `a` is stored transposed (`k × m`). */
  transposeA: boolean;
  /** Whether `b` is stored transposed (`n × k`). */
  transposeB: boolean;
}

/**
 * Float32 elements of the scratch tensor {@linkcode SimdKernels.gemm} needs:
 * `op(b)` packed in panels of eight columns (`n` rounded up to 8, times
 * `k`), and one 6×8 block.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { gemmScratchSize } from "./bindings.ts";
 * assertEquals(gemmScratchSize({ k: 3, n: 10 }), 16 * 3 + 48);
 * ```
 */
export function gemmScratchSize(shape: Pick<GemmShape, "k" | "n">): number {
  return Math.ceil(shape.n / 8) * 8 * shape.k + 48;
}

/**
 * The kernels of `simd/kernels.c`, bound to one backend's memory.
 */
export interface SimdKernels {
  /**
   * Writes into `dx` (shaped like `x`) the gradient of a 2×2, stride-2,
   * unpadded max pool: each window's `dy` goes to its first maximum, every
   * other element gets 0.
   */
  maxPoolGrad2x2(
    tensors: { x: tf.TensorInfo; dy: tf.TensorInfo; dx: tf.TensorInfo },
    shape: Pool2x2Shape,
  ): void;
  /**
   * Writes into `y` (`[N, outHeight, outWidth, C]`) the 2×2, stride-2,
   * unpadded max pool of `relu(x)`: each window's largest value, or 0 when
   * none is above 0.
   */
  reluMaxPool2x2(tensors: { x: tf.TensorInfo; y: tf.TensorInfo }, shape: Pool2x2Shape): void;
  /**
   * Writes into `dx` (shaped like `x`) the gradient of
   * {@linkcode SimdKernels.reluMaxPool2x2}: each window's `dy` at its first
   * maximum when that is above 0, 0 everywhere else; and into `db` (`[C]`)
   * the sums of `dx` over all but the channel axis (the gradient of a bias
   * added before the ReLU), accumulated in double precision in `scratch`
   * (`2 × C` float32 elements, overwritten).
   */
  reluMaxPoolGrad2x2(
    tensors: {
      x: tf.TensorInfo;
      dy: tf.TensorInfo;
      scratch: tf.TensorInfo;
      dx: tf.TensorInfo;
      db: tf.TensorInfo;
    },
    shape: Pool2x2Shape,
  ): void;
  /**
   * Writes into `dw` (`[KH, KW, CI, CO]`) the filter gradient of a
   * convolution (dilation 1) with the geometry `info`.
   */
  conv2dFilterGrad(
    tensors: { x: tf.TensorInfo; dy: tf.TensorInfo; dw: tf.TensorInfo },
    info: tf.backend_util.Conv2DInfo,
  ): void;
  /**
   * Writes into `y` (`[N, H - 2, W - 2, CO]`) a 3×3, stride-1, unpadded
   * convolution of `x` (`[N, H, W, 1]`) with `filter` (`[3, 3, 1, CO]`),
   * plus `bias` (`[CO]`) when given, then ReLU when `shape.relu`.
   */
  conv2d3x3SingleChannel(
    tensors: { x: tf.TensorInfo; filter: tf.TensorInfo; bias?: tf.TensorInfo; y: tf.TensorInfo },
    shape: Conv3x3Shape,
  ): void;
  /**
   * Writes into `y` (`[N, ⌊(H − 2) / 2⌋, ⌊(W − 2) / 2⌋, CO]`) the 2×2,
   * stride-2 max pool of `relu(conv + bias)`, the convolution as
   * {@linkcode SimdKernels.conv2d3x3SingleChannel}'s (CO a multiple of 8),
   * and into `win` (int32, `[N, ⌊(H − 2) / 2⌋, ⌊(W − 2) / 2⌋, CO / 4]`,
   * one byte per channel) each window's element 0–3 holding its first
   * maximum above 0, or 4.
   */
  conv3x3SingleChannelReluPool(
    tensors: {
      x: tf.TensorInfo;
      filter: tf.TensorInfo;
      bias?: tf.TensorInfo;
      y: tf.TensorInfo;
      win: tf.TensorInfo;
    },
    shape: Omit<Conv3x3Shape, "relu">,
  ): void;
  /**
   * Writes into `dw` (`[3, 3, 1, CO]`) and `db` (`[CO]`) the filter's and
   * the bias's gradients of {@linkcode SimdKernels.conv3x3SingleChannelReluPool}
   * for the pooled output's gradient `dy`, with the `win` it wrote; the
   * bias sums in double precision in `scratch` (`2 × CO` float32 elements).
   */
  conv3x3SingleChannelReluPoolGrad(
    tensors: {
      x: tf.TensorInfo;
      dy: tf.TensorInfo;
      win: tf.TensorInfo;
      scratch: tf.TensorInfo;
      dw: tf.TensorInfo;
      db: tf.TensorInfo;
    },
    shape: Omit<Conv3x3Shape, "relu">,
  ): void;
  /**
   * Writes into `y` the sum of `x` (`rows × cols`) and `bias` (`cols`),
   * the bias repeated on every row.
   */
  addBias(
    tensors: { x: tf.TensorInfo; bias: tf.TensorInfo; y: tf.TensorInfo },
    shape: { rows: number; cols: number },
  ): void;
  /**
   * Writes into `y` (as many elements as `x`) 1 where `x > 0`, NaN where
   * `x` is NaN and `alpha` elsewhere.
   */
  step(tensors: { x: tf.TensorInfo; y: tf.TensorInfo }, alpha: number): void;
  /**
   * Writes into `y` (as many elements as `x`) `x` times its dropout mask
   * ({@linkcode HashedDropoutMask}): value `k` of `x` is kept, times
   * `scale`, when the hash of index `start + k` under `key` is at least
   * `threshold`, and multiplied by 0 otherwise.
   */
  hashedDropout(tensors: { x: tf.TensorInfo; y: tf.TensorInfo }, mask: HashedDropoutMask): void;
  /**
   * Writes into `out` (`cols`) the column sums of `x` (`rows × cols`),
   * accumulated in double precision in `scratch` (`2 × cols` float32
   * elements, overwritten).
   */
  sumRows(
    tensors: { x: tf.TensorInfo; scratch: tf.TensorInfo; out: tf.TensorInfo },
    shape: { rows: number; cols: number },
  ): void;
  /**
   * Per-channel `[Σ x, Σ x²]` (`2 × cols`) of `x` (`rows × cols`, channels
   * last), accumulated in double precision in `scratch` (`4 × cols` float32
   * elements, overwritten) and returned as doubles: a batch norm's
   * statistics.
   */
  channelSums(
    tensors: { x: tf.TensorInfo; scratch: tf.TensorInfo },
    shape: { rows: number; cols: number },
  ): Float64Array;
  /** Writes into `y` `x · a + b` per channel (`x`, `y` of `rows × cols`; `a`, `b` of `cols`). */
  channelAffine(
    tensors: { x: tf.TensorInfo; a: tf.TensorInfo; b: tf.TensorInfo; y: tf.TensorInfo },
    shape: { rows: number; cols: number },
  ): void;
  /**
   * Per-channel `[Σ dy, Σ dy·x̂]` (`2 × cols`), x̂ = (x − mean)·invStd, in
   * double precision in `scratch` (`4 × cols` float32 elements), returned as
   * doubles: the sums of a batch norm's gradient.
   */
  batchNormGradSums(
    tensors: {
      dy: tf.TensorInfo;
      x: tf.TensorInfo;
      mean: tf.TensorInfo;
      invStd: tf.TensorInfo;
      scratch: tf.TensorInfo;
    },
    shape: { rows: number; cols: number },
  ): Float64Array;
  /**
   * Writes into `dx` a batch norm's input gradient,
   * `scale · (dy − meanDy − x̂ · meanDyXHat)` per channel, x̂ = (x − mean)·invStd.
   */
  batchNormGradInput(
    tensors: {
      dy: tf.TensorInfo;
      x: tf.TensorInfo;
      mean: tf.TensorInfo;
      invStd: tf.TensorInfo;
      scale: tf.TensorInfo;
      meanDy: tf.TensorInfo;
      meanDyXHat: tf.TensorInfo;
      dx: tf.TensorInfo;
    },
    shape: { rows: number; cols: number },
  ): void;
  /**
   * Writes into `dz` the gradient through a ReLU, `dy · step(y)` (`y` the
   * ReLU's output; 1 above 0, NaN for NaN, else 0; `dy`, `y`, `dz` of
   * `rows × cols`), and into `db` (`cols`) its column sums, the gradient of
   * a bias added before the ReLU, accumulated in double precision in
   * `scratch` (`2 × cols` float32 elements, overwritten).
   */
  reluGradBias(
    tensors: {
      dy: tf.TensorInfo;
      y: tf.TensorInfo;
      scratch: tf.TensorInfo;
      dz: tf.TensorInfo;
      db: tf.TensorInfo;
    },
    shape: { rows: number; cols: number },
  ): void;
  /**
   * Writes into `dx` (`[N, H, W, CI]`) the input gradient of a stride-1
   * convolution (dilation 1, `CI` a multiple of 4) with the geometry
   * `info`; `scratch` (as many elements as `filter`) is overwritten.
   */
  conv2dInputGrad(
    tensors: {
      dy: tf.TensorInfo;
      filter: tf.TensorInfo;
      scratch: tf.TensorInfo;
      dx: tf.TensorInfo;
    },
    info: tf.backend_util.Conv2DInfo,
  ): void;
  /**
   * Writes into `y` (`[N, outHeight, outWidth, outChannels]`) the 3×3,
   * stride-1 convolution of `x` (`[N, inHeight, inWidth, inChannels]`,
   * zero outside) with `filter` (`[3, 3, inChannels, outChannels]`),
   * plus `bias` (`[outChannels]`) when given, then ReLU when `shape.relu`,
   * by Winograd (the variant {@linkcode winogradTile} picks for its
   * output). `scratch` ({@linkcode winogradScratchSize} elements) is
   * overwritten.
   */
  conv3x3Winograd(
    tensors: {
      x: tf.TensorInfo;
      filter: tf.TensorInfo;
      bias?: tf.TensorInfo;
      scratch: tf.TensorInfo;
      y: tf.TensorInfo;
      /**
       * `filter` already transformed by {@linkcode SimdKernels.winogradFilter}
       * for the same tile: then `filter` is not read again.
       */
      transformedFilter?: tf.TensorInfo;
    },
    shape: WinogradShape,
  ): void;
  /**
   * Writes into `u` ({@linkcode winogradFilterSize} elements) the 3×3
   * `filter` (`[3, 3, inChannels, outChannels]`) transformed for Winograd
   * F(tile×tile, 3×3): the part of
   * {@linkcode SimdKernels.conv3x3Winograd} that depends on the weights
   * only, so that inference can keep it.
   */
  winogradFilter(
    tensors: { filter: tf.TensorInfo; u: tf.TensorInfo },
    shape: Pick<WinogradShape, "inChannels" | "outChannels"> & { tile: WinogradTile },
  ): void;
  /**
   * Writes into `dw` (`[3, 3, CI, CO]`) the filter gradient of a 3×3,
   * stride-1 convolution (dilation 1, `CI` a multiple of 4, `CO` a multiple
   * of 8) with the geometry `info`, by Winograd transposed (the forward
   * pass's variant, {@linkcode winogradTile}).
   * `scratch` ({@linkcode winogradScratchSize} elements for the forward
   * convolution's shape) is overwritten.
   */
  conv3x3WinogradFilterGrad(
    tensors: { x: tf.TensorInfo; dy: tf.TensorInfo; scratch: tf.TensorInfo; dw: tf.TensorInfo },
    info: tf.backend_util.Conv2DInfo,
  ): void;
  /**
   * Writes into `dx` (`[N, H, W, CI]`) and `dw` (`[3, 3, CI, CO]`) both
   * gradients of a 3×3, stride-1 convolution (dilation 1, `CI` and `CO`
   * multiples of 8) with the geometry `info` and `filter`: what
   * {@linkcode SimdKernels.conv3x3WinogradInputGrad} and
   * {@linkcode SimdKernels.conv3x3WinogradFilterGrad} write, to the bit,
   * with the output gradient's tiles transformed once for both. `scratch`
   * ({@linkcode winogradGradsScratchSize} elements for the forward
   * convolution's shape) is overwritten.
   */
  conv3x3WinogradGrads(
    tensors: {
      x: tf.TensorInfo;
      dy: tf.TensorInfo;
      filter: tf.TensorInfo;
      scratch: tf.TensorInfo;
      dx: tf.TensorInfo;
      dw: tf.TensorInfo;
    },
    info: tf.backend_util.Conv2DInfo,
  ): void;
  /**
   * Writes into `dx` (`[N, H, W, CI]`) the input gradient of a 3×3,
   * stride-1 convolution (dilation 1, `CI` a multiple of 8, `CO` a multiple
   * of 4) with the geometry `info` and `filter` (`[3, 3, CI, CO]`), by
   * Winograd transposed: on the forward pass's tiles, so a
   * valid convolution costs no more than its forward pass. `scratch`
   * ({@linkcode winogradScratchSize} elements for the forward convolution's
   * shape) is overwritten.
   */
  conv3x3WinogradInputGrad(
    tensors: {
      dy: tf.TensorInfo;
      filter: tf.TensorInfo;
      scratch: tf.TensorInfo;
      dx: tf.TensorInfo;
    },
    info: tf.backend_util.Conv2DInfo,
  ): void;
  /**
   * Writes into `c` (`m × n`) the product `op(a) · op(b)` of float32
   * matrices (see {@linkcode GemmShape}), by 6×8 register blocks over
   * `op(b)` packed into `scratch` ({@linkcode gemmScratchSize} elements,
   * overwritten).
   */
  gemm(
    tensors: { a: tf.TensorInfo; b: tf.TensorInfo; scratch: tf.TensorInfo; c: tf.TensorInfo },
    shape: GemmShape,
  ): void;
  /**
   * Writes Adam's update of the values of `weights` into `newWeights`, and
   * of its moments `m` and `v` into `newM` and `newV` (all of the gradient
   * `g`'s size), with tfjs's `AdamOptimizer` operations in its order, each
   * a float32 operation: the same values to the bit.
   */
  adamUpdate(
    tensors: {
      g: tf.TensorInfo;
      m: tf.TensorInfo;
      v: tf.TensorInfo;
      weights: tf.TensorInfo;
      newM: tf.TensorInfo;
      newV: tf.TensorInfo;
      newWeights: tf.TensorInfo;
    },
    scalars: AdamScalars,
  ): void;
}

/**
 * A dropout mask drawn by hashing each value's index
 * ({@linkcode SimdKernels.hashedDropout}): value `k` of the tensor is kept,
 * times `scale`, when `mix(((start + k) · 0x9e3779b1) ^ key) >= threshold`
 * in unsigned 32-bit arithmetic, `mix` being murmur3's 32-bit finaliser.
 */
export interface HashedDropoutMask {
  /** The index of the tensor's first value in the whole mask (an unsigned 32-bit integer). */
  start: number;
  /** The mask's key (an unsigned 32-bit integer). */
  key: number;
  /** The least hash that keeps a value (an unsigned 32-bit integer). */
  threshold: number;
  /** The factor of a kept value (a float32). */
  scale: number;
}

/**
 * The float32 scalars of one Adam step ({@linkcode SimdKernels.adamUpdate}),
 * as tfjs's `AdamOptimizer` makes them: its betas, `1 − beta`, `1 − beta^t`
 * (from its accumulated powers), epsilon and the negated learning rate.
 */
export interface AdamScalars {
  beta1: number;
  beta2: number;
  oneMinusBeta1: number;
  oneMinusBeta2: number;
  oneMinusAccBeta1: number;
  oneMinusAccBeta2: number;
  epsilon: number;
  minusRate: number;
}

/** A byte offset into the backend's heap: where a C pointer parameter's array starts. */
type HeapOffset = number;
/** A C `int32_t`: a count, a size, or a flag (0 or 1). */
type Int32 = number;
/** A C `float`. */
type Float32 = number;

/**
 * The C functions of `kernels.c` as the module exports them, with the C
 * parameter names (what each computes is described above each function
 * there). Pointers are heap offsets, so a swapped pair of arguments is not
 * a type error, but a missing or extra one is.
 */
export interface SimdExports {
  max_pool_grad_2x2(
    x: HeapOffset,
    dy: HeapOffset,
    dx: HeapOffset,
    batch: Int32,
    in_h: Int32,
    in_w: Int32,
    c: Int32,
    out_h: Int32,
    out_w: Int32,
  ): void;
  relu_max_pool_2x2(
    x: HeapOffset,
    y: HeapOffset,
    batch: Int32,
    in_h: Int32,
    in_w: Int32,
    c: Int32,
    out_h: Int32,
    out_w: Int32,
  ): void;
  relu_max_pool_grad_2x2(
    x: HeapOffset,
    dy: HeapOffset,
    dx: HeapOffset,
    acc: HeapOffset,
    db: HeapOffset,
    batch: Int32,
    in_h: Int32,
    in_w: Int32,
    c: Int32,
    out_h: Int32,
    out_w: Int32,
  ): void;
  conv2d_filter_grad(
    x: HeapOffset,
    dy: HeapOffset,
    dw: HeapOffset,
    batch: Int32,
    in_h: Int32,
    in_w: Int32,
    ci: Int32,
    out_h: Int32,
    out_w: Int32,
    co: Int32,
    kh: Int32,
    kw: Int32,
    sh: Int32,
    sw: Int32,
    pt: Int32,
    pl: Int32,
  ): void;
  conv2d_input_grad_s1(
    dy: HeapOffset,
    w: HeapOffset,
    wt: HeapOffset,
    dx: HeapOffset,
    batch: Int32,
    in_h: Int32,
    in_w: Int32,
    ci: Int32,
    out_h: Int32,
    out_w: Int32,
    co: Int32,
    kh: Int32,
    kw: Int32,
    pt: Int32,
    pl: Int32,
  ): void;
  conv2d_3x3_c1(
    x: HeapOffset,
    w: HeapOffset,
    bias: HeapOffset,
    y: HeapOffset,
    batch: Int32,
    in_h: Int32,
    in_w: Int32,
    co: Int32,
    relu: Int32,
  ): void;
  conv3x3_c1_relu_pool(
    x: HeapOffset,
    w: HeapOffset,
    bias: HeapOffset,
    y: HeapOffset,
    win: HeapOffset,
    batch: Int32,
    in_h: Int32,
    in_w: Int32,
    co: Int32,
  ): void;
  conv3x3_c1_relu_pool_grad(
    x: HeapOffset,
    dy: HeapOffset,
    win: HeapOffset,
    dw: HeapOffset,
    db: HeapOffset,
    acc: HeapOffset,
    batch: Int32,
    in_h: Int32,
    in_w: Int32,
    co: Int32,
  ): void;
  add_bias(x: HeapOffset, bias: HeapOffset, y: HeapOffset, rows: Int32, cols: Int32): void;
  step(x: HeapOffset, y: HeapOffset, n: Int32, alpha: Float32): void;
  hashed_dropout(
    x: HeapOffset,
    y: HeapOffset,
    n: Int32,
    start: Int32,
    key: Int32,
    threshold: Int32,
    scale: Float32,
  ): void;
  sum_rows(x: HeapOffset, acc: HeapOffset, out: HeapOffset, rows: Int32, cols: Int32): void;
  relu_grad_bias(
    dy: HeapOffset,
    y: HeapOffset,
    dz: HeapOffset,
    acc: HeapOffset,
    db: HeapOffset,
    rows: Int32,
    cols: Int32,
  ): void;
  channel_sums(x: HeapOffset, acc: HeapOffset, rows: Int32, cols: Int32): void;
  channel_affine(
    x: HeapOffset,
    a: HeapOffset,
    b: HeapOffset,
    y: HeapOffset,
    rows: Int32,
    cols: Int32,
  ): void;
  batch_norm_grad_sums(
    dy: HeapOffset,
    x: HeapOffset,
    mean: HeapOffset,
    invStd: HeapOffset,
    acc: HeapOffset,
    rows: Int32,
    cols: Int32,
  ): void;
  batch_norm_grad_input(
    dy: HeapOffset,
    x: HeapOffset,
    mean: HeapOffset,
    invStd: HeapOffset,
    scale: HeapOffset,
    meanDy: HeapOffset,
    meanDyXHat: HeapOffset,
    dx: HeapOffset,
    rows: Int32,
    cols: Int32,
  ): void;
  winograd_filter(
    w: HeapOffset,
    u: HeapOffset,
    c: Int32,
    o: Int32,
    transpose: Int32,
    tile: Int32,
  ): void;
  conv3x3_winograd(
    x: HeapOffset,
    u: HeapOffset,
    bias: HeapOffset,
    y: HeapOffset,
    v: HeapOffset,
    m: HeapOffset,
    batch: Int32,
    in_h: Int32,
    in_w: Int32,
    c: Int32,
    out_h: Int32,
    out_w: Int32,
    o: Int32,
    pt: Int32,
    pl: Int32,
    relu: Int32,
    group: Int32,
    tile: Int32,
  ): void;
  conv3x3_winograd_filter_grad(
    x: HeapOffset,
    dy: HeapOffset,
    dw: HeapOffset,
    v: HeapOffset,
    g: HeapOffset,
    m: HeapOffset,
    batch: Int32,
    in_h: Int32,
    in_w: Int32,
    c: Int32,
    out_h: Int32,
    out_w: Int32,
    o: Int32,
    pt: Int32,
    pl: Int32,
    group: Int32,
    tile: Int32,
  ): void;
  conv3x3_winograd_grads(
    x: HeapOffset,
    dy: HeapOffset,
    ut: HeapOffset,
    dx: HeapOffset,
    dw: HeapOffset,
    g: HeapOffset,
    vp: HeapOffset,
    m: HeapOffset,
    batch: Int32,
    in_h: Int32,
    in_w: Int32,
    c: Int32,
    out_h: Int32,
    out_w: Int32,
    o: Int32,
    pt: Int32,
    pl: Int32,
    group: Int32,
    tile: Int32,
  ): void;
  conv3x3_winograd_input_grad(
    dy: HeapOffset,
    ut: HeapOffset,
    dx: HeapOffset,
    g: HeapOffset,
    p: HeapOffset,
    batch: Int32,
    in_h: Int32,
    in_w: Int32,
    c: Int32,
    out_h: Int32,
    out_w: Int32,
    o: Int32,
    pt: Int32,
    pl: Int32,
    group: Int32,
    tile: Int32,
  ): void;
  adam_update(
    g: HeapOffset,
    m: HeapOffset,
    v: HeapOffset,
    w: HeapOffset,
    m_out: HeapOffset,
    v_out: HeapOffset,
    w_out: HeapOffset,
    n: Int32,
    beta1: Float32,
    beta2: Float32,
    one_minus_beta1: Float32,
    one_minus_beta2: Float32,
    one_minus_acc1: Float32,
    one_minus_acc2: Float32,
    epsilon: Float32,
    minus_rate: Float32,
  ): void;
  gemm(
    a: HeapOffset,
    b: HeapOffset,
    pb: HeapOffset,
    c: HeapOffset,
    m: Int32,
    k: Int32,
    n: Int32,
    ta: Int32,
    tb: Int32,
  ): void;
}

/**
 * Each export's parameter count, checked against the module when it is
 * instantiated; the type ties every count to its signature above.
 */
const ARITY: { readonly [Name in keyof SimdExports]: Parameters<SimdExports[Name]>["length"] } = {
  max_pool_grad_2x2: 9,
  relu_max_pool_2x2: 8,
  relu_max_pool_grad_2x2: 11,
  conv2d_filter_grad: 16,
  conv2d_input_grad_s1: 15,
  conv2d_3x3_c1: 9,
  conv3x3_c1_relu_pool: 9,
  conv3x3_c1_relu_pool_grad: 10,
  add_bias: 5,
  step: 4,
  hashed_dropout: 7,
  sum_rows: 5,
  relu_grad_bias: 7,
  channel_sums: 4,
  channel_affine: 6,
  batch_norm_grad_sums: 7,
  batch_norm_grad_input: 10,
  winograd_filter: 6,
  conv3x3_winograd: 18,
  conv3x3_winograd_filter_grad: 17,
  conv3x3_winograd_input_grad: 16,
  conv3x3_winograd_grads: 19,
  gemm: 9,
  adam_update: 16,
};

/**
 * The exports of an instance of the kernels' module as {@linkcode SimdExports},
 * once every function is there with its parameter count.
 *
 * @throws {BackendError} naming the first export that is missing, not a
 *   function, or of another arity (a `kernels.c` out of step with this file).
 *
 * @example
 * ```ts
 * import { assertEquals, assertThrows } from "@std/assert";
 * import { BackendError } from "../../core/mod.ts";
 * import { simdExports } from "./bindings.ts";
 * import { KERNELS_WASM_BASE64 } from "./kernels_wasm.ts";
 * const bytes = Uint8Array.from(atob(KERNELS_WASM_BASE64), (c) => c.charCodeAt(0));
 * const memory = new WebAssembly.Memory({ initial: 2 });
 * const module = new WebAssembly.Module(bytes);
 * const { exports } = new WebAssembly.Instance(module, { env: { memory } });
 * const heap = new Float32Array(memory.buffer);
 * heap.set([-2, 0, 3, 5]); // x at byte 0, y at byte 16
 * simdExports(exports).step(0, 16, 4, 0.5);
 * assertEquals(Array.from(heap.subarray(4, 8)), [0.5, 0.5, 1, 1]);
 * assertThrows(() => simdExports({ ...exports, step: () => {} }), BackendError, "step");
 * ```
 */
export function simdExports(exports: WebAssembly.Exports): SimdExports {
  for (const [name, arity] of Object.entries(ARITY)) {
    const fn = exports[name];
    if (typeof fn !== "function") {
      throw new BackendError(`the SIMD module has no function ${name}; rebuild it from kernels.c`);
    }
    if (fn.length !== arity) {
      throw new BackendError(
        `the SIMD module's ${name} takes ${fn.length} arguments where its binding passes ${arity}`,
      );
    }
  }
  return exports as unknown as SimdExports;
}

/**
 * `info` when a gradient of a Winograd convolution runs on it: a 3×3
 * filter, stride and dilation 1, input channels a multiple of `inMultiple`
 * and filters a multiple of `outMultiple`; else an error naming `kernel`
 * and every setting.
 */
function checkWinogradGradient(
  kernel: string,
  info: tf.backend_util.Conv2DInfo,
  { inMultiple, outMultiple }: { inMultiple: number; outMultiple: number },
): tf.backend_util.Conv2DInfo {
  const { inChannels: c, outChannels: o } = info;
  if (
    info.filterHeight !== 3 || info.filterWidth !== 3 || info.strideHeight !== 1 ||
    info.strideWidth !== 1 || info.dilationHeight !== 1 || info.dilationWidth !== 1 ||
    c % inMultiple !== 0 || o % outMultiple !== 0
  ) {
    throw new InvalidArgumentError(
      `${kernel} needs a 3x3 filter, stride 1, dilation 1, input channels a multiple of ${inMultiple} and filters a multiple of ${outMultiple}, got filter ${info.filterHeight}x${info.filterWidth}, stride ${info.strideHeight}x${info.strideWidth}, dilation ${info.dilationHeight}x${info.dilationWidth}, ${c} and ${o} channels`,
    );
  }
  return info;
}

/** A convolution's element counts: input, output and filter. */
function convSizes(info: tf.backend_util.Conv2DInfo) {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = info;
  return {
    xSize: batchSize * inHeight * inWidth * inChannels,
    ySize: batchSize * outHeight * outWidth * outChannels,
    filterSize: info.filterHeight * info.filterWidth * inChannels * outChannels,
  };
}

/**
 * `shape`, when its windows fit its input.
 *
 * @throws {InvalidArgumentError} when they do not.
 */
function checkPool2x2(shape: Pool2x2Shape): Pool2x2Shape {
  const { inHeight, inWidth, outHeight, outWidth } = shape;
  if (2 * outHeight > inHeight || 2 * outWidth > inWidth) {
    throw new InvalidArgumentError(
      `a 2x2 pool of ${inHeight}x${inWidth} has at most ${Math.floor(inHeight / 2)}x${
        Math.floor(inWidth / 2)
      } windows, got ${outHeight}x${outWidth}`,
    );
  }
  return shape;
}

/**
 * The shape of a single-channel convolution-ReLU-pool block, checked: at
 * least one 2×2 window of the 3×3 convolution's output (4×4 pixels) and
 * filters a multiple of 8; with its count of windows over all images.
 */
function checkReluPoolShape(
  shape: Omit<Conv3x3Shape, "relu">,
): Omit<Conv3x3Shape, "relu"> & { windows: number } {
  const { inHeight, inWidth, outChannels } = shape;
  if (inHeight < 4 || inWidth < 4) {
    throw new InvalidArgumentError(
      `a 3x3 convolution pooled 2x2 needs at least 4x4 pixels, got ${inHeight}x${inWidth}`,
    );
  }
  if (outChannels % 8 !== 0) {
    throw new InvalidArgumentError(
      `the convolution-ReLU-pool kernel needs filters in multiples of 8, got ${outChannels}`,
    );
  }
  return { ...shape, windows: shape.batch * ((inHeight - 2) >> 1) * ((inWidth - 2) >> 1) };
}

let compiled: WebAssembly.Module | undefined;
const bound = new WeakMap<WebAssembly.Memory, SimdKernels>();

/** The compiled module (compiled once per isolate). */
function simdModule(): WebAssembly.Module {
  if (compiled === undefined) {
    const bytes = Uint8Array.from(atob(KERNELS_WASM_BASE64), (c) => c.charCodeAt(0));
    compiled = new WebAssembly.Module(bytes);
  }
  return compiled;
}

/** The backend's `WebAssembly.Memory` (the heap its tensors live on). */
function backendMemory(backend: BackendWasm): WebAssembly.Memory {
  const wasm = backend.wasm as unknown as {
    asm?: { memory?: unknown };
    wasmMemory?: unknown;
  };
  const memory = wasm.asm?.memory ?? wasm.wasmMemory;
  if (!(memory instanceof WebAssembly.Memory)) {
    throw new BackendError(
      "the wasm backend does not expose its WebAssembly.Memory (looked for asm.memory and wasmMemory)",
    );
  }
  return memory;
}

/**
 * The SIMD kernels bound to `backend`'s memory (instantiated on first use,
 * then cached per memory).
 *
 * @throws {BackendError} when the backend's memory cannot be found or the
 *   module does not instantiate on it.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
 * import { assertEquals } from "@std/assert";
 * import { setupBackend } from "../backend.ts";
 * import { simdKernels } from "./bindings.ts";
 * await setupBackend();
 * const backend = tf.backend() as BackendWasm;
 * tf.tidy(() => {
 *   const x = tf.tensor4d([1, 4, 3, 2], [1, 2, 2, 1]);
 *   const dy = tf.tensor4d([5], [1, 1, 1, 1]);
 *   const dx = tf.zerosLike(x);
 *   simdKernels(backend).maxPoolGrad2x2({ x, dy, dx }, {
 *     batch: 1, inHeight: 2, inWidth: 2, channels: 1, outHeight: 1, outWidth: 1,
 *   });
 *   assertEquals(Array.from(dx.dataSync()), [0, 5, 0, 0]);
 * });
 * ```
 */
export function simdKernels(backend: BackendWasm): SimdKernels {
  const memory = backendMemory(backend);
  let kernels = bound.get(memory);
  if (kernels !== undefined) return kernels;
  let instance: WebAssembly.Instance;
  try {
    instance = new WebAssembly.Instance(simdModule(), { env: { memory } });
  } catch (error) {
    throw new BackendError(
      `the SIMD kernels did not instantiate on the wasm backend's memory: ${
        (error as Error).message
      }`,
    );
  }
  const exports = simdExports(instance.exports);
  const at = (
    info: tf.TensorInfo,
    name: string,
    size: number,
    dtype: tf.DataType = "float32",
  ): number => {
    if (info.dtype !== dtype || tf.util.sizeFromShape(info.shape) !== size) {
      throw new InvalidArgumentError(
        `${name} must be ${dtype} with ${size} elements, got ${info.dtype} shape [${info.shape}]`,
      );
    }
    return backend.dataIdMap.get(info.dataId).memoryOffset;
  };
  kernels = {
    maxPoolGrad2x2({ x, dy, dx }, s) {
      const { batch, inHeight, inWidth, channels, outHeight, outWidth } = checkPool2x2(s);
      const inSize = batch * inHeight * inWidth * channels;
      exports.max_pool_grad_2x2(
        at(x, "x", inSize),
        at(dy, "dy", batch * outHeight * outWidth * channels),
        at(dx, "dx", inSize),
        batch,
        inHeight,
        inWidth,
        channels,
        outHeight,
        outWidth,
      );
    },
    reluMaxPool2x2({ x, y }, s) {
      const { batch, inHeight, inWidth, channels, outHeight, outWidth } = checkPool2x2(s);
      exports.relu_max_pool_2x2(
        at(x, "x", batch * inHeight * inWidth * channels),
        at(y, "y", batch * outHeight * outWidth * channels),
        batch,
        inHeight,
        inWidth,
        channels,
        outHeight,
        outWidth,
      );
    },
    reluMaxPoolGrad2x2({ x, dy, scratch, dx, db }, s) {
      const { batch, inHeight, inWidth, channels, outHeight, outWidth } = checkPool2x2(s);
      const inSize = batch * inHeight * inWidth * channels;
      exports.relu_max_pool_grad_2x2(
        at(x, "x", inSize),
        at(dy, "dy", batch * outHeight * outWidth * channels),
        at(dx, "dx", inSize),
        at(scratch, "scratch", 2 * channels),
        at(db, "db", channels),
        batch,
        inHeight,
        inWidth,
        channels,
        outHeight,
        outWidth,
      );
    },
    conv2dFilterGrad({ x, dy, dw }, info) {
      if (info.dilationHeight !== 1 || info.dilationWidth !== 1) {
        throw new InvalidArgumentError(
          `conv2dFilterGrad needs dilation 1, got ${info.dilationHeight}x${info.dilationWidth}`,
        );
      }
      const g = convSizes(info);
      exports.conv2d_filter_grad(
        at(x, "x", g.xSize),
        at(dy, "dy", g.ySize),
        at(dw, "dw", g.filterSize),
        info.batchSize,
        info.inHeight,
        info.inWidth,
        info.inChannels,
        info.outHeight,
        info.outWidth,
        info.outChannels,
        info.filterHeight,
        info.filterWidth,
        info.strideHeight,
        info.strideWidth,
        info.padInfo.top,
        info.padInfo.left,
      );
    },
    conv2d3x3SingleChannel({ x, filter, bias, y }, s) {
      const { batch, inHeight, inWidth, outChannels, relu } = s;
      if (inHeight < 3 || inWidth < 3) {
        throw new InvalidArgumentError(
          `a 3x3 unpadded convolution needs at least 3x3 pixels, got ${inHeight}x${inWidth}`,
        );
      }
      exports.conv2d_3x3_c1(
        at(x, "x", batch * inHeight * inWidth),
        at(filter, "filter", 9 * outChannels),
        bias === undefined ? 0 : at(bias, "bias", outChannels),
        at(y, "y", batch * (inHeight - 2) * (inWidth - 2) * outChannels),
        batch,
        inHeight,
        inWidth,
        outChannels,
        relu ? 1 : 0,
      );
    },
    conv3x3SingleChannelReluPool({ x, filter, bias, y, win }, s) {
      const { batch, inHeight, inWidth, outChannels, windows } = checkReluPoolShape(s);
      exports.conv3x3_c1_relu_pool(
        at(x, "x", batch * inHeight * inWidth),
        at(filter, "filter", 9 * outChannels),
        bias === undefined ? 0 : at(bias, "bias", outChannels),
        at(y, "y", windows * outChannels),
        at(win, "win", windows * outChannels / 4, "int32"),
        batch,
        inHeight,
        inWidth,
        outChannels,
      );
    },
    conv3x3SingleChannelReluPoolGrad({ x, dy, win, scratch, dw, db }, s) {
      const { batch, inHeight, inWidth, outChannels, windows } = checkReluPoolShape(s);
      exports.conv3x3_c1_relu_pool_grad(
        at(x, "x", batch * inHeight * inWidth),
        at(dy, "dy", windows * outChannels),
        at(win, "win", windows * outChannels / 4, "int32"),
        at(dw, "dw", 9 * outChannels),
        at(db, "db", outChannels),
        at(scratch, "scratch", 2 * outChannels),
        batch,
        inHeight,
        inWidth,
        outChannels,
      );
    },
    addBias({ x, bias, y }, { rows, cols }) {
      exports.add_bias(
        at(x, "x", rows * cols),
        at(bias, "bias", cols),
        at(y, "y", rows * cols),
        rows,
        cols,
      );
    },
    step({ x, y }, alpha) {
      const n = tf.util.sizeFromShape(x.shape);
      exports.step(at(x, "x", n), at(y, "y", n), n, alpha);
    },
    hashedDropout({ x, y }, { start, key, threshold, scale }) {
      const n = tf.util.sizeFromShape(x.shape);
      exports.hashed_dropout(at(x, "x", n), at(y, "y", n), n, start, key, threshold, scale);
    },
    sumRows({ x, scratch, out }, { rows, cols }) {
      exports.sum_rows(
        at(x, "x", rows * cols),
        at(scratch, "scratch", 2 * cols),
        at(out, "out", cols),
        rows,
        cols,
      );
    },
    channelSums({ x, scratch }, { rows, cols }) {
      const acc = at(scratch, "scratch", 4 * cols);
      exports.channel_sums(at(x, "x", rows * cols), acc, rows, cols);
      return new Float64Array(memory.buffer, acc, 2 * cols).slice();
    },
    channelAffine({ x, a, b, y }, { rows, cols }) {
      exports.channel_affine(
        at(x, "x", rows * cols),
        at(a, "a", cols),
        at(b, "b", cols),
        at(y, "y", rows * cols),
        rows,
        cols,
      );
    },
    batchNormGradSums({ dy, x, mean, invStd, scratch }, { rows, cols }) {
      const acc = at(scratch, "scratch", 4 * cols);
      exports.batch_norm_grad_sums(
        at(dy, "dy", rows * cols),
        at(x, "x", rows * cols),
        at(mean, "mean", cols),
        at(invStd, "invStd", cols),
        acc,
        rows,
        cols,
      );
      return new Float64Array(memory.buffer, acc, 2 * cols).slice();
    },
    batchNormGradInput({ dy, x, mean, invStd, scale, meanDy, meanDyXHat, dx }, { rows, cols }) {
      exports.batch_norm_grad_input(
        at(dy, "dy", rows * cols),
        at(x, "x", rows * cols),
        at(mean, "mean", cols),
        at(invStd, "invStd", cols),
        at(scale, "scale", cols),
        at(meanDy, "meanDy", cols),
        at(meanDyXHat, "meanDyXHat", cols),
        at(dx, "dx", rows * cols),
        rows,
        cols,
      );
    },
    reluGradBias({ dy, y, scratch, dz, db }, { rows, cols }) {
      exports.relu_grad_bias(
        at(dy, "dy", rows * cols),
        at(y, "y", rows * cols),
        at(dz, "dz", rows * cols),
        at(scratch, "scratch", 2 * cols),
        at(db, "db", cols),
        rows,
        cols,
      );
    },
    conv2dInputGrad({ dy, filter, scratch, dx }, info) {
      const { inChannels } = info;
      if (
        info.strideHeight !== 1 || info.strideWidth !== 1 || info.dilationHeight !== 1 ||
        info.dilationWidth !== 1 || inChannels % 4 !== 0
      ) {
        throw new InvalidArgumentError(
          `conv2dInputGrad needs stride 1, dilation 1 and input channels a multiple of 4, got stride ${info.strideHeight}x${info.strideWidth}, dilation ${info.dilationHeight}x${info.dilationWidth}, ${inChannels} channels`,
        );
      }
      const g = convSizes(info);
      exports.conv2d_input_grad_s1(
        at(dy, "dy", g.ySize),
        at(filter, "filter", g.filterSize),
        at(scratch, "scratch", g.filterSize),
        at(dx, "dx", g.xSize),
        info.batchSize,
        info.inHeight,
        info.inWidth,
        inChannels,
        info.outHeight,
        info.outWidth,
        info.outChannels,
        info.filterHeight,
        info.filterWidth,
        info.padInfo.top,
        info.padInfo.left,
      );
    },
    winogradFilter({ filter, u }, s) {
      const { inChannels: c, outChannels: o, tile } = s;
      if (tile !== 4 && tile !== 6) {
        throw new InvalidArgumentError(`winogradFilter needs a tile of 4 or 6, got ${tile}`);
      }
      if (c % 4 !== 0 || o % 8 !== 0 || c < 4 || o < 8) {
        throw new InvalidArgumentError(
          `winogradFilter needs input channels a multiple of 4 and output channels a multiple of 8, got ${c} and ${o}`,
        );
      }
      exports.winograd_filter(
        at(filter, "filter", 9 * c * o),
        at(u, "u", winogradFilterSize(c, o, tile)),
        c,
        o,
        0,
        tile,
      );
    },
    conv3x3Winograd({ x, filter, bias, scratch, y, transformedFilter }, s) {
      const { batch, inHeight, inWidth, inChannels: c, outHeight, outWidth, outChannels: o } = s;
      if (c % 4 !== 0 || o % 8 !== 0 || c < 4 || o < 8) {
        throw new InvalidArgumentError(
          `conv3x3Winograd needs input channels a multiple of 4 and output channels a multiple of 8, got ${c} and ${o}`,
        );
      }
      const { tile, tiles, group } = winogradBlocks(s);
      const planes = planesOf(tile);
      // The scratch keeps its layout (room for the filter first) either way.
      const start = at(scratch, "scratch", winogradScratchSize(s));
      const v = start + winogradFilterSize(c, o, tile) * 4;
      const m = v + planes * (group * tiles * c + 16) * 4;
      let u = start;
      if (transformedFilter === undefined) {
        exports.winograd_filter(at(filter, "filter", 9 * c * o), u, c, o, 0, tile);
      } else {
        u = at(transformedFilter, "transformedFilter", winogradFilterSize(c, o, tile));
      }
      exports.conv3x3_winograd(
        at(x, "x", batch * inHeight * inWidth * c),
        u,
        bias === undefined ? 0 : at(bias, "bias", o),
        at(y, "y", batch * outHeight * outWidth * o),
        v,
        m,
        batch,
        inHeight,
        inWidth,
        c,
        outHeight,
        outWidth,
        o,
        s.padTop,
        s.padLeft,
        s.relu ? 1 : 0,
        group,
        tile,
      );
    },
    conv3x3WinogradFilterGrad({ x, dy, scratch, dw }, info) {
      const { inChannels: c, outChannels: o } = checkWinogradGradient(
        "conv3x3WinogradFilterGrad",
        info,
        { inMultiple: 4, outMultiple: 8 },
      );
      const g = convSizes(info);
      const shape = { ...info, batch: info.batchSize };
      const { tile, tiles, group } = winogradBlocks(shape);
      const planes = planesOf(tile);
      const v = at(scratch, "scratch", winogradScratchSize(shape));
      const grads = v + planes * (group * tiles * c + 16) * 4;
      const m = grads + planes * (group * tiles * o + 16) * 4;
      exports.conv3x3_winograd_filter_grad(
        at(x, "x", g.xSize),
        at(dy, "dy", g.ySize),
        at(dw, "dw", g.filterSize),
        v,
        grads,
        m,
        info.batchSize,
        info.inHeight,
        info.inWidth,
        c,
        info.outHeight,
        info.outWidth,
        o,
        info.padInfo.top,
        info.padInfo.left,
        group,
        tile,
      );
    },
    conv3x3WinogradGrads({ x, dy, filter, scratch, dx, dw }, info) {
      const { inChannels: c, outChannels: o } = checkWinogradGradient(
        "conv3x3WinogradGrads",
        info,
        { inMultiple: 8, outMultiple: 8 },
      );
      const g = convSizes(info);
      const shape = { ...info, batch: info.batchSize };
      const { tile, tiles, group } = winogradBlocks(shape);
      const planes = planesOf(tile);
      // The scratch's layout: the transposed filter transform, dy's tiles,
      // the products (then x's tiles), the filter gradient's sums.
      const ut = at(scratch, "scratch", winogradGradsScratchSize(shape));
      const grads = ut + winogradFilterSize(c, o, tile) * 4;
      const vp = grads + planes * (group * tiles * o + 16) * 4;
      const m = vp + planes * (group * tiles * c + 16) * 4;
      exports.winograd_filter(at(filter, "filter", g.filterSize), ut, c, o, 1, tile);
      exports.conv3x3_winograd_grads(
        at(x, "x", g.xSize),
        at(dy, "dy", g.ySize),
        ut,
        at(dx, "dx", g.xSize),
        at(dw, "dw", g.filterSize),
        grads,
        vp,
        m,
        info.batchSize,
        info.inHeight,
        info.inWidth,
        c,
        info.outHeight,
        info.outWidth,
        o,
        info.padInfo.top,
        info.padInfo.left,
        group,
        tile,
      );
    },
    conv3x3WinogradInputGrad({ dy, filter, scratch, dx }, info) {
      const { inChannels: c, outChannels: o } = checkWinogradGradient(
        "conv3x3WinogradInputGrad",
        info,
        { inMultiple: 8, outMultiple: 4 },
      );
      const g = convSizes(info);
      const shape = { ...info, batch: info.batchSize };
      const { tile, tiles, group } = winogradBlocks(shape);
      // The scratch's layout: the transposed filter transform, dy's tiles, the products.
      const ut = at(scratch, "scratch", winogradScratchSize(shape));
      const grads = ut + winogradFilterSize(c, o, tile) * 4;
      const products = grads + planesOf(tile) * (group * tiles * o + 16) * 4;
      exports.winograd_filter(at(filter, "filter", g.filterSize), ut, c, o, 1, tile);
      exports.conv3x3_winograd_input_grad(
        at(dy, "dy", g.ySize),
        ut,
        at(dx, "dx", g.xSize),
        grads,
        products,
        info.batchSize,
        info.inHeight,
        info.inWidth,
        c,
        info.outHeight,
        info.outWidth,
        o,
        info.padInfo.top,
        info.padInfo.left,
        group,
        tile,
      );
    },
    adamUpdate({ g, m, v, weights, newM, newV, newWeights }, s) {
      const n = tf.util.sizeFromShape(g.shape);
      exports.adam_update(
        at(g, "g", n),
        at(m, "m", n),
        at(v, "v", n),
        at(weights, "weights", n),
        at(newM, "newM", n),
        at(newV, "newV", n),
        at(newWeights, "newWeights", n),
        n,
        s.beta1,
        s.beta2,
        s.oneMinusBeta1,
        s.oneMinusBeta2,
        s.oneMinusAccBeta1,
        s.oneMinusAccBeta2,
        s.epsilon,
        s.minusRate,
      );
    },
    gemm({ a, b, scratch, c }, { m, k, n, transposeA, transposeB }) {
      for (const [name, v] of [["m", m], ["k", k], ["n", n]] as const) {
        if (!Number.isInteger(v) || v < 1) {
          throw new InvalidArgumentError(`gemm needs ${name} a positive integer, got ${v}`);
        }
      }
      exports.gemm(
        at(a, "a", m * k),
        at(b, "b", k * n),
        at(scratch, "scratch", gemmScratchSize({ k, n })),
        at(c, "c", m * n),
        m,
        k,
        n,
        transposeA ? 1 : 0,
        transposeB ? 1 : 0,
      );
    },
  };
  bound.set(memory, kernels);
  return kernels;
}
