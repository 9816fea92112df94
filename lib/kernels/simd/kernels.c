// Training kernels for the TensorFlow.js WASM backend, in C with 128-bit
// WASM SIMD. They run on the backend's own memory (imported as env.memory):
// every pointer is a byte offset of a tensor on the tfjs heap, so nothing is
// copied. The module has no data, no stack and no globals of its own, which
// `deno task build:simd` checks; the JavaScript wrappers in ../simd.ts check
// shapes before calling in.
//
// Build: deno task build:simd (clang and wasm-ld from Debian's clang, lld).

#include <stdint.h>
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(#name)))

// Zeroes n floats.
static void zero(float *p, int32_t n) {
  const v128_t z = wasm_f32x4_splat(0.0f);
  int32_t i = 0;
  for (; i + 4 <= n; i += 4) wasm_v128_store(p + i, z);
  for (; i < n; i++) p[i] = 0.0f;
}

// MaxPoolGrad for 2x2 windows with stride 2 and no padding, NHWC.
//
// dx[window argmax] = dy[window] and 0 elsewhere, where the argmax is the
// first maximum in row-major window order under a strict `>` from -Infinity
// (as on the tfjs cpu backend: a window of NaN or -Infinity only gets no
// gradient). Input rows and columns no window covers get 0.
EXPORT(max_pool_grad_2x2)
void max_pool_grad_2x2(const float *x, const float *dy, float *dx, int32_t batch,
                       int32_t in_h, int32_t in_w, int32_t c, int32_t out_h,
                       int32_t out_w) {
  const int32_t row = in_w * c;
  const v128_t neg_inf = wasm_f32x4_splat(-__builtin_inff());
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
          // The last window element that raised the maximum is the first
          // maximum: later ones win only when strictly greater.
          const v128_t w3 = m3;
          const v128_t w2 = wasm_v128_andnot(m2, w3);
          const v128_t later1 = wasm_v128_or(m2, m3);
          const v128_t w1 = wasm_v128_andnot(m1, later1);
          const v128_t w0 = wasm_v128_andnot(m0, wasm_v128_or(m1, later1));
          const v128_t gv = wasm_v128_load(g + d);
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
          if (p3[d] > best) at = 3;
          e0[d] = at == 0 ? g[d] : 0.0f;
          e1[d] = at == 1 ? g[d] : 0.0f;
          e2[d] = at == 2 ? g[d] : 0.0f;
          e3[d] = at == 3 ? g[d] : 0.0f;
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

// The filter gradient of a 3x3, stride-1, unpadded convolution of a single
// input channel (a first layer on grey images), dw [3, 3, 1, co] (zeroed by
// the caller): per input row, each 4-channel slice of dw sits in nine
// registers while the row's gradients stream past.
static void filter_grad_3x3_c1(const float *x, const float *dy, float *dw, int32_t batch,
                               int32_t in_h, int32_t in_w, int32_t out_h, int32_t out_w,
                               int32_t co) {
  for (int32_t n = 0; n < batch; n++) {
    for (int32_t r = 0; r < out_h; r++) {
      const float *x0 = x + (n * in_h + r) * in_w, *x1 = x0 + in_w, *x2 = x1 + in_w;
      const float *g = dy + (n * out_h + r) * out_w * co;
      int32_t o = 0;
      for (; o + 4 <= co; o += 4) {
        float *w = dw + o;
        v128_t a0 = wasm_v128_load(w), a1 = wasm_v128_load(w + co);
        v128_t a2 = wasm_v128_load(w + 2 * co), a3 = wasm_v128_load(w + 3 * co);
        v128_t a4 = wasm_v128_load(w + 4 * co), a5 = wasm_v128_load(w + 5 * co);
        v128_t a6 = wasm_v128_load(w + 6 * co), a7 = wasm_v128_load(w + 7 * co);
        v128_t a8 = wasm_v128_load(w + 8 * co);
        for (int32_t q = 0; q < out_w; q++) {
          const v128_t gv = wasm_v128_load(g + q * co + o);
          a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(wasm_f32x4_splat(x0[q]), gv));
          a1 = wasm_f32x4_add(a1, wasm_f32x4_mul(wasm_f32x4_splat(x0[q + 1]), gv));
          a2 = wasm_f32x4_add(a2, wasm_f32x4_mul(wasm_f32x4_splat(x0[q + 2]), gv));
          a3 = wasm_f32x4_add(a3, wasm_f32x4_mul(wasm_f32x4_splat(x1[q]), gv));
          a4 = wasm_f32x4_add(a4, wasm_f32x4_mul(wasm_f32x4_splat(x1[q + 1]), gv));
          a5 = wasm_f32x4_add(a5, wasm_f32x4_mul(wasm_f32x4_splat(x1[q + 2]), gv));
          a6 = wasm_f32x4_add(a6, wasm_f32x4_mul(wasm_f32x4_splat(x2[q]), gv));
          a7 = wasm_f32x4_add(a7, wasm_f32x4_mul(wasm_f32x4_splat(x2[q + 1]), gv));
          a8 = wasm_f32x4_add(a8, wasm_f32x4_mul(wasm_f32x4_splat(x2[q + 2]), gv));
        }
        wasm_v128_store(w, a0), wasm_v128_store(w + co, a1);
        wasm_v128_store(w + 2 * co, a2), wasm_v128_store(w + 3 * co, a3);
        wasm_v128_store(w + 4 * co, a4), wasm_v128_store(w + 5 * co, a5);
        wasm_v128_store(w + 6 * co, a6), wasm_v128_store(w + 7 * co, a7);
        wasm_v128_store(w + 8 * co, a8);
      }
      for (; o < co; o++) {
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

// The filter gradient of a stride-1 convolution with input channels a
// multiple of 4 and filters a multiple of 8 (a hidden layer), dw zeroed by
// the caller. Per image, a block of 4 input channels by 8 filters of one
// filter tap sits in eight registers while the tap's valid positions stream
// past: one pair of dy loads and four broadcasts of x feed 16 multiply-adds.
// The loops run filters, then input channels, then taps, so the dy and x
// lines in use stay in L1 cache.
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
            v128_t s00 = wasm_v128_load(w), s01 = wasm_v128_load(w + 4);
            v128_t s10 = wasm_v128_load(w + co), s11 = wasm_v128_load(w + co + 4);
            v128_t s20 = wasm_v128_load(w + 2 * co), s21 = wasm_v128_load(w + 2 * co + 4);
            v128_t s30 = wasm_v128_load(w + 3 * co), s31 = wasm_v128_load(w + 3 * co + 4);
            for (int32_t r = r0; r < r1; r++) {
              const float *xp = xn + ((r + a - pt) * in_w + q0 + b - pl) * ci + i;
              const float *g = gn + (r * out_w + q0) * co + o;
              for (int32_t q = q0; q < q1; q++, xp += ci, g += co) {
                const v128_t g0 = wasm_v128_load(g), g1 = wasm_v128_load(g + 4);
                v128_t v = wasm_v128_load32_splat(xp);
                s00 = wasm_f32x4_add(s00, wasm_f32x4_mul(v, g0));
                s01 = wasm_f32x4_add(s01, wasm_f32x4_mul(v, g1));
                v = wasm_v128_load32_splat(xp + 1);
                s10 = wasm_f32x4_add(s10, wasm_f32x4_mul(v, g0));
                s11 = wasm_f32x4_add(s11, wasm_f32x4_mul(v, g1));
                v = wasm_v128_load32_splat(xp + 2);
                s20 = wasm_f32x4_add(s20, wasm_f32x4_mul(v, g0));
                s21 = wasm_f32x4_add(s21, wasm_f32x4_mul(v, g1));
                v = wasm_v128_load32_splat(xp + 3);
                s30 = wasm_f32x4_add(s30, wasm_f32x4_mul(v, g0));
                s31 = wasm_f32x4_add(s31, wasm_f32x4_mul(v, g1));
              }
            }
            wasm_v128_store(w, s00), wasm_v128_store(w + 4, s01);
            wasm_v128_store(w + co, s10), wasm_v128_store(w + co + 4, s11);
            wasm_v128_store(w + 2 * co, s20), wasm_v128_store(w + 2 * co + 4, s21);
            wasm_v128_store(w + 3 * co, s30), wasm_v128_store(w + 3 * co + 4, s31);
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
                wasm_v128_store(wp + o, wasm_f32x4_add(acc, wasm_f32x4_mul(xv, wasm_v128_load(g + o))));
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
                s0 = wasm_f32x4_add(s0, wasm_f32x4_mul(u, f0));
                s1 = wasm_f32x4_add(s1, wasm_f32x4_mul(u, f1));
                s2 = wasm_f32x4_add(s2, wasm_f32x4_mul(u, f2));
                s3 = wasm_f32x4_add(s3, wasm_f32x4_mul(u, f3));
                t0 = wasm_f32x4_add(t0, wasm_f32x4_mul(v, f0));
                t1 = wasm_f32x4_add(t1, wasm_f32x4_mul(v, f1));
                t2 = wasm_f32x4_add(t2, wasm_f32x4_mul(v, f2));
                t3 = wasm_f32x4_add(t3, wasm_f32x4_mul(v, f3));
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
                s0 = wasm_f32x4_add(s0, wasm_f32x4_mul(wasm_v128_load32_splat(g + o), f0));
                t0 = wasm_f32x4_add(t0, wasm_f32x4_mul(wasm_v128_load32_splat(g2 + o), f0));
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
                s0 = wasm_f32x4_add(s0, wasm_f32x4_mul(wasm_v128_load32_splat(g + o),
                                                       wasm_v128_load(f)));
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
// may be 0 (none). Per input row, each 4-channel slice of the filter sits in
// nine registers while the row streams past.
EXPORT(conv2d_3x3_c1)
void conv2d_3x3_c1(const float *x, const float *w, const float *bias, float *y, int32_t batch,
                   int32_t in_h, int32_t in_w, int32_t co, int32_t relu) {
  const int32_t out_h = in_h - 2, out_w = in_w - 2;
  const v128_t zero4 = wasm_f32x4_splat(0.0f);
  for (int32_t n = 0; n < batch; n++) {
    for (int32_t r = 0; r < out_h; r++) {
      const float *x0 = x + (n * in_h + r) * in_w, *x1 = x0 + in_w, *x2 = x1 + in_w;
      float *out = y + (n * out_h + r) * out_w * co;
      int32_t o = 0;
      for (; o + 4 <= co; o += 4) {
        const float *f = w + o;
        const v128_t w0 = wasm_v128_load(f), w1 = wasm_v128_load(f + co);
        const v128_t w2 = wasm_v128_load(f + 2 * co), w3 = wasm_v128_load(f + 3 * co);
        const v128_t w4 = wasm_v128_load(f + 4 * co), w5 = wasm_v128_load(f + 5 * co);
        const v128_t w6 = wasm_v128_load(f + 6 * co), w7 = wasm_v128_load(f + 7 * co);
        const v128_t w8 = wasm_v128_load(f + 8 * co);
        const v128_t b = bias ? wasm_v128_load(bias + o) : zero4;
        for (int32_t q = 0; q < out_w; q++) {
          v128_t acc = wasm_f32x4_add(b, wasm_f32x4_mul(wasm_f32x4_splat(x0[q]), w0));
          acc = wasm_f32x4_add(acc, wasm_f32x4_mul(wasm_f32x4_splat(x0[q + 1]), w1));
          acc = wasm_f32x4_add(acc, wasm_f32x4_mul(wasm_f32x4_splat(x0[q + 2]), w2));
          acc = wasm_f32x4_add(acc, wasm_f32x4_mul(wasm_f32x4_splat(x1[q]), w3));
          acc = wasm_f32x4_add(acc, wasm_f32x4_mul(wasm_f32x4_splat(x1[q + 1]), w4));
          acc = wasm_f32x4_add(acc, wasm_f32x4_mul(wasm_f32x4_splat(x1[q + 2]), w5));
          acc = wasm_f32x4_add(acc, wasm_f32x4_mul(wasm_f32x4_splat(x2[q]), w6));
          acc = wasm_f32x4_add(acc, wasm_f32x4_mul(wasm_f32x4_splat(x2[q + 1]), w7));
          acc = wasm_f32x4_add(acc, wasm_f32x4_mul(wasm_f32x4_splat(x2[q + 2]), w8));
          if (relu) acc = wasm_f32x4_pmax(zero4, acc);
          wasm_v128_store(out + q * co + o, acc);
        }
      }
      for (; o < co; o++) {
        for (int32_t q = 0; q < out_w; q++) {
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

// ---------------------------------------------------------------------------
// Winograd F(2x2, 3x3) (Lavin and Gray, 2016): a 3x3, stride-1 convolution
// computed on 4x4 input tiles that give 2x2 outputs, with 16 multiplications
// per (input channel, filter) pair and tile where direct convolution needs
// 36. With U = G g G^T (filter), V = B^T d B (input tile) and M = U . V
// summed over input channels, the outputs are A^T M A, where
//   B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1],
//   G = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1],
//   A^T = [1 1 1 0; 0 1 -1 -1].
// The 16 element-wise products become 16 matrix products over channels,
// [tiles x C] by [C x O], which run in registers like the kernels above.

// One row of G g applied on the right by G^T: four values from three.
static inline void winograd_filter_row(float g0, float g1, float g2, float *u, int32_t stride) {
  u[0] = g0;
  u[stride] = 0.5f * (g0 + g1 + g2);
  u[2 * stride] = 0.5f * (g0 - g1 + g2);
  u[3 * stride] = g2;
}

// u[e, k, j] (e = 4 * row + column of the 4x4 transform, k < c, j < o) =
// (G g G^T)[e] of the 3x3 filter g joining input channel k to output
// channel j. w is [3, 3, c, o] or, with flip set, [3, 3, o, c] rotated by
// 180 degrees: the filter of an input gradient, g[a][b] = w[2-a][2-b][j][k].
EXPORT(winograd_filter)
void winograd_filter(const float *w, float *u, int32_t c, int32_t o, int32_t flip) {
#define TAP(a, b)                                                                  \
  (flip ? w[(((2 - (a)) * 3 + 2 - (b)) * o + j) * c + k]                           \
        : w[(((a) * 3 + (b)) * c + k) * o + j])
  const int32_t stride = c * o;
  for (int32_t k = 0; k < c; k++) {
    for (int32_t j = 0; j < o; j++) {
      const float g00 = TAP(0, 0), g01 = TAP(0, 1), g02 = TAP(0, 2);
      const float g10 = TAP(1, 0), g11 = TAP(1, 1), g12 = TAP(1, 2);
      const float g20 = TAP(2, 0), g21 = TAP(2, 1), g22 = TAP(2, 2);
      float *p = u + k * o + j;
      winograd_filter_row(g00, g01, g02, p, stride);
      winograd_filter_row(0.5f * (g00 + g10 + g20), 0.5f * (g01 + g11 + g21),
                          0.5f * (g02 + g12 + g22), p + 4 * stride, stride);
      winograd_filter_row(0.5f * (g00 - g10 + g20), 0.5f * (g01 - g11 + g21),
                          0.5f * (g02 - g12 + g22), p + 8 * stride, stride);
      winograd_filter_row(g20, g21, g22, p + 12 * stride, stride);
    }
  }
#undef TAP
}

// B^T d B of one row-major 4x4 tile of 4-channel vectors, stored at
// v[e * stride] for e = 0..15.
static inline void winograd_input_tile(v128_t d00, v128_t d01, v128_t d02, v128_t d03,
                                       v128_t d10, v128_t d11, v128_t d12, v128_t d13,
                                       v128_t d20, v128_t d21, v128_t d22, v128_t d23,
                                       v128_t d30, v128_t d31, v128_t d32, v128_t d33,
                                       float *v, int32_t stride) {
#define ROW(a, t0, t1, t2, t3)                                                     \
  wasm_v128_store(v + (4 * (a)) * stride, wasm_f32x4_sub(t0, t2));                 \
  wasm_v128_store(v + (4 * (a) + 1) * stride, wasm_f32x4_add(t1, t2));             \
  wasm_v128_store(v + (4 * (a) + 2) * stride, wasm_f32x4_sub(t2, t1));             \
  wasm_v128_store(v + (4 * (a) + 3) * stride, wasm_f32x4_sub(t1, t3))
  ROW(0, wasm_f32x4_sub(d00, d20), wasm_f32x4_sub(d01, d21), wasm_f32x4_sub(d02, d22),
      wasm_f32x4_sub(d03, d23));
  ROW(1, wasm_f32x4_add(d10, d20), wasm_f32x4_add(d11, d21), wasm_f32x4_add(d12, d22),
      wasm_f32x4_add(d13, d23));
  ROW(2, wasm_f32x4_sub(d20, d10), wasm_f32x4_sub(d21, d11), wasm_f32x4_sub(d22, d12),
      wasm_f32x4_sub(d23, d13));
  ROW(3, wasm_f32x4_sub(d10, d30), wasm_f32x4_sub(d11, d31), wasm_f32x4_sub(d12, d32),
      wasm_f32x4_sub(d13, d33));
#undef ROW
}

// The th x tw input tiles of one image xn (in_h x in_w x c, c a multiple of
// 4), tile (ty, tx) starting at row 2 ty - pt and column 2 tx - pl (zero
// outside the image), transformed: v[e, t, k] = (B^T d B)[e] for tile
// t = ty * tw + tx and channel k.
static void winograd_inputs(const float *xn, float *v, int32_t in_h, int32_t in_w, int32_t c,
                            int32_t th, int32_t tw, int32_t pt, int32_t pl) {
  const v128_t z = wasm_f32x4_splat(0.0f);
  const int32_t tiles = th * tw;
  for (int32_t ty = 0; ty < th; ty++) {
    const int32_t r = 2 * ty - pt;
    const int32_t r0 = r >= 0 && r < in_h, r1 = r + 1 >= 0 && r + 1 < in_h;
    const int32_t r2 = r + 2 >= 0 && r + 2 < in_h, r3 = r + 3 >= 0 && r + 3 < in_h;
    for (int32_t tx = 0; tx < tw; tx++) {
      const int32_t q = 2 * tx - pl;
      const int32_t q0 = q >= 0 && q < in_w, q1 = q + 1 >= 0 && q + 1 < in_w;
      const int32_t q2 = q + 2 >= 0 && q + 2 < in_w, q3 = q + 3 >= 0 && q + 3 < in_w;
      const int32_t base = (r * in_w + q) * c;
      float *pv = v + (ty * tw + tx) * c;
      for (int32_t k = 0; k < c; k += 4) {
#define LD(a, b) (r##a && q##b ? wasm_v128_load(xn + base + ((a) * in_w + (b)) * c + k) : z)
        winograd_input_tile(LD(0, 0), LD(0, 1), LD(0, 2), LD(0, 3), LD(1, 0), LD(1, 1),
                            LD(1, 2), LD(1, 3), LD(2, 0), LD(2, 1), LD(2, 2), LD(2, 3),
                            LD(3, 0), LD(3, 1), LD(3, 2), LD(3, 3), pv + k, tiles * c);
#undef LD
      }
    }
  }
}

// A 3x3, stride-1 convolution by Winograd F(2x2, 3x3), NHWC, c input
// channels (a multiple of 4) and o output channels (a multiple of 8):
// y[n, r, q, j] = bias[j] + sum over (a, b, k) of x[n, r + a - pt, q + b - pl, k]
// * g[a, b, k, j], with x = 0 outside the input, then max(0, .) when relu is
// set; bias may be 0 (none). u holds the filter transformed by
// winograd_filter. Per image, v (16 * tiles * c floats) and m (16 * tiles *
// o floats) are the caller's scratch, tiles = ceil(out_h / 2) *
// ceil(out_w / 2): both stay in L2 cache, and each of the 16 products keeps
// its slices of v, u and m in L1.
EXPORT(conv3x3_winograd)
void conv3x3_winograd(const float *x, const float *u, const float *bias, float *y, float *v,
                      float *m, int32_t batch, int32_t in_h, int32_t in_w, int32_t c,
                      int32_t out_h, int32_t out_w, int32_t o, int32_t pt, int32_t pl,
                      int32_t relu) {
  const int32_t th = (out_h + 1) / 2, tw = (out_w + 1) / 2, tiles = th * tw;
  const v128_t z = wasm_f32x4_splat(0.0f);
  for (int32_t n = 0; n < batch; n++) {
    float *yn = y + n * out_h * out_w * o;
    winograd_inputs(x + n * in_h * in_w * c, v, in_h, in_w, c, th, tw, pt, pl);
    // The 16 products: m[e, t, j] = sum over k of v[e, t, k] * u[e, k, j],
    // four tiles by eight output channels at a time.
    for (int32_t e = 0; e < 16; e++) {
      const float *ve = v + e * tiles * c, *ue = u + e * c * o;
      float *me = m + e * tiles * o;
      for (int32_t j = 0; j < o; j += 8) {
        int32_t t = 0;
        for (; t + 4 <= tiles; t += 4) {
          const float *a0 = ve + t * c, *a1 = a0 + c, *a2 = a1 + c, *a3 = a2 + c;
          const float *b = ue + j;
          v128_t s00 = z, s01 = z, s10 = z, s11 = z, s20 = z, s21 = z, s30 = z, s31 = z;
          for (int32_t k = 0; k < c; k++, b += o) {
            const v128_t b0 = wasm_v128_load(b), b1 = wasm_v128_load(b + 4);
            v128_t s = wasm_v128_load32_splat(a0 + k);
            s00 = wasm_f32x4_add(s00, wasm_f32x4_mul(s, b0));
            s01 = wasm_f32x4_add(s01, wasm_f32x4_mul(s, b1));
            s = wasm_v128_load32_splat(a1 + k);
            s10 = wasm_f32x4_add(s10, wasm_f32x4_mul(s, b0));
            s11 = wasm_f32x4_add(s11, wasm_f32x4_mul(s, b1));
            s = wasm_v128_load32_splat(a2 + k);
            s20 = wasm_f32x4_add(s20, wasm_f32x4_mul(s, b0));
            s21 = wasm_f32x4_add(s21, wasm_f32x4_mul(s, b1));
            s = wasm_v128_load32_splat(a3 + k);
            s30 = wasm_f32x4_add(s30, wasm_f32x4_mul(s, b0));
            s31 = wasm_f32x4_add(s31, wasm_f32x4_mul(s, b1));
          }
          float *p = me + t * o + j;
          wasm_v128_store(p, s00), wasm_v128_store(p + 4, s01);
          wasm_v128_store(p + o, s10), wasm_v128_store(p + o + 4, s11);
          wasm_v128_store(p + 2 * o, s20), wasm_v128_store(p + 2 * o + 4, s21);
          wasm_v128_store(p + 3 * o, s30), wasm_v128_store(p + 3 * o + 4, s31);
        }
        for (; t < tiles; t++) {
          const float *a0 = ve + t * c, *b = ue + j;
          v128_t s00 = z, s01 = z;
          for (int32_t k = 0; k < c; k++, b += o) {
            const v128_t s = wasm_v128_load32_splat(a0 + k);
            s00 = wasm_f32x4_add(s00, wasm_f32x4_mul(s, wasm_v128_load(b)));
            s01 = wasm_f32x4_add(s01, wasm_f32x4_mul(s, wasm_v128_load(b + 4)));
          }
          wasm_v128_store(me + t * o + j, s00), wasm_v128_store(me + t * o + j + 4, s01);
        }
      }
    }
    // Output tiles: A^T m A, plus the bias, then ReLU; the last row and
    // column of tiles may reach past the output.
    const int32_t plane = tiles * o;
    for (int32_t ty = 0; ty < th; ty++) {
      const int32_t has_r1 = 2 * ty + 1 < out_h;
      for (int32_t tx = 0; tx < tw; tx++) {
        const int32_t has_q1 = 2 * tx + 1 < out_w;
        const float *pm = m + (ty * tw + tx) * o;
        float *py = yn + (2 * ty * out_w + 2 * tx) * o;
        for (int32_t j = 0; j < o; j += 4) {
#define M(e) wasm_v128_load(pm + (e) * plane + j)
          // Rows: A^T m.
          const v128_t s00 = wasm_f32x4_add(wasm_f32x4_add(M(0), M(4)), M(8));
          const v128_t s01 = wasm_f32x4_add(wasm_f32x4_add(M(1), M(5)), M(9));
          const v128_t s02 = wasm_f32x4_add(wasm_f32x4_add(M(2), M(6)), M(10));
          const v128_t s03 = wasm_f32x4_add(wasm_f32x4_add(M(3), M(7)), M(11));
          const v128_t s10 = wasm_f32x4_sub(wasm_f32x4_sub(M(4), M(8)), M(12));
          const v128_t s11 = wasm_f32x4_sub(wasm_f32x4_sub(M(5), M(9)), M(13));
          const v128_t s12 = wasm_f32x4_sub(wasm_f32x4_sub(M(6), M(10)), M(14));
          const v128_t s13 = wasm_f32x4_sub(wasm_f32x4_sub(M(7), M(11)), M(15));
#undef M
          const v128_t b = bias ? wasm_v128_load(bias + j) : z;
          // Columns: (A^T m) A.
          v128_t y00 = wasm_f32x4_add(wasm_f32x4_add(wasm_f32x4_add(s00, s01), s02), b);
          v128_t y01 = wasm_f32x4_add(wasm_f32x4_sub(wasm_f32x4_sub(s01, s02), s03), b);
          v128_t y10 = wasm_f32x4_add(wasm_f32x4_add(wasm_f32x4_add(s10, s11), s12), b);
          v128_t y11 = wasm_f32x4_add(wasm_f32x4_sub(wasm_f32x4_sub(s11, s12), s13), b);
          if (relu) {
            y00 = wasm_f32x4_pmax(z, y00), y01 = wasm_f32x4_pmax(z, y01);
            y10 = wasm_f32x4_pmax(z, y10), y11 = wasm_f32x4_pmax(z, y11);
          }
          wasm_v128_store(py + j, y00);
          if (has_q1) wasm_v128_store(py + o + j, y01);
          if (has_r1) {
            wasm_v128_store(py + out_w * o + j, y10);
            if (has_q1) wasm_v128_store(py + (out_w + 1) * o + j, y11);
          }
        }
      }
    }
  }
}

// A dy A^T of a 2x2 tile of 4-channel vectors [p q; r s], with
// A = [1 0; 1 1; 1 -1; 0 -1], stored at g[e * stride] for e = 0..15.
static inline void winograd_grad_tile(v128_t p, v128_t q, v128_t r, v128_t s, float *g,
                                      int32_t stride) {
#define ROW(a, u, w)                                                               \
  wasm_v128_store(g + (4 * (a)) * stride, u);                                      \
  wasm_v128_store(g + (4 * (a) + 1) * stride, wasm_f32x4_add(u, w));               \
  wasm_v128_store(g + (4 * (a) + 2) * stride, wasm_f32x4_sub(u, w));               \
  wasm_v128_store(g + (4 * (a) + 3) * stride, wasm_f32x4_neg(w))
  ROW(0, p, q);
  ROW(1, wasm_f32x4_add(p, r), wasm_f32x4_add(q, s));
  ROW(2, wasm_f32x4_sub(p, r), wasm_f32x4_sub(q, s));
  ROW(3, wasm_f32x4_neg(r), wasm_f32x4_neg(s));
#undef ROW
}

// The filter gradient of a 3x3, stride-1 convolution (NHWC, c input
// channels a multiple of 4, o filters a multiple of 8), by the transpose of
// Winograd F(2x2, 3x3): with the input tiles transformed as in the forward
// pass, v = B^T d B, and the matching 2x2 tiles of dy as g = A dy A^T (zero
// past the output), m[e, k, j] = sum over images and tiles of v[e, t, k] *
// g[e, t, j], and dw[a, b, k, j] = (G^T m G)[a, b]. v (16 * tiles * c
// floats), g (16 * tiles * o) and m (16 * c * o) are the caller's scratch,
// tiles = ceil(out_h / 2) * ceil(out_w / 2).
EXPORT(conv3x3_winograd_filter_grad)
void conv3x3_winograd_filter_grad(const float *x, const float *dy, float *dw, float *v,
                                  float *g, float *m, int32_t batch, int32_t in_h,
                                  int32_t in_w, int32_t c, int32_t out_h, int32_t out_w,
                                  int32_t o, int32_t pt, int32_t pl) {
  const int32_t th = (out_h + 1) / 2, tw = (out_w + 1) / 2, tiles = th * tw;
  const v128_t z = wasm_f32x4_splat(0.0f);
  zero(m, 16 * c * o);
  for (int32_t n = 0; n < batch; n++) {
    winograd_inputs(x + n * in_h * in_w * c, v, in_h, in_w, c, th, tw, pt, pl);
    const float *gn = dy + n * out_h * out_w * o;
    for (int32_t ty = 0; ty < th; ty++) {
      const int32_t has_r1 = 2 * ty + 1 < out_h;
      for (int32_t tx = 0; tx < tw; tx++) {
        const int32_t has_q1 = 2 * tx + 1 < out_w;
        const float *pd = gn + (2 * ty * out_w + 2 * tx) * o;
        float *pg = g + (ty * tw + tx) * o;
        for (int32_t j = 0; j < o; j += 4) {
          winograd_grad_tile(wasm_v128_load(pd + j), has_q1 ? wasm_v128_load(pd + o + j) : z,
                             has_r1 ? wasm_v128_load(pd + out_w * o + j) : z,
                             has_r1 && has_q1 ? wasm_v128_load(pd + (out_w + 1) * o + j) : z,
                             pg + j, tiles * o);
        }
      }
    }
    // m[e] += v[e]^T g[e], four input channels by eight filters at a time.
    for (int32_t e = 0; e < 16; e++) {
      const float *ve = v + e * tiles * c, *ge = g + e * tiles * o;
      float *me = m + e * c * o;
      for (int32_t k = 0; k < c; k += 4) {
        for (int32_t j = 0; j < o; j += 8) {
          float *p = me + k * o + j;
          v128_t s00 = wasm_v128_load(p), s01 = wasm_v128_load(p + 4);
          v128_t s10 = wasm_v128_load(p + o), s11 = wasm_v128_load(p + o + 4);
          v128_t s20 = wasm_v128_load(p + 2 * o), s21 = wasm_v128_load(p + 2 * o + 4);
          v128_t s30 = wasm_v128_load(p + 3 * o), s31 = wasm_v128_load(p + 3 * o + 4);
          const float *a = ve + k, *b = ge + j;
          for (int32_t t = 0; t < tiles; t++, a += c, b += o) {
            const v128_t b0 = wasm_v128_load(b), b1 = wasm_v128_load(b + 4);
            v128_t s = wasm_v128_load32_splat(a);
            s00 = wasm_f32x4_add(s00, wasm_f32x4_mul(s, b0));
            s01 = wasm_f32x4_add(s01, wasm_f32x4_mul(s, b1));
            s = wasm_v128_load32_splat(a + 1);
            s10 = wasm_f32x4_add(s10, wasm_f32x4_mul(s, b0));
            s11 = wasm_f32x4_add(s11, wasm_f32x4_mul(s, b1));
            s = wasm_v128_load32_splat(a + 2);
            s20 = wasm_f32x4_add(s20, wasm_f32x4_mul(s, b0));
            s21 = wasm_f32x4_add(s21, wasm_f32x4_mul(s, b1));
            s = wasm_v128_load32_splat(a + 3);
            s30 = wasm_f32x4_add(s30, wasm_f32x4_mul(s, b0));
            s31 = wasm_f32x4_add(s31, wasm_f32x4_mul(s, b1));
          }
          wasm_v128_store(p, s00), wasm_v128_store(p + 4, s01);
          wasm_v128_store(p + o, s10), wasm_v128_store(p + o + 4, s11);
          wasm_v128_store(p + 2 * o, s20), wasm_v128_store(p + 2 * o + 4, s21);
          wasm_v128_store(p + 3 * o, s30), wasm_v128_store(p + 3 * o + 4, s31);
        }
      }
    }
  }
  // dw = G^T m G, G^T = [1 1/2 1/2 0; 0 1/2 -1/2 0; 0 1/2 1/2 1].
  const v128_t half = wasm_f32x4_splat(0.5f);
  const int32_t plane = c * o;
  for (int32_t k = 0; k < c; k++) {
    for (int32_t j = 0; j < o; j += 4) {
      const float *pm = m + k * o + j;
      float *pw = dw + k * o + j;
#define M(e) wasm_v128_load(pm + (e) * plane)
#define ROWS(b, t0, t1, t2)                                                        \
  const v128_t sum##b = wasm_f32x4_mul(half, wasm_f32x4_add(M(4 + b), M(8 + b)));  \
  const v128_t t0 = wasm_f32x4_add(M(b), sum##b);                                  \
  const v128_t t1 = wasm_f32x4_mul(half, wasm_f32x4_sub(M(4 + b), M(8 + b)));      \
  const v128_t t2 = wasm_f32x4_add(sum##b, M(12 + b))
      ROWS(0, t00, t10, t20);
      ROWS(1, t01, t11, t21);
      ROWS(2, t02, t12, t22);
      ROWS(3, t03, t13, t23);
#undef ROWS
#undef M
#define COLS(a, u0, u1, u2, u3)                                                    \
  {                                                                                \
    const v128_t h = wasm_f32x4_mul(half, wasm_f32x4_add(u1, u2));                 \
    wasm_v128_store(pw + (3 * (a)) * plane, wasm_f32x4_add(u0, h));                \
    wasm_v128_store(pw + (3 * (a) + 1) * plane,                                    \
                    wasm_f32x4_mul(half, wasm_f32x4_sub(u1, u2)));                 \
    wasm_v128_store(pw + (3 * (a) + 2) * plane, wasm_f32x4_add(h, u3));            \
  }
      COLS(0, t00, t01, t02, t03);
      COLS(1, t10, t11, t12, t13);
      COLS(2, t20, t21, t22, t23);
#undef COLS
    }
  }
}
