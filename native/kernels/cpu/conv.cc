// Fast 2-D convolution (direct algorithm, threaded): each task owns one output plane (forward),
// one input-gradient plane, or one (k, c) weight-gradient slice, so no two threads write the same
// memory. The innermost loop runs along a row with unit stride when stride_w == 1 (vectorisable).
// x (N,C,H,W), w (K,C/g,R,S), y (N,K,P,Q), all contiguous.
#include <algorithm>
#include <cstring>
#include "nr/kernels/conv.h"
#include "nr/kernels/dispatch.h"
#include "runtime/cpu_features.h"
#include "runtime/threadpool.h"

namespace nr {

namespace {

// Output columns q whose input column q*sw - pw + off lies in [0, W): [q0, q1).
inline void q_range(const Conv2dShape& s, int64_t off, int64_t* q0, int64_t* q1) {
  // iw = q*sw + (off - pw) >= 0  ->  q >= ceil((pw - off)/sw)
  int64_t a = s.pw - off;
  int64_t lo = a <= 0 ? 0 : (a + s.sw - 1) / s.sw;
  // iw <= W-1  ->  q <= floor((W - 1 + pw - off)/sw)
  int64_t b = s.W - 1 + s.pw - off;
  int64_t hi = b < 0 ? 0 : b / s.sw + 1;
  *q0 = std::max<int64_t>(0, lo);
  *q1 = std::min<int64_t>(s.Q, hi);
}

template <typename T>
void fwd(const Conv2dShape& s, const T* x, const T* w, T* y) {
  const int64_t cg = s.C / s.groups, kg = s.K / s.groups, PQ = s.P * s.Q;
  parallel_for(s.N * s.K, 1, [&](int64_t b, int64_t e) {
    for (int64_t nk = b; nk < e; ++nk) {
      const int64_t n = nk / s.K, k = nk % s.K, g = k / kg;
      T* yp = y + nk * PQ;
      std::memset(yp, 0, sizeof(T) * PQ);
      for (int64_t c = 0; c < cg; ++c) {
        const T* xc = x + (n * s.C + g * cg + c) * s.H * s.W;
        const T* wc = w + (k * cg + c) * s.R * s.S;
        for (int64_t r = 0; r < s.R; ++r)
          for (int64_t t = 0; t < s.S; ++t) {
            const T wv = wc[r * s.S + t];
            const int64_t off = t * s.dw;
            int64_t q0, q1;
            q_range(s, off, &q0, &q1);
            for (int64_t p = 0; p < s.P; ++p) {
              const int64_t ih = p * s.sh - s.ph + r * s.dh;
              if (ih < 0 || ih >= s.H) continue;
              const T* xr = xc + ih * s.W + off - s.pw;
              T* yr = yp + p * s.Q;
              if (s.sw == 1) for (int64_t q = q0; q < q1; ++q) yr[q] += wv * xr[q];
              else for (int64_t q = q0; q < q1; ++q) yr[q] += wv * xr[q * s.sw];
            }
          }
      }
    }
  });
}

template <typename T>
void bwd_input(const Conv2dShape& s, const T* gy, const T* w, T* gx) {
  const int64_t cg = s.C / s.groups, kg = s.K / s.groups, PQ = s.P * s.Q, HW = s.H * s.W;
  parallel_for(s.N * s.C, 1, [&](int64_t b, int64_t e) {
    for (int64_t nc = b; nc < e; ++nc) {
      const int64_t n = nc / s.C, ci = nc % s.C, g = ci / cg, c = ci % cg;
      T* gxp = gx + nc * HW;
      std::memset(gxp, 0, sizeof(T) * HW);
      for (int64_t kk = 0; kk < kg; ++kk) {
        const int64_t k = g * kg + kk;
        const T* gyk = gy + (n * s.K + k) * PQ;
        const T* wc = w + (k * cg + c) * s.R * s.S;
        for (int64_t r = 0; r < s.R; ++r)
          for (int64_t t = 0; t < s.S; ++t) {
            const T wv = wc[r * s.S + t];
            const int64_t off = t * s.dw;
            int64_t q0, q1;
            q_range(s, off, &q0, &q1);
            for (int64_t p = 0; p < s.P; ++p) {
              const int64_t ih = p * s.sh - s.ph + r * s.dh;
              if (ih < 0 || ih >= s.H) continue;
              T* xr = gxp + ih * s.W + off - s.pw;
              const T* gr = gyk + p * s.Q;
              if (s.sw == 1) for (int64_t q = q0; q < q1; ++q) xr[q] += wv * gr[q];
              else for (int64_t q = q0; q < q1; ++q) xr[q * s.sw] += wv * gr[q];
            }
          }
      }
    }
  });
}

template <typename T>
void bwd_weight(const Conv2dShape& s, const T* gy, const T* x, T* gw) {
  const int64_t cg = s.C / s.groups, kg = s.K / s.groups, PQ = s.P * s.Q;
  parallel_for(s.K * cg, 1, [&](int64_t b, int64_t e) {
    for (int64_t kc = b; kc < e; ++kc) {
      const int64_t k = kc / cg, c = kc % cg, g = k / kg;
      for (int64_t r = 0; r < s.R; ++r)
        for (int64_t t = 0; t < s.S; ++t) {
          const int64_t off = t * s.dw;
          int64_t q0, q1;
          q_range(s, off, &q0, &q1);
          T acc = 0;
          for (int64_t n = 0; n < s.N; ++n) {
            const T* xc = x + (n * s.C + g * cg + c) * s.H * s.W;
            const T* gyk = gy + (n * s.K + k) * PQ;
            for (int64_t p = 0; p < s.P; ++p) {
              const int64_t ih = p * s.sh - s.ph + r * s.dh;
              if (ih < 0 || ih >= s.H) continue;
              const T* xr = xc + ih * s.W + off - s.pw;
              const T* gr = gyk + p * s.Q;
              T part = 0;
              if (s.sw == 1) for (int64_t q = q0; q < q1; ++q) part += gr[q] * xr[q];
              else for (int64_t q = q0; q < q1; ++q) part += gr[q] * xr[q * s.sw];
              acc += part;
            }
          }
          gw[(kc * s.R + r) * s.S + t] = acc;
        }
    }
  });
}

}  // namespace

void conv2d_forward(const Conv2dShape& s, const View& x, const View& w, const View& y) {
  if (active_isa() == Isa::kRef) return conv2d_forward_ref(s, x, w, y);
  NR_DISPATCH_FLOAT(x.dtype, T, fwd<T>(s, x.ptr<T>(), w.ptr<T>(), y.ptr<T>()));
}
void conv2d_backward_input(const Conv2dShape& s, const View& gy, const View& w, const View& gx) {
  if (active_isa() == Isa::kRef) return conv2d_backward_input_ref(s, gy, w, gx);
  NR_DISPATCH_FLOAT(gy.dtype, T, bwd_input<T>(s, gy.ptr<T>(), w.ptr<T>(), gx.ptr<T>()));
}
void conv2d_backward_weight(const Conv2dShape& s, const View& gy, const View& x, const View& gw) {
  if (active_isa() == Isa::kRef) return conv2d_backward_weight_ref(s, gy, x, gw);
  NR_DISPATCH_FLOAT(gy.dtype, T, bwd_weight<T>(s, gy.ptr<T>(), x.ptr<T>(), gw.ptr<T>()));
}

}  // namespace nr
