// Reference 2-D convolution: the textbook seven nested loops, double accumulation. The oracle for
// the fast kernels; x (N,C,H,W), w (K,C/g,R,S), y (N,K,P,Q), all contiguous.
#include "nr/kernels/conv.h"
#include "nr/kernels/dispatch.h"

namespace nr {

namespace {

template <typename T>
void fwd(const Conv2dShape& s, const T* x, const T* w, const T* bias, T* y) {
  const int64_t cg = s.C / s.groups, kg = s.K / s.groups;
  for (int64_t n = 0; n < s.N; ++n)
    for (int64_t k = 0; k < s.K; ++k) {
      const int64_t g = k / kg;
      for (int64_t p = 0; p < s.P; ++p)
        for (int64_t q = 0; q < s.Q; ++q) {
          double acc = bias ? (double)bias[k] : 0.0;
          for (int64_t c = 0; c < cg; ++c)
            for (int64_t r = 0; r < s.R; ++r) {
              const int64_t ih = p * s.sh - s.ph + r * s.dh;
              if (ih < 0 || ih >= s.H) continue;
              for (int64_t t = 0; t < s.S; ++t) {
                const int64_t iw = q * s.sw - s.pw + t * s.dw;
                if (iw < 0 || iw >= s.W) continue;
                acc += (double)x[((n * s.C + g * cg + c) * s.H + ih) * s.W + iw] * (double)w[((k * cg + c) * s.R + r) * s.S + t];
              }
            }
          y[((n * s.K + k) * s.P + p) * s.Q + q] = (T)acc;
        }
    }
}

template <typename T>
void bwd_input(const Conv2dShape& s, const T* gy, const T* w, T* gx) {
  const int64_t cg = s.C / s.groups, kg = s.K / s.groups;
  for (int64_t n = 0; n < s.N; ++n)
    for (int64_t ci = 0; ci < s.C; ++ci) {
      const int64_t g = ci / cg, c = ci % cg;
      for (int64_t ih = 0; ih < s.H; ++ih)
        for (int64_t iw = 0; iw < s.W; ++iw) {
          double acc = 0;
          for (int64_t kk = 0; kk < kg; ++kk) {
            const int64_t k = g * kg + kk;
            for (int64_t r = 0; r < s.R; ++r) {
              const int64_t ph = ih + s.ph - r * s.dh;
              if (ph < 0 || ph % s.sh) continue;
              const int64_t p = ph / s.sh;
              if (p >= s.P) continue;
              for (int64_t t = 0; t < s.S; ++t) {
                const int64_t qw = iw + s.pw - t * s.dw;
                if (qw < 0 || qw % s.sw) continue;
                const int64_t q = qw / s.sw;
                if (q >= s.Q) continue;
                acc += (double)gy[((n * s.K + k) * s.P + p) * s.Q + q] * (double)w[((k * cg + c) * s.R + r) * s.S + t];
              }
            }
          }
          gx[((n * s.C + ci) * s.H + ih) * s.W + iw] = (T)acc;
        }
    }
}

template <typename T>
void bwd_weight(const Conv2dShape& s, const T* gy, const T* x, T* gw) {
  const int64_t cg = s.C / s.groups, kg = s.K / s.groups;
  for (int64_t k = 0; k < s.K; ++k) {
    const int64_t g = k / kg;
    for (int64_t c = 0; c < cg; ++c)
      for (int64_t r = 0; r < s.R; ++r)
        for (int64_t t = 0; t < s.S; ++t) {
          double acc = 0;
          for (int64_t n = 0; n < s.N; ++n)
            for (int64_t p = 0; p < s.P; ++p) {
              const int64_t ih = p * s.sh - s.ph + r * s.dh;
              if (ih < 0 || ih >= s.H) continue;
              for (int64_t q = 0; q < s.Q; ++q) {
                const int64_t iw = q * s.sw - s.pw + t * s.dw;
                if (iw < 0 || iw >= s.W) continue;
                acc += (double)gy[((n * s.K + k) * s.P + p) * s.Q + q] * (double)x[((n * s.C + g * cg + c) * s.H + ih) * s.W + iw];
              }
            }
          gw[((k * cg + c) * s.R + r) * s.S + t] = (T)acc;
        }
  }
}

}  // namespace

void conv2d_forward_ref(const Conv2dShape& s, const View& x, const View& w, const View* bias, const View& y) {
  NR_DISPATCH_FLOAT(x.dtype, T, fwd<T>(s, x.ptr<T>(), w.ptr<T>(), bias ? bias->ptr<T>() : nullptr, y.ptr<T>()));
}
void conv2d_backward_input_ref(const Conv2dShape& s, const View& gy, const View& w, const View& gx) {
  NR_DISPATCH_FLOAT(gy.dtype, T, bwd_input<T>(s, gy.ptr<T>(), w.ptr<T>(), gx.ptr<T>()));
}
void conv2d_backward_weight_ref(const Conv2dShape& s, const View& gy, const View& x, const View& gw) {
  NR_DISPATCH_FLOAT(gy.dtype, T, bwd_weight<T>(s, gy.ptr<T>(), x.ptr<T>(), gw.ptr<T>()));
}

}  // namespace nr
