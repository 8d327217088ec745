// Fast cross-entropy kernels: rows threaded over the pool; float32 rows use the per-ISA vector exp
// kernels of loss_simd.inc, float64 plain loops (the reference in kernels/ref/loss.cc accumulates
// in double).
#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>
#include "nr/kernels/dispatch.h"
#include "nr/kernels/loss.h"
#include "runtime/cpu_features.h"
#include "runtime/threadpool.h"

namespace nr {

namespace base {
namespace {
#include "loss_simd.inc"
}  // namespace
}  // namespace base

const LossF32* loss_f32_base() {
  static const LossF32 t = {base::row_lse_f32, base::row_scaled_softmax_f32};
  return &t;
}

namespace {

const LossF32* f32_table() {
  const LossF32* t = nullptr;
  switch (active_isa()) {
    case Isa::kAvx512: t = loss_f32_avx512(); if (!t) t = loss_f32_avx2(); break;
    case Isa::kAvx2: t = loss_f32_avx2(); break;
    default: break;
  }
  return t ? t : loss_f32_base();
}

// log(sum(exp(row))) in T (the float32 path uses the per-ISA kernel).
template <typename T>
T row_lse(const T* row, int64_t C, const LossF32* t) {
  if constexpr (std::is_same<T, float>::value) return t->row_lse(row, C);
  T mx = -std::numeric_limits<T>::infinity();
  for (int64_t c = 0; c < C; ++c) mx = row[c] > mx ? row[c] : mx;
  if (std::isinf(mx)) return mx;
  T s = 0;
  for (int64_t c = 0; c < C; ++c) s += std::exp(row[c] - mx);
  return mx + std::log(s);
}

// out = a * exp(row - l)
template <typename T>
void scaled_softmax(const T* row, T l, T a, T* out, int64_t C, const LossF32* t) {
  if constexpr (std::is_same<T, float>::value) return t->row_scaled_softmax(row, l, a, out, C);
  for (int64_t c = 0; c < C; ++c) out[c] = a * std::exp(row[c] - l);
}

constexpr int64_t kWork = 1 << 14;

inline int64_t tgt(const View& t, int64_t i) { return t.ptr<int64_t>()[i * t.strides[0]]; }

// x (M,C), target (M), weight (C)|null -> loss, lse, wt (M)
template <typename T>
void ce_fwd_t(const View& x, const View& target, const View* w, int64_t ignore, double e, const View& loss,
              const View& lse, const View& wt) {
  const int64_t M = x.shape[0], C = x.shape[1];
  const T* xp = x.ptr<T>();
  const T* wp = w ? w->ptr<T>() : nullptr;
  const int64_t ws = w ? w->strides[0] : 0;
  T* lp = loss.ptr<T>(); T* sp = lse.ptr<T>(); T* tp = wt.ptr<T>();
  const int64_t ls = loss.strides[0], ss = lse.strides[0], ts = wt.strides[0];
  const T es = (T)(e / (double)C), keep = (T)(1.0 - e);
  const LossF32* t32 = f32_table();
  parallel_for(M, std::max<int64_t>(1, kWork / std::max<int64_t>(1, C)), [&](int64_t b, int64_t end) {
    for (int64_t i = b; i < end; ++i) {
      const T* row = xp + i * C;
      const T l = row_lse<T>(row, C, t32);
      sp[i * ss] = l;
      const int64_t t = tgt(target, i);
      if (t == ignore) { lp[i * ls] = 0; tp[i * ts] = 0; continue; }
      const T wt_i = wp ? wp[t * ws] : T(1);
      T v = keep * -wt_i * (row[t] - l);
      if (e > 0) {
        T sm = 0;
        if (wp) { for (int64_t c = 0; c < C; ++c) sm += wp[c * ws] * (row[c] - l); }
        else { for (int64_t c = 0; c < C; ++c) sm += row[c] - l; }
        v -= es * sm;
      }
      lp[i * ls] = v;
      tp[i * ts] = wt_i;
    }
  });
}

// g (M), x (M,C), target (M), weight (C)|null, lse (M) -> dx (M,C)
template <typename T>
void ce_bwd_t(const View& g, const View& x, const View& target, const View* w, int64_t ignore, double e, const View& lse,
              const View& dx) {
  const int64_t M = x.shape[0], C = x.shape[1];
  const T* xp = x.ptr<T>(); T* dp = dx.ptr<T>();
  const T* wp = w ? w->ptr<T>() : nullptr;
  const int64_t ws = w ? w->strides[0] : 0;
  double W = (double)C;
  if (wp) { W = 0; for (int64_t c = 0; c < C; ++c) W += (double)wp[c * ws]; }
  const T es = (T)(e / (double)C), keep = (T)(1.0 - e), WT = (T)W;
  const LossF32* t32 = f32_table();
  parallel_for(M, std::max<int64_t>(1, kWork / std::max<int64_t>(1, C)), [&](int64_t b, int64_t end) {
    for (int64_t i = b; i < end; ++i) {
      const T* row = xp + i * C;
      T* out = dp + i * C;
      const int64_t t = tgt(target, i);
      if (t == ignore) { for (int64_t c = 0; c < C; ++c) out[c] = 0; continue; }
      const T gi = g.ptr<T>()[i * g.strides[0]], l = lse.ptr<T>()[i * lse.strides[0]];
      const T wt_i = wp ? wp[t * ws] : T(1);
      // dx = g * ((keep*wt + es*W) * p - es*w_c) - g*keep*wt at the target
      const T a = gi * (keep * wt_i + (e > 0 ? es * WT : T(0)));
      scaled_softmax<T>(row, l, a, out, C, t32);
      if (e > 0) {
        const T ge = gi * es;
        if (wp) { for (int64_t c = 0; c < C; ++c) out[c] -= ge * wp[c * ws]; }
        else { for (int64_t c = 0; c < C; ++c) out[c] -= ge; }
      }
      out[t] -= gi * keep * wt_i;
    }
  });
}

}  // namespace

void cross_entropy_fwd(const View& x, const View& target, const View* weight, int64_t ignore_index, double smoothing,
                       const View& loss, const View& lse, const View& wt) {
  if (active_isa() == Isa::kRef) return cross_entropy_fwd_ref(x, target, weight, ignore_index, smoothing, loss, lse, wt);
  NR_DISPATCH_FLOAT(x.dtype, T, ce_fwd_t<T>(x, target, weight, ignore_index, smoothing, loss, lse, wt));
}

void cross_entropy_bwd(const View& g, const View& x, const View& target, const View* weight, int64_t ignore_index,
                       double smoothing, const View& lse, const View& dx) {
  if (active_isa() == Isa::kRef) return cross_entropy_bwd_ref(g, x, target, weight, ignore_index, smoothing, lse, dx);
  NR_DISPATCH_FLOAT(x.dtype, T, ce_bwd_t<T>(g, x, target, weight, ignore_index, smoothing, lse, dx));
}

}  // namespace nr
