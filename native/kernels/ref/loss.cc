// Reference cross-entropy kernels (the oracle for kernels/cpu/loss.cc) and the NLL kernels, which
// are a single pass over M rows and serve every kernel level. Double accumulation, strided access.
#include <cmath>
#include <algorithm>
#include <limits>
#include "nr/kernels/dispatch.h"
#include "nr/kernels/loss.h"

namespace nr {

namespace {

template <typename T> inline T& at1(const View& v, int64_t i) { return v.ptr<T>()[i * v.strides[0]]; }
template <typename T> inline T& at2(const View& v, int64_t i, int64_t j) { return v.ptr<T>()[i * v.strides[0] + j * v.strides[1]]; }
inline int64_t tgt(const View& t, int64_t i) { return t.ptr<int64_t>()[i * t.strides[0]]; }

template <typename T>
double wsum(const View* w, int64_t C) {
  if (!w) return (double)C;
  double s = 0;
  for (int64_t c = 0; c < C; ++c) s += (double)at1<T>(*w, c);
  return s;
}

// x (M,C), target (M), weight (C)|null -> loss, lse, wt (M)
template <typename T>
void ce_fwd(const View& x, const View& target, const View* w, int64_t ignore, double e, const View& loss, const View& lse,
            const View& wt) {
  const int64_t M = x.shape[0], C = x.shape[1];
  for (int64_t i = 0; i < M; ++i) {
    double mx = -std::numeric_limits<double>::infinity();
    for (int64_t c = 0; c < C; ++c) mx = std::max(mx, (double)at2<T>(x, i, c));
    double s = 0;
    for (int64_t c = 0; c < C; ++c) s += std::exp((double)at2<T>(x, i, c) - mx);
    const double l = std::isinf(mx) ? mx : mx + std::log(s);
    at1<T>(lse, i) = (T)l;
    const int64_t t = tgt(target, i);
    if (t == ignore) { at1<T>(loss, i) = 0; at1<T>(wt, i) = 0; continue; }
    const double wt_i = w ? (double)at1<T>(*w, t) : 1.0;
    double v = (1.0 - e) * -wt_i * ((double)at2<T>(x, i, t) - l);
    if (e > 0) {
      double sm = 0;
      for (int64_t c = 0; c < C; ++c) sm += (w ? (double)at1<T>(*w, c) : 1.0) * ((double)at2<T>(x, i, c) - l);
      v += e / (double)C * -sm;
    }
    at1<T>(loss, i) = (T)v;
    at1<T>(wt, i) = (T)wt_i;
  }
}

// g (M), x (M,C), target (M), weight (C)|null, lse (M) -> dx (M,C)
template <typename T>
void ce_bwd(const View& g, const View& x, const View& target, const View* w, int64_t ignore, double e, const View& lse,
            const View& dx) {
  const int64_t M = x.shape[0], C = x.shape[1];
  const double W = wsum<T>(w, C);
  for (int64_t i = 0; i < M; ++i) {
    const int64_t t = tgt(target, i);
    if (t == ignore) { for (int64_t c = 0; c < C; ++c) at2<T>(dx, i, c) = 0; continue; }
    const double gi = (double)at1<T>(g, i), l = (double)at1<T>(lse, i);
    const double wt_i = w ? (double)at1<T>(*w, t) : 1.0;
    for (int64_t c = 0; c < C; ++c) {
      const double p = std::exp((double)at2<T>(x, i, c) - l);
      const double wc = w ? (double)at1<T>(*w, c) : 1.0;
      double v = (1.0 - e) * wt_i * (p - (c == t ? 1.0 : 0.0));
      if (e > 0) v += e / (double)C * (W * p - wc);
      at2<T>(dx, i, c) = (T)(gi * v);
    }
  }
}

template <typename T>
void nll_fwd_t(const View& x, const View& target, const View* w, int64_t ignore, const View& loss, const View& wt) {
  const int64_t M = x.shape[0];
  for (int64_t i = 0; i < M; ++i) {
    const int64_t t = tgt(target, i);
    if (t == ignore) { at1<T>(loss, i) = 0; at1<T>(wt, i) = 0; continue; }
    const T wt_i = w ? at1<T>(*w, t) : T(1);
    at1<T>(loss, i) = -wt_i * at2<T>(x, i, t);
    at1<T>(wt, i) = wt_i;
  }
}

template <typename T>
void nll_bwd_t(const View& g, const View& target, const View* w, int64_t ignore, const View& dx) {
  const int64_t M = dx.shape[0], C = dx.shape[1];
  for (int64_t i = 0; i < M; ++i) {
    for (int64_t c = 0; c < C; ++c) at2<T>(dx, i, c) = 0;
    const int64_t t = tgt(target, i);
    if (t == ignore) continue;
    at2<T>(dx, i, t) = -at1<T>(g, i) * (w ? at1<T>(*w, t) : T(1));
  }
}

}  // namespace

void cross_entropy_fwd_ref(const View& x, const View& target, const View* weight, int64_t ignore_index, double smoothing,
                           const View& loss, const View& lse, const View& wt) {
  NR_DISPATCH_FLOAT(x.dtype, T, ce_fwd<T>(x, target, weight, ignore_index, smoothing, loss, lse, wt));
}

void cross_entropy_bwd_ref(const View& g, const View& x, const View& target, const View* weight, int64_t ignore_index,
                           double smoothing, const View& lse, const View& dx) {
  NR_DISPATCH_FLOAT(x.dtype, T, ce_bwd<T>(g, x, target, weight, ignore_index, smoothing, lse, dx));
}

void nll_fwd(const View& x, const View& target, const View* weight, int64_t ignore_index, const View& loss, const View& wt) {
  NR_DISPATCH_FLOAT(x.dtype, T, nll_fwd_t<T>(x, target, weight, ignore_index, loss, wt));
}

void nll_bwd(const View& g, const View& target, const View* weight, int64_t ignore_index, const View& dx) {
  NR_DISPATCH_FLOAT(dx.dtype, T, nll_bwd_t<T>(g, target, weight, ignore_index, dx));
}

}  // namespace nr
