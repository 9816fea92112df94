// Training kernels for the TensorFlow.js WASM backend, in C with 128-bit
// WASM SIMD. They run on the backend's own memory (imported as env.memory):
// every pointer is a byte offset of a tensor on the tfjs heap, so nothing is
// copied. The module has no data, no stack and no globals of its own, which
// `deno task build:simd` checks; the JavaScript wrappers in ../simd.ts check
// shapes before calling in.
//
// Build: deno task build:simd (clang-19 and wasm-ld-19 from Debian's clang-19, lld-19).

#include <stdint.h>
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(#name)))

// acc + a * b, four lanes. Relaxed SIMD lets the engine fuse it: on x86-64
// with FMA, V8 emits one vfmadd (one rounding) where mul then add took two
// instructions and two roundings. Measured on the strong CNN's training step
// (one thread, batch 128): the three convolution kernels 123.8 -> 114.1 ms,
// the step 192 -> 184 ms. A CPU without FMA gets mul then add, as before.
#define MADD(acc, a, b) wasm_f32x4_relaxed_madd(a, b, acc)
// Four lanes of one float.
#define SPLAT(v) wasm_f32x4_splat(v)

// Zeroes n floats.
static void zero(float *p, int32_t n) {
  const v128_t z = wasm_f32x4_splat(0.0f);
  int32_t i = 0;
  for (; i + 4 <= n; i += 4) wasm_v128_store(p + i, z);
  for (; i < n; i++) p[i] = 0.0f;
}

// The gradient of a 2x2, stride-2, unpadded max pool, NHWC: dx[window's
// first maximum] = dy[window] and 0 elsewhere, the first maximum in
// row-major window order under a strict `>` from -Infinity (as on the tfjs
// cpu backend: a window of NaN or -Infinity only gets no gradient); input
// rows and columns no window covers get 0. With relu set, the pool is of a
// ReLU's output: only maxima above 0 get their gradient, and acc[d] (c
// doubles, zeroed by the caller) sums what channel d gets.
static inline void pool_grad_2x2(const float *x, const float *dy, float *dx, double *acc,
                                 int32_t batch, int32_t in_h, int32_t in_w, int32_t c,
                                 int32_t out_h, int32_t out_w, int32_t relu) {
  const int32_t row = in_w * c;
  const v128_t neg_inf = wasm_f32x4_splat(-__builtin_inff());
  const v128_t zero4 = wasm_f32x4_splat(0.0f);
  const float *g = dy;
  for (int32_t b = 0; b < batch; b++) {
    const float *xb = x + b * in_h * row;
    float *db = dx + b * in_h * row;
    for (int32_t r = 0; r < out_h; r++) {
      const float *x0 = xb + 2 * r * row, *x1 = x0 + row;
      float *d0 = db + 2 * r * row, *d1 = d0 + row;
      for (int32_t q = 0; q < out_w; q++, g += c) {
        const float *p0 = x0 + 2 * q * c, *p1 = p0 + c;
        const float *p2 = x1 + 2 * q * c, *p3 = p2 + c;
        float *e0 = d0 + 2 * q * c, *e1 = e0 + c;
        float *e2 = d1 + 2 * q * c, *e3 = e2 + c;
        int32_t d = 0;
        for (; d + 4 <= c; d += 4) {
          const v128_t v0 = wasm_v128_load(p0 + d), v1 = wasm_v128_load(p1 + d);
          const v128_t v2 = wasm_v128_load(p2 + d), v3 = wasm_v128_load(p3 + d);
          const v128_t m0 = wasm_f32x4_gt(v0, neg_inf);
          v128_t best = wasm_v128_bitselect(v0, neg_inf, m0);
          const v128_t m1 = wasm_f32x4_gt(v1, best);
          best = wasm_v128_bitselect(v1, best, m1);
          const v128_t m2 = wasm_f32x4_gt(v2, best);
          best = wasm_v128_bitselect(v2, best, m2);
          const v128_t m3 = wasm_f32x4_gt(v3, best);
          best = wasm_v128_bitselect(v3, best, m3);
          // The last window element that raised the maximum is the first
          // maximum: later ones win only when strictly greater.
          const v128_t w3 = m3;
          const v128_t w2 = wasm_v128_andnot(m2, w3);
          const v128_t later1 = wasm_v128_or(m2, m3);
          const v128_t w1 = wasm_v128_andnot(m1, later1);
          const v128_t w0 = wasm_v128_andnot(m0, wasm_v128_or(m1, later1));
          v128_t gv = wasm_v128_load(g + d);
          if (relu) {
            gv = wasm_v128_and(gv, wasm_f32x4_gt(best, zero4));
            const v128_t hi = wasm_i32x4_shuffle(gv, gv, 2, 3, 2, 3);
            wasm_v128_store(acc + d, wasm_f64x2_add(wasm_v128_load(acc + d),
                                                    wasm_f64x2_promote_low_f32x4(gv)));
            wasm_v128_store(acc + d + 2, wasm_f64x2_add(wasm_v128_load(acc + d + 2),
                                                        wasm_f64x2_promote_low_f32x4(hi)));
          }
          wasm_v128_store(e0 + d, wasm_v128_and(gv, w0));
          wasm_v128_store(e1 + d, wasm_v128_and(gv, w1));
          wasm_v128_store(e2 + d, wasm_v128_and(gv, w2));
          wasm_v128_store(e3 + d, wasm_v128_and(gv, w3));
        }
        for (; d < c; d++) {
          float best = -__builtin_inff();
          int32_t at = -1;
          if (p0[d] > best) best = p0[d], at = 0;
          if (p1[d] > best) best = p1[d], at = 1;
          if (p2[d] > best) best = p2[d], at = 2;
          if (p3[d] > best) best = p3[d], at = 3;
          if (relu && !(best > 0.0f)) at = -1;
          e0[d] = at == 0 ? g[d] : 0.0f;
          e1[d] = at == 1 ? g[d] : 0.0f;
          e2[d] = at == 2 ? g[d] : 0.0f;
          e3[d] = at == 3 ? g[d] : 0.0f;
          if (relu && at >= 0) acc[d] += (double)g[d];
        }
      }
      // Columns past the last window, on both rows of this window row.
      if (2 * out_w < in_w) {
        zero(d0 + 2 * out_w * c, (in_w - 2 * out_w) * c);
        zero(d1 + 2 * out_w * c, (in_w - 2 * out_w) * c);
      }
    }
    // Rows past the last window.
    zero(db + 2 * out_h * row, (in_h - 2 * out_h) * row);
  }
}

// MaxPoolGrad for 2x2 windows with stride 2 and no padding, NHWC (see
// pool_grad_2x2).
EXPORT(max_pool_grad_2x2)
void max_pool_grad_2x2(const float *x, const float *dy, float *dx, int32_t batch,
                       int32_t in_h, int32_t in_w, int32_t c, int32_t out_h,
                       int32_t out_w) {
  pool_grad_2x2(x, dy, dx, 0, batch, in_h, in_w, c, out_h, out_w, 0);
}

// Max pooling of ReLU's output over 2x2 windows with stride 2 and no
// padding, NHWC: y[window] = max(0, x[window's first maximum]), the first
// maximum in row-major window order under a strict `>` from -Infinity (a
// window of NaN or values <= 0 gives 0). Input rows and columns no window
// covers are ignored.
EXPORT(relu_max_pool_2x2)
void relu_max_pool_2x2(const float *x, float *y, int32_t batch, int32_t in_h, int32_t in_w,
                       int32_t c, int32_t out_h, int32_t out_w) {
  const int32_t row = in_w * c;
  const v128_t zero4 = wasm_f32x4_splat(0.0f);
  for (int32_t b = 0; b < batch; b++) {
    const float *xb = x + b * in_h * row;
    for (int32_t r = 0; r < out_h; r++) {
      const float *x0 = xb + 2 * r * row, *x1 = x0 + row;
      for (int32_t q = 0; q < out_w; q++, y += c) {
        const float *p0 = x0 + 2 * q * c, *p1 = p0 + c;
        const float *p2 = x1 + 2 * q * c, *p3 = p2 + c;
        int32_t d = 0;
        for (; d + 4 <= c; d += 4) {
          // Starting from 0 instead of -Infinity applies the ReLU; `>`
          // skips NaN.
          v128_t best = zero4;
          v128_t v = wasm_v128_load(p0 + d);
          best = wasm_v128_bitselect(v, best, wasm_f32x4_gt(v, best));
          v = wasm_v128_load(p1 + d);
          best = wasm_v128_bitselect(v, best, wasm_f32x4_gt(v, best));
          v = wasm_v128_load(p2 + d);
          best = wasm_v128_bitselect(v, best, wasm_f32x4_gt(v, best));
          v = wasm_v128_load(p3 + d);
          best = wasm_v128_bitselect(v, best, wasm_f32x4_gt(v, best));
          wasm_v128_store(y + d, best);
        }
        for (; d < c; d++) {
          float best = 0.0f;
          if (p0[d] > best) best = p0[d];
          if (p1[d] > best) best = p1[d];
          if (p2[d] > best) best = p2[d];
          if (p3[d] > best) best = p3[d];
          y[d] = best;
        }
      }
    }
  }
}

// The gradient of relu_max_pool_2x2, and of a bias added before the ReLU:
// dx[window's first maximum] = dy[window] where that maximum is above 0,
// and 0 everywhere else (the rows and columns no window covers included);
// db[c] = sum of dx over everything but the channel, accumulated in double
// precision in acc (c doubles, the caller's scratch).
EXPORT(relu_max_pool_grad_2x2)
void relu_max_pool_grad_2x2(const float *x, const float *dy, float *dx, double *acc, float *db,
                            int32_t batch, int32_t in_h, int32_t in_w, int32_t c,
                            int32_t out_h, int32_t out_w) {
  for (int32_t d = 0; d < c; d++) acc[d] = 0.0;
  pool_grad_2x2(x, dy, dx, acc, batch, in_h, in_w, c, out_h, out_w, 1);
  for (int32_t d = 0; d < c; d++) db[d] = (float)acc[d];
}

// The filter gradient of a 3x3, stride-1, unpadded convolution of a single
// input channel (a first layer on grey images), dw [3, 3, 1, co] (zeroed by
// the caller). Per output row and filter row a, the three taps of that row
// by eight channels sit in six registers while the row's gradients stream
// past: per pixel, two loads of dy and three broadcasts of x feed six
// multiply-adds (the former loop, nine taps by four channels, needed ten
// loads for nine; the strong CNN's conv1 at batch 128, the kernel alone:
// 3.1 -> 2.0 ms).
static void filter_grad_3x3_c1(const float *x, const float *dy, float *dw, int32_t batch,
                               int32_t in_h, int32_t in_w, int32_t out_h, int32_t out_w,
                               int32_t co) {
  for (int32_t n = 0; n < batch; n++) {
    for (int32_t r = 0; r < out_h; r++) {
      const float *g = dy + (n * out_h + r) * out_w * co;
      int32_t o = 0;
      for (; o + 8 <= co; o += 8) {
        for (int32_t a = 0; a < 3; a++) {
          const float *xa = x + (n * in_h + r + a) * in_w;
          float *w = dw + 3 * a * co + o;
          v128_t a00 = wasm_v128_load(w), a01 = wasm_v128_load(w + 4);
          v128_t a10 = wasm_v128_load(w + co), a11 = wasm_v128_load(w + co + 4);
          v128_t a20 = wasm_v128_load(w + 2 * co), a21 = wasm_v128_load(w + 2 * co + 4);
          const float *gq = g + o;
          for (int32_t q = 0; q < out_w; q++, gq += co) {
            const v128_t g0 = wasm_v128_load(gq), g1 = wasm_v128_load(gq + 4);
            v128_t v = wasm_v128_load32_splat(xa + q);
            a00 = MADD(a00, v, g0), a01 = MADD(a01, v, g1);
            v = wasm_v128_load32_splat(xa + q + 1);
            a10 = MADD(a10, v, g0), a11 = MADD(a11, v, g1);
            v = wasm_v128_load32_splat(xa + q + 2);
            a20 = MADD(a20, v, g0), a21 = MADD(a21, v, g1);
          }
          wasm_v128_store(w, a00), wasm_v128_store(w + 4, a01);
          wasm_v128_store(w + co, a10), wasm_v128_store(w + co + 4, a11);
          wasm_v128_store(w + 2 * co, a20), wasm_v128_store(w + 2 * co + 4, a21);
        }
      }
      for (; o < co; o++) {
        const float *x0 = x + (n * in_h + r) * in_w, *x1 = x0 + in_w, *x2 = x1 + in_w;
        for (int32_t q = 0; q < out_w; q++) {
          const float gs = g[q * co + o];
          for (int32_t b = 0; b < 3; b++) {
            dw[b * co + o] += x0[q + b] * gs;
            dw[(3 + b) * co + o] += x1[q + b] * gs;
            dw[(6 + b) * co + o] += x2[q + b] * gs;
          }
        }
      }
    }
  }
}

// p[i * ld + j] += sum over t < n of a[t * a_step + i * a_row] *
// b[t * b_step + j], for i < 4 and j < 8 (from 0 instead of p when fresh is
// set): a 4x8 block of a matrix product in eight registers, where each
// step's pair of b loads and four broadcasts of a feed 16 multiply-adds.
static inline void block_4x8(float *p, int32_t ld, int32_t fresh, const float *a, int32_t a_row,
                             int32_t a_step, const float *b, int32_t b_step, int32_t n) {
  const v128_t z = wasm_f32x4_splat(0.0f);
  v128_t s00 = fresh ? z : wasm_v128_load(p), s01 = fresh ? z : wasm_v128_load(p + 4);
  v128_t s10 = fresh ? z : wasm_v128_load(p + ld), s11 = fresh ? z : wasm_v128_load(p + ld + 4);
  v128_t s20 = fresh ? z : wasm_v128_load(p + 2 * ld);
  v128_t s21 = fresh ? z : wasm_v128_load(p + 2 * ld + 4);
  v128_t s30 = fresh ? z : wasm_v128_load(p + 3 * ld);
  v128_t s31 = fresh ? z : wasm_v128_load(p + 3 * ld + 4);
  for (int32_t t = 0; t < n; t++, a += a_step, b += b_step) {
    const v128_t b0 = wasm_v128_load(b), b1 = wasm_v128_load(b + 4);
    v128_t v = wasm_v128_load32_splat(a);
    s00 = MADD(s00, v, b0);
    s01 = MADD(s01, v, b1);
    v = wasm_v128_load32_splat(a + a_row);
    s10 = MADD(s10, v, b0);
    s11 = MADD(s11, v, b1);
    v = wasm_v128_load32_splat(a + 2 * a_row);
    s20 = MADD(s20, v, b0);
    s21 = MADD(s21, v, b1);
    v = wasm_v128_load32_splat(a + 3 * a_row);
    s30 = MADD(s30, v, b0);
    s31 = MADD(s31, v, b1);
  }
  wasm_v128_store(p, s00), wasm_v128_store(p + 4, s01);
  wasm_v128_store(p + ld, s10), wasm_v128_store(p + ld + 4, s11);
  wasm_v128_store(p + 2 * ld, s20), wasm_v128_store(p + 2 * ld + 4, s21);
  wasm_v128_store(p + 3 * ld, s30), wasm_v128_store(p + 3 * ld + 4, s31);
}

// block_4x8's product for two rows of a by sixteen columns of b, in eight
// registers: each step's four loads of b and two broadcasts of a feed
// eight multiply-adds. The same loads per multiply-add as block_4x8, but
// half the broadcasts, which compete with the multiply-adds for the
// floating-point pipes: on a Winograd plane of the reference CNN's conv2
// ([36 x 32] . [32 x 64], 36 planes, 16 blocks) 14.3 -> 16.5 GMAC/s here,
// where 10 independent multiply-adds a step reach 19.6 (two per cycle at
// 2.45 GHz). Each sum runs over t in the same order as block_4x8's, so
// the results are the same to the bit. (Three rows, twelve accumulators:
// 11.7 GMAC/s, and block_6x8 is slower here too: V8 spills.)
static inline void block_2x16(float *p, int32_t ld, int32_t fresh, const float *a, int32_t a_row,
                              int32_t a_step, const float *b, int32_t b_step, int32_t n) {
  const v128_t z = wasm_f32x4_splat(0.0f);
#define LDP(r, h) (fresh ? z : wasm_v128_load(p + (r) * ld + 4 * (h)))
  v128_t s00 = LDP(0, 0), s01 = LDP(0, 1), s02 = LDP(0, 2), s03 = LDP(0, 3);
  v128_t s10 = LDP(1, 0), s11 = LDP(1, 1), s12 = LDP(1, 2), s13 = LDP(1, 3);
#undef LDP
  for (int32_t t = 0; t < n; t++, a += a_step, b += b_step) {
    const v128_t b0 = wasm_v128_load(b), b1 = wasm_v128_load(b + 4);
    const v128_t b2 = wasm_v128_load(b + 8), b3 = wasm_v128_load(b + 12);
    v128_t v = wasm_v128_load32_splat(a);
    s00 = MADD(s00, v, b0);
    s01 = MADD(s01, v, b1);
    s02 = MADD(s02, v, b2);
    s03 = MADD(s03, v, b3);
    v = wasm_v128_load32_splat(a + a_row);
    s10 = MADD(s10, v, b0);
    s11 = MADD(s11, v, b1);
    s12 = MADD(s12, v, b2);
    s13 = MADD(s13, v, b3);
  }
  wasm_v128_store(p, s00), wasm_v128_store(p + 4, s01);
  wasm_v128_store(p + 8, s02), wasm_v128_store(p + 12, s03);
  wasm_v128_store(p + ld, s10), wasm_v128_store(p + ld + 4, s11);
  wasm_v128_store(p + ld + 8, s12), wasm_v128_store(p + ld + 12, s13);
}

// block_4x8 for six rows of a, in twelve registers: each step's two loads
// of b and six broadcasts of a feed 24 multiply-adds (0.67 loads per
// multiply-add, 0.75 in block_4x8), with two registers left (V8 has 16 on
// x86-64 and keeps one as scratch). Measured on a [36 x 32] . [32 x 32]
// product (a Winograd plane of the strong CNN's conv2 at batch 1): 17.2 ->
// 20.2 GMAC/s; [120 x 256] . [256 x 128]: 18.1 -> 21.0.
static inline void block_6x8(float *p, int32_t ld, int32_t fresh, const float *a, int32_t a_row,
                             int32_t a_step, const float *b, int32_t b_step, int32_t n) {
  const v128_t z = wasm_f32x4_splat(0.0f);
#define LDP(r, h) (fresh ? z : wasm_v128_load(p + (r) * ld + 4 * (h)))
  v128_t s00 = LDP(0, 0), s01 = LDP(0, 1), s10 = LDP(1, 0), s11 = LDP(1, 1);
  v128_t s20 = LDP(2, 0), s21 = LDP(2, 1), s30 = LDP(3, 0), s31 = LDP(3, 1);
  v128_t s40 = LDP(4, 0), s41 = LDP(4, 1), s50 = LDP(5, 0), s51 = LDP(5, 1);
#undef LDP
  for (int32_t t = 0; t < n; t++, a += a_step, b += b_step) {
    const v128_t b0 = wasm_v128_load(b), b1 = wasm_v128_load(b + 4);
    v128_t v = wasm_v128_load32_splat(a);
    s00 = MADD(s00, v, b0);
    s01 = MADD(s01, v, b1);
    v = wasm_v128_load32_splat(a + a_row);
    s10 = MADD(s10, v, b0);
    s11 = MADD(s11, v, b1);
    v = wasm_v128_load32_splat(a + 2 * a_row);
    s20 = MADD(s20, v, b0);
    s21 = MADD(s21, v, b1);
    v = wasm_v128_load32_splat(a + 3 * a_row);
    s30 = MADD(s30, v, b0);
    s31 = MADD(s31, v, b1);
    v = wasm_v128_load32_splat(a + 4 * a_row);
    s40 = MADD(s40, v, b0);
    s41 = MADD(s41, v, b1);
    v = wasm_v128_load32_splat(a + 5 * a_row);
    s50 = MADD(s50, v, b0);
    s51 = MADD(s51, v, b1);
  }
  wasm_v128_store(p, s00), wasm_v128_store(p + 4, s01);
  wasm_v128_store(p + ld, s10), wasm_v128_store(p + ld + 4, s11);
  wasm_v128_store(p + 2 * ld, s20), wasm_v128_store(p + 2 * ld + 4, s21);
  wasm_v128_store(p + 3 * ld, s30), wasm_v128_store(p + 3 * ld + 4, s31);
  wasm_v128_store(p + 4 * ld, s40), wasm_v128_store(p + 4 * ld + 4, s41);
  wasm_v128_store(p + 5 * ld, s50), wasm_v128_store(p + 5 * ld + 4, s51);
}

// The filter gradient of a stride-1 convolution with input channels a
// multiple of 4 and filters a multiple of 8 (a hidden layer), dw zeroed by
// the caller. Per image, a block of 4 input channels by 8 filters of one
// filter tap sits in eight registers while each row of the tap's valid
// positions streams past (block_4x8). The loops run filters, then input
// channels, then taps, so the dy and x lines in use stay in L1 cache.
static void filter_grad_s1_4x8(const float *x, const float *dy, float *dw, int32_t batch,
                               int32_t in_h, int32_t in_w, int32_t ci, int32_t out_h,
                               int32_t out_w, int32_t co, int32_t kh, int32_t kw, int32_t pt,
                               int32_t pl) {
  for (int32_t n = 0; n < batch; n++) {
    const float *xn = x + n * in_h * in_w * ci;
    const float *gn = dy + n * out_h * out_w * co;
    for (int32_t o = 0; o < co; o += 8) {
      for (int32_t i = 0; i < ci; i += 4) {
        for (int32_t a = 0; a < kh; a++) {
          const int32_t r0 = pt - a > 0 ? pt - a : 0;
          const int32_t r1 = in_h + pt - a < out_h ? in_h + pt - a : out_h;
          for (int32_t b = 0; b < kw; b++) {
            const int32_t q0 = pl - b > 0 ? pl - b : 0;
            const int32_t q1 = in_w + pl - b < out_w ? in_w + pl - b : out_w;
            if (r0 >= r1 || q0 >= q1) continue;
            float *w = dw + ((a * kw + b) * ci + i) * co + o;
            for (int32_t r = r0; r < r1; r++) {
              block_4x8(w, co, 0, xn + ((r + a - pt) * in_w + q0 + b - pl) * ci + i, 1, ci,
                        gn + (r * out_w + q0) * co + o, co, q1 - q0);
            }
          }
        }
      }
    }
  }
}

// Conv2DBackpropFilter, NHWC, dilation 1, any strides and padding:
// dw[a, b, i, o] = sum over (n, r, q) of x[n, r*sh - pt + a, q*sw - pl + b, i]
// * dy[n, r, q, o], with x = 0 outside the input. Two shapes have blocked
// paths above; the general loop accumulates in place over the whole batch,
// so it suits small filters (few input channels), whose [kh, kw, ci, co]
// gradient stays in L1 cache.
EXPORT(conv2d_filter_grad)
void conv2d_filter_grad(const float *x, const float *dy, float *dw, int32_t batch,
                        int32_t in_h, int32_t in_w, int32_t ci, int32_t out_h,
                        int32_t out_w, int32_t co, int32_t kh, int32_t kw,
                        int32_t sh, int32_t sw, int32_t pt, int32_t pl) {
  zero(dw, kh * kw * ci * co);
  if (ci == 1 && kh == 3 && kw == 3 && sh == 1 && sw == 1 && pt == 0 && pl == 0 &&
      out_h == in_h - 2 && out_w == in_w - 2) {
    filter_grad_3x3_c1(x, dy, dw, batch, in_h, in_w, out_h, out_w, co);
    return;
  }
  if (sh == 1 && sw == 1 && ci % 4 == 0 && co % 8 == 0) {
    filter_grad_s1_4x8(x, dy, dw, batch, in_h, in_w, ci, out_h, out_w, co, kh, kw, pt, pl);
    return;
  }
  const float *g = dy;
  for (int32_t n = 0; n < batch; n++) {
    const float *xn = x + n * in_h * in_w * ci;
    for (int32_t r = 0; r < out_h; r++) {
      for (int32_t q = 0; q < out_w; q++, g += co) {
        for (int32_t a = 0; a < kh; a++) {
          const int32_t ih = r * sh - pt + a;
          if (ih < 0 || ih >= in_h) continue;
          for (int32_t b = 0; b < kw; b++) {
            const int32_t iw = q * sw - pl + b;
            if (iw < 0 || iw >= in_w) continue;
            const float *xp = xn + (ih * in_w + iw) * ci;
            float *wp = dw + (a * kw + b) * ci * co;
            for (int32_t i = 0; i < ci; i++, wp += co) {
              const float xs = xp[i];
              const v128_t xv = wasm_f32x4_splat(xs);
              int32_t o = 0;
              for (; o + 4 <= co; o += 4) {
                const v128_t acc = wasm_v128_load(wp + o);
                wasm_v128_store(wp + o, MADD(acc, xv, wasm_v128_load(g + o)));
              }
              for (; o < co; o++) wp[o] += xs * g[o];
            }
          }
        }
      }
    }
  }
}

// Conv2DBackpropInput of a stride-1 convolution (dilation 1) with input
// channels a multiple of 4, NHWC: dx[n, y, x, i] = sum over (a, b, o) of
// dy[n, y + pt - a, x + pl - b, o] * w[a, b, i, o], over the dy positions
// that exist. wt (kh * kw * co * ci floats, the caller's scratch) receives
// the filter with each tap's channels swapped, so that a tap's row of input
// channels is contiguous. Per image and tap, the tap's wt (co * ci floats)
// stays in L1 cache while each dx pixel accumulates in up to eight registers.
EXPORT(conv2d_input_grad_s1)
void conv2d_input_grad_s1(const float *dy, const float *w, float *wt, float *dx, int32_t batch,
                          int32_t in_h, int32_t in_w, int32_t ci, int32_t out_h, int32_t out_w,
                          int32_t co, int32_t kh, int32_t kw, int32_t pt, int32_t pl) {
  for (int32_t t = 0; t < kh * kw; t++) {
    for (int32_t i = 0; i < ci; i++) {
      for (int32_t o = 0; o < co; o++) wt[(t * co + o) * ci + i] = w[(t * ci + i) * co + o];
    }
  }
  zero(dx, batch * in_h * in_w * ci);
  for (int32_t n = 0; n < batch; n++) {
    for (int32_t a = 0; a < kh; a++) {
      const int32_t y0 = a - pt > 0 ? a - pt : 0;
      const int32_t y1 = out_h + a - pt < in_h ? out_h + a - pt : in_h;
      for (int32_t b = 0; b < kw; b++) {
        const int32_t x0 = b - pl > 0 ? b - pl : 0;
        const int32_t x1 = out_w + b - pl < in_w ? out_w + b - pl : in_w;
        const float *wab = wt + (a * kw + b) * co * ci;
        for (int32_t y = y0; y < y1; y++) {
          float *d = dx + ((n * in_h + y) * in_w + x0) * ci;
          const float *g = dy + ((n * out_h + y + pt - a) * out_w + x0 + pl - b) * co;
          int32_t xx = x0;
          // Two pixels at a time, 16 channels at a time: each load of wt
          // feeds both pixels.
          for (; xx + 2 <= x1; xx += 2, d += 2 * ci, g += 2 * co) {
            const float *g2 = g + co;
            float *d2 = d + ci;
            int32_t i = 0;
            for (; i + 16 <= ci; i += 16) {
              v128_t s0 = wasm_v128_load(d + i), s1 = wasm_v128_load(d + i + 4);
              v128_t s2 = wasm_v128_load(d + i + 8), s3 = wasm_v128_load(d + i + 12);
              v128_t t0 = wasm_v128_load(d2 + i), t1 = wasm_v128_load(d2 + i + 4);
              v128_t t2 = wasm_v128_load(d2 + i + 8), t3 = wasm_v128_load(d2 + i + 12);
              const float *f = wab + i;
              for (int32_t o = 0; o < co; o++, f += ci) {
                const v128_t f0 = wasm_v128_load(f), f1 = wasm_v128_load(f + 4);
                const v128_t f2 = wasm_v128_load(f + 8), f3 = wasm_v128_load(f + 12);
                const v128_t u = wasm_v128_load32_splat(g + o);
                const v128_t v = wasm_v128_load32_splat(g2 + o);
                s0 = MADD(s0, u, f0);
                s1 = MADD(s1, u, f1);
                s2 = MADD(s2, u, f2);
                s3 = MADD(s3, u, f3);
                t0 = MADD(t0, v, f0);
                t1 = MADD(t1, v, f1);
                t2 = MADD(t2, v, f2);
                t3 = MADD(t3, v, f3);
              }
              wasm_v128_store(d + i, s0), wasm_v128_store(d + i + 4, s1);
              wasm_v128_store(d + i + 8, s2), wasm_v128_store(d + i + 12, s3);
              wasm_v128_store(d2 + i, t0), wasm_v128_store(d2 + i + 4, t1);
              wasm_v128_store(d2 + i + 8, t2), wasm_v128_store(d2 + i + 12, t3);
            }
            for (; i < ci; i += 4) {
              v128_t s0 = wasm_v128_load(d + i), t0 = wasm_v128_load(d2 + i);
              const float *f = wab + i;
              for (int32_t o = 0; o < co; o++, f += ci) {
                const v128_t f0 = wasm_v128_load(f);
                s0 = MADD(s0, wasm_v128_load32_splat(g + o), f0);
                t0 = MADD(t0, wasm_v128_load32_splat(g2 + o), f0);
              }
              wasm_v128_store(d + i, s0), wasm_v128_store(d2 + i, t0);
            }
          }
          // The last pixel of an odd row.
          if (xx < x1) {
            for (int32_t i = 0; i < ci; i += 4) {
              v128_t s0 = wasm_v128_load(d + i);
              const float *f = wab + i;
              for (int32_t o = 0; o < co; o++, f += ci) {
                s0 = MADD(s0, wasm_v128_load32_splat(g + o), wasm_v128_load(f));
              }
              wasm_v128_store(d + i, s0);
            }
          }
        }
      }
    }
  }
}

// A 3x3, stride-1, unpadded convolution of a single input channel (a first
// layer on grey images), NHWC: y[n, r, q, o] = bias[o] + sum over (a, b) of
// x[n, r + a, q + b] * w[a, b, 0, o], then max(0, .) when relu is set. bias
// may be 0 (none). Four pixels by eight channels run in eight registers:
// per tap, two loads of the filter and four broadcasts of inputs feed eight
// independent multiply-adds. The former loop (four channels, the filter in
// nine registers, one chain of nine multiply-adds per pixel) needed ten
// loads per nine; the strong CNN's conv1, the kernel alone: batch 128,
// 3.0 -> 2.65 ms; batch 1, 0.030 -> 0.020 ms. (Broadcasting a pixel's nine
// inputs once, the filter read per eight channels, gained nothing.)
EXPORT(conv2d_3x3_c1)
void conv2d_3x3_c1(const float *x, const float *w, const float *bias, float *y, int32_t batch,
                   int32_t in_h, int32_t in_w, int32_t co, int32_t relu) {
  const int32_t out_h = in_h - 2, out_w = in_w - 2;
  const v128_t zero4 = wasm_f32x4_splat(0.0f);
  for (int32_t n = 0; n < batch; n++) {
    for (int32_t r = 0; r < out_h; r++) {
      const float *x0 = x + (n * in_h + r) * in_w, *x1 = x0 + in_w, *x2 = x1 + in_w;
      float *out = y + (n * out_h + r) * out_w * co;
      int32_t q = 0;
      if (co % 8 == 0) {
        for (; q + 4 <= out_w; q += 4) {
          for (int32_t o = 0; o < co; o += 8) {
            const float *f = w + o;
            const v128_t b0 = bias ? wasm_v128_load(bias + o) : zero4;
            const v128_t b1 = bias ? wasm_v128_load(bias + o + 4) : zero4;
            v128_t s00 = b0, s01 = b1, s10 = b0, s11 = b1, s20 = b0, s21 = b1, s30 = b0, s31 = b1;
#define TAP(k, row, b)                                                             \
  {                                                                                \
    const v128_t f0 = wasm_v128_load(f + (k) * co), f1 = wasm_v128_load(f + (k) * co + 4); \
    v128_t v = wasm_v128_load32_splat(row + q + (b));                              \
    s00 = MADD(s00, v, f0), s01 = MADD(s01, v, f1);                                \
    v = wasm_v128_load32_splat(row + q + (b) + 1);                                 \
    s10 = MADD(s10, v, f0), s11 = MADD(s11, v, f1);                                \
    v = wasm_v128_load32_splat(row + q + (b) + 2);                                 \
    s20 = MADD(s20, v, f0), s21 = MADD(s21, v, f1);                                \
    v = wasm_v128_load32_splat(row + q + (b) + 3);                                 \
    s30 = MADD(s30, v, f0), s31 = MADD(s31, v, f1);                                \
  }
            TAP(0, x0, 0) TAP(1, x0, 1) TAP(2, x0, 2)
            TAP(3, x1, 0) TAP(4, x1, 1) TAP(5, x1, 2)
            TAP(6, x2, 0) TAP(7, x2, 1) TAP(8, x2, 2)
#undef TAP
            if (relu) {
              s00 = wasm_f32x4_pmax(zero4, s00), s01 = wasm_f32x4_pmax(zero4, s01);
              s10 = wasm_f32x4_pmax(zero4, s10), s11 = wasm_f32x4_pmax(zero4, s11);
              s20 = wasm_f32x4_pmax(zero4, s20), s21 = wasm_f32x4_pmax(zero4, s21);
              s30 = wasm_f32x4_pmax(zero4, s30), s31 = wasm_f32x4_pmax(zero4, s31);
            }
            float *p = out + q * co + o;
            wasm_v128_store(p, s00), wasm_v128_store(p + 4, s01);
            wasm_v128_store(p + co, s10), wasm_v128_store(p + co + 4, s11);
            wasm_v128_store(p + 2 * co, s20), wasm_v128_store(p + 2 * co + 4, s21);
            wasm_v128_store(p + 3 * co, s30), wasm_v128_store(p + 3 * co + 4, s31);
          }
        }
      }
      // The last pixels of a row (eight channels at a time), and other channel counts.
      for (; q < out_w; q++) {
        int32_t o = 0;
        if (co % 8 == 0) {
          for (; o < co; o += 8) {
            const float *f = w + o;
            v128_t s = bias ? wasm_v128_load(bias + o) : zero4;
            v128_t t = bias ? wasm_v128_load(bias + o + 4) : zero4;
#define TAP(k, row, b)                                                             \
  {                                                                                \
    const v128_t v = wasm_v128_load32_splat(row + q + (b));                        \
    s = MADD(s, v, wasm_v128_load(f + (k) * co));                                  \
    t = MADD(t, v, wasm_v128_load(f + (k) * co + 4));                              \
  }
            TAP(0, x0, 0) TAP(1, x0, 1) TAP(2, x0, 2)
            TAP(3, x1, 0) TAP(4, x1, 1) TAP(5, x1, 2)
            TAP(6, x2, 0) TAP(7, x2, 1) TAP(8, x2, 2)
#undef TAP
            if (relu) s = wasm_f32x4_pmax(zero4, s), t = wasm_f32x4_pmax(zero4, t);
            wasm_v128_store(out + q * co + o, s), wasm_v128_store(out + q * co + o + 4, t);
          }
        }
        for (; o < co; o++) {
          float acc = bias ? bias[o] : 0.0f;
          for (int32_t b = 0; b < 3; b++) acc += x0[q + b] * w[b * co + o];
          for (int32_t b = 0; b < 3; b++) acc += x1[q + b] * w[(3 + b) * co + o];
          for (int32_t b = 0; b < 3; b++) acc += x2[q + b] * w[(6 + b) * co + o];
          out[q * co + o] = relu && !(acc > 0.0f) ? 0.0f : acc;
        }
      }
    }
  }
}

// The first block of a CNN on grey images in one pass: a 3x3, stride-1,
// unpadded convolution of one input channel, its bias, a ReLU and a 2x2,
// stride-2 max pool (NHWC; conv rows and columns no window covers are not
// computed). y[n, r, q, o] is the pool of relu(conv) exactly as
// conv2d_3x3_c1 then relu_max_pool_2x2 give it (each conv value is the
// same sum, in the same order); win[n, r, q, o] (one byte per channel) is
// the window element 0..3 (row-major) holding the first maximum above 0,
// the one relu_max_pool_grad_2x2 would pick, or 4 when none is above 0.
// The 26x26 conv output of a 28x28 image is never written: the reference
// CNN's conv1 wrote 5.5 MB per 64-image shard that the pool then read back,
// where this writes 1.4 MB of maxima and 0.35 MB of window bytes. co must
// be a multiple of 8: a window's four pixels by eight channels run in eight
// registers, each tap's two filter loads feeding eight multiply-adds.
EXPORT(conv3x3_c1_relu_pool)
void conv3x3_c1_relu_pool(const float *x, const float *w, const float *bias, float *y,
                          uint8_t *win, int32_t batch, int32_t in_h, int32_t in_w, int32_t co) {
  const int32_t out_h = (in_h - 2) / 2, out_w = (in_w - 2) / 2;
  const v128_t zero4 = wasm_f32x4_splat(0.0f);
  const v128_t none = wasm_i32x4_splat(4);
  for (int32_t n = 0; n < batch; n++) {
    for (int32_t r = 0; r < out_h; r++) {
      // Input rows 2r .. 2r + 3 feed conv rows 2r and 2r + 1.
      const float *x0 = x + (n * in_h + 2 * r) * in_w, *x1 = x0 + in_w;
      const float *x2 = x1 + in_w, *x3 = x2 + in_w;
      for (int32_t q = 0; q < out_w; q++) {
        const int32_t c = 2 * q;
        float *out = y + ((n * out_h + r) * out_w + q) * co;
        uint8_t *wo = win + ((n * out_h + r) * out_w + q) * co;
        for (int32_t o = 0; o < co; o += 8) {
          const float *f = w + o;
          const v128_t b0 = bias ? wasm_v128_load(bias + o) : zero4;
          const v128_t b1 = bias ? wasm_v128_load(bias + o + 4) : zero4;
          // s0*: window element 0 (conv row 2r, column c), s1*: (2r, c + 1),
          // s2*: (2r + 1, c), s3*: (2r + 1, c + 1).
          v128_t s00 = b0, s01 = b1, s10 = b0, s11 = b1, s20 = b0, s21 = b1, s30 = b0, s31 = b1;
#define TAP(k, top, bottom, b)                                                     \
  {                                                                                \
    const v128_t f0 = wasm_v128_load(f + (k) * co), f1 = wasm_v128_load(f + (k) * co + 4); \
    v128_t v = wasm_v128_load32_splat(top + c + (b));                              \
    s00 = MADD(s00, v, f0), s01 = MADD(s01, v, f1);                                \
    v = wasm_v128_load32_splat(top + c + (b) + 1);                                 \
    s10 = MADD(s10, v, f0), s11 = MADD(s11, v, f1);                                \
    v = wasm_v128_load32_splat(bottom + c + (b));                                  \
    s20 = MADD(s20, v, f0), s21 = MADD(s21, v, f1);                                \
    v = wasm_v128_load32_splat(bottom + c + (b) + 1);                              \
    s30 = MADD(s30, v, f0), s31 = MADD(s31, v, f1);                                \
  }
          TAP(0, x0, x1, 0) TAP(1, x0, x1, 1) TAP(2, x0, x1, 2)
          TAP(3, x1, x2, 0) TAP(4, x1, x2, 1) TAP(5, x1, x2, 2)
          TAP(6, x2, x3, 0) TAP(7, x2, x3, 1) TAP(8, x2, x3, 2)
#undef TAP
          // The pool of the ReLU: from 0 under a strict `>` in window order,
          // which skips NaN and keeps the first of equal maxima.
          v128_t best0 = zero4, best1 = zero4, at0 = none, at1 = none;
#define POOL(k, v0, v1)                                                            \
  {                                                                                \
    const v128_t m0 = wasm_f32x4_gt(v0, best0), m1 = wasm_f32x4_gt(v1, best1);     \
    best0 = wasm_v128_bitselect(v0, best0, m0), best1 = wasm_v128_bitselect(v1, best1, m1); \
    at0 = wasm_v128_bitselect(wasm_i32x4_splat(k), at0, m0);                       \
    at1 = wasm_v128_bitselect(wasm_i32x4_splat(k), at1, m1);                       \
  }
          POOL(0, s00, s01) POOL(1, s10, s11) POOL(2, s20, s21) POOL(3, s30, s31)
#undef POOL
          wasm_v128_store(out + o, best0), wasm_v128_store(out + o + 4, best1);
          const v128_t at16 = wasm_i16x8_narrow_i32x4(at0, at1);
          wasm_v128_store64_lane(wo + o, wasm_u8x16_narrow_i16x8(at16, at16), 0);
        }
      }
    }
  }
}

// The gradient of conv3x3_c1_relu_pool for its filter and bias: each
// window's dy goes to the conv pixel win names (none for 4), through the
// ReLU (that pixel is above 0), to the taps that made it: dw[a, b, 0, o] =
// sum of dy[n, r, q, o] * x[n, 2r + i + a, 2q + j + b] over the windows
// whose element (i, j) won, and db[o] = sum of dy where one won (in double
// precision in acc, co doubles, per image). dw and db are overwritten. The
// conv output's gradient (5.5 MB of mostly zeros for the reference CNN's
// 64-image shard, written by the pool's gradient and read back by the
// filter's) is never made. Four channels at a time: nine tap accumulators
// stay in registers over an image's windows, and per window and tap one
// shuffle gathers the 2x2 block of inputs the four window elements read
// and one byte swizzle gives each lane its winner's, for one multiply-add.
// (Each element taking dy in the lanes it won, nine broadcasts and nine
// multiply-adds each, three of four by zero: the reference CNN's 64-image
// shard, 1.25 ms.) Each dw sum adds the winners' products in the same
// order as that did, to the bit. No input gradient: the block is a
// network's first, fed by the data.
EXPORT(conv3x3_c1_relu_pool_grad)
void conv3x3_c1_relu_pool_grad(const float *x, const float *dy, const uint8_t *win, float *dw,
                               float *db, double *acc, int32_t batch, int32_t in_h,
                               int32_t in_w, int32_t co) {
  const int32_t out_h = (in_h - 2) / 2, out_w = (in_w - 2) / 2;
  const v128_t zero4 = wasm_f32x4_splat(0.0f);
  for (int32_t i = 0; i < 9 * co; i++) dw[i] = 0.0f;
  for (int32_t o = 0; o < co; o++) acc[o] = 0.0;
  for (int32_t n = 0; n < batch; n++) {
    const float *xn = x + n * in_h * in_w;
    const float *gn = dy + n * out_h * out_w * co;
    const uint8_t *wn = win + n * out_h * out_w * co;
    for (int32_t o = 0; o < co; o += 4) {
      float *d = dw + o;
      v128_t t0 = wasm_v128_load(d), t1 = wasm_v128_load(d + co), t2 = wasm_v128_load(d + 2 * co);
      v128_t t3 = wasm_v128_load(d + 3 * co), t4 = wasm_v128_load(d + 4 * co);
      v128_t t5 = wasm_v128_load(d + 5 * co), t6 = wasm_v128_load(d + 6 * co);
      v128_t t7 = wasm_v128_load(d + 7 * co), t8 = wasm_v128_load(d + 8 * co);
      v128_t bsum = zero4;
      for (int32_t r = 0; r < out_h; r++) {
        for (int32_t q = 0; q < out_w; q++) {
          const int32_t cell = (r * out_w + q) * co + o;
          const v128_t at = wasm_u32x4_extend_low_u16x8(
              wasm_u16x8_extend_low_u8x16(wasm_v128_load32_zero(wn + cell)));
          const v128_t g = wasm_v128_and(wasm_v128_load(gn + cell),
                                         wasm_i32x4_ne(at, wasm_i32x4_splat(4)));
          bsum = wasm_f32x4_add(bsum, g);
          // Lane l's bytes in a 2x2 block of x held as [x00, x01, x10, x11]:
          // 4 at + 0..3 (past the block for 4, where g is 0).
          const v128_t pick = wasm_i32x4_add(wasm_i32x4_mul(at, wasm_i32x4_splat(0x04040404)),
                                             wasm_i32x4_splat(0x03020100));
          // The window's 4x4 inputs: rows 2r .. 2r + 3, columns 2q .. 2q + 3.
          const float *p = xn + 2 * r * in_w + 2 * q;
          const v128_t r0 = wasm_v128_load(p), r1 = wasm_v128_load(p + in_w);
          const v128_t r2 = wasm_v128_load(p + 2 * in_w), r3 = wasm_v128_load(p + 3 * in_w);
          // Tap (a, b) of window element k = 2i + j reads x[2r + i + a,
          // 2q + j + b]: the block of rows a, a + 1 and columns b, b + 1.
#define TAP(t, top, bottom, b)                                                     \
  t = MADD(t, wasm_i8x16_relaxed_swizzle(                                          \
                  wasm_i32x4_shuffle(top, bottom, b, b + 1, b + 4, b + 5), pick), g)
          TAP(t0, r0, r1, 0); TAP(t1, r0, r1, 1); TAP(t2, r0, r1, 2);
          TAP(t3, r1, r2, 0); TAP(t4, r1, r2, 1); TAP(t5, r1, r2, 2);
          TAP(t6, r2, r3, 0); TAP(t7, r2, r3, 1); TAP(t8, r2, r3, 2);
#undef TAP
        }
      }
      wasm_v128_store(d, t0), wasm_v128_store(d + co, t1), wasm_v128_store(d + 2 * co, t2);
      wasm_v128_store(d + 3 * co, t3), wasm_v128_store(d + 4 * co, t4);
      wasm_v128_store(d + 5 * co, t5), wasm_v128_store(d + 6 * co, t6);
      wasm_v128_store(d + 7 * co, t7), wasm_v128_store(d + 8 * co, t8);
      acc[o] += (double)wasm_f32x4_extract_lane(bsum, 0);
      acc[o + 1] += (double)wasm_f32x4_extract_lane(bsum, 1);
      acc[o + 2] += (double)wasm_f32x4_extract_lane(bsum, 2);
      acc[o + 3] += (double)wasm_f32x4_extract_lane(bsum, 3);
    }
  }
  for (int32_t o = 0; o < co; o++) db[o] = (float)acc[o];
}

// y[r, c] = x[r, c] + bias[c] for rows of cols floats (a bias added to the
// last axis: the forward pass of every layer with a bias).
EXPORT(add_bias)
void add_bias(const float *x, const float *bias, float *y, int32_t rows, int32_t cols) {
  for (int32_t r = 0; r < rows; r++, x += cols, y += cols) {
    int32_t c = 0;
    for (; c + 16 <= cols; c += 16) {
      const v128_t v0 = wasm_v128_load(x + c), v1 = wasm_v128_load(x + c + 4);
      const v128_t v2 = wasm_v128_load(x + c + 8), v3 = wasm_v128_load(x + c + 12);
      wasm_v128_store(y + c, wasm_f32x4_add(v0, wasm_v128_load(bias + c)));
      wasm_v128_store(y + c + 4, wasm_f32x4_add(v1, wasm_v128_load(bias + c + 4)));
      wasm_v128_store(y + c + 8, wasm_f32x4_add(v2, wasm_v128_load(bias + c + 8)));
      wasm_v128_store(y + c + 12, wasm_f32x4_add(v3, wasm_v128_load(bias + c + 12)));
    }
    for (; c + 4 <= cols; c += 4) {
      wasm_v128_store(y + c, wasm_f32x4_add(wasm_v128_load(x + c), wasm_v128_load(bias + c)));
    }
    for (; c < cols; c++) y[c] = x[c] + bias[c];
  }
}

// y = 1 where x > 0, NaN where x is NaN, alpha elsewhere (tfjs's Step: the
// gradient mask of ReLU).
EXPORT(step)
void step(const float *x, float *y, int32_t n, float alpha) {
  const v128_t one = wasm_f32x4_splat(1.0f), low = wasm_f32x4_splat(alpha);
  const v128_t zero4 = wasm_f32x4_splat(0.0f);
  int32_t i = 0;
#pragma clang loop unroll_count(4)
  for (; i + 4 <= n; i += 4) {
    const v128_t v = wasm_v128_load(x + i);
    const v128_t r = wasm_v128_bitselect(one, low, wasm_f32x4_gt(v, zero4));
    wasm_v128_store(y + i, wasm_v128_bitselect(r, v, wasm_f32x4_eq(v, v)));
  }
  for (; i < n; i++) y[i] = x[i] != x[i] ? x[i] : x[i] > 0.0f ? 1.0f : alpha;
}

// murmur3's 32-bit finaliser on four lanes: every input bit flips each
// output bit with probability ~1/2.
static inline v128_t mix4(v128_t h) {
  h = wasm_i32x4_mul(wasm_v128_xor(h, wasm_u32x4_shr(h, 16)), wasm_i32x4_splat(0x85ebca6b));
  h = wasm_i32x4_mul(wasm_v128_xor(h, wasm_u32x4_shr(h, 13)), wasm_i32x4_splat(0xc2b2ae35));
  return wasm_v128_xor(h, wasm_u32x4_shr(h, 16));
}

static inline uint32_t mix1(uint32_t h) {
  h = (h ^ (h >> 16)) * 0x85ebca6bu;
  h = (h ^ (h >> 13)) * 0xc2b2ae35u;
  return h ^ (h >> 16);
}

// Dropout by a hashed mask: y[k] = x[k] * (mix(((start + k) * 0x9e3779b1) ^
// key) >= threshold ? scale : 0), unsigned, in 32-bit arithmetic: value k
// of a tensor whose mask begins at index start. The mask is
// model/seeded_dropout.ts's dropoutMask, made on the fly: the reference
// CNN's 64-image shard hashed its 102,400 values in JavaScript (1.1 ms,
// 6% of the shard) and then uploaded them; here the hash is a dozen
// integer operations on four lanes.
EXPORT(hashed_dropout)
void hashed_dropout(const float *x, float *y, int32_t n, uint32_t start, uint32_t key,
                    uint32_t threshold, float scale) {
  const v128_t golden = wasm_i32x4_splat((int32_t)0x9e3779b1u), k4 = wasm_i32x4_splat((int32_t)key);
  const v128_t t4 = wasm_i32x4_splat((int32_t)threshold), s4 = wasm_f32x4_splat(scale);
  const v128_t zero = wasm_f32x4_splat(0.0f);
  v128_t index = wasm_i32x4_add(wasm_i32x4_splat((int32_t)start), wasm_i32x4_make(0, 1, 2, 3));
  const v128_t four = wasm_i32x4_splat(4);
  int32_t i = 0;
  for (; i + 4 <= n; i += 4, index = wasm_i32x4_add(index, four)) {
    const v128_t h = mix4(wasm_v128_xor(wasm_i32x4_mul(index, golden), k4));
    const v128_t factor = wasm_v128_bitselect(s4, zero, wasm_u32x4_ge(h, t4));
    wasm_v128_store(y + i, wasm_f32x4_mul(wasm_v128_load(x + i), factor));
  }
  for (; i < n; i++) {
    const uint32_t h = mix1(((start + (uint32_t)i) * 0x9e3779b1u) ^ key);
    y[i] = x[i] * (h >= threshold ? scale : 0.0f);
  }
}

// out[c] = sum over r of x[r, c], accumulated in double precision in acc
// (cols doubles, the caller's scratch): a bias's gradient, summed over
// every position of every image.
EXPORT(sum_rows)
void sum_rows(const float *x, double *acc, float *out, int32_t rows, int32_t cols) {
  const v128_t z = wasm_f64x2_splat(0.0);
  int32_t c = 0;
  for (; c + 2 <= cols; c += 2) wasm_v128_store(acc + c, z);
  for (; c < cols; c++) acc[c] = 0.0;
  for (int32_t r = 0; r < rows; r++, x += cols) {
    c = 0;
    for (; c + 4 <= cols; c += 4) {
      const v128_t v = wasm_v128_load(x + c);
      const v128_t hi = wasm_i32x4_shuffle(v, v, 2, 3, 2, 3);
      wasm_v128_store(acc + c, wasm_f64x2_add(wasm_v128_load(acc + c),
                                              wasm_f64x2_promote_low_f32x4(v)));
      wasm_v128_store(acc + c + 2, wasm_f64x2_add(wasm_v128_load(acc + c + 2),
                                                  wasm_f64x2_promote_low_f32x4(hi)));
    }
    for (; c < cols; c++) acc[c] += (double)x[c];
  }
  for (c = 0; c < cols; c++) out[c] = (float)acc[c];
}

// ReLU's gradient and its bias's in one pass, for rows of cols floats:
// dz = dy * step(y) (y the ReLU's output: 1 where y > 0, NaN where y is
// NaN, 0 elsewhere, as tfjs's Relu gradient), and db[c] = sum over r of
// dz[r, c], accumulated in double precision in acc (cols doubles, the
// caller's scratch).
EXPORT(relu_grad_bias)
void relu_grad_bias(const float *dy, const float *y, float *dz, double *acc, float *db,
                    int32_t rows, int32_t cols) {
  const v128_t one = wasm_f32x4_splat(1.0f), zero4 = wasm_f32x4_splat(0.0f);
  const v128_t z2 = wasm_f64x2_splat(0.0);
  int32_t c = 0;
  for (; c + 2 <= cols; c += 2) wasm_v128_store(acc + c, z2);
  for (; c < cols; c++) acc[c] = 0.0;
  for (int32_t r = 0; r < rows; r++, dy += cols, y += cols, dz += cols) {
    c = 0;
    for (; c + 4 <= cols; c += 4) {
      const v128_t v = wasm_v128_load(y + c);
      v128_t s = wasm_v128_bitselect(one, zero4, wasm_f32x4_gt(v, zero4));
      s = wasm_v128_bitselect(s, v, wasm_f32x4_eq(v, v));
      const v128_t d = wasm_f32x4_mul(wasm_v128_load(dy + c), s);
      wasm_v128_store(dz + c, d);
      const v128_t hi = wasm_i32x4_shuffle(d, d, 2, 3, 2, 3);
      wasm_v128_store(acc + c, wasm_f64x2_add(wasm_v128_load(acc + c),
                                              wasm_f64x2_promote_low_f32x4(d)));
      wasm_v128_store(acc + c + 2, wasm_f64x2_add(wasm_v128_load(acc + c + 2),
                                                  wasm_f64x2_promote_low_f32x4(hi)));
    }
    for (; c < cols; c++) {
      const float v = y[c];
      const float d = dy[c] * (v != v ? v : v > 0.0f ? 1.0f : 0.0f);
      dz[c] = d;
      acc[c] += (double)d;
    }
  }
  for (c = 0; c < cols; c++) db[c] = (float)acc[c];
}

// ---------------------------------------------------------------------------
// Winograd F(4x4, 3x3) (Lavin and Gray, 2016): a 3x3, stride-1 convolution
// computed on 6x6 input tiles that give 4x4 outputs, with 36 multiplications
// per (input channel, filter) pair and tile where direct convolution needs
// 144. With U = G g G^T (filter), V = B^T d B (input tile) and M = U . V
// summed over input channels, the outputs are A^T M A; the 36 element-wise
// products become 36 matrix products over channels, [tiles x C] by [C x O],
// which run in registers like the kernels above. With the points 0, 1, -1,
// 2, -2 and infinity:
//   B^T = [4 0 -5 0 1 0; 0 -4 -4 1 1 0; 0 4 -4 -1 1 0;
//          0 -2 -1 2 1 0; 0 2 -1 -2 1 0; 0 4 0 -5 0 1],
//   G = [1/4 0 0; -1/6 -1/6 -1/6; -1/6 1/6 -1/6;
//        1/24 1/12 1/6; 1/24 -1/12 1/6; 0 0 1],
//   A^T = [1 1 1 1 1 0; 0 1 -1 2 -2 0; 0 1 1 4 4 0; 0 1 -1 8 -8 1].
// The transforms run in two passes (columns, then rows) through the
// scratch planes, so that no more than a dozen vectors are live at once.
// Several images share one block of tiles, so that the products run over
// enough tiles to keep their registers busy.

// The products of a block, one per plane (36 for F(4x4, 3x3), 64 for
// F(6x6, 3x3)): m[e, t, j] = sum over k of v[e, t, k] *
// u[e, k, j] for t < tiles, plane strides vs (v) and ms (m), two tiles by
// sixteen output channels at a time (block_2x16) while sixteen remain,
// then four tiles by eight. (block_6x8 here was slower in the training
// step: Conv2DBackpropInput 45 -> 60 ms, FusedConv2D 38 -> 45.)
static void winograd_block_products(const float *v, const float *u, float *m, int32_t tiles,
                                    int32_t vs, int32_t ms, int32_t c, int32_t o,
                                    int32_t planes) {
  const v128_t z = wasm_f32x4_splat(0.0f);
  for (int32_t e = 0; e < planes; e++) {
    const float *ve = v + e * vs, *ue = u + e * (c * o + 16);
    float *me = m + e * ms;
    int32_t j = 0;
    for (; j + 16 <= o; j += 16) {
      int32_t t = 0;
      for (; t + 2 <= tiles; t += 2) {
        block_2x16(me + t * o + j, o, 1, ve + t * c, c, 1, ue + j, o, c);
      }
      if (t < tiles) block_2x16(me + t * o + j, 0, 1, ve + t * c, 0, 1, ue + j, o, c);
    }
    for (; j < o; j += 8) {
      int32_t t = 0;
      for (; t + 4 <= tiles; t += 4) {
        block_4x8(me + t * o + j, o, 1, ve + t * c, c, 1, ue + j, o, c);
      }
      for (; t < tiles; t++) {
        const float *a0 = ve + t * c, *b = ue + j;
        v128_t s00 = z, s01 = z;
        for (int32_t k = 0; k < c; k++, b += o) {
          const v128_t s = wasm_v128_load32_splat(a0 + k);
          s00 = MADD(s00, s, wasm_v128_load(b));
          s01 = MADD(s01, s, wasm_v128_load(b + 4));
        }
        wasm_v128_store(me + t * o + j, s00), wasm_v128_store(me + t * o + j + 4, s01);
      }
    }
  }
}

// B^T applied to six vectors d0..d5 (a column or a row of a 6x6 tile),
// results stored at p[0], p[stride], ..., p[5 * stride].
static inline void f43_input_1d(v128_t d0, v128_t d1, v128_t d2, v128_t d3, v128_t d4,
                                v128_t d5, float *p, int32_t stride) {
  const v128_t four = wasm_f32x4_splat(4.0f), five = wasm_f32x4_splat(5.0f);
  const v128_t two = wasm_f32x4_splat(2.0f);
  const v128_t a = wasm_f32x4_add(d3, d4), b = wasm_f32x4_add(d1, d2);
  const v128_t c = wasm_f32x4_sub(d4, d3), d = wasm_f32x4_sub(d1, d2);
  const v128_t e = wasm_f32x4_sub(d4, d2), f = wasm_f32x4_mul(two, wasm_f32x4_sub(d3, d1));
  wasm_v128_store(p, wasm_f32x4_add(wasm_f32x4_sub(wasm_f32x4_mul(four, d0),
                                                   wasm_f32x4_mul(five, d2)), d4));
  wasm_v128_store(p + stride, wasm_f32x4_sub(a, wasm_f32x4_mul(four, b)));
  wasm_v128_store(p + 2 * stride, MADD(c, four, d));
  wasm_v128_store(p + 3 * stride, wasm_f32x4_add(e, f));
  wasm_v128_store(p + 4 * stride, wasm_f32x4_sub(e, f));
  wasm_v128_store(p + 5 * stride, wasm_f32x4_add(wasm_f32x4_sub(wasm_f32x4_mul(four, d1),
                                                               wasm_f32x4_mul(five, d3)), d5));
}

// The th x tw 6x6 input tiles of one image xn (in_h x in_w x c, c a
// multiple of 4), tile (ty, tx) starting at row 4 ty - pt and column
// 4 tx - pl (zero outside the image), transformed: v[e * vs + t * c + k] =
// (B^T d B)[e] for tile t = ty * tw + tx and channel k.
static void f43_inputs(const float *xn, float *v, int32_t vs, int32_t in_h, int32_t in_w,
                       int32_t c, int32_t th, int32_t tw, int32_t pt, int32_t pl) {
  const v128_t z = wasm_f32x4_splat(0.0f);
  for (int32_t ty = 0; ty < th; ty++) {
    const int32_t r = 4 * ty - pt;
    for (int32_t tx = 0; tx < tw; tx++) {
      const int32_t q = 4 * tx - pl;
      float *pv = v + (ty * tw + tx) * c;
      for (int32_t k = 0; k < c; k += 4) {
        // Columns: B^T d, into the planes.
        for (int32_t b = 0; b < 6; b++) {
          const int32_t col = q + b;
          if (col < 0 || col >= in_w) {
            for (int32_t a = 0; a < 6; a++) wasm_v128_store(pv + k + (6 * a + b) * vs, z);
            continue;
          }
          const float *px = xn + col * c + k;
#define LD(a) (r + (a) >= 0 && r + (a) < in_h ? wasm_v128_load(px + (r + (a)) * in_w * c) : z)
          f43_input_1d(LD(0), LD(1), LD(2), LD(3), LD(4), LD(5), pv + k + b * vs, 6 * vs);
#undef LD
        }
        // Rows: (B^T d) B, in place.
        for (int32_t a = 0; a < 6; a++) {
          float *pa = pv + k + 6 * a * vs;
          f43_input_1d(wasm_v128_load(pa), wasm_v128_load(pa + vs), wasm_v128_load(pa + 2 * vs),
                       wasm_v128_load(pa + 3 * vs), wasm_v128_load(pa + 4 * vs),
                       wasm_v128_load(pa + 5 * vs), pa, vs);
        }
      }
    }
  }
}

// Winograd F(6x6, 3x3): 8x8 input tiles giving 6x6 outputs, with 64
// multiplications per (input channel, filter) pair and tile where F(4x4,
// 3x3) needs 36 per 4x4: 1.78 per output against 2.25. The reference CNN's
// conv2 (11x11 outputs) takes 4 tiles of 64 per image where F(4x4, 3x3)
// takes 9 of 36: 256 products against 324, and the transformed tiles shrink
// alike. Each convolution takes the variant with fewer products (winograd
// tile in bindings.ts): an 8x8 output (the strong CNN's conv4) stays
// F(4x4, 3x3), whose 4 tiles cover it exactly. With the points 0, 1, -1,
// 2, -2, 1/2, -1/2 and infinity:
//   B^T = [1 0 -21/4 0 21/4 0 -1 0; 0 1 1 -17/4 -17/4 1 1 0;
//          0 -1 1 17/4 -17/4 -1 1 0; 0 1/2 1/4 -5/2 -5/4 2 1 0;
//          0 -1/2 1/4 5/2 -5/4 -2 1 0; 0 2 4 -5/2 -5 1/2 1 0;
//          0 -2 4 5/2 -5 -1/2 1 0; 0 -1 0 21/4 0 -21/4 0 1],
//   G = [1 0 0; -2/9 -2/9 -2/9; -2/9 2/9 -2/9; 1/90 1/45 2/45;
//        1/90 -1/45 2/45; 32/45 16/45 8/45; 32/45 -16/45 8/45; 0 0 1],
//   A^T = [1 1 1 1 1 1 1 0; 0 1 -1 2 -2 1/2 -1/2 0; 0 1 1 4 4 1/4 1/4 0;
//          0 1 -1 8 -8 1/8 -1/8 0; 0 1 1 16 16 1/16 1/16 0;
//          0 1 -1 32 -32 1/32 -1/32 1].
// Its rounding error is larger: on 13x13x32 inputs in [0, 1] and He-scaled
// filters, float32 outputs within 5.4e-6 of their largest against 3.7e-6
// for F(4x4, 3x3) (numpy, to float64 direct sums), inside the 1e-5 the
// tests allow either.

// B^T applied to eight vectors d0..d7 (a column or row of an 8x8 tile),
// results at p[0], p[stride], ..., p[7 * stride].
static inline void f63_input_1d(v128_t d0, v128_t d1, v128_t d2, v128_t d3, v128_t d4,
                                v128_t d5, v128_t d6, v128_t d7, float *p, int32_t stride) {
  const v128_t a = MADD(wasm_f32x4_add(d2, d6), SPLAT(-4.25f), d4);
  const v128_t b = MADD(wasm_f32x4_add(d1, d5), SPLAT(-4.25f), d3);
  wasm_v128_store(p + stride, wasm_f32x4_add(a, b));
  wasm_v128_store(p + 2 * stride, wasm_f32x4_sub(a, b));
  const v128_t c = MADD(MADD(d6, SPLAT(0.25f), d2), SPLAT(-1.25f), d4);
  const v128_t e = MADD(MADD(wasm_f32x4_mul(SPLAT(0.5f), d1), SPLAT(-2.5f), d3), SPLAT(2.0f), d5);
  wasm_v128_store(p + 3 * stride, wasm_f32x4_add(c, e));
  wasm_v128_store(p + 4 * stride, wasm_f32x4_sub(c, e));
  const v128_t f = MADD(MADD(d6, SPLAT(4.0f), d2), SPLAT(-5.0f), d4);
  const v128_t g = MADD(MADD(wasm_f32x4_mul(SPLAT(2.0f), d1), SPLAT(-2.5f), d3), SPLAT(0.5f), d5);
  wasm_v128_store(p + 5 * stride, wasm_f32x4_add(f, g));
  wasm_v128_store(p + 6 * stride, wasm_f32x4_sub(f, g));
  wasm_v128_store(p, MADD(wasm_f32x4_sub(d0, d6), SPLAT(5.25f), wasm_f32x4_sub(d4, d2)));
  wasm_v128_store(p + 7 * stride,
                  MADD(wasm_f32x4_sub(d7, d1), SPLAT(5.25f), wasm_f32x4_sub(d3, d5)));
}

// f43_inputs for 8x8 tiles starting every 6 rows and columns:
// v[e * vs + t * c + k] = (B^T d B)[e] (e = 8 * row + column).
static void f63_inputs(const float *xn, float *v, int32_t vs, int32_t in_h, int32_t in_w,
                       int32_t c, int32_t th, int32_t tw, int32_t pt, int32_t pl) {
  const v128_t z = wasm_f32x4_splat(0.0f);
  for (int32_t ty = 0; ty < th; ty++) {
    const int32_t r = 6 * ty - pt;
    for (int32_t tx = 0; tx < tw; tx++) {
      const int32_t q = 6 * tx - pl;
      float *pv = v + (ty * tw + tx) * c;
      for (int32_t k = 0; k < c; k += 4) {
        // Columns: B^T d, into the planes.
        for (int32_t b = 0; b < 8; b++) {
          const int32_t col = q + b;
          if (col < 0 || col >= in_w) {
            for (int32_t a = 0; a < 8; a++) wasm_v128_store(pv + k + (8 * a + b) * vs, z);
            continue;
          }
          const float *px = xn + col * c + k;
#define LD(a) (r + (a) >= 0 && r + (a) < in_h ? wasm_v128_load(px + (r + (a)) * in_w * c) : z)
          f63_input_1d(LD(0), LD(1), LD(2), LD(3), LD(4), LD(5), LD(6), LD(7), pv + k + b * vs,
                       8 * vs);
#undef LD
        }
        // Rows: (B^T d) B, in place.
        for (int32_t a = 0; a < 8; a++) {
          float *pa = pv + k + 8 * a * vs;
          f63_input_1d(wasm_v128_load(pa), wasm_v128_load(pa + vs), wasm_v128_load(pa + 2 * vs),
                       wasm_v128_load(pa + 3 * vs), wasm_v128_load(pa + 4 * vs),
                       wasm_v128_load(pa + 5 * vs), wasm_v128_load(pa + 6 * vs),
                       wasm_v128_load(pa + 7 * vs), pa, vs);
        }
      }
    }
  }
}

// The tiles of a block of images (NHWC, x the first), transformed B^T d B
// for F(tile x tile, 3x3), tile 4 or 6: image i's at v + i * tiles * c,
// planes vs floats apart. The forward pass and the filter gradient share it.
static void winograd_block_inputs(const float *x, float *v, int32_t vs, int32_t images,
                                  int32_t in_h, int32_t in_w, int32_t c, int32_t th, int32_t tw,
                                  int32_t pt, int32_t pl, int32_t tile) {
  for (int32_t i = 0; i < images; i++) {
    const float *xn = x + i * in_h * in_w * c;
    float *vn = v + i * th * tw * c;
    if (tile == 6) {
      f63_inputs(xn, vn, vs, in_h, in_w, c, th, tw, pt, pl);
    } else {
      f43_inputs(xn, vn, vs, in_h, in_w, c, th, tw, pt, pl);
    }
  }
}

// A^T applied to the eight vectors at p[0], p[stride], ..., p[7 * stride]:
// six results, written back in place at p[0], ..., p[5 * stride].
static inline void f63_output_col(float *p, int32_t stride) {
  const v128_t m1 = wasm_v128_load(p + stride), m2 = wasm_v128_load(p + 2 * stride);
  const v128_t m3 = wasm_v128_load(p + 3 * stride), m4 = wasm_v128_load(p + 4 * stride);
  const v128_t m5 = wasm_v128_load(p + 5 * stride), m6 = wasm_v128_load(p + 6 * stride);
  const v128_t s12 = wasm_f32x4_add(m1, m2), d12 = wasm_f32x4_sub(m1, m2);
  const v128_t s34 = wasm_f32x4_add(m3, m4), d34 = wasm_f32x4_sub(m3, m4);
  const v128_t s56 = wasm_f32x4_add(m5, m6), d56 = wasm_f32x4_sub(m5, m6);
  wasm_v128_store(p, wasm_f32x4_add(wasm_f32x4_add(wasm_v128_load(p), s12),
                                    wasm_f32x4_add(s34, s56)));
  wasm_v128_store(p + stride, MADD(MADD(d12, SPLAT(2.0f), d34), SPLAT(0.5f), d56));
  wasm_v128_store(p + 2 * stride, MADD(MADD(s12, SPLAT(4.0f), s34), SPLAT(0.25f), s56));
  wasm_v128_store(p + 3 * stride, MADD(MADD(d12, SPLAT(8.0f), d34), SPLAT(0.125f), d56));
  wasm_v128_store(p + 4 * stride, MADD(MADD(s12, SPLAT(16.0f), s34), SPLAT(0.0625f), s56));
  wasm_v128_store(p + 5 * stride,
                  wasm_f32x4_add(MADD(MADD(d12, SPLAT(32.0f), d34), SPLAT(0.03125f), d56),
                                 wasm_v128_load(p + 7 * stride)));
}

// One output row of an F(6x6, 3x3) tile: A^T applied to the eight vectors at
// p[0], ..., p[7 * stride], plus bias, then max(0, .) when relu is set, the
// first cols of the six stored at out[0], out[o], ..., out[5 * o].
static inline void f63_output_row(const float *p, int32_t stride, float *out, int32_t o,
                                  int32_t cols, v128_t bias, int32_t relu) {
  const v128_t z = wasm_f32x4_splat(0.0f);
  const v128_t m1 = wasm_v128_load(p + stride), m2 = wasm_v128_load(p + 2 * stride);
  const v128_t m3 = wasm_v128_load(p + 3 * stride), m4 = wasm_v128_load(p + 4 * stride);
  const v128_t m5 = wasm_v128_load(p + 5 * stride), m6 = wasm_v128_load(p + 6 * stride);
  const v128_t s12 = wasm_f32x4_add(m1, m2), d12 = wasm_f32x4_sub(m1, m2);
  const v128_t s34 = wasm_f32x4_add(m3, m4), d34 = wasm_f32x4_sub(m3, m4);
  const v128_t s56 = wasm_f32x4_add(m5, m6), d56 = wasm_f32x4_sub(m5, m6);
#define PUT(i, value)                                                                    \
  if (cols > (i)) {                                                                      \
    const v128_t r = wasm_f32x4_add((value), bias);                                      \
    wasm_v128_store(out + (i) * o, relu ? wasm_f32x4_pmax(z, r) : r);                    \
  }
  PUT(0, wasm_f32x4_add(wasm_f32x4_add(wasm_v128_load(p), s12), wasm_f32x4_add(s34, s56)));
  PUT(1, MADD(MADD(d12, SPLAT(2.0f), d34), SPLAT(0.5f), d56));
  PUT(2, MADD(MADD(s12, SPLAT(4.0f), s34), SPLAT(0.25f), s56));
  PUT(3, MADD(MADD(d12, SPLAT(8.0f), d34), SPLAT(0.125f), d56));
  PUT(4, MADD(MADD(s12, SPLAT(16.0f), s34), SPLAT(0.0625f), s56));
  PUT(5, wasm_f32x4_add(MADD(MADD(d12, SPLAT(32.0f), d34), SPLAT(0.03125f), d56),
                        wasm_v128_load(p + 7 * stride)));
#undef PUT
}

// The outputs of one image's th x tw tiles from their products pm
// (pm[e * ms + t * o + j], e = 8 * row + column): yn[r, q, j] = (A^T m A)
// + bias, then ReLU when relu is set, rows and columns past the output
// dropped. The products are overwritten.
static void f63_outputs(float *pm, int32_t ms, float *yn, const float *bias, int32_t relu,
                        int32_t out_h, int32_t out_w, int32_t o, int32_t th, int32_t tw) {
  const v128_t z = wasm_f32x4_splat(0.0f);
  for (int32_t ty = 0; ty < th; ty++) {
    for (int32_t tx = 0; tx < tw; tx++) {
      float *pt = pm + (ty * tw + tx) * o;
      const int32_t rows = out_h - 6 * ty < 6 ? out_h - 6 * ty : 6;
      const int32_t cols = out_w - 6 * tx < 6 ? out_w - 6 * tx : 6;
      float *py = yn + (6 * ty * out_w + 6 * tx) * o;
      for (int32_t j = 0; j < o; j += 4) {
        // Columns: A^T m, into planes 8 a + b for a < 6 (in place).
        for (int32_t b = 0; b < 8; b++) f63_output_col(pt + j + b * ms, 8 * ms);
        const v128_t bj = bias ? wasm_v128_load(bias + j) : z;
        // Rows: (A^T m) A.
        for (int32_t a = 0; a < rows; a++) {
          f63_output_row(pt + j + 8 * a * ms, ms, py + a * out_w * o + j, o, cols, bj, relu);
        }
      }
    }
  }
}

// A applied to six vectors y0..y5 (a column or row of a 6x6 tile of dy):
// eight results at p[0], p[stride], ..., p[7 * stride].
static inline void f63_grad_1d(v128_t y0, v128_t y1, v128_t y2, v128_t y3, v128_t y4,
                               v128_t y5, float *p, int32_t stride) {
  const v128_t e1 = wasm_f32x4_add(wasm_f32x4_add(y0, y2), y4);
  const v128_t o1 = wasm_f32x4_add(wasm_f32x4_add(y1, y3), y5);
  wasm_v128_store(p + stride, wasm_f32x4_add(e1, o1));
  wasm_v128_store(p + 2 * stride, wasm_f32x4_sub(e1, o1));
  const v128_t e2 = MADD(MADD(y0, SPLAT(4.0f), y2), SPLAT(16.0f), y4);
  const v128_t o2 = MADD(MADD(wasm_f32x4_mul(SPLAT(2.0f), y1), SPLAT(8.0f), y3), SPLAT(32.0f), y5);
  wasm_v128_store(p + 3 * stride, wasm_f32x4_add(e2, o2));
  wasm_v128_store(p + 4 * stride, wasm_f32x4_sub(e2, o2));
  const v128_t e3 = MADD(MADD(y0, SPLAT(0.25f), y2), SPLAT(0.0625f), y4);
  const v128_t o3 =
      MADD(MADD(wasm_f32x4_mul(SPLAT(0.5f), y1), SPLAT(0.125f), y3), SPLAT(0.03125f), y5);
  wasm_v128_store(p + 5 * stride, wasm_f32x4_add(e3, o3));
  wasm_v128_store(p + 6 * stride, wasm_f32x4_sub(e3, o3));
  wasm_v128_store(p, y0);
  wasm_v128_store(p + 7 * stride, y5);
}

// f43_grads for 6x6 tiles of dy: g[e * gs + t * o + j] = (A dy A^T)[e]
// (e = 8 * row + column), zero past the output.
static void f63_grads(const float *gn, float *g, int32_t gs, int32_t out_h, int32_t out_w,
                      int32_t o, int32_t th, int32_t tw) {
  const v128_t z = wasm_f32x4_splat(0.0f);
  for (int32_t ty = 0; ty < th; ty++) {
    for (int32_t tx = 0; tx < tw; tx++) {
      float *pg = g + (ty * tw + tx) * o;
      for (int32_t j = 0; j < o; j += 4) {
        // Columns: A dy, into planes 8 a + b for b < 6.
        for (int32_t b = 0; b < 6; b++) {
          const int32_t col = 6 * tx + b;
          if (col >= out_w) {
            for (int32_t a = 0; a < 8; a++) wasm_v128_store(pg + j + (8 * a + b) * gs, z);
            continue;
          }
          const float *pd = gn + (6 * ty * out_w + col) * o + j;
#define LD(a) (6 * ty + (a) < out_h ? wasm_v128_load(pd + (a) * out_w * o) : z)
          f63_grad_1d(LD(0), LD(1), LD(2), LD(3), LD(4), LD(5), pg + j + b * gs, 8 * gs);
#undef LD
        }
        // Rows: (A dy) A^T, in place.
        for (int32_t a = 0; a < 8; a++) {
          float *pa = pg + j + 8 * a * gs;
          f63_grad_1d(wasm_v128_load(pa), wasm_v128_load(pa + gs), wasm_v128_load(pa + 2 * gs),
                      wasm_v128_load(pa + 3 * gs), wasm_v128_load(pa + 4 * gs),
                      wasm_v128_load(pa + 5 * gs), pa, gs);
        }
      }
    }
  }
}

// G^T applied to eight vectors m0..m7: three results at p[0], p[stride],
// p[2 * stride].
static inline void f63_filter_grad_1d(v128_t m0, v128_t m1, v128_t m2, v128_t m3, v128_t m4,
                                      v128_t m5, v128_t m6, v128_t m7, float *p,
                                      int32_t stride) {
  const v128_t s12 = wasm_f32x4_add(m1, m2), d12 = wasm_f32x4_sub(m1, m2);
  const v128_t s34 = wasm_f32x4_add(m3, m4), d34 = wasm_f32x4_sub(m3, m4);
  const v128_t s56 = wasm_f32x4_add(m5, m6), d56 = wasm_f32x4_sub(m5, m6);
  wasm_v128_store(p, MADD(MADD(MADD(m0, SPLAT(-2.0f / 9.0f), s12), SPLAT(1.0f / 90.0f), s34),
                          SPLAT(32.0f / 45.0f), s56));
  wasm_v128_store(p + stride, MADD(MADD(wasm_f32x4_mul(SPLAT(-2.0f / 9.0f), d12),
                                        SPLAT(1.0f / 45.0f), d34),
                                   SPLAT(16.0f / 45.0f), d56));
  wasm_v128_store(p + 2 * stride, MADD(MADD(MADD(m7, SPLAT(-2.0f / 9.0f), s12),
                                            SPLAT(2.0f / 45.0f), s34),
                                       SPLAT(8.0f / 45.0f), s56));
}

// dw = G^T m G for every (k, j) of the summed products m (plane stride ms):
// columns into planes 8 a + b for a < 3 (in place), then rows.
static void f63_filter_grad_out(float *m, int32_t ms, float *dw, int32_t c, int32_t o) {
  for (int32_t k = 0; k < c; k++) {
    for (int32_t j = 0; j < o; j += 4) {
      float *pm = m + k * o + j;
      for (int32_t b = 0; b < 8; b++) {
        float *pb = pm + b * ms;
        f63_filter_grad_1d(wasm_v128_load(pb), wasm_v128_load(pb + 8 * ms),
                           wasm_v128_load(pb + 16 * ms), wasm_v128_load(pb + 24 * ms),
                           wasm_v128_load(pb + 32 * ms), wasm_v128_load(pb + 40 * ms),
                           wasm_v128_load(pb + 48 * ms), wasm_v128_load(pb + 56 * ms), pb,
                           8 * ms);
      }
      for (int32_t a = 0; a < 3; a++) {
        const float *pa = pm + 8 * a * ms;
        f63_filter_grad_1d(wasm_v128_load(pa), wasm_v128_load(pa + ms),
                           wasm_v128_load(pa + 2 * ms), wasm_v128_load(pa + 3 * ms),
                           wasm_v128_load(pa + 4 * ms), wasm_v128_load(pa + 5 * ms),
                           wasm_v128_load(pa + 6 * ms), wasm_v128_load(pa + 7 * ms),
                           dw + (3 * a * c + k) * o + j, c * o);
      }
    }
  }
}

// B applied to the eight vectors at p[0], p[stride], ..., p[7 * stride]
// (a column or a row of an 8x8 tile of products), in place: B is the
// transpose of f63_input_1d's B^T.
static inline void f63_input_grad_1d(float *p, int32_t stride) {
  const v128_t p0 = wasm_v128_load(p), p7 = wasm_v128_load(p + 7 * stride);
  const v128_t p1 = wasm_v128_load(p + stride), p2 = wasm_v128_load(p + 2 * stride);
  const v128_t p3 = wasm_v128_load(p + 3 * stride), p4 = wasm_v128_load(p + 4 * stride);
  const v128_t p5 = wasm_v128_load(p + 5 * stride), p6 = wasm_v128_load(p + 6 * stride);
  const v128_t s12 = wasm_f32x4_add(p1, p2), d12 = wasm_f32x4_sub(p1, p2);
  const v128_t s34 = wasm_f32x4_add(p3, p4), d34 = wasm_f32x4_sub(p3, p4);
  const v128_t s56 = wasm_f32x4_add(p5, p6), d56 = wasm_f32x4_sub(p5, p6);
  wasm_v128_store(p + stride,
                  wasm_f32x4_sub(MADD(MADD(d12, SPLAT(0.5f), d34), SPLAT(2.0f), d56), p7));
  wasm_v128_store(p + 2 * stride, MADD(MADD(MADD(s12, SPLAT(-5.25f), p0), SPLAT(0.25f), s34),
                                       SPLAT(4.0f), s56));
  wasm_v128_store(p + 3 * stride,
                  MADD(MADD(MADD(wasm_f32x4_mul(SPLAT(-4.25f), d12), SPLAT(-2.5f), d34),
                            SPLAT(-2.5f), d56),
                       SPLAT(5.25f), p7));
  wasm_v128_store(p + 4 * stride,
                  MADD(MADD(MADD(wasm_f32x4_mul(SPLAT(5.25f), p0), SPLAT(-4.25f), s12),
                            SPLAT(-1.25f), s34),
                       SPLAT(-5.0f), s56));
  wasm_v128_store(p + 5 * stride,
                  MADD(MADD(MADD(d12, SPLAT(2.0f), d34), SPLAT(0.5f), d56), SPLAT(-5.25f), p7));
  wasm_v128_store(p + 6 * stride,
                  wasm_f32x4_sub(wasm_f32x4_add(wasm_f32x4_add(s12, s34), s56), p0));
}

// Each of one image's 8x8 tiles of products pp (pp[e * ps + t * c + k])
// transformed back, B p B^T, and added into the image's gradient dxn where
// it lies inside the image (tile (ty, tx) at row 6 ty - pt, column 6 tx -
// pl; neighbouring tiles overlap by two). The products are overwritten.
static void f63_input_grads(float *pp, int32_t ps, float *dxn, int32_t in_h, int32_t in_w,
                            int32_t c, int32_t th, int32_t tw, int32_t pt, int32_t pl) {
  for (int32_t ty = 0; ty < th; ty++) {
    for (int32_t tx = 0; tx < tw; tx++) {
      const int32_t r0 = 6 * ty - pt, q0 = 6 * tx - pl;
      float *pt_ = pp + (ty * tw + tx) * c;
      for (int32_t k = 0; k < c; k += 4) {
        float *pk = pt_ + k;
        // Columns: B p, in place (planes 8 a + b).
        for (int32_t b = 0; b < 8; b++) f63_input_grad_1d(pk + b * ps, 8 * ps);
        // Rows: (B p) B^T, in place, then added into dx inside the image.
        for (int32_t a = 0; a < 8; a++) {
          const int32_t r = r0 + a;
          if (r < 0 || r >= in_h) continue;
          float *pa = pk + 8 * a * ps;
          f63_input_grad_1d(pa, ps);
          float *row = dxn + r * in_w * c + k;
          for (int32_t b = 0; b < 8; b++) {
            const int32_t q = q0 + b;
            if (q < 0 || q >= in_w) continue;
            float *pd = row + q * c;
            wasm_v128_store(pd, wasm_f32x4_add(wasm_v128_load(pd), wasm_v128_load(pa + b * ps)));
          }
        }
      }
    }
  }
}

// Stores the lanes of v at p[0], p[step], p[2 * step], p[3 * step]: one
// vector store when step is 1.
static inline void store_lanes(float *p, v128_t v, int32_t step) {
  if (step == 1) {
    wasm_v128_store(p, v);
    return;
  }
  p[0] = wasm_f32x4_extract_lane(v, 0), p[step] = wasm_f32x4_extract_lane(v, 1);
  p[2 * step] = wasm_f32x4_extract_lane(v, 2), p[3 * step] = wasm_f32x4_extract_lane(v, 3);
}

// f43_filter_row and f63_filter_row for four filters at once (lanes stored
// step apart): the same operations in the same order, lane by lane.
static inline void f43_filter_row4(v128_t g0, v128_t g1, v128_t g2, float *u, int32_t stride,
                                   int32_t step) {
  store_lanes(u, wasm_f32x4_mul(SPLAT(0.25f), g0), step);
  const v128_t s = wasm_f32x4_add(wasm_f32x4_add(g0, g1), g2);
  const v128_t d = wasm_f32x4_add(wasm_f32x4_sub(g0, g1), g2);
  store_lanes(u + stride, wasm_f32x4_div(wasm_f32x4_neg(s), SPLAT(6.0f)), step);
  store_lanes(u + 2 * stride, wasm_f32x4_div(wasm_f32x4_neg(d), SPLAT(6.0f)), step);
  const v128_t e = wasm_f32x4_mul(SPLAT(4.0f), g2);
  store_lanes(u + 3 * stride,
              wasm_f32x4_div(wasm_f32x4_add(wasm_f32x4_add(g0, wasm_f32x4_mul(SPLAT(2.0f), g1)), e),
                             SPLAT(24.0f)),
              step);
  store_lanes(u + 4 * stride,
              wasm_f32x4_div(wasm_f32x4_add(wasm_f32x4_sub(g0, wasm_f32x4_mul(SPLAT(2.0f), g1)), e),
                             SPLAT(24.0f)),
              step);
  store_lanes(u + 5 * stride, g2, step);
}

static inline void f63_filter_row4(v128_t g0, v128_t g1, v128_t g2, float *u, int32_t stride,
                                   int32_t step) {
  store_lanes(u, g0, step);
  const v128_t s = wasm_f32x4_add(wasm_f32x4_add(g0, g1), g2);
  const v128_t d = wasm_f32x4_add(wasm_f32x4_sub(g0, g1), g2);
  store_lanes(u + stride, wasm_f32x4_mul(SPLAT(-2.0f / 9.0f), s), step);
  store_lanes(u + 2 * stride, wasm_f32x4_mul(SPLAT(-2.0f / 9.0f), d), step);
  const v128_t a = wasm_f32x4_div(g0, SPLAT(90.0f)), b = wasm_f32x4_div(g1, SPLAT(45.0f));
  const v128_t c = wasm_f32x4_div(wasm_f32x4_mul(SPLAT(2.0f), g2), SPLAT(45.0f));
  store_lanes(u + 3 * stride, wasm_f32x4_add(wasm_f32x4_add(a, b), c), step);
  store_lanes(u + 4 * stride, wasm_f32x4_add(wasm_f32x4_sub(a, b), c), step);
  const v128_t e = wasm_f32x4_mul(SPLAT(32.0f / 45.0f), g0);
  const v128_t f = wasm_f32x4_mul(SPLAT(16.0f / 45.0f), g1);
  const v128_t h = wasm_f32x4_mul(SPLAT(8.0f / 45.0f), g2);
  store_lanes(u + 5 * stride, wasm_f32x4_add(wasm_f32x4_add(e, f), h), step);
  store_lanes(u + 6 * stride, wasm_f32x4_add(wasm_f32x4_sub(e, f), h), step);
  store_lanes(u + 7 * stride, g2, step);
}

// u[e * (c * o + 16) + k * o + j] (e = n * row + column of the n x n
// transform, n = tile + 2) = (G g G^T)[e] of the 3x3 filter g = w[., ., k,
// j] (w is [3, 3, c, o], o a multiple of 4) joining input channel k to
// output channel j, for Winograd F(tile x tile, 3x3) (tile 4 or 6); with
// transpose set, the same values at u[e * (c * o + 16) + j * c + k], the
// layout of the products of an input gradient (conv3x3_winograd_input_grad).
// Four filters at a time: the scalar loop took 2% of the reference CNN's
// training step, twice per step.
EXPORT(winograd_filter)
void winograd_filter(const float *w, float *u, int32_t c, int32_t o, int32_t transpose,
                     int32_t tile) {
  const int32_t stride = c * o + 16, step = transpose ? c : 1, n = tile + 2;
  for (int32_t k = 0; k < c; k++) {
    for (int32_t j = 0; j < o; j += 4) {
#define TAP(a, b) wasm_v128_load(w + (((a) * 3 + (b)) * c + k) * o + j)
      const v128_t t00 = TAP(0, 0), t01 = TAP(0, 1), t02 = TAP(0, 2);
      const v128_t t10 = TAP(1, 0), t11 = TAP(1, 1), t12 = TAP(1, 2);
      const v128_t t20 = TAP(2, 0), t21 = TAP(2, 1), t22 = TAP(2, 2);
#undef TAP
      float *p = u + (transpose ? j * c + k : k * o + j);
      // Columns b of G g, one row a at a time, each row then times G^T.
#define COMBINE(c0, c1, c2, t0, t1, t2)                                            \
  wasm_f32x4_add(wasm_f32x4_add(wasm_f32x4_mul(SPLAT(c0), t0), wasm_f32x4_mul(SPLAT(c1), t1)), \
                 wasm_f32x4_mul(SPLAT(c2), t2))
#define ROW(f, a, c0, c1, c2)                                                      \
  f(COMBINE(c0, c1, c2, t00, t10, t20), COMBINE(c0, c1, c2, t01, t11, t21),         \
    COMBINE(c0, c1, c2, t02, t12, t22), p + n * (a) * stride, stride, step)
      if (tile == 6) {
        ROW(f63_filter_row4, 0, 1.0f, 0.0f, 0.0f);
        ROW(f63_filter_row4, 1, -2.0f / 9.0f, -2.0f / 9.0f, -2.0f / 9.0f);
        ROW(f63_filter_row4, 2, -2.0f / 9.0f, 2.0f / 9.0f, -2.0f / 9.0f);
        ROW(f63_filter_row4, 3, 1.0f / 90.0f, 1.0f / 45.0f, 2.0f / 45.0f);
        ROW(f63_filter_row4, 4, 1.0f / 90.0f, -1.0f / 45.0f, 2.0f / 45.0f);
        ROW(f63_filter_row4, 5, 32.0f / 45.0f, 16.0f / 45.0f, 8.0f / 45.0f);
        ROW(f63_filter_row4, 6, 32.0f / 45.0f, -16.0f / 45.0f, 8.0f / 45.0f);
        ROW(f63_filter_row4, 7, 0.0f, 0.0f, 1.0f);
      } else {
        ROW(f43_filter_row4, 0, 0.25f, 0.0f, 0.0f);
        ROW(f43_filter_row4, 1, -1.0f / 6.0f, -1.0f / 6.0f, -1.0f / 6.0f);
        ROW(f43_filter_row4, 2, -1.0f / 6.0f, 1.0f / 6.0f, -1.0f / 6.0f);
        ROW(f43_filter_row4, 3, 1.0f / 24.0f, 1.0f / 12.0f, 1.0f / 6.0f);
        ROW(f43_filter_row4, 4, 1.0f / 24.0f, -1.0f / 12.0f, 1.0f / 6.0f);
        ROW(f43_filter_row4, 5, 0.0f, 0.0f, 1.0f);
      }
#undef ROW
#undef COMBINE
    }
  }
}

// A^T applied to six vectors m0..m5: four results.
#define F43_OUT_1D(m0, m1, m2, m3, m4, m5, y0, y1, y2, y3)                         \
  const v128_t y0##p = wasm_f32x4_add(m1, m2), y0##q = wasm_f32x4_sub(m1, m2);     \
  const v128_t y0##r = wasm_f32x4_add(m3, m4), y0##s = wasm_f32x4_sub(m3, m4);     \
  const v128_t y0 = wasm_f32x4_add(wasm_f32x4_add(m0, y0##p), y0##r);              \
  const v128_t y1 = MADD(y0##q, wasm_f32x4_splat(2.0f), y0##s); \
  const v128_t y2 = MADD(y0##p, wasm_f32x4_splat(4.0f), y0##r); \
  const v128_t y3 = wasm_f32x4_add(wasm_f32x4_add(y0##q,                            \
                                                  wasm_f32x4_mul(wasm_f32x4_splat(8.0f), y0##s)), m5)

// f63_outputs for F(4x4, 3x3): one image's th x tw tiles of 4x4 outputs
// from their products pm (pm[e * ms + t * o + j], e = 6 * row + column),
// plus bias, then ReLU when relu is set. The products are overwritten.
static void f43_outputs(float *pm, int32_t ms, float *yn, const float *bias, int32_t relu,
                        int32_t out_h, int32_t out_w, int32_t o, int32_t th, int32_t tw) {
  const v128_t z = wasm_f32x4_splat(0.0f);
  for (int32_t ty = 0; ty < th; ty++) {
    for (int32_t tx = 0; tx < tw; tx++) {
      float *pt = pm + (ty * tw + tx) * o;
      const int32_t rows = out_h - 4 * ty < 4 ? out_h - 4 * ty : 4;
      const int32_t cols = out_w - 4 * tx < 4 ? out_w - 4 * tx : 4;
      float *py = yn + (4 * ty * out_w + 4 * tx) * o;
      for (int32_t j = 0; j < o; j += 4) {
        float *pj = pt + j;
        // Columns: A^T m, into planes 6 a + b for a < 4 (in place).
        for (int32_t b = 0; b < 6; b++) {
          float *pb = pj + b * ms;
          F43_OUT_1D(wasm_v128_load(pb), wasm_v128_load(pb + 6 * ms),
                     wasm_v128_load(pb + 12 * ms), wasm_v128_load(pb + 18 * ms),
                     wasm_v128_load(pb + 24 * ms), wasm_v128_load(pb + 30 * ms), s0, s1, s2, s3);
          wasm_v128_store(pb, s0), wasm_v128_store(pb + 6 * ms, s1);
          wasm_v128_store(pb + 12 * ms, s2), wasm_v128_store(pb + 18 * ms, s3);
        }
        const v128_t bj = bias ? wasm_v128_load(bias + j) : z;
        // Rows: (A^T m) A, plus the bias, then ReLU.
        for (int32_t a = 0; a < rows; a++) {
          const float *pa = pj + 6 * a * ms;
          F43_OUT_1D(wasm_v128_load(pa), wasm_v128_load(pa + ms), wasm_v128_load(pa + 2 * ms),
                     wasm_v128_load(pa + 3 * ms), wasm_v128_load(pa + 4 * ms),
                     wasm_v128_load(pa + 5 * ms), y0, y1, y2, y3);
          v128_t r0 = wasm_f32x4_add(y0, bj), r1 = wasm_f32x4_add(y1, bj);
          v128_t r2 = wasm_f32x4_add(y2, bj), r3 = wasm_f32x4_add(y3, bj);
          if (relu) {
            r0 = wasm_f32x4_pmax(z, r0), r1 = wasm_f32x4_pmax(z, r1);
            r2 = wasm_f32x4_pmax(z, r2), r3 = wasm_f32x4_pmax(z, r3);
          }
          float *pr = py + a * out_w * o + j;
          wasm_v128_store(pr, r0);
          if (cols > 1) wasm_v128_store(pr + o, r1);
          if (cols > 2) wasm_v128_store(pr + 2 * o, r2);
          if (cols > 3) wasm_v128_store(pr + 3 * o, r3);
        }
      }
    }
  }
}

// A 3x3, stride-1 convolution by Winograd F(tile x tile, 3x3) (tile 4 or
// 6), NHWC, c input channels (a multiple of 4) and o output channels (a
// multiple of 8):
// y[n, r, q, j] = bias[j] + sum over (a, b, k) of x[n, r + a - pt, q + b - pl, k]
// * g[a, b, k, j], with x = 0 outside the input, then max(0, .) when relu is
// set; bias may be 0 (none). u holds the filter transformed by
// winograd_filter for the same tile. group images share a block of tiles;
// v (planes * (group * tiles * c + 16) floats) and m (planes * (group *
// tiles * o + 16)), planes = (tile + 2)^2 and tiles = ceil(out_h / tile) *
// ceil(out_w / tile), are the caller's scratch: both stay in L2 cache, and
// each plane's product keeps its slices of v, u and m in L1.
EXPORT(conv3x3_winograd)
void conv3x3_winograd(const float *x, const float *u, const float *bias, float *y, float *v,
                      float *m, int32_t batch, int32_t in_h, int32_t in_w, int32_t c,
                      int32_t out_h, int32_t out_w, int32_t o, int32_t pt, int32_t pl,
                      int32_t relu, int32_t group, int32_t tile) {
  const int32_t th = (out_h + tile - 1) / tile, tw = (out_w + tile - 1) / tile, tiles = th * tw;
  const int32_t planes = (tile + 2) * (tile + 2);
  // Planes 16 floats apart beyond their size: strides of a power of two
  // would put a tile's values in one set of the L1 cache.
  const int32_t vs = group * tiles * c + 16, ms = group * tiles * o + 16;
  for (int32_t n0 = 0; n0 < batch; n0 += group) {
    const int32_t images = batch - n0 < group ? batch - n0 : group;
    winograd_block_inputs(x + n0 * in_h * in_w * c, v, vs, images, in_h, in_w, c, th, tw, pt, pl,
                          tile);
    winograd_block_products(v, u, m, images * tiles, vs, ms, c, o, planes);
    for (int32_t i = 0; i < images; i++) {
      float *yn = y + (n0 + i) * out_h * out_w * o, *pm = m + i * tiles * o;
      if (tile == 6) {
        f63_outputs(pm, ms, yn, bias, relu, out_h, out_w, o, th, tw);
      } else {
        f43_outputs(pm, ms, yn, bias, relu, out_h, out_w, o, th, tw);
      }
    }
  }
}

// A applied to four vectors d0..d3 (a column or row of a 4x4 tile of dy),
// A = [1 0 0 0; 1 1 1 1; 1 -1 1 -1; 1 2 4 8; 1 -2 4 -8; 0 0 0 1]: six
// results at p[0], p[stride], ..., p[5 * stride].
static inline void f43_grad_1d(v128_t d0, v128_t d1, v128_t d2, v128_t d3, float *p,
                               int32_t stride) {
  const v128_t two = wasm_f32x4_splat(2.0f), four = wasm_f32x4_splat(4.0f);
  const v128_t eight = wasm_f32x4_splat(8.0f);
  const v128_t a = wasm_f32x4_add(d0, d2), b = wasm_f32x4_add(d1, d3);
  const v128_t c = MADD(d0, four, d2);
  const v128_t d = MADD(wasm_f32x4_mul(two, d1), eight, d3);
  wasm_v128_store(p, d0);
  wasm_v128_store(p + stride, wasm_f32x4_add(a, b));
  wasm_v128_store(p + 2 * stride, wasm_f32x4_sub(a, b));
  wasm_v128_store(p + 3 * stride, wasm_f32x4_add(c, d));
  wasm_v128_store(p + 4 * stride, wasm_f32x4_sub(c, d));
  wasm_v128_store(p + 5 * stride, d3);
}

// The th x tw 4x4 tiles of one image's output gradient gn (out_h x out_w x
// o, o a multiple of 4; zero past the output), tile (ty, tx) at row 4 ty and
// column 4 tx, transformed: g[e * gs + t * o + j] = (A dy A^T)[e] for tile
// t = ty * tw + tx and channel j. Both gradients of a Winograd convolution
// start from these.
static void f43_grads(const float *gn, float *g, int32_t gs, int32_t out_h, int32_t out_w,
                      int32_t o, int32_t th, int32_t tw) {
  const v128_t z = wasm_f32x4_splat(0.0f);
  for (int32_t ty = 0; ty < th; ty++) {
    for (int32_t tx = 0; tx < tw; tx++) {
      float *pg = g + (ty * tw + tx) * o;
      for (int32_t j = 0; j < o; j += 4) {
        // Columns: A dy, into planes 6 a + b for b < 4.
        for (int32_t b = 0; b < 4; b++) {
          const int32_t col = 4 * tx + b;
          if (col >= out_w) {
            for (int32_t a = 0; a < 6; a++) wasm_v128_store(pg + j + (6 * a + b) * gs, z);
            continue;
          }
          const float *pd = gn + (4 * ty * out_w + col) * o + j;
#define LD(a) (4 * ty + (a) < out_h ? wasm_v128_load(pd + (a) * out_w * o) : z)
          f43_grad_1d(LD(0), LD(1), LD(2), LD(3), pg + j + b * gs, 6 * gs);
#undef LD
        }
        // Rows: (A dy) A^T, in place.
        for (int32_t a = 0; a < 6; a++) {
          float *pa = pg + j + 6 * a * gs;
          f43_grad_1d(wasm_v128_load(pa), wasm_v128_load(pa + gs), wasm_v128_load(pa + 2 * gs),
                      wasm_v128_load(pa + 3 * gs), pa, gs);
        }
      }
    }
  }
}

// G^T applied to six vectors m0..m5: three results at p[0], p[stride],
// p[2 * stride].
static inline void f43_filter_grad_1d(v128_t m0, v128_t m1, v128_t m2, v128_t m3, v128_t m4,
                                      v128_t m5, float *p, int32_t stride) {
  const v128_t sixth = wasm_f32x4_splat(1.0f / 6.0f);
  const v128_t s12 = wasm_f32x4_mul(sixth, wasm_f32x4_add(m1, m2));
  const v128_t s34 = wasm_f32x4_mul(sixth, wasm_f32x4_add(m3, m4));
  wasm_v128_store(p, MADD(wasm_f32x4_sub(wasm_f32x4_mul(wasm_f32x4_splat(0.25f), m0),
                                                   s12), wasm_f32x4_splat(0.25f), s34));
  wasm_v128_store(p + stride,
                  MADD(wasm_f32x4_mul(sixth, wasm_f32x4_sub(m2, m1)), wasm_f32x4_splat(1.0f / 12.0f), wasm_f32x4_sub(m3, m4)));
  wasm_v128_store(p + 2 * stride, wasm_f32x4_add(wasm_f32x4_sub(s34, s12), m5));
}

// f63_filter_grad_out for F(4x4, 3x3): dw = G^T m G, columns into planes
// 6 a + b for a < 3 (in place), then rows.
static void f43_filter_grad_out(float *m, int32_t ms, float *dw, int32_t c, int32_t o) {
  for (int32_t k = 0; k < c; k++) {
    for (int32_t j = 0; j < o; j += 4) {
      float *pm = m + k * o + j;
      for (int32_t b = 0; b < 6; b++) {
        float *pb = pm + b * ms;
        f43_filter_grad_1d(wasm_v128_load(pb), wasm_v128_load(pb + 6 * ms),
                           wasm_v128_load(pb + 12 * ms), wasm_v128_load(pb + 18 * ms),
                           wasm_v128_load(pb + 24 * ms), wasm_v128_load(pb + 30 * ms), pb,
                           6 * ms);
      }
      for (int32_t a = 0; a < 3; a++) {
        const float *pa = pm + 6 * a * ms;
        f43_filter_grad_1d(wasm_v128_load(pa), wasm_v128_load(pa + ms), wasm_v128_load(pa + 2 * ms),
                           wasm_v128_load(pa + 3 * ms), wasm_v128_load(pa + 4 * ms),
                           wasm_v128_load(pa + 5 * ms), dw + (3 * a * c + k) * o + j, c * o);
      }
    }
  }
}

// m[e] += v[e]^T g[e] for every plane e of a block of tiles (v[e, t, k],
// g[e, t, j], m[e, k, j]; plane strides vs, gs, ms), two input channels by
// sixteen filters at a time (block_2x16) while sixteen remain, else four by
// eight.
static void winograd_filter_grad_products(const float *v, const float *g, float *m,
                                          int32_t tiles, int32_t vs, int32_t gs, int32_t ms,
                                          int32_t c, int32_t o, int32_t planes) {
  for (int32_t e = 0; e < planes; e++) {
    const float *ve = v + e * vs, *ge = g + e * gs;
    float *me = m + e * ms;
    for (int32_t k = 0; k < c; k += 4) {
      int32_t j = 0;
      for (; j + 16 <= o; j += 16) {
        block_2x16(me + k * o + j, o, 0, ve + k, 1, c, ge + j, o, tiles);
        block_2x16(me + (k + 2) * o + j, o, 0, ve + k + 2, 1, c, ge + j, o, tiles);
      }
      for (; j < o; j += 8) block_4x8(me + k * o + j, o, 0, ve + k, 1, c, ge + j, o, tiles);
    }
  }
}

// B applied to six vectors m0..m5 (a column or a row of a 6x6 tile of
// products), results stored at p[0], p[stride], ..., p[5 * stride]:
// B = [4 0 0 0 0 0; 0 -4 4 -2 2 4; -5 -4 -4 -1 -1 0; 0 1 -1 2 -2 -5;
//      1 1 1 1 1 0; 0 0 0 0 0 1], the transpose of f43_input_1d's B^T.
static inline void f43_input_grad_1d(v128_t m0, v128_t m1, v128_t m2, v128_t m3, v128_t m4,
                                     v128_t m5, float *p, int32_t stride) {
  const v128_t two = wasm_f32x4_splat(2.0f), four = wasm_f32x4_splat(4.0f);
  const v128_t five = wasm_f32x4_splat(5.0f);
  const v128_t s12 = wasm_f32x4_add(m1, m2), d12 = wasm_f32x4_sub(m1, m2);
  const v128_t s34 = wasm_f32x4_add(m3, m4), d34 = wasm_f32x4_sub(m3, m4);
  wasm_v128_store(p, wasm_f32x4_mul(four, m0));
  wasm_v128_store(p + stride, MADD(wasm_f32x4_mul(four, wasm_f32x4_sub(m5, d12)), two,
                                   wasm_f32x4_neg(d34)));
  wasm_v128_store(p + 2 * stride, wasm_f32x4_neg(wasm_f32x4_add(MADD(s34, four, s12),
                                                                wasm_f32x4_mul(five, m0))));
  wasm_v128_store(p + 3 * stride, wasm_f32x4_sub(MADD(d12, two, d34), wasm_f32x4_mul(five, m5)));
  wasm_v128_store(p + 4 * stride, wasm_f32x4_add(wasm_f32x4_add(m0, s12), s34));
  wasm_v128_store(p + 5 * stride, m5);
}

// f63_input_grads for F(4x4, 3x3): each of one image's 6x6 tiles of
// products pp transformed back, B p B^T, and added into dxn inside the
// image (tile (ty, tx) at row 4 ty - pt, column 4 tx - pl). The products
// are overwritten.
static void f43_input_grads(float *pp, int32_t ps, float *dxn, int32_t in_h, int32_t in_w,
                            int32_t c, int32_t th, int32_t tw, int32_t pt, int32_t pl) {
  for (int32_t ty = 0; ty < th; ty++) {
    for (int32_t tx = 0; tx < tw; tx++) {
      const int32_t r0 = 4 * ty - pt, q0 = 4 * tx - pl;
      float *pt_ = pp + (ty * tw + tx) * c;
      for (int32_t k = 0; k < c; k += 4) {
        float *pk = pt_ + k;
        // Columns: B p, in place (planes 6 a + b).
        for (int32_t b = 0; b < 6; b++) {
          float *pb = pk + b * ps;
          f43_input_grad_1d(wasm_v128_load(pb), wasm_v128_load(pb + 6 * ps),
                            wasm_v128_load(pb + 12 * ps), wasm_v128_load(pb + 18 * ps),
                            wasm_v128_load(pb + 24 * ps), wasm_v128_load(pb + 30 * ps), pb,
                            6 * ps);
        }
        // Rows: (B p) B^T, in place, then added into dx inside the image.
        for (int32_t a = 0; a < 6; a++) {
          const int32_t r = r0 + a;
          if (r < 0 || r >= in_h) continue;
          float *pa = pk + 6 * a * ps;
          f43_input_grad_1d(wasm_v128_load(pa), wasm_v128_load(pa + ps),
                            wasm_v128_load(pa + 2 * ps), wasm_v128_load(pa + 3 * ps),
                            wasm_v128_load(pa + 4 * ps), wasm_v128_load(pa + 5 * ps), pa, ps);
          float *row = dxn + r * in_w * c + k;
          for (int32_t b = 0; b < 6; b++) {
            const int32_t q = q0 + b;
            if (q < 0 || q >= in_w) continue;
            float *pd = row + q * c;
            wasm_v128_store(pd, wasm_f32x4_add(wasm_v128_load(pd), wasm_v128_load(pa + b * ps)));
          }
        }
      }
    }
  }
}

// The gradients of a 3x3, stride-1 Winograd convolution, one block of
// images at a time: dy's tiles transformed once (g), then the input
// gradient's share (p = g . ut into vp, B p B^T added into dx) when dx is
// given, then the filter gradient's (x's tiles into vp, m += v^T g) when dw
// is given. The three exports below are this with one or both outputs.
static void winograd_grads(const float *x, const float *dy, const float *ut, float *dx,
                           float *dw, float *g, float *vp, float *m, int32_t batch, int32_t in_h,
                           int32_t in_w, int32_t c, int32_t out_h, int32_t out_w, int32_t o,
                           int32_t pt, int32_t pl, int32_t group, int32_t tile) {
  const int32_t th = (out_h + tile - 1) / tile, tw = (out_w + tile - 1) / tile, tiles = th * tw;
  const int32_t planes = (tile + 2) * (tile + 2);
  const int32_t gs = group * tiles * o + 16, vs = group * tiles * c + 16, ms = c * o + 16;
  if (dx) zero(dx, batch * in_h * in_w * c);
  if (dw) {
    for (int32_t e = 0; e < planes; e++) zero(m + e * ms, c * o);
  }
  for (int32_t n0 = 0; n0 < batch; n0 += group) {
    const int32_t images = batch - n0 < group ? batch - n0 : group;
    for (int32_t i = 0; i < images; i++) {
      const float *gn = dy + (n0 + i) * out_h * out_w * o;
      if (tile == 6) {
        f63_grads(gn, g + i * tiles * o, gs, out_h, out_w, o, th, tw);
      } else {
        f43_grads(gn, g + i * tiles * o, gs, out_h, out_w, o, th, tw);
      }
    }
    if (dx) {
      winograd_block_products(g, ut, vp, images * tiles, gs, vs, o, c, planes);
      for (int32_t i = 0; i < images; i++) {
        float *dxn = dx + (n0 + i) * in_h * in_w * c, *pp = vp + i * tiles * c;
        if (tile == 6) {
          f63_input_grads(pp, vs, dxn, in_h, in_w, c, th, tw, pt, pl);
        } else {
          f43_input_grads(pp, vs, dxn, in_h, in_w, c, th, tw, pt, pl);
        }
      }
    }
    if (dw) {
      winograd_block_inputs(x + n0 * in_h * in_w * c, vp, vs, images, in_h, in_w, c, th, tw, pt,
                            pl, tile);
      winograd_filter_grad_products(vp, g, m, images * tiles, vs, gs, ms, c, o, planes);
    }
  }
  if (!dw) return;
  if (tile == 6) {
    f63_filter_grad_out(m, ms, dw, c, o);
  } else {
    f43_filter_grad_out(m, ms, dw, c, o);
  }
}

// The filter gradient of a 3x3, stride-1 convolution (NHWC, c input
// channels a multiple of 4, o filters a multiple of 8) by the transpose of
// Winograd F(tile x tile, 3x3) (tile 4 or 6): with the input tiles
// transformed as in the forward pass, v = B^T d B, and the matching tiles
// of dy as g = A dy A^T (zero past the output), m[e, k, j] = sum over
// images and tiles of v[e, t, k] * g[e, t, j], and dw[a, b, k, j] =
// (G^T m G)[a, b]. group images share a block of tiles; v (planes *
// (group * tiles * c + 16) floats), g (planes * (group * tiles * o + 16))
// and m (planes * (c * o + 16)), planes = (tile + 2)^2 and tiles =
// ceil(out_h / tile) * ceil(out_w / tile), are the caller's scratch.
EXPORT(conv3x3_winograd_filter_grad)
void conv3x3_winograd_filter_grad(const float *x, const float *dy, float *dw, float *v,
                                  float *g, float *m, int32_t batch, int32_t in_h,
                                  int32_t in_w, int32_t c, int32_t out_h, int32_t out_w,
                                  int32_t o, int32_t pt, int32_t pl, int32_t group,
                                  int32_t tile) {
  winograd_grads(x, dy, 0, 0, dw, g, v, m, batch, in_h, in_w, c, out_h, out_w, o, pt, pl, group,
                 tile);
}

// The input gradient of a 3x3, stride-1 convolution (NHWC, c input channels
// a multiple of 8, o filters a multiple of 4) by the transpose of Winograd
// F(tile x tile, 3x3) (tile 4 or 6): the forward pass is y = A^T [sum over
// k of U (.) B^T d B] A per tile, so with the tiles of dy transformed as
// g = A dy A^T (zero past the output), the products p[e, t, k] = sum over
// j of g[e, t, j] * u[e, j, k] give each input tile's gradient B p B^T,
// which the tiles add into dx where they overlap (two rows and columns)
// and drop outside the image. It runs on the forward pass's tiles: the
// reference CNN's conv2 (13x13 input, 11x11 output) takes 9 F(4x4, 3x3)
// tiles per image, where the input gradient as a convolution of the padded
// dy takes 16. ut is the filter transformed by winograd_filter with
// transpose set, for the same tile; group images share a block of tiles;
// g (planes * (group * tiles * o + 16) floats) and p (planes * (group *
// tiles * c + 16)), planes = (tile + 2)^2 and tiles = ceil(out_h / tile) *
// ceil(out_w / tile), are the caller's scratch.
EXPORT(conv3x3_winograd_input_grad)
void conv3x3_winograd_input_grad(const float *dy, const float *ut, float *dx, float *g, float *p,
                                 int32_t batch, int32_t in_h, int32_t in_w, int32_t c,
                                 int32_t out_h, int32_t out_w, int32_t o, int32_t pt, int32_t pl,
                                 int32_t group, int32_t tile) {
  winograd_grads(0, dy, ut, dx, 0, g, p, 0, batch, in_h, in_w, c, out_h, out_w, o, pt, pl, group,
                 tile);
}

// Both gradients of a 3x3, stride-1 convolution (NHWC, c input channels and
// o filters, both multiples of 8) in one pass over dy, by the transposes of
// Winograd F(tile x tile, 3x3) (tile 4 or 6): per block of images, dy's
// tiles are transformed once, g = A dy A^T, for both the input gradient
// (conv3x3_winograd_input_grad: p = g . ut, then B p B^T added into dx)
// and the filter gradient (conv3x3_winograd_filter_grad: m += v^T g with v
// = B^T d B of x's tiles, then dw = G^T m G), where the two kernels
// transformed dy each (on the reference CNN's conv2, each transform of
// its shard's dy ~3% of the training step). Same sums in the same order as
// the two kernels: dx and dw equal theirs to the bit. ut is the filter
// transformed by winograd_filter with transpose set; g (planes * (group *
// tiles * o + 16) floats), vp (planes * (group * tiles * c + 16): the
// products p, then x's tiles v) and m (planes * (c * o + 16)) are the
// caller's scratch.
EXPORT(conv3x3_winograd_grads)
void conv3x3_winograd_grads(const float *x, const float *dy, const float *ut, float *dx,
                            float *dw, float *g, float *vp, float *m, int32_t batch, int32_t in_h,
                            int32_t in_w, int32_t c, int32_t out_h, int32_t out_w, int32_t o,
                            int32_t pt, int32_t pl, int32_t group, int32_t tile) {
  winograd_grads(x, dy, ut, dx, dw, g, vp, m, batch, in_h, in_w, c, out_h, out_w, o, pt, pl, group,
                 tile);
}

// ---------------------------------------------------------------------------
// Adam's update of n values (g the gradient, m and v the moments, w the
// weights; new values to m_out, v_out, w_out), tfjs's AdamOptimizer
// operation for operation: m' = m*b1 + g*(1-b1); v' = v*b2 + (g*g)*(1-b2);
// w' = ((m'/(1-acc1)) / (sqrt(v'/(1-acc2)) + eps)) * (-rate) + w. Each is
// one float32 operation, correctly rounded as the backend's own kernels
// round it (no fused multiply-add), so the results equal applyGradients'
// to the bit, four values at a time where tfjs runs 12 kernels per
// variable (the strong CNN's 198,122 values: 4.5 ms in tfjs, 3.0 ms in
// scalar JavaScript, see train/parallel/flat_adam.ts).
EXPORT(adam_update)
void adam_update(const float *g, const float *m, const float *v, const float *w, float *m_out,
                 float *v_out, float *w_out, int32_t n, float beta1, float beta2,
                 float one_minus_beta1, float one_minus_beta2, float one_minus_acc1,
                 float one_minus_acc2, float epsilon, float minus_rate) {
  const v128_t b1 = wasm_f32x4_splat(beta1), b2 = wasm_f32x4_splat(beta2);
  const v128_t c1 = wasm_f32x4_splat(one_minus_beta1), c2 = wasm_f32x4_splat(one_minus_beta2);
  const v128_t a1 = wasm_f32x4_splat(one_minus_acc1), a2 = wasm_f32x4_splat(one_minus_acc2);
  const v128_t eps = wasm_f32x4_splat(epsilon), rate = wasm_f32x4_splat(minus_rate);
  int32_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const v128_t gi = wasm_v128_load(g + i);
    const v128_t m1 = wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(m + i), b1),
                                     wasm_f32x4_mul(gi, c1));
    const v128_t v1 = wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(v + i), b2),
                                     wasm_f32x4_mul(wasm_f32x4_mul(gi, gi), c2));
    wasm_v128_store(m_out + i, m1);
    wasm_v128_store(v_out + i, v1);
    const v128_t step = wasm_f32x4_div(
        wasm_f32x4_div(m1, a1), wasm_f32x4_add(wasm_f32x4_sqrt(wasm_f32x4_div(v1, a2)), eps));
    wasm_v128_store(w_out + i, wasm_f32x4_add(wasm_f32x4_mul(step, rate), wasm_v128_load(w + i)));
  }
  // The last values one by one, one operation per statement (C may fuse a
  // multiply and an add written in one expression).
  for (; i < n; i++) {
    const float gi = g[i];
    float mb = m[i] * beta1;
    float gb = gi * one_minus_beta1;
    const float m1 = mb + gb;
    float vb = v[i] * beta2;
    float g2 = gi * gi;
    g2 = g2 * one_minus_beta2;
    const float v1 = vb + g2;
    m_out[i] = m1;
    v_out[i] = v1;
    float mhat = m1 / one_minus_acc1;
    float vhat = v1 / one_minus_acc2;
    float root = __builtin_sqrtf(vhat);
    root = root + epsilon;
    float step = mhat / root;
    step = step * minus_rate;
    w_out[i] = step + w[i];
  }
}

// ---------------------------------------------------------------------------
// Batch normalisation in training, over the last axis of rows of cols
// floats (NHWC images: rows = N*H*W, cols = C). Each is one pass over its
// tensors where tfjs runs one op per arithmetic step (moments alone take
// five passes; the input gradient seven).

// Adds the float32 lanes of v into the double accumulators a[0..3].
static inline void acc4(double *a, v128_t v) {
  const v128_t hi = wasm_i32x4_shuffle(v, v, 2, 3, 2, 3);
  wasm_v128_store(a, wasm_f64x2_add(wasm_v128_load(a), wasm_f64x2_promote_low_f32x4(v)));
  wasm_v128_store(a + 2, wasm_f64x2_add(wasm_v128_load(a + 2), wasm_f64x2_promote_low_f32x4(hi)));
}

// Rows whose per-channel sums the reductions of batch normalisation
// (channel_sums, batch_norm_grad_sums) add up in float32 registers before
// adding them to their double accumulators: a block's rounding stays within
// a few float32 ulps of its sum, while the double accumulators keep the
// long sums over the batch exact to float32. Adding every row into the
// doubles in memory (a load, two promotions, two adds and a store per four
// floats) made them bound by those accumulators: measured on the strong
// CNN's [128, 26, 26, 32], channel_sums 1.9 -> 0.55 ms and
// batch_norm_grad_sums 3.5 -> 1.9 ms.
#define SUM_ROWS 16

// Zeroes n doubles.
static void zero_doubles(double *p, int32_t n) {
  for (int32_t i = 0; i < n; i++) p[i] = 0.0;
}

// acc[c] = sum over r of x[r, c] and acc[cols + c] = sum of x[r, c]^2, in
// double precision (acc holds 2 * cols doubles): the statistics of a batch
// norm's forward pass, which the shards of a batch add up before anyone
// normalises.
EXPORT(channel_sums)
void channel_sums(const float *x, double *acc, int32_t rows, int32_t cols) {
  double *sq = acc + cols;
  zero_doubles(acc, 2 * cols);
  if (cols % 8 == 0) {
    // Blocks of SUM_ROWS rows add up in float32 registers, eight channels
    // at a time, before each block's sums join the double accumulators (see
    // SUM_ROWS).
    const v128_t z = wasm_f32x4_splat(0.0f);
    for (int32_t r0 = 0; r0 < rows; r0 += SUM_ROWS) {
      const int32_t nr = rows - r0 < SUM_ROWS ? rows - r0 : SUM_ROWS;
      for (int32_t c = 0; c < cols; c += 8) {
        const float *p = x + r0 * cols + c;
        v128_t s0 = z, s1 = z, q0 = z, q1 = z;
        for (int32_t r = 0; r < nr; r++, p += cols) {
          const v128_t v0 = wasm_v128_load(p), v1 = wasm_v128_load(p + 4);
          s0 = wasm_f32x4_add(s0, v0), s1 = wasm_f32x4_add(s1, v1);
          q0 = MADD(q0, v0, v0), q1 = MADD(q1, v1, v1);
        }
        acc4(acc + c, s0), acc4(acc + c + 4, s1);
        acc4(sq + c, q0), acc4(sq + c + 4, q1);
      }
    }
    return;
  }
  for (int32_t r = 0; r < rows; r++, x += cols) {
    int32_t c = 0;
    for (; c + 4 <= cols; c += 4) {
      const v128_t v = wasm_v128_load(x + c);
      acc4(acc + c, v);
      acc4(sq + c, wasm_f32x4_mul(v, v));
    }
    for (; c < cols; c++) {
      acc[c] += (double)x[c];
      sq[c] += (double)(x[c] * x[c]);
    }
  }
}

// y[r, c] = x[r, c] * a[c] + b[c]: a batch norm's forward pass once its
// statistics are known (a = gamma / sqrt(var + eps), b = beta - mean * a).
EXPORT(channel_affine)
void channel_affine(const float *x, const float *a, const float *b, float *y, int32_t rows,
                    int32_t cols) {
  for (int32_t r = 0; r < rows; r++, x += cols, y += cols) {
    int32_t c = 0;
    for (; c + 4 <= cols; c += 4) {
      const v128_t v = wasm_f32x4_mul(wasm_v128_load(x + c), wasm_v128_load(a + c));
      wasm_v128_store(y + c, wasm_f32x4_add(v, wasm_v128_load(b + c)));
    }
    for (; c < cols; c++) y[c] = x[c] * a[c] + b[c];
  }
}

// acc[c] = sum over r of dy[r, c] and acc[cols + c] = sum of dy[r, c] *
// xhat[r, c], xhat = (x - mean[c]) * inv_std[c], in double precision: the
// sums of a batch norm's gradient, added up over the shards before the
// input's gradient.
EXPORT(batch_norm_grad_sums)
void batch_norm_grad_sums(const float *dy, const float *x, const float *mean,
                          const float *inv_std, double *acc, int32_t rows, int32_t cols) {
  double *sx = acc + cols;
  zero_doubles(acc, 2 * cols);
  if (cols % 8 == 0) {
    // Blocks of SUM_ROWS rows in float32 registers, as in channel_sums.
    const v128_t z = wasm_f32x4_splat(0.0f);
    for (int32_t r0 = 0; r0 < rows; r0 += SUM_ROWS) {
      const int32_t nr = rows - r0 < SUM_ROWS ? rows - r0 : SUM_ROWS;
      for (int32_t c = 0; c < cols; c += 8) {
        const float *px = x + r0 * cols + c, *pd = dy + r0 * cols + c;
        const v128_t m0 = wasm_v128_load(mean + c), m1 = wasm_v128_load(mean + c + 4);
        const v128_t i0 = wasm_v128_load(inv_std + c), i1 = wasm_v128_load(inv_std + c + 4);
        v128_t s0 = z, s1 = z, t0 = z, t1 = z;
        for (int32_t r = 0; r < nr; r++, px += cols, pd += cols) {
          const v128_t d0 = wasm_v128_load(pd), d1 = wasm_v128_load(pd + 4);
          const v128_t h0 = wasm_f32x4_mul(wasm_f32x4_sub(wasm_v128_load(px), m0), i0);
          const v128_t h1 = wasm_f32x4_mul(wasm_f32x4_sub(wasm_v128_load(px + 4), m1), i1);
          s0 = wasm_f32x4_add(s0, d0), s1 = wasm_f32x4_add(s1, d1);
          t0 = MADD(t0, d0, h0), t1 = MADD(t1, d1, h1);
        }
        acc4(acc + c, s0), acc4(acc + c + 4, s1);
        acc4(sx + c, t0), acc4(sx + c + 4, t1);
      }
    }
    return;
  }
  for (int32_t r = 0; r < rows; r++, x += cols, dy += cols) {
    int32_t c = 0;
    for (; c + 4 <= cols; c += 4) {
      const v128_t d = wasm_v128_load(dy + c);
      const v128_t h = wasm_f32x4_mul(wasm_f32x4_sub(wasm_v128_load(x + c), wasm_v128_load(mean + c)),
                                      wasm_v128_load(inv_std + c));
      acc4(acc + c, d);
      acc4(sx + c, wasm_f32x4_mul(d, h));
    }
    for (; c < cols; c++) {
      acc[c] += (double)dy[c];
      sx[c] += (double)(dy[c] * ((x[c] - mean[c]) * inv_std[c]));
    }
  }
}

// dx[r, c] = scale[c] * (dy[r, c] - mean_dy[c] - xhat[r, c] * mean_dy_xhat[c]),
// xhat = (x - mean[c]) * inv_std[c]: a batch norm's input gradient, with the
// whole batch's means of dy and dy * xhat (scale = gamma * inv_std).
EXPORT(batch_norm_grad_input)
void batch_norm_grad_input(const float *dy, const float *x, const float *mean,
                           const float *inv_std, const float *scale, const float *mean_dy,
                           const float *mean_dy_xhat, float *dx, int32_t rows, int32_t cols) {
  for (int32_t r = 0; r < rows; r++, x += cols, dy += cols, dx += cols) {
    int32_t c = 0;
    for (; c + 4 <= cols; c += 4) {
      const v128_t h = wasm_f32x4_mul(wasm_f32x4_sub(wasm_v128_load(x + c), wasm_v128_load(mean + c)),
                                      wasm_v128_load(inv_std + c));
      const v128_t d = wasm_f32x4_sub(wasm_f32x4_sub(wasm_v128_load(dy + c), wasm_v128_load(mean_dy + c)),
                                      wasm_f32x4_mul(h, wasm_v128_load(mean_dy_xhat + c)));
      wasm_v128_store(dx + c, wasm_f32x4_mul(wasm_v128_load(scale + c), d));
    }
    for (; c < cols; c++) {
      const float h = (x[c] - mean[c]) * inv_std[c];
      dx[c] = scale[c] * (dy[c] - mean_dy[c] - h * mean_dy_xhat[c]);
    }
  }
}

// ---------------------------------------------------------------------------
// Matrix products of dense layers: c (m x n, row-major) = op(a) . op(b), with
// op(a) m x k (a stored k x m when ta is set: its transpose) and op(b) k x n
// (b stored n x k when tb is set). op(b) is first packed into panels of
// eight columns, pb[panel][t][8] (zero past column n; pb is the caller's
// scratch of ceil(n / 8) * 8 * k + 48 floats, the last 48 for partial
// blocks), so that the micro-kernels read it contiguously whatever b's
// layout; then each 6 x 8 (or 4 x 8) block of c runs in registers
// (block_6x8, block_4x8) over slices of GEMM_KC steps of k, so that a
// panel's slice (8 KiB) stays in L1 cache while the rows of a stream past.
// block_6x8 here beat block_4x8 by 10 to 20% (the dense products of
// batch_mat_mul.ts), though not in the Winograd products.
#define GEMM_KC 256

EXPORT(gemm)
void gemm(const float *a, const float *b, float *pb, float *c, int32_t m, int32_t k, int32_t n,
          int32_t ta, int32_t tb) {
  const int32_t panels = (n + 7) / 8;
  for (int32_t p = 0; p < panels; p++) {
    float *dst = pb + p * k * 8;
    const int32_t j0 = 8 * p, cols = n - j0 < 8 ? n - j0 : 8;
    if (!tb && cols == 8) {
      for (int32_t t = 0; t < k; t++) {
        wasm_v128_store(dst + 8 * t, wasm_v128_load(b + t * n + j0));
        wasm_v128_store(dst + 8 * t + 4, wasm_v128_load(b + t * n + j0 + 4));
      }
      continue;
    }
    for (int32_t t = 0; t < k; t++) {
      for (int32_t jj = 0; jj < 8; jj++) {
        dst[8 * t + jj] = jj >= cols ? 0.0f : tb ? b[(j0 + jj) * k + t] : b[t * n + j0 + jj];
      }
    }
  }
  // op(a)[i, t] = a[i * a_row + t * a_step].
  const int32_t a_row = ta ? 1 : k, a_step = ta ? m : 1;
  float *tmp = pb + panels * 8 * k;
  for (int32_t t0 = 0; t0 < k; t0 += GEMM_KC) {
    const int32_t kc = k - t0 < GEMM_KC ? k - t0 : GEMM_KC, fresh = t0 == 0;
    for (int32_t p = 0; p < panels; p++) {
      const float *bp = pb + (p * k + t0) * 8;
      const int32_t j0 = 8 * p, cols = n - j0 < 8 ? n - j0 : 8;
      int32_t rows;
      for (int32_t i = 0; i < m; i += rows) {
        rows = m - i >= 6 ? 6 : m - i >= 4 ? 4 : 1;
        const float *ai = a + i * a_row + t0 * a_step;
        float *ci = c + i * n + j0;
        if (rows == 6 && cols == 8) {
          block_6x8(ci, n, fresh, ai, a_row, a_step, bp, 8, kc);
          continue;
        }
        if (rows == 4 && cols == 8) {
          block_4x8(ci, n, fresh, ai, a_row, a_step, bp, 8, kc);
          continue;
        }
        // A partial block, through tmp (one row runs as four copies of
        // itself: a_row 0, so that no row past m is read).
        for (int32_t r = 0; r < rows; r++) {
          for (int32_t jj = 0; jj < 8; jj++) {
            tmp[8 * r + jj] = fresh || jj >= cols ? 0.0f : ci[r * n + jj];
          }
        }
        if (rows == 6) {
          block_6x8(tmp, 8, 0, ai, a_row, a_step, bp, 8, kc);
        } else {
          block_4x8(tmp, 8, 0, ai, rows == 4 ? a_row : 0, a_step, bp, 8, kc);
        }
        for (int32_t r = 0; r < rows; r++) {
          for (int32_t jj = 0; jj < cols; jj++) ci[r * n + jj] = tmp[8 * r + jj];
        }
      }
    }
  }
}
