// Reference reductions: for each kept position, walk the reduced block with a strided iterator and
// accumulate in double (int64 for integer sums). Also the NaN-propagating max/min with indices.
#include <cmath>
#include <limits>
#include "nr/kernels/dispatch.h"
#include "nr/kernels/reduce.h"
#include "runtime/threadpool.h"

namespace nr {

const char* reduce_name(ReduceOp op) {
  static const char* names[] = {
#define NR_X(n) #n,
      NR_REDUCE_OPS(NR_X)
#undef NR_X
  };
  return (int)op >= 0 && op < ReduceOp::kCount ? names[(int)op] : "?";
}

namespace {

// Splits x into the kept (outer) view and the reduced (inner) view.
void split_views(const View& x, int nkept, View* outer, View* inner) {
  outer->dtype = inner->dtype = x.dtype;
  outer->ndim = nkept;
  inner->ndim = x.ndim - nkept;
  outer->numel = inner->numel = 1;
  for (int d = 0; d < nkept; ++d) { outer->shape[d] = x.shape[d]; outer->strides[d] = x.strides[d]; outer->numel *= x.shape[d]; }
  for (int d = nkept; d < x.ndim; ++d) {
    inner->shape[d - nkept] = x.shape[d]; inner->strides[d - nkept] = x.strides[d]; inner->numel *= x.shape[d];
  }
  outer->data = inner->data = x.data;
}

template <typename T>
void store_out(const View& out, int64_t i, double v) {
  switch (out.dtype) {
    case DType::f32: out.ptr<float>()[i] = (float)v; break;
    case DType::f64: out.ptr<double>()[i] = v; break;
    case DType::i64: out.ptr<int64_t>()[i] = (int64_t)v; break;
    case DType::i32: out.ptr<int32_t>()[i] = (int32_t)v; break;
    case DType::u8: case DType::b8: out.ptr<uint8_t>()[i] = (uint8_t)v; break;
    default: break;
  }
}

// One reduction of `n` elements of type T at base (strided by the inner iterator).
template <typename T>
void reduce_one(ReduceOp op, const View& out, int64_t oidx, const View& inner, const T* base, double param) {
  const int64_t n = inner.numel;
  StridedIter it(inner);
  auto at = [&](void) { return base[it.off]; };
  switch (op) {
    case ReduceOp::sum: case ReduceOp::mean: {
      if constexpr (std::is_integral<T>::value) {
        int64_t s = 0;
        for (int64_t k = 0; k < n; ++k, it.next()) s = (int64_t)((uint64_t)s + (uint64_t)(int64_t)at());   // wraps, no UB
        if (out.dtype == DType::i64) { out.ptr<int64_t>()[oidx] = s; return; }
        store_out<T>(out, oidx, (double)s / (op == ReduceOp::mean ? (double)n : 1.0));
        return;
      } else {
        double s = 0;
        for (int64_t k = 0; k < n; ++k, it.next()) s += (double)at();
        store_out<T>(out, oidx, op == ReduceOp::mean ? s / (double)n : s);
        return;
      }
    }
    case ReduceOp::prod: {
      if constexpr (std::is_integral<T>::value) {
        int64_t s = 1;
        for (int64_t k = 0; k < n; ++k, it.next()) s = (int64_t)((uint64_t)s * (uint64_t)(int64_t)at());
        out.ptr<int64_t>()[oidx] = s;
        return;
      } else {
        double s = 1;
        for (int64_t k = 0; k < n; ++k, it.next()) s *= (double)at();
        store_out<T>(out, oidx, s);
        return;
      }
    }
    case ReduceOp::amax: case ReduceOp::amin: case ReduceOp::argmax: case ReduceOp::argmin: {
      bool mx = op == ReduceOp::amax || op == ReduceOp::argmax;
      T best = at();
      int64_t bi = 0;
      bool nan = false;
      for (int64_t k = 0; k < n; ++k, it.next()) {
        T v = at();
        if constexpr (std::is_floating_point<T>::value) {
          if (std::isnan(v)) { if (!nan) { nan = true; best = v; bi = k; } continue; }
          if (nan) continue;
        }
        if (k == 0 || (mx ? v > best : v < best)) { best = v; bi = k; }
      }
      if (op == ReduceOp::argmax || op == ReduceOp::argmin) out.ptr<int64_t>()[oidx] = bi;
      else out.ptr<T>()[oidx] = best;
      return;
    }
    case ReduceOp::var: {
      double mean = 0;
      for (int64_t k = 0; k < n; ++k, it.next()) mean += (double)at();
      mean /= (double)n;
      it.seek(0);
      double ss = 0;
      for (int64_t k = 0; k < n; ++k, it.next()) { double d = (double)at() - mean; ss += d * d; }
      double den = (double)n - param;
      store_out<T>(out, oidx, den > 0 ? ss / den : (den == 0 && ss == 0 ? NAN : ss / den));
      return;
    }
    case ReduceOp::logsumexp: {
      double m = -INFINITY;
      for (int64_t k = 0; k < n; ++k, it.next()) { double v = (double)at(); if (v > m || std::isnan(v)) m = v; }
      if (std::isnan(m)) { store_out<T>(out, oidx, m); return; }
      if (std::isinf(m)) { store_out<T>(out, oidx, m); return; }
      it.seek(0);
      double s = 0;
      for (int64_t k = 0; k < n; ++k, it.next()) s += std::exp((double)at() - m);
      store_out<T>(out, oidx, m + std::log(s));
      return;
    }
    case ReduceOp::norm: {
      double p = param, s = 0;
      if (std::isinf(p)) {
        s = p > 0 ? 0 : INFINITY;
        for (int64_t k = 0; k < n; ++k, it.next()) { double a = std::fabs((double)at()); if (std::isnan(a)) { s = a; break; } s = p > 0 ? std::max(s, a) : std::min(s, a); }
      } else if (p == 0) {
        for (int64_t k = 0; k < n; ++k, it.next()) s += at() != 0;
      } else if (p == 1) {
        for (int64_t k = 0; k < n; ++k, it.next()) s += std::fabs((double)at());
      } else if (p == 2) {
        for (int64_t k = 0; k < n; ++k, it.next()) { double a = (double)at(); s += a * a; }
        s = std::sqrt(s);
      } else {
        for (int64_t k = 0; k < n; ++k, it.next()) s += std::pow(std::fabs((double)at()), p);
        s = std::pow(s, 1.0 / p);
      }
      store_out<T>(out, oidx, s);
      return;
    }
    case ReduceOp::any: case ReduceOp::all: {
      bool any = op == ReduceOp::any, r = !any;
      for (int64_t k = 0; k < n; ++k, it.next()) {
        bool nz = at() != 0;
        if (any && nz) { r = true; break; }
        if (!any && !nz) { r = false; break; }
      }
      out.ptr<uint8_t>()[oidx] = r;
      return;
    }
    default: return;
  }
}

template <typename T>
void reduce_typed(ReduceOp op, const View& out, const View& x, int nkept, double param, bool threaded) {
  View outer, inner;
  split_views(x, nkept, &outer, &inner);
  auto body = [&](int64_t b, int64_t e) {
    StridedIter oi(outer, b);
    for (int64_t i = b; i < e; ++i, oi.next()) reduce_one<T>(op, out, i, inner, x.ptr<T>() + oi.off, param);
  };
  if (threaded) parallel_for(outer.numel, std::max<int64_t>(1, (1 << 15) / std::max<int64_t>(1, inner.numel)), body);
  else body(0, outer.numel);
}

}  // namespace

void reduce_ref(ReduceOp op, const View& out, const View& x, int nkept, double param) {
  NR_DISPATCH_ARITH(x.dtype, T, reduce_typed<T>(op, out, x, nkept, param, false));
}

// Generic threaded path used by the fast dispatcher for layouts without a specialised kernel.
void reduce_generic(ReduceOp op, const View& out, const View& x, int nkept, double param) {
  NR_DISPATCH_ARITH(x.dtype, T, reduce_typed<T>(op, out, x, nkept, param, true));
}

void reduce_minmax_ref(bool is_max, const View& values, const View& indices, const View& x, int nkept) {
  View outer, inner;
  split_views(x, nkept, &outer, &inner);
  NR_DISPATCH_ARITH(x.dtype, T, {
    StridedIter oi(outer, 0);
    for (int64_t i = 0; i < outer.numel; ++i, oi.next()) {
      const T* base = x.ptr<T>() + oi.off;
      reduce_one<T>(is_max ? ReduceOp::amax : ReduceOp::amin, values, i, inner, base, 0);
      reduce_one<T>(is_max ? ReduceOp::argmax : ReduceOp::argmin, indices, i, inner, base, 0);
    }
  });
}

}  // namespace nr
